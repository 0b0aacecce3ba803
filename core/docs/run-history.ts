// target/run_history.jsonl: one line per run/build/test/seed invocation, newest last, bounded
// (the newest 100 to 200 runs, never much more than 64 MB; readers take the newest 100). The docs
// site's runs page reads it.
// A line that does not parse (a crash mid-write by an older version, a hand edit) is skipped.
import fs from 'node:fs';
import path from 'node:path';
import type { NodeStatus, RunSummary } from '../runner/results.js';
import { makeDirs } from '../make-dirs.js';

export const RUN_HISTORY_FILE = 'run_history.jsonl';
export const RUN_HISTORY_LIMIT = 100;
/** How many lines run_history.jsonl holds (so a run appends without reading it). */
export const RUN_HISTORY_COUNT = 'run_history.count';
const MAX_BYTES = 64 * 1024 * 1024;

export interface HistoryResult {
  readonly id: string;
  readonly status: Exclude<NodeStatus, 'no-op'>;
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
    // An exposure's no-op is no result of the docs site's history (it ran nothing).
    results: summary.results.flatMap((r) => (r.status === 'no-op' ? [] : [{
      id: r.uniqueId,
      status: r.status,
      time: round(r.executionTime),
      ...(r.failures !== undefined && r.failures !== null ? { failures: r.failures } : {}),
      ...(r.status === 'error' || r.status === 'fail' || r.status === 'warn' ? { message: r.message.slice(0, 500) } : {}),
    }])),
  };
}

/**
 * Appends one entry. The file is rewritten with only its newest RUN_HISTORY_LIMIT entries once it
 * holds twice that (or MAX_BYTES), not on every run: at 1,000 nodes a run's entry is ~90 KB, and
 * reading and rewriting 100 of them took every run ~9 MB each way. How many lines the file
 * holds is kept beside it (RUN_HISTORY_COUNT); without that count the file is compacted (and counted).
 */
export function appendRunHistory(targetDir: string, entry: HistoryEntry, redact: (text: string) => string = (t) => t): void {
  const file = path.join(targetDir, RUN_HISTORY_FILE);
  const countFile = path.join(targetDir, RUN_HISTORY_COUNT);
  const line = `${redact(JSON.stringify(entry))}\n`;
  makeDirs(targetDir);
  const counted = readCount(countFile);
  const size = fileSize(file);
  if (counted !== null && size !== null && counted + 1 <= 2 * RUN_HISTORY_LIMIT && size + line.length <= MAX_BYTES) {
    fs.appendFileSync(file, line);
    writeAtomically(countFile, String(counted + 1));
    return;
  }
  const lines = readLines(file);
  lines.push(line.slice(0, -1));
  let keep = lines.slice(-RUN_HISTORY_LIMIT);
  let bytes = keep.reduce((n, l) => n + l.length + 1, 0);
  while (keep.length > 1 && bytes > MAX_BYTES / 2) {
    bytes -= keep[0].length + 1;
    keep = keep.slice(1);
  }
  writeAtomically(file, `${keep.join('\n')}\n`);
  writeAtomically(countFile, String(keep.length));
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function readCount(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, 'utf8'));
    return Number.isInteger(n) && n >= 0 ? n : null;
  } catch {
    return null;
  }
}

function fileSize(file: string): number | null {
  try {
    return fs.statSync(file).size;
  } catch {
    return null;
  }
}

/** The newest RUN_HISTORY_LIMIT recorded runs, oldest first. */
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
  return out.slice(-RUN_HISTORY_LIMIT);
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
