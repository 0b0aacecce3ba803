// target/run_history.jsonl: one line per run/build/test/seed invocation, newest last, bounded
// (the last 100 runs, and never much more than 64 MB). The docs site's runs page reads it.
// A line that does not parse (a crash mid-write by an older version, a hand edit) is skipped.
import fs from 'node:fs';
import path from 'node:path';
import type { NodeStatus, RunSummary } from '../runner/results.js';

export const RUN_HISTORY_FILE = 'run_history.jsonl';
export const RUN_HISTORY_LIMIT = 100;
const MAX_BYTES = 64 * 1024 * 1024;

export interface HistoryResult {
  readonly id: string;
  readonly status: NodeStatus;
  /** Seconds. */
  readonly time: number;
  /** Tests: failing rows. */
  readonly failures?: number;
  /** Only for error, fail and warn: what went wrong (shortened). */
  readonly message?: string;
}

export interface HistoryEntry {
  readonly invocation_id: string;
  readonly command: string;
  readonly started_at: string;
  readonly elapsed_time: number;
  /** success, error (a node failed), cancelled (--fail-fast) or interrupted (Ctrl-C). */
  readonly status: 'success' | 'error' | 'cancelled' | 'interrupted';
  readonly target: string;
  readonly select: readonly string[];
  readonly exclude: readonly string[];
  readonly results: readonly HistoryResult[];
}

export interface HistoryInvocation {
  readonly invocationId: string;
  readonly command: string;
  readonly startedAt: Date;
  readonly target: string;
  readonly select?: readonly string[];
  readonly exclude?: readonly string[];
}

export function historyEntry(summary: RunSummary, inv: HistoryInvocation): HistoryEntry {
  const failed = summary.results.some((r) => r.status === 'error' || r.status === 'fail');
  return {
    invocation_id: inv.invocationId,
    command: inv.command,
    started_at: inv.startedAt.toISOString(),
    elapsed_time: round(summary.elapsedSeconds),
    status: summary.interrupted ? 'interrupted' : failed ? 'error' : summary.cancelled ? 'cancelled' : 'success',
    target: inv.target,
    select: inv.select ?? [],
    exclude: inv.exclude ?? [],
    results: summary.results.map((r) => ({
      id: r.uniqueId,
      status: r.status,
      time: round(r.executionTime),
      ...(r.failures !== undefined && r.failures !== null ? { failures: r.failures } : {}),
      ...(r.status === 'error' || r.status === 'fail' || r.status === 'warn' ? { message: r.message.slice(0, 500) } : {}),
    })),
  };
}

/** Appends one entry and trims the file to the newest RUN_HISTORY_LIMIT entries (atomic replace). */
export function appendRunHistory(targetDir: string, entry: HistoryEntry, redact: (text: string) => string = (t) => t): void {
  const file = path.join(targetDir, RUN_HISTORY_FILE);
  const lines = readLines(file);
  lines.push(redact(JSON.stringify(entry)));
  let keep = lines.slice(-RUN_HISTORY_LIMIT);
  let bytes = keep.reduce((n, l) => n + l.length + 1, 0);
  while (keep.length > 1 && bytes > MAX_BYTES) {
    bytes -= keep[0].length + 1;
    keep = keep.slice(1);
  }
  fs.mkdirSync(targetDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${keep.join('\n')}\n`);
  fs.renameSync(tmp, file);
}

/** The recorded runs, oldest first. */
export function readRunHistory(targetDir: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const line of readLines(path.join(targetDir, RUN_HISTORY_FILE))) {
    try {
      const e = JSON.parse(line) as HistoryEntry;
      if (e && typeof e.invocation_id === 'string' && Array.isArray(e.results)) out.push(e);
    } catch {
      // a torn or hand-edited line: skip it
    }
  }
  return out;
}

function readLines(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.trim() !== '');
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
