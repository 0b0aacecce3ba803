// Benchmark: a DAG of 1,000 views on PostgreSQL with 4 threads. kiln's wall time for `kiln run`
// against a minimal script that runs the very statements kiln executed (target/run), each node
// in its own transaction, in DAG order over 4 `pg` connections (connecting included), one query
// per statement; and again with each node's transaction as one multi-statement query, as kiln
// sends it (the floor for kiln's round trips). kiln is
// timed twice: as a whole process (Node and tsx start-up, load, parse, compile, run, artifacts)
// and in-process (main() of a warm process: the same minus start-up). All start from an empty
// schema, alternately, in one invocation. The minimal script (lib/pg-dag-runner.mjs) also runs as
// a whole process (`node pg-dag-runner.mjs plan.json` imports pg, connects, runs the statements,
// exits), so kiln as a process is also compared with a process that pays Node's start-up and
// pg's loading too, as the "minimal script" would. Prints figures; asserts nothing about speed.
//
//   node --import tsx tests/bench/postgres-dag.bench.ts [--models 1000] [--threads 4] [--rounds 3] [--rerun] [--latency-ms 10]
//
// The server: KILN_TEST_POSTGRES_URL, else a throwaway cluster (tests/setup/postgres.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { main as kilnMain } from '../../core/cli/main.js';
import { postgresProfileYml } from './lib/postgres-profile.js';
import { obtainServer, type PgServerInfo } from '../setup/postgres.js';
import { assertOk, timeProcess } from './lib/measure.js';
import { runPgPlan, type PgPlan } from './lib/pg-dag-runner.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCHEMA = 'bench';

const { values: args } = parseArgs({
  options: { models: { type: 'string', default: '1000' }, threads: { type: 'string', default: '4' }, rounds: { type: 'string', default: '3' }, rerun: { type: 'boolean', default: false }, 'latency-ms': { type: 'string', default: '0' } },
});
/**
 * --rerun: every run starts from the views already built (a user's rerun of an unchanged
 * project) instead of an empty schema; the baselines run the statements kiln ran for that rerun.
 */
const RERUN = args.rerun;
/**
 * --latency-ms N: kiln and the scripts reach the server through a proxy that delays every chunk
 * N ms each way (lib/delay-proxy.mjs, a process of its own): a server 2N ms away, as a cloud
 * database is. Resetting the schema and counting the views go direct.
 */
const LATENCY_MS = Number(args['latency-ms']);
const MODELS = Number(args.models);
const THREADS = Number(args.threads);
const ROUNDS = Number(args.rounds);

interface Model {
  readonly name: string;
  readonly parents: readonly string[];
}

/**
 * A deterministic DAG: the first 5% are roots; every other model joins one recent model (depth)
 * with up to two earlier ones anywhere (width), like staging → intermediate → marts layers.
 */
function dag(n: number): Model[] {
  let seed = 42;
  const rand = (k: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % k;
  };
  const name = (i: number) => `m${String(i).padStart(4, '0')}`;
  const roots = Math.max(1, Math.floor(n * 0.05));
  return Array.from({ length: n }, (_, i) => {
    if (i < roots) return { name: name(i), parents: [] };
    const parents = new Set([name(Math.max(0, i - 1 - rand(20)))]);
    for (let k = rand(3); k > 0; k--) parents.add(name(rand(i)));
    return { name: name(i), parents: [...parents] };
  });
}

function modelSql(m: Model, index: number): string {
  if (m.parents.length === 0) return `select g as id, g * ${index} as v, 'root ${index}' as label\nfrom generate_series(1, 10) as g\n`;
  const [first, ...rest] = m.parents;
  const joins = rest.map((p, i) => `join {{ ref('${p}') }} as p${i + 1} on p${i + 1}.id = p0.id`).join('\n');
  const sum = ['p0.v', ...rest.map((_, i) => `p${i + 1}.v`)].join(' + ');
  return `select p0.id, ${sum} as v, p0.label\nfrom {{ ref('${first}') }} as p0\n${joins}\n`;
}

