// Benchmark: a DAG of 1,000 views on Trino with 4 threads: `kiln run` against the very statements kiln ran, sent straight through trino-client.
// The baseline reads what kiln executed (target/run) and runs it in DAG order over 4 clients,
// so the ratio is kiln's own cost (process start, parse, compile, catalog look-ups, scheduling)
// over the database's. All start from an empty schema, alternately, in one invocation; kiln is
// timed as a whole process and in-process (main() of a warm process: the same minus Node's and
// tsx's start-up). The baseline also runs as a whole process (lib/trino-dag-runner.mjs, plain
// JavaScript): kiln as a process over it compares two processes that both start Node, load
// trino-client and run its request path cold, so what differs is kiln's own work.
// Prints figures; asserts nothing about speed.
// For each run it also prints CPU time (the kiln process's from /proc, this process's for the
// in-process run and the baseline: on 2 CPUs shared with the server, CPU is what the client takes
// from Trino) and, from the server's system.runtime.queries, how many statements it sent and how
// its wall time splits: from start to its first view statement (process start, parse, connecting,
// run lock, schema checks), the span of the view statements, and after the last of them.
//
//   node --import tsx tests/bench/trino.bench.ts [--models 1000] [--threads 4] [--rounds 3] [--catalog memory]
//
// The server: KILN_TEST_TRINO_URL, else trino-server started here as the tests start it
// (tests/setup/trino-server.ts; its iceberg catalog on KILN_TEST_POSTGRES_URL or a throwaway
// PostgreSQL).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Trino } from 'trino-client';
import { main as kilnMain } from '../../core/cli/main.js';
import { obtainServer } from '../setup/postgres.js';
import { startTrino } from '../setup/trino-server.js';
import { printTable, repoRoot, writeResults } from './lib/report.js';

const SCHEMA = 'kiln_bench_dag';
const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: '1000' },
    threads: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    catalog: { type: 'string', default: 'memory' },
  },
});
const MODELS = Number(args.models);
const THREADS = Number(args.threads);
const ROUNDS = Number(args.rounds);
const CATALOG = args.catalog;

interface Model {
  readonly name: string;
  readonly parents: readonly string[];
}

/**
 * Deterministic layers, as in a real project (staging → intermediate → marts): 5 layers of equal
 * size; each model reads one or two models of the layer before. Trino analyses a view by
 * expanding the views it reads, all the way down, so a chain hundreds of views deep (fine on
 * PostgreSQL, which stores views parsed) takes time exponential in its depth on Trino.
 */
function dag(n: number): Model[] {
  let state = 7;
  const next = (k: number): number => {
    state = (state * 48271) % 2147483647;
    return state % k;
  };
  const name = (i: number): string => `m${String(i).padStart(4, '0')}`;
  const layers = 5;
  const size = Math.ceil(n / layers);
  return Array.from({ length: n }, (_, i) => {
    const layer = Math.floor(i / size);
    if (layer === 0) return { name: name(i), parents: [] };
    const from = (layer - 1) * size;
    const parents = new Set([name(from + next(size))]);
    if (next(2) === 1) parents.add(name(from + next(size)));
    return { name: name(i), parents: [...parents] };
  });
}

function modelSql(m: Model, i: number): string {
  if (!m.parents.length) return `select g as id, g * ${i} as v, 'root ${i}' as label\nfrom unnest(sequence(1, 10)) as t(g)\n`;
  const [first, ...rest] = m.parents;
  const joins = rest.map((p, k) => `join {{ ref('${p}') }} as p${k + 1} on p${k + 1}.id = p0.id`).join('\n');
  return `select p0.id, ${['p0.v', ...rest.map((_, k) => `p${k + 1}.v`)].join(' + ')} as v, p0.label\nfrom {{ ref('${first}') }} as p0\n${joins}\n`;
}

function writeProject(dir: string, models: readonly Model[], host: string, port: number): void {
  const files: Record<string, string> = {
    'dbt_project.yml': 'name: bench\nprofile: bench\n',
    'profiles.yml': `bench:\n  target: trino\n  outputs:\n    trino:\n      type: trino\n      host: ${host}\n      port: ${port}\n      user: kiln_bench\n      catalog: ${CATALOG}\n      schema: ${SCHEMA}\n      threads: ${THREADS}\n`,
  };
  models.forEach((m, i) => (files[`models/${m.name}.sql`] = modelSql(m, i)));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
}

