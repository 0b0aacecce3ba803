// Where an invocation's time goes (`--print-timings` or KILN_PROFILE=1): wall-clock time per
// phase on the main thread, nested phases counted once (a compile inside execute is compile),
// and each phase's share of the whole process's wall time, process start included.

export const PHASES = ['startup', 'load', 'parse cache', 'parse', 'graph', 'compile', 'write artifacts', 'execute'] as const;
export type Phase = (typeof PHASES)[number];

interface Open {
  readonly phase: Phase;
  readonly start: number;
  /** Time spent in phases nested inside this one. */
  nested: number;
}

export interface PhaseTiming {
  readonly phase: Phase | 'other';
  readonly ms: number;
  /** Share of the process's wall time, 0..1. */
  readonly share: number;
}

/** The artifact writer thread's time, in ms (ArtifactWriter.threadTimes). */
export interface WriterTimes {
  readonly busyMs: number;
  readonly aliveMs: number;
  /** The main thread's wait for it at the end (inside `write artifacts`). */
  readonly waitedMs: number;
}

export class Timings {
  private readonly totals = new Map<Phase, number>();
  /** The writer thread's time, when the command had one. */
  writer: WriterTimes | null = null;
  private readonly stack: Open[] = [];

  /** performance.now() at which this invocation's wall clock starts (0: process start). */
  private readonly origin: number;

  constructor() {
    // The first invocation of a process owns its start: module loading counts as startup.
    // Later ones (tests run many in one process) start when main() was called.
    const started = mainStartedAt ?? performance.now();
    this.origin = invocations > 1 ? started : 0;
    this.totals.set('startup', invocations > 1 ? 0 : started);
  }

  /** Runs `fn` as `phase` (synchronous). */
  time<T>(phase: Phase, fn: () => T): T {
    this.begin(phase);
    try {
      return fn();
    } finally {
      this.end();
    }
  }

  /** Runs `fn` as `phase`; time spent in nested synchronous phases is theirs, not this one's. */
  async timeAsync<T>(phase: Phase, fn: () => Promise<T>): Promise<T> {
    this.begin(phase);
    try {
      return await fn();
    } finally {
      this.end();
    }
  }

  begin(phase: Phase): void {
    this.stack.push({ phase, start: performance.now(), nested: 0 });
  }

  end(): void {
    const open = this.stack.pop();
    if (!open) return;
    const elapsed = performance.now() - open.start;
    this.totals.set(open.phase, (this.totals.get(open.phase) ?? 0) + elapsed - open.nested);
    const parent = this.stack[this.stack.length - 1];
    if (parent) parent.nested += elapsed;
  }

  /** Every phase (zeros included) and `other` (the rest of the wall time), as of now. */
  report(): { wallMs: number; phases: PhaseTiming[] } {
    const wallMs = performance.now() - this.origin;
    const phases: PhaseTiming[] = PHASES.map((phase) => ({ phase, ms: this.totals.get(phase) ?? 0, share: 0 }));
    const counted = phases.reduce((s, p) => s + p.ms, 0);
    phases.push({ phase: 'other', ms: Math.max(0, wallMs - counted), share: 0 });
    return { wallMs, phases: phases.map((p) => ({ ...p, share: wallMs > 0 ? p.ms / wallMs : 0 })) };
  }

  /** The report as a small aligned table. */
  format(): string {
    const { wallMs, phases } = this.report();
    const rows = phases.map((p) => `  ${p.phase.padEnd(16)}${(p.ms / 1000).toFixed(3).padStart(8)}s ${(p.share * 100).toFixed(1).padStart(6)}%`);
    const lines = ['Timings (wall clock, main thread):', ...rows, `  ${'total'.padEnd(16)}${(wallMs / 1000).toFixed(3).padStart(8)}s ${'100.0'.padStart(6)}%`];
    const w = this.writer;
    if (w) lines.push(`Writer thread: busy ${(w.busyMs / 1000).toFixed(3)}s of ${(w.aliveMs / 1000).toFixed(3)}s alive; the main thread waited ${(w.waitedMs / 1000).toFixed(3)}s for it at the end`);
    return lines.join('\n');
  }
}

let mainStartedAt: number | undefined;
let invocations = 0;

/** Marks the end of startup (module loading); called first thing in main(). */
export function markMainStarted(): void {
  invocations++;
  mainStartedAt = performance.now();
}

/** Whether timings were asked for: the flag, or KILN_PROFILE=1 in the environment. */
export function timingsWanted(flag: boolean | undefined): boolean {
  const env = process.env.KILN_PROFILE;
  return !!flag || (env !== undefined && env !== '' && env !== '0' && env.toLowerCase() !== 'false');
}

/** Prints the timings to stderr (one JSON event with --log-format json), keeping stdout for output. */
export function printTimings(timings: Timings | undefined, opts: { logFormat?: 'text' | 'json' }, io: { stderr: (text: string) => void }): void {
  if (!timings) return;
  if (opts.logFormat === 'json') {
    const { wallMs, phases } = timings.report();
    const w = timings.writer;
    const writer = w ? { writer: { busy_s: w.busyMs / 1000, alive_s: w.aliveMs / 1000, waited_s: w.waitedMs / 1000 } } : {};
    io.stderr(`${JSON.stringify({ ts: new Date().toISOString(), level: 'info', event: 'timings', wall_s: wallMs / 1000, phases: phases.map((p) => ({ phase: p.phase, seconds: p.ms / 1000, share: p.share })), ...writer })}\n`);
  } else io.stderr(`${timings.format()}\n`);
}
