// Fault injection: kill kiln (SIGKILL, no chance to clean up) at a random moment of a build
// that turns one version of the fault project into the other, then check the database as the
// killed run left it and after the next, uninterrupted build:
// - every relation exists, each table (seeds, tables, the incremental model, the snapshot)
//   holding exactly its rows before the run or exactly its rows after it, each view whole;
// - no helper relation (__dbt_tmp, __dbt_backup, __dbt_staging) is left behind;
// - the incremental model has no duplicate keys, the snapshot one current row per key;
// - the next build succeeds and gives exactly the data an uninterrupted build gives.
// Problems are collected, not thrown, so one report shows all of them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kiln } from '../../helpers/cli.js';
import { startKiln } from './process.js';
import { CHANGING_CUSTOMERS, CUSTOMER_COUNT, projectFiles, RELATIONS, seedFiles, tierOf } from './project.js';
import type { FaultTarget } from './targets.js';

export interface FaultOptions {
  /** Kills to perform (iterations whose build finished before the kill do not count). */
  readonly kills: number;
  /** Seed of the random kill moments: a failure reproduces with the same seed. */
  readonly seed: number;
  /** Give up after this many iterations (default: 3 × kills). */
  readonly maxIterations?: number;
  readonly log?: (line: string) => void;
}

export interface Iteration {
  readonly n: number;
  /** Version the killed build was building. */
  readonly version: number;
  /** The kill came this long after the `afterEvent`-th progress line (0: after the header). */
  readonly afterEvent: number;
  readonly delayMs: number;
  readonly killed: boolean;
  /** Nodes reported finished before the kill, and nodes started but not finished. */
  readonly finished: number;
  readonly inFlight: readonly string[];
  /** Relations whose rows the killed run had already replaced. */
  readonly replaced: readonly string[];
  readonly ms: number;
}

export interface FaultReport {
  readonly target: string;
  readonly seed: number;
  readonly kills: number;
  readonly iterations: readonly Iteration[];
  /** Progress lines of an uninterrupted build (kills are placed after a random one of them). */
  readonly events: number;
  readonly problems: readonly string[];
}

/** Deterministic PRNG (mulberry32): the same seed gives the same kill moments. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Captured = { readonly rows: readonly Record<string, unknown>[]; readonly text: string } | { readonly error: string };
type State = Map<string, Captured>;

const HELPER = /__dbt_(tmp|backup|staging)$/;
/** `3 of 11 START ...`, `3 of 11 OK ...`: a node started or finished. */
const PROGRESS = /\d+ of \d+ (START|OK|PASS|FAIL|WARN|ERROR|SKIP)\b/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function normalize(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (v && typeof v === 'object' && 'toString' in v && !Array.isArray(v)) return String(v);
  return v;
}

async function capture(target: FaultTarget, dir: string): Promise<State> {
  const state: State = new Map();
  for (const r of RELATIONS) {
    try {
      const rows = (await target.query(dir, `select * from ${target.schema}.${r.name}`)).map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, normalize(v)])),
      );
      const text = rows
        .map((row) => JSON.stringify(Object.keys(row).sort().map((k) => [k, row[k]])))
        .sort()
        .join('\n');
      state.set(r.name, { rows, text });
    } catch (e) {
      state.set(r.name, { error: (e as Error).message.split('\n')[0]! });
    }
  }
  return state;
}

const rowsOf = (c: Captured | undefined) => (c && 'rows' in c ? c.rows : null);
const textOf = (c: Captured | undefined) => (c && 'text' in c ? c.text : null);

/** Checks that hold for any state the database may be left in. */
function checkInvariants(state: State, relations: readonly string[], where: string, problems: string[]): void {
  for (const h of relations.filter((n) => HELPER.test(n))) problems.push(`${where}: helper relation ${h} left behind`);
  for (const r of RELATIONS) {
    const c = state.get(r.name);
    if (!c || 'error' in c) {
      problems.push(`${where}: ${r.name} cannot be read: ${c && 'error' in c ? c.error : 'missing'}`);
      continue;
    }
    if (r.kind === 'view') {
      const versions = new Set(c.rows.map((row) => row.version));
      if (versions.size > 1) problems.push(`${where}: view ${r.name} mixes versions ${[...versions].join(', ')}`);
    }
    if (r.kind === 'incremental') {
      const ids = c.rows.map((row) => row.id);
      const dups = ids.length - new Set(ids).size;
      if (dups) problems.push(`${where}: ${r.name} has ${dups} duplicate keys`);
    }
    if (r.kind === 'snapshot') {
      const current = new Map<unknown, number>();
      for (const row of c.rows) if (row.dbt_valid_to === null) current.set(row.id, (current.get(row.id) ?? 0) + 1);
      const wrong = [...current.values()].filter((n) => n !== 1).length + (CUSTOMER_COUNT - current.size);
      if (wrong) problems.push(`${where}: ${r.name} has ${wrong} keys without exactly one current row`);
    }
  }
}

/** The snapshot as an uninterrupted history of `builds` version changes leaves it. */
function checkSnapshot(state: State, version: number, changes: number, where: string, problems: string[]): void {
  const rows = rowsOf(state.get('customers_snap'));
  if (!rows) return;
  const changing = new Set(CHANGING_CUSTOMERS);
  const count = new Map<number, number>();
  for (const row of rows) count.set(Number(row.id), (count.get(Number(row.id)) ?? 0) + 1);
  for (let id = 1; id <= CUSTOMER_COUNT; id++) {
    const want = changing.has(id) ? changes + 1 : 1;
    if ((count.get(id) ?? 0) !== want) {
      problems.push(`${where}: customers_snap has ${count.get(id) ?? 0} rows for id ${id}, an uninterrupted history has ${want}`);
      return;
    }
  }
  const wrongTier = rows.filter((row) => row.dbt_valid_to === null && row.tier !== tierOf(Number(row.id), version));
  if (wrongTier.length) problems.push(`${where}: customers_snap's current rows have ${wrongTier.length} stale tiers`);
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
}