/** One statement to completion through trino-client, failing on Trino's error. */
async function run(client: Trino, sql: string): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  for await (const page of await client.query(sql)) {
    if (page.error) throw new Error(`${page.error.message}\n(in: ${sql.slice(0, 200)})`);
    for (const r of page.data ?? []) rows.push(r);
  }
  return rows;
}

const newClient = (url: string, source = 'kiln-bench'): Trino => Trino.create({ server: url, source, extraHeaders: { 'X-Trino-User': 'kiln_bench' } });

/** The baseline's statements carry this source, kiln's `kiln`, so the server's query list tells them apart. */
const BASELINE_SOURCE = 'kiln-bench-baseline';

async function resetSchema(url: string): Promise<void> {
  await run(newClient(url), `drop schema if exists ${CATALOG}.${SCHEMA} cascade`);
}

async function countViews(url: string): Promise<number> {
  const rows = await run(newClient(url), `select count(*) from ${CATALOG}.information_schema.tables where table_schema = '${SCHEMA}' and table_type = 'VIEW'`);
  return Number(rows[0][0]);
}

/** What kiln executed for one model (target/run), statement by statement. */
function executedStatements(dir: string, model: string): string[] {
  const text = fs.readFileSync(path.join(dir, 'target/run/bench/models', `${model}.sql`), 'utf8');
  return text
    .split(/;\n\n/)
    .map((s) => s.trim().replace(/;$/, ''))
    .filter(Boolean);
}

/** The same statements in DAG order over `THREADS` clients: a model starts once its parents are done. */
async function baseline(url: string, models: readonly Model[], statements: ReadonlyMap<string, readonly string[]>): Promise<Measured> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const clients = Array.from({ length: THREADS }, () => newClient(url, BASELINE_SOURCE));
  await run(clients[0], `create schema if not exists ${CATALOG}.${SCHEMA}`);
  const pending = new Map(models.map((m) => [m.name, m.parents.length]));
  const children = new Map<string, string[]>();
  for (const m of models) for (const p of m.parents) children.set(p, [...(children.get(p) ?? []), m.name]);
  const ready = models.filter((m) => !m.parents.length).map((m) => m.name);
  let finished = 0;
  const sleepers: (() => void)[] = [];
  const worker = async (client: Trino): Promise<void> => {
    while (finished < models.length) {
      const name = ready.shift();
      if (name === undefined) {
        await new Promise<void>((resolve) => sleepers.push(resolve));
        continue;
      }
      for (const sql of statements.get(name)!) await run(client, sql);
      finished++;
      for (const child of children.get(name) ?? []) {
        const left = pending.get(child)! - 1;
        pending.set(child, left);
        if (left === 0) ready.push(child);
      }
      for (const wake of sleepers.splice(0)) wake();
    }
  };
  await Promise.all(clients.map(worker));
  return { ms: performance.now() - t0, cpuMs: cpuMsOf(process.cpuUsage(cpu0)) };
}

/** Clock ticks per second of /proc's CPU times. */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** CPU milliseconds (user + system) of this process's waited-for children so far; null off Linux. */
function childrenCpuMs(): number | null {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) start at the state, field 3; cutime and cstime are fields 16 and 17.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

const cpuMsOf = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

/** One run of kiln or of the baseline: wall and CPU milliseconds, and its statements as the server saw them. */
interface Measured {
  readonly ms: number;
  readonly cpuMs: number | null;
  window?: ServerWindow | null;
}

/** A run's statements on the server: how many, and its wall time split around the view statements. */
interface ServerWindow {
  readonly queries: number;
  /** From the run's start (this machine's clock) to its first view statement (the server's): valid with the server on this machine. */
  readonly beforeViewsMs: number;
  /** First view statement created to the last one finished. */
  readonly viewsMs: number;
  /** Last view statement finished to the run's end. */
  readonly afterViewsMs: number;
}

/** What system.runtime.queries holds for `source` between `fromMs` and `toMs` (epoch ms). */
async function serverWindow(url: string, source: string, fromMs: number, toMs: number): Promise<ServerWindow | null> {
  const at = (ms: number) => `from_unixtime(${(ms / 1000).toFixed(3)})`;
  const view = `query like 'create or replace view%'`;
  const rows = await run(
    newClient(url),
    `select count(*), to_unixtime(min(created) filter (where ${view})) * 1000, to_unixtime(max("end") filter (where ${view})) * 1000
       from system.runtime.queries where source = '${source}' and created >= ${at(fromMs)} and created <= ${at(toMs)}`,
  );
  const [queries, firstView, lastView] = rows[0].map(Number);
  if (!queries || !Number.isFinite(firstView)) return null;
  return { queries, beforeViewsMs: firstView - fromMs, viewsMs: lastView - firstView, afterViewsMs: toMs - lastView };
}