function writeProject(dir: string, models: readonly Model[], s: PgServerInfo, database: string): void {
  const files: Record<string, string> = {
    'dbt_project.yml': 'name: bench\nprofile: bench\n',
    'profiles.yml': postgresProfileYml(s, database, SCHEMA, THREADS),
  };
  models.forEach((m, i) => (files[`models/${m.name}.sql`] = modelSql(m, i)));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
}

function clientFor(s: PgServerInfo, database: string): pg.Client {
  return new pg.Client({ host: s.host, port: s.port, user: s.user, password: s.password, database });
}

async function resetSchema(s: PgServerInfo, database: string): Promise<void> {
  const c = clientFor(s, database);
  await c.connect();
  await c.query(`drop schema if exists ${SCHEMA} cascade`);
  await c.end();
}

async function countViews(s: PgServerInfo, database: string): Promise<number> {
  const c = clientFor(s, database);
  await c.connect();
  const res = await c.query(`select count(*)::int as n from information_schema.views where table_schema = $1`, [SCHEMA]);
  await c.end();
  return res.rows[0].n as number;
}

/** The statements kiln ran for one model, as it recorded them in target/run. */
function executedStatements(dir: string, model: string): string[] {
  const text = fs.readFileSync(path.join(dir, 'target/run/bench/models', `${model}.sql`), 'utf8');
  return text
    .split(/;\n\n/)
    .map((x) => x.trim().replace(/;$/, ''))
    .filter(Boolean);
}

/** What the minimal runner (lib/pg-dag-runner.mjs) executes: kiln's statements, each model after its parents. */
function planOf(s: PgServerInfo, database: string, models: readonly Model[], statements: ReadonlyMap<string, readonly string[]>, batched: boolean): PgPlan {
  return {
    connection: { host: s.host, port: s.port, user: s.user, password: s.password, database },
    threads: THREADS,
    batched,
    setup: [`create schema if not exists ${SCHEMA}`],
    nodes: models.map((m) => ({ id: m.name, parents: m.parents, statements: statements.get(m.name)! })),
  };
}

/**
 * The minimal runner in this process: `threads` connections, DAG order, one transaction per node.
 * `batched`: each node's transaction as one multi-statement query (one round trip), as kiln sends
 * a plan's statements; otherwise one query per statement, as the baseline does.
 */
async function baseline(plan: PgPlan): Promise<Timed> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await runPgPlan(plan);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** The same runner as a process of its own (Node's start-up and loading pg included, as in `kiln run`'s process figure). */
function scriptProcess(plan: PgPlan, dir: string): Timed {
  const planFile = path.join(dir, 'plan.json');
  fs.writeFileSync(planFile, JSON.stringify(plan));
  const r = timeProcess(process.execPath, [path.join(repoRoot, 'tests/bench/lib/pg-dag-runner.mjs'), planFile], { cwd: dir });
  assertOk(r, 'the minimal script (lib/pg-dag-runner.mjs)');
  return { ms: r.wallMs, cpuMs: r.cpuMs };
}