export async function runFaultInjection(target: FaultTarget, opts: FaultOptions): Promise<FaultReport> {
  const log = opts.log ?? (() => undefined);
  const problems: string[] = [];
  const iterations: Iteration[] = [];
  const random = rng(opts.seed);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kiln-fault-${target.name}-`));
  try {
    writeFiles(dir, projectFiles('fault'));
    await target.setup(dir, 'fault');

    // References: each version built without interruption. The second also counts the progress
    // lines a build prints: kills are placed after a random one of them.
    const first = await kiln(['build', '--vars', '{v: 1}'], dir);
    if (first.code !== 0) throw new Error(`the fault project does not build on ${target.name}:\n${first.output}`);
    const reference = new Map<number, State>([[1, await capture(target, dir)]]);
    writeFiles(dir, seedFiles(2));
    const second = await kiln(['build', '--vars', '{v: 2}'], dir);
    if (second.code !== 0) throw new Error(`the fault project does not build on ${target.name}:\n${second.output}`);
    reference.set(2, await capture(target, dir));
    const events = second.stdout.split('\n').filter((l) => PROGRESS.test(l)).length;

    let version = 2;
    let changes = 1;
    let kills = 0;
    const max = opts.maxIterations ?? opts.kills * 3;
    for (let n = 1; kills < opts.kills && n <= max; n++) {
      const started = performance.now();
      const next = 3 - version;
      const before = await capture(target, dir);
      writeFiles(dir, seedFiles(next));
      // After the header or after a random progress line, plus up to 30 ms: inside a statement,
      // between statements of a plan, or between nodes.
      const afterEvent = Math.floor(random() * (events + 1));
      const delayMs = Math.round(random() * 30);
      const k = startKiln(['build', '--vars', `{v: ${next}}`], dir);
      await k.waitFor(/Concurrency:/);
      const tHeader = performance.now();
      if (afterEvent > 0) await k.waitForLines(PROGRESS, afterEvent);
      await Promise.race([sleep(delayMs), k.exited]);
      k.child.kill('SIGKILL');
      const killed = (await k.exited).signal === 'SIGKILL';
      const tKilled = performance.now();
      if (killed) kills++;
      const lines = k.stdout().split('\n');
      const startedNodes = lines.flatMap((l) => /\d+ of \d+ START \S+(?: \S+)*? (\S+) \.{3,}/.exec(l)?.[1] ?? []);
      const finishedLines = lines.filter((l) => PROGRESS.test(l) && !/ START /.test(l));
      const inFlight = startedNodes.filter((s) => !finishedLines.some((l) => l.includes(` ${s} `)));

      const moment = `${afterEvent ? `progress line ${afterEvent}` : 'the header'} + ${delayMs} ms`;
      const where = `iteration ${n} (${killed ? `killed at ${moment}` : 'finished before the kill'}, building v${next})`;
      const mid = await capture(target, dir);
      checkInvariants(mid, await target.relations(dir), where, problems);
      const replaced: string[] = [];

      const tConverge = performance.now();
      const converge = await kiln(['build', '--vars', `{v: ${next}}`], dir);
      const convergeMs = performance.now() - tConverge;
      if (converge.code !== 0) problems.push(`${where}: the next build failed (exit ${converge.code}):\n${converge.output}`);
      version = next;
      changes++;
      const after = await capture(target, dir);
      checkInvariants(after, await target.relations(dir), `${where}, after the next build`, problems);
      for (const r of RELATIONS) {
        if (r.kind === 'view') continue;
        const m = textOf(mid.get(r.name));
        if (m === null) continue;
        if (m === textOf(after.get(r.name))) {
          if (m !== textOf(before.get(r.name))) replaced.push(r.name);
        } else if (m !== textOf(before.get(r.name))) {
          problems.push(`${where}: ${r.name} holds neither its rows before the run nor its rows after it`);
        }
      }
      for (const r of RELATIONS) {
        if (r.kind === 'snapshot') continue;
        if (textOf(after.get(r.name)) !== textOf(reference.get(version)!.get(r.name))) {
          problems.push(`${where}: after the next build, ${r.name} differs from an uninterrupted build of v${version}`);
        }
      }
      checkSnapshot(after, version, changes, `${where}, after the next build`, problems);
      const ms = performance.now() - started;
      iterations.push({ n, version: next, afterEvent, delayMs, killed, finished: finishedLines.length, inFlight, replaced, ms });
      log(
        `${target.name} #${n}: ${killed ? `killed at ${moment}` : `finished before ${moment}`}, ${finishedLines.length} nodes done` +
          `${inFlight.length ? `, in flight: ${inFlight.join(', ')}` : ''}; replaced: ${replaced.join(', ') || 'nothing'}` +
          ` (${ms.toFixed(0)} ms: start-up ${(tHeader - started).toFixed(0)}, build until the kill ${(tKilled - tHeader).toFixed(0)}, next build ${convergeMs.toFixed(0)})`,
      );
    }
    return { target: target.name, seed: opts.seed, kills, iterations, events, problems };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
