// Generated projects for benchmarks, kept under the OS temp folder between runs: generating
// 20,000 models takes a few seconds, and a benchmark measures kiln, not the generator.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateProject, writeProject, MARKER, type GenOptions, type GeneratedProject } from '../gen-project.js';

const HASH_FILE = '.kiln-bench-digest';

export const workDir = process.env.KILN_BENCH_DIR ?? path.join(os.tmpdir(), 'kiln-bench');

export interface BenchProject {
  readonly dir: string;
  readonly project: GeneratedProject;
}

/**
 * Holds `dir` for this process until it exits: two benchmarks run at once (two people, or a
 * branch against its base) would otherwise reset and build each other's project folder. A
 * holder that is gone (killed) is taken over; a live one is waited for.
 */
export function holdProjectDir(dir: string): void {
  const lock = `${dir}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      process.on('exit', () => fs.rmSync(lock, { force: true }));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(fs.readFileSync(lock, 'utf8'));
    if (!isAlive(holder)) {
      fs.rmSync(lock, { force: true });
      continue;
    }
    if (!told) process.stderr.write(`waiting for the benchmark in process ${holder}, which is using ${dir}\n`);
    told = true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The generated project for `opts` in its own folder, regenerated when missing or different; held by this process (holdProjectDir). */
export function benchProject(opts: GenOptions): BenchProject {
  const key = `p${opts.models}${opts.viewsOnly ? '-views' : ''}${opts.seed && opts.seed !== '42' ? `-s${opts.seed}` : ''}${opts.threads ? `-t${opts.threads}` : ''}`;
  const dir = path.join(workDir, key);
  holdProjectDir(dir);
  const project = generateProject(opts);
  // A digest of every generated file: a changed generator regenerates the project.
  const hash = createHash('sha256');
  for (const [rel, text] of project.files) hash.update(rel).update('\0').update(text).update('\0');
  const digest = hash.digest('hex');
  const stamp = path.join(dir, HASH_FILE);
  const current = fs.existsSync(path.join(dir, MARKER)) && fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8') : null;
  if (current !== digest) {
    writeProject(dir, project);
    fs.writeFileSync(stamp, digest);
  }
  return { dir, project };
}

/** Removes kiln's output (target/, the DuckDB file) so the next command starts from nothing. */
export function resetOutputs(dir: string): void {
  fs.rmSync(path.join(dir, 'target'), { recursive: true, force: true });
  for (const f of ['bench.duckdb', 'bench.duckdb.wal']) fs.rmSync(path.join(dir, f), { force: true });
}
