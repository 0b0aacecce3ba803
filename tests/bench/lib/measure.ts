// Timing helpers for benchmarks: child processes timed whole (wall clock, peak RSS), medians.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ProcessRun {
  readonly wallMs: number;
  /** Peak resident set size of the process in MB; null when /usr/bin/time is missing. */
  readonly peakRssMb: number | null;
  /** CPU time of the process (user + system, children included) in ms; null when /usr/bin/time is missing. */
  readonly cpuMs: number | null;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const GNU_TIME = '/usr/bin/time';
const hasGnuTime = fs.existsSync(GNU_TIME);

/**
 * Runs a command to completion and times it whole: process start, module loading and exit
 * included. Peak RSS comes from GNU time (`%M`), which also counts a child's own peak.
 */
export function timeProcess(cmd: string, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): ProcessRun {
  const rssFile = path.join(os.tmpdir(), `kiln-bench-rss-${process.pid}.txt`);
  const [file, argv] = hasGnuTime ? [GNU_TIME, ['-f', '%M %U %S', '-o', rssFile, cmd, ...args]] : [cmd, [...args]];
  const t0 = performance.now();
  const r = spawnSync(file, argv, { cwd: opts.cwd, env: { ...process.env, NO_COLOR: '1', ...opts.env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wallMs = performance.now() - t0;
  let peakRssMb: number | null = null;
  let cpuMs: number | null = null;
  if (hasGnuTime) {
    const lines = fs.readFileSync(rssFile, 'utf8').trim().split('\n');
    const [rssKb, user, sys] = lines[lines.length - 1].split(' ').map(Number);
    peakRssMb = rssKb / 1024;
    cpuMs = (user + sys) * 1000;
    fs.rmSync(rssFile, { force: true });
  }
  return { wallMs, peakRssMb, cpuMs, code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
}

export function summarize(values: readonly number[]): Summary {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.map((v) => Math.round(v * 10) / 10) };
}

/** Throws with the process output when a measured command failed: a figure of a failure is no figure. */
export function assertOk(run: ProcessRun, what: string): void {
  if (run.code !== 0) throw new Error(`${what} exited with ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`);
}