const describeRun = (m: Measured): string => {
  const cpu = m.cpuMs === null ? '' : `, CPU ${(m.cpuMs / 1000).toFixed(2)} s`;
  const w = m.window;
  const split = w ? `; ${w.queries} statements: ${(w.beforeViewsMs / 1000).toFixed(2)} s before the first view, ${(w.viewsMs / 1000).toFixed(2)} s of views, ${(w.afterViewsMs / 1000).toFixed(2)} s after` : '';
  return `${(m.ms / 1000).toFixed(2)} s${cpu}${split}`;
};

const dagRunner = path.join(repoRoot, 'tests/bench/lib/trino-dag-runner.mjs');

/** The plan lib/trino-dag-runner.mjs runs: the baseline's schema, then every model's statements in DAG order. */
function writeBaselinePlan(file: string, models: readonly Model[], statements: ReadonlyMap<string, readonly string[]>): void {
  const nodes = models.map((m) => ({ id: m.name, parents: m.parents, statements: statements.get(m.name) }));
  fs.writeFileSync(file, JSON.stringify({ source: BASELINE_SOURCE, user: 'kiln_bench', setup: [`create schema if not exists ${CATALOG}.${SCHEMA}`], nodes }));
}

/** The baseline as a whole process, as `kiln run` is one: Node's start and loading trino-client included. */
function baselineProcess(url: string, planFile: string): Measured {
  const cpu0 = childrenCpuMs();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [dagRunner, planFile, url, String(THREADS)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const ms = performance.now() - t0;
  const cpu1 = childrenCpuMs();
  if (r.status !== 0) throw new Error(`trino-dag-runner failed (exit ${r.status}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  return { ms, cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
}

/** kiln's phase timings (KILN_PROFILE=1) of the last process run, to see where its time goes. */
let phases = '';

function kilnRun(dir: string): Measured {
  const cpu0 = childrenCpuMs();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/kiln.js'), 'run'], { cwd: dir, env: { ...process.env, NO_COLOR: '1', KILN_PROFILE: '1' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  const cpu1 = childrenCpuMs();
  if (r.status !== 0) throw new Error(`kiln run failed (exit ${r.status}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  phases = `${r.stdout}\n${r.stderr}`
    .split('\n')
    .filter((l) => /^\s+[a-z][a-z ]*\s+\d+\.\d+s\s+\d+\.\d%$/.test(l))
    .join('\n');
  return { ms, cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
}

/** `kiln run` through main() in this process (modules loaded by the warm-up). */
async function kilnInProcess(dir: string): Promise<Measured> {
  let output = '';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const code = await kilnMain(['run'], { stdout: (t) => void (output += t), stderr: (t) => void (output += t), cwd: dir, isTTY: false, onInterrupt: () => () => undefined });
  const ms = performance.now() - t0;
  const cpuMs = cpuMsOf(process.cpuUsage(cpu0));
  if (code !== 0) throw new Error(`kiln run (in-process) failed (exit ${code}):\n${output.slice(-3000)}`);
  return { ms, cpuMs };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main(): Promise<void> {
  let url = process.env.KILN_TEST_TRINO_URL?.trim() ?? '';
  let stop = async (): Promise<void> => {};
  if (!url) {
    const pgServer = await obtainServer();
    const trino = await startTrino({ catalogDb: pgServer.server, log: (l) => console.log(l) });
    stop = async () => {
      await trino.stop();
      await pgServer.stop();
    };
    await trino.ready;
    url = trino.url;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-trino-'));
  try {
    const models = dag(MODELS);
    const u = new URL(url);
    writeProject(dir, models, u.hostname, Number(u.port));
    const version = (await run(newClient(url), 'select node_version from system.runtime.nodes'))[0][0];
    console.log(`Trino ${String(version)}, catalog ${CATALOG}; ${MODELS} view models, ${models.reduce((n, m) => n + m.parents.length, 0)} edges, ${THREADS} threads, ${ROUNDS} rounds`);
    // Warm-up: the server's JIT and caches, so round 1 is not the server's first minute.
    await resetSchema(url);
    kilnRun(dir);
    await resetSchema(url);
    await kilnInProcess(dir);
    const statements = new Map(models.map((m) => [m.name, executedStatements(dir, m.name)]));
    const planFile = path.join(dir, 'baseline-plan.json');
    writeBaselinePlan(planFile, models, statements);
    const kiln: Measured[] = [];
    const inProcess: Measured[] = [];
    const base: Measured[] = [];
    const baseProcess: Measured[] = [];
    /** Runs `fn` from an empty schema, checks every view was built, and reads its statements' window from the server. */
    const round = async (what: string, source: string, fn: () => Measured | Promise<Measured>): Promise<Measured> => {
      await resetSchema(url);
      const from = Date.now();
      const m = await fn();
      const to = Date.now();
      if ((await countViews(url)) !== MODELS) throw new Error(`${what} did not build every view`);
      m.window = await serverWindow(url, source, from, to).catch(() => null);
      return m;
    };
    for (let r = 1; r <= ROUNDS; r++) {
      kiln.push(await round('kiln', 'kiln', () => kilnRun(dir)));
      baseProcess.push(await round('the baseline (a process)', BASELINE_SOURCE, () => baselineProcess(url, planFile)));
      base.push(await round('the baseline', BASELINE_SOURCE, () => baseline(url, models, statements)));
      inProcess.push(await round('kiln (in-process)', 'kiln', () => kilnInProcess(dir)));
      console.log(`round ${r} (load ${os.loadavg()[0].toFixed(1)}):\n  kiln run as a process ${describeRun(kiln[r - 1])}\n  kiln run in-process   ${describeRun(inProcess[r - 1])}\n  baseline in-process   ${describeRun(base[r - 1])}\n  baseline as a process ${describeRun(baseProcess[r - 1])}`);
    }
    const ms = (xs: readonly Measured[]) => xs.map((m) => m.ms);
    const cpu = (xs: readonly Measured[]) => (xs.every((m) => m.cpuMs !== null) ? median(xs.map((m) => m.cpuMs!)) : null);
    const k = median(ms(kiln));
    const kin = median(ms(inProcess));
    const b = median(ms(base));
    const ratio = k / b;
    const cpuCell = (x: number | null) => (x === null ? '-' : `${(x / 1000).toFixed(2)} s`);
    const cpuRatio = (x: number | null, y: number | null) => (x === null || y === null ? '-' : (x / y).toFixed(2));
    const bp = median(ms(baseProcess));
    const [kc, kinc, bc, bpc] = [cpu(kiln), cpu(inProcess), cpu(base), cpu(baseProcess)];
    printTable(`Trino: ${MODELS} views, ${THREADS} threads (median of ${ROUNDS}); ratios over the in-process baseline`, ['runner', 'wall', 'ratio', 'CPU', 'CPU ratio'], [
      ['kiln run (whole process)', `${(k / 1000).toFixed(2)} s`, ratio.toFixed(2), cpuCell(kc), cpuRatio(kc, bc)],
      ['kiln run (in-process)', `${(kin / 1000).toFixed(2)} s`, (kin / b).toFixed(2), cpuCell(kinc), cpuRatio(kinc, bc)],
      [`trino-client, same statements, DAG order (in this process)`, `${(b / 1000).toFixed(2)} s`, '1.00', cpuCell(bc), '1.00'],
      [`the same as a process (lib/trino-dag-runner.mjs)`, `${(bp / 1000).toFixed(2)} s`, (bp / b).toFixed(2), cpuCell(bpc), cpuRatio(bpc, bc)],
    ]);
    console.log(
      `ratio kiln / baseline: ${ratio.toFixed(2)} as a process (${(k / bp).toFixed(2)} over the baseline as a process), ${(kin / b).toFixed(2)} in-process (target <= 1.15); ` +
        `load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`,
    );
    if (phases) console.log(`kiln's phases (KILN_PROFILE=1, last process run):\n${phases}`);
    writeResults('trino', {
      models: MODELS,
      threads: THREADS,
      rounds: ROUNDS,
      catalog: CATALOG,
      kilnMs: ms(kiln),
      inProcessMs: ms(inProcess),
      baselineMs: ms(base),
      baselineProcessMs: ms(baseProcess),
      ratio,
      processOverProcessRatio: k / bp,
      inProcessRatio: kin / b,
      cpuMs: { kiln: kc, inProcess: kinc, baseline: bc, baselineProcess: bpc },
      windows: {
        kiln: kiln.map((m) => m.window ?? null),
        inProcess: inProcess.map((m) => m.window ?? null),
        baseline: base.map((m) => m.window ?? null),
        baselineProcess: baseProcess.map((m) => m.window ?? null),
      },
    });
  } finally {
    await resetSchema(url).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    await stop();
  }
}

await main();