/** `kiln run` as a process: wall time, client CPU time (GNU time, where installed), phase table. */
function kilnRun(dir: string): { ms: number; cpuMs: number | null; timings: string } {
  // KILN_BENCH_CPU_PROF=<dir>: a V8 CPU profile of each process run there (for finding where kiln's time goes).
  const prof = process.env.KILN_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.KILN_BENCH_CPU_PROF}`] : [];
  const r = timeProcess(process.execPath, [...prof, path.join(repoRoot, 'bin/kiln.js'), 'run'], { cwd: dir, env: { KILN_PROFILE: '1' } });
  assertOk(r, 'kiln run');
  const timings = `${r.stdout}\n${r.stderr}`
    .split('\n')
    .filter((l) => /^\s+[a-z][a-z ]*\s+\d+\.\d+s\s+\d+\.\d%$/.test(l))
    .join('\n');
  return { ms: r.wallMs, cpuMs: r.cpuMs, timings };
}

/** `kiln run` through main() in this process (modules already loaded after the first call). */
async function kilnInProcess(dir: string): Promise<Timed> {
  let output = '';
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const code = await kilnMain(['run'], { stdout: (t) => void (output += t), stderr: (t) => void (output += t), cwd: dir, isTTY: false, onInterrupt: () => () => undefined });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  if (code !== 0) throw new Error(`kiln run (in-process) failed (exit ${code}):\n${output.slice(-3000)}`);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

interface Timed {
  readonly ms: number;
  /** CPU time of the client (this process, or the kiln process); null where unknown. */
  readonly cpuMs: number | null;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const cpu = (ms: number | null) => (ms === null ? 'n/a' : secs(ms));

/** The delay proxy in front of `s` (see LATENCY_MS), and the server as reached through it. */
async function delayProxy(s: PgServerInfo): Promise<{ via: PgServerInfo; proxy: ChildProcess }> {
  const proxy = spawn(process.execPath, [path.join(repoRoot, 'tests/bench/lib/delay-proxy.mjs'), s.host, String(s.port), String(LATENCY_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    proxy.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    proxy.once('exit', (code) => reject(new Error(`the delay proxy exited (${code})`)));
  });
  return { via: { ...s, host: '127.0.0.1', port }, proxy };
}

async function main(): Promise<void> {
  const { server: direct, stop } = await obtainServer();
  const delayed = LATENCY_MS > 0 ? await delayProxy(direct) : null;
  // What kiln and the scripts connect to; the bench's own housekeeping goes direct.
  const server = delayed?.via ?? direct;
  const database = `kiln_bench_dag_${process.pid}`;
  const admin = clientFor(direct, direct.adminDatabase);
  await admin.connect();
  await admin.query(`create database ${database}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-dag-'));
  const inProcessDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-dag-inproc-'));
  const scriptDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-dag-script-'));
  try {
    const models = dag(MODELS);
    writeProject(dir, models, server, database);
    // The in-process runs (TypeScript sources through tsx) get a copy of the project: the partial
    // parse cache is keyed by the code that wrote it, so sharing target/ with the process runs
    // (dist/) would make every run of either parse from nothing.
    writeProject(inProcessDir, models, server, database);
    const version = (await admin.query('show server_version')).rows[0].server_version as string;
    if (LATENCY_MS > 0) console.log(`through a proxy delaying every chunk ${LATENCY_MS} ms each way (a server ${2 * LATENCY_MS} ms away)`);
    console.log(`PostgreSQL ${version} (${server.source}); ${MODELS} view models, ${models.reduce((n, m) => n + m.parents.length, 0)} edges, ${THREADS} threads, ${ROUNDS} rounds`);
    const kiln: Timed[] = [];
    const inProcess: Timed[] = [];
    const base: Timed[] = [];
    const batchedBase: Timed[] = [];
    const scriptBase: Timed[] = [];
    let statements: Map<string, readonly string[]> | null = null;
    let timings = '';
    // Warm-up for the in-process runs: load kiln's modules and the driver once.
    await resetSchema(direct, database);
    await kilnInProcess(inProcessDir);
    // Before each run: an empty schema, or (--rerun) the views as the last run left them.
    const prepare = async () => {
      if (!RERUN) await resetSchema(direct, database);
    };
    if (RERUN) console.log('--rerun: every run starts from the 1,000 views already built');
    for (let round = 1; round <= ROUNDS; round++) {
      await prepare();
      const k = kilnRun(dir);
      kiln.push(k);
      timings = k.timings;
      if ((await countViews(direct, database)) !== MODELS) throw new Error('kiln did not build every view');
      statements ??= new Map(models.map((m) => [m.name, executedStatements(dir, m.name)]));
      // A rerun's statements may not replay on their own (a swap whose cascade drops views that
      // kiln's connection creates again unrecorded): then no baseline, and kiln rebuilds the views.
      const replay = async (what: string, run: () => Promise<Timed> | Timed): Promise<Timed> => {
        await prepare();
        try {
          const t = await run();
          if ((await countViews(direct, database)) !== MODELS) throw new Error(`the ${what} did not build every view`);
          return t;
        } catch (e) {
          if (!RERUN) throw e;
          console.log(`the rerun's statements do not replay on their own (${(e as Error).message.split('\n')[0]}); no baseline`);
          await resetSchema(direct, database);
          await kilnInProcess(inProcessDir);
          return { ms: NaN, cpuMs: null };
        }
      };
      const plan = planOf(server, database, models, statements, false);
      base.push(await replay('baseline', () => baseline(plan)));
      batchedBase.push(await replay('batched baseline', () => baseline({ ...plan, batched: true })));
      scriptBase.push(await replay('minimal script (a process)', () => scriptProcess(plan, scriptDir)));
      await prepare();
      inProcess.push(await kilnInProcess(inProcessDir));
      const [b, bb, sp, ki] = [base[round - 1], batchedBase[round - 1], scriptBase[round - 1], inProcess[round - 1]];
      console.log(
        `round ${round}: kiln run process ${secs(k.ms)} (client CPU ${cpu(k.cpuMs)}), in-process ${secs(ki.ms)} (CPU ${cpu(ki.cpuMs)}); baseline ${secs(b.ms)} (CPU ${cpu(b.cpuMs)}), batched ${secs(bb.ms)} (CPU ${cpu(bb.cpuMs)}), script as a process ${secs(sp.ms)} (CPU ${cpu(sp.cpuMs)})`,
      );
    }
    const k = median(kiln.map((x) => x.ms));
    const kin = median(inProcess.map((x) => x.ms));
    const b = median(base.map((x) => x.ms));
    console.log(`median: kiln run ${secs(k)} as a process, ${secs(kin)} in-process; baseline (same statements, ${THREADS} pg connections) ${secs(b)}`);
    const bb = median(batchedBase.map((x) => x.ms));
    console.log(`ratio kiln / baseline: ${(k / b).toFixed(2)} as a process, ${(kin / b).toFixed(2)} in-process (target <= 1.15)`);
    // kiln sends each node's transaction as one query; a script that does the same is the floor.
    console.log(`batched baseline (one query per node, as kiln sends them) ${secs(bb)}: kiln in-process / batched ${(kin / bb).toFixed(2)}`);
    // Process against process: both pay Node's start-up and loading their modules.
    const sp = median(scriptBase.map((x) => x.ms));
    const kc = median(kiln.map((x) => x.cpuMs ?? NaN));
    const spc = median(scriptBase.map((x) => x.cpuMs ?? NaN));
    console.log(
      `the minimal script as a process (lib/pg-dag-runner.mjs: start-up, import pg, the same statements) ${secs(sp)} (CPU ${cpu(Number.isNaN(spc) ? null : spc)}): kiln process / script process ${(k / sp).toFixed(2)}` +
        (Number.isNaN(kc) || Number.isNaN(spc) ? '' : `, client CPU ${(kc / spc).toFixed(2)}x`),
    );
    console.log(`load average during the run: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
    if (timings) console.log(`kiln's phases (KILN_PROFILE=1, last round):\n${timings}`);
  } finally {
    await admin.query(`drop database if exists ${database} with (force)`).catch(() => undefined);
    await admin.end();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(inProcessDir, { recursive: true, force: true });
    fs.rmSync(scriptDir, { recursive: true, force: true });
    delayed?.proxy.kill();
    await stop();
  }
}

await main();
