// Benchmark: a DAG of 1,000 views on PostgreSQL with 4 threads. kiln's wall time for `kiln run`
// against a minimal script that runs the very statements kiln executed (target/run), each node
// in its own transaction, in DAG order over 4 `pg` connections (connecting included), one query
// per statement; and again with each node's transaction as one multi-statement query, as kiln
// sends it (the floor for kiln's round trips). kiln is
// timed twice: as a whole process (Node and tsx start-up, load, parse, compile, run, artifacts)
// and in-process (main() of a warm process: the same minus start-up). All start from an empty
// schema, alternately, in one invocation. The minimal script also runs as a whole process (a
// plain .mjs file this bench writes: `node script.mjs` imports pg, connects, runs the statements,
// exits), so kiln as a process is also compared with a process that pays Node's start-up and
// pg's loading too, as the "minimal script" would. Prints figures; asserts nothing about speed.
//
//   node --import tsx tests/bench/postgres-dag.bench.ts [--models 1000] [--threads 4] [--rounds 3] [--rerun]
//
// The server: KILN_TEST_POSTGRES_URL, else a throwaway cluster (tests/setup/postgres.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { main as kilnMain } from '../../core/cli/main.js';
import { postgresProfileYml } from './lib/postgres-profile.js';
import { obtainServer, type PgServerInfo } from '../setup/postgres.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCHEMA = 'bench';

const { values: args } = parseArgs({
  options: { models: { type: 'string', default: '1000' }, threads: { type: 'string', default: '4' }, rounds: { type: 'string', default: '3' }, rerun: { type: 'boolean', default: false } },
});
/**
 * --rerun: every run starts from the views already built (a user's rerun of an unchanged
 * project) instead of an empty schema; the baselines run the statements kiln ran for that rerun.
 */
const RERUN = args.rerun;
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

/**
 * The minimal runner: `threads` connections, DAG order, one transaction per node. `batched`: each
 * node's transaction as one multi-statement query (one round trip), as kiln sends a plan's
 * statements; otherwise one query per statement, as the baseline does.
 */
async function baseline(s: PgServerInfo, database: string, models: readonly Model[], statements: ReadonlyMap<string, readonly string[]>, batched = false): Promise<Timed> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const clients = Array.from({ length: THREADS }, () => clientFor(s, database));
  await Promise.all(clients.map((c) => c.connect()));
  await clients[0].query(`create schema if not exists ${SCHEMA}`);
  const waiting = new Map(models.map((m) => [m.name, m.parents.length]));
  const children = new Map<string, string[]>();
  for (const m of models) for (const p of m.parents) children.set(p, [...(children.get(p) ?? []), m.name]);
  const ready = models.filter((m) => m.parents.length === 0).map((m) => m.name);
  let done = 0;
  let wake: (() => void) | null = null;
  const worker = async (c: pg.Client) => {
    while (done < models.length) {
      const name = ready.shift();
      if (name === undefined) {
        await new Promise<void>((resolve) => {
          const prev = wake;
          wake = () => {
            prev?.();
            resolve();
          };
        });
        continue;
      }
      if (batched) {
        await c.query(['begin', ...statements.get(name)!, 'commit'].join('\n;\n'));
      } else {
        await c.query('begin');
        for (const sql of statements.get(name)!) await c.query(sql);
        await c.query('commit');
      }
      done++;
      for (const child of children.get(name) ?? []) {
        const left = waiting.get(child)! - 1;
        waiting.set(child, left);
        if (left === 0) ready.push(child);
      }
      const w = wake;
      wake = null;
      w?.();
    }
  };
  await Promise.all(clients.map(worker));
  await Promise.all(clients.map((c) => c.end()));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/**
 * The minimal script as a file of its own: plain JavaScript, the same loop as `baseline` (one
 * query per statement, each node in its own transaction), reading the plan from a JSON file.
 * pg is imported by its resolved file URL, so the script can live outside the repository.
 */
function writeScript(dir: string, models: readonly Model[], statements: ReadonlyMap<string, readonly string[]>, s: PgServerInfo, database: string): string {
  const planFile = path.join(dir, 'plan.json');
  fs.writeFileSync(
    planFile,
    JSON.stringify({
      connection: { host: s.host, port: s.port, user: s.user, password: s.password, database },
      threads: THREADS,
      setup: [`create schema if not exists ${SCHEMA}`],
      nodes: models.map((m) => ({ id: m.name, parents: m.parents, statements: statements.get(m.name) })),
    }),
  );
  const script = path.join(dir, 'script.mjs');
  fs.writeFileSync(
    script,
    `import fs from 'node:fs';
import pg from ${JSON.stringify(import.meta.resolve('pg'))};

const plan = JSON.parse(fs.readFileSync(${JSON.stringify(planFile)}, 'utf8'));
const clients = Array.from({ length: plan.threads }, () => new pg.Client(plan.connection));
await Promise.all(clients.map((c) => c.connect()));
for (const sql of plan.setup) await clients[0].query(sql);
const children = new Map(plan.nodes.map((n) => [n.id, []]));
const waiting = new Map();
for (const n of plan.nodes) {
  waiting.set(n.id, n.parents.length);
  for (const p of n.parents) children.get(p).push(n);
}
const ready = plan.nodes.filter((n) => n.parents.length === 0);
let done = 0;
const sleepers = [];
async function worker(c) {
  while (done < plan.nodes.length) {
    const node = ready.shift();
    if (!node) {
      await new Promise((resolve) => sleepers.push(resolve));
      continue;
    }
    await c.query('begin');
    for (const sql of node.statements) await c.query(sql);
    await c.query('commit');
    done++;
    for (const child of children.get(node.id)) {
      const left = waiting.get(child.id) - 1;
      waiting.set(child.id, left);
      if (left === 0) ready.push(child);
    }
    for (const wake of sleepers.splice(0)) wake();
  }
  for (const wake of sleepers.splice(0)) wake();
}
await Promise.all(clients.map(worker));
await Promise.all(clients.map((c) => c.end()));
`,
  );
  return script;
}

/** The minimal script as a process: Node's start-up and loading pg included, as in `kiln run`'s process figure. */
function scriptProcess(script: string): Timed {
  const cpuFile = path.join(os.tmpdir(), `kiln-bench-script-cpu-${process.pid}.txt`);
  const gnuTime = fs.existsSync('/usr/bin/time');
  const [file, args] = gnuTime ? ['/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, process.execPath, script]] : [process.execPath, [script]];
  const t0 = performance.now();
  const r = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`the minimal script failed (exit ${r.status}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  let cpuMs: number | null = null;
  if (gnuTime) {
    const [user, sys] = fs.readFileSync(cpuFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    cpuMs = (user + sys) * 1000;
    fs.rmSync(cpuFile, { force: true });
  }
  return { ms, cpuMs };
}

/** `kiln run` as a process: wall time, client CPU time (GNU time, where installed), phase table. */
function kilnRun(dir: string): { ms: number; cpuMs: number | null; timings: string } {
  const cpuFile = path.join(os.tmpdir(), `kiln-bench-cpu-${process.pid}.txt`);
  const gnuTime = fs.existsSync('/usr/bin/time');
  // KILN_BENCH_CPU_PROF=<dir>: a V8 CPU profile of each process run there (for finding where kiln's time goes).
  const prof = process.env.KILN_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.KILN_BENCH_CPU_PROF}`] : [];
  const argv = [...prof, path.join(repoRoot, 'bin/kiln.js'), 'run'];
  const [file, args] = gnuTime ? ['/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, process.execPath, ...argv]] : [process.execPath, argv];
  const t0 = performance.now();
  const r = spawnSync(file, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1', KILN_PROFILE: '1' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`kiln run failed (exit ${r.status}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  let cpuMs: number | null = null;
  if (gnuTime) {
    const [user, sys] = fs.readFileSync(cpuFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    cpuMs = (user + sys) * 1000;
    fs.rmSync(cpuFile, { force: true });
  }
  const timings = `${r.stdout}\n${r.stderr}`
    .split('\n')
    .filter((l) => /^\s+[a-z][a-z ]*\s+\d+\.\d+s\s+\d+\.\d%$/.test(l))
    .join('\n');
  return { ms, cpuMs, timings };
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

async function main(): Promise<void> {
  const { server, stop } = await obtainServer();
  const database = `kiln_bench_dag_${process.pid}`;
  const admin = clientFor(server, server.adminDatabase);
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
    console.log(`PostgreSQL ${version} (${server.source}); ${MODELS} view models, ${models.reduce((n, m) => n + m.parents.length, 0)} edges, ${THREADS} threads, ${ROUNDS} rounds`);
    const kiln: Timed[] = [];
    const inProcess: Timed[] = [];
    const base: Timed[] = [];
    const batchedBase: Timed[] = [];
    const scriptBase: Timed[] = [];
    let statements: Map<string, readonly string[]> | null = null;
    let script: string | null = null;
    let timings = '';
    // Warm-up for the in-process runs: load kiln's modules and the driver once.
    await resetSchema(server, database);
    await kilnInProcess(inProcessDir);
    // Before each run: an empty schema, or (--rerun) the views as the last run left them.
    const prepare = async () => {
      if (!RERUN) await resetSchema(server, database);
    };
    if (RERUN) console.log('--rerun: every run starts from the 1,000 views already built');
    for (let round = 1; round <= ROUNDS; round++) {
      await prepare();
      const k = kilnRun(dir);
      kiln.push(k);
      timings = k.timings;
      if ((await countViews(server, database)) !== MODELS) throw new Error('kiln did not build every view');
      statements ??= new Map(models.map((m) => [m.name, executedStatements(dir, m.name)]));
      script ??= writeScript(scriptDir, models, statements, server, database);
      // A rerun's statements may not replay on their own (a swap whose cascade drops views that
      // kiln's connection creates again unrecorded): then no baseline, and kiln rebuilds the views.
      const replay = async (what: string, run: () => Promise<Timed> | Timed): Promise<Timed> => {
        await prepare();
        try {
          const t = await run();
          if ((await countViews(server, database)) !== MODELS) throw new Error(`the ${what} did not build every view`);
          return t;
        } catch (e) {
          if (!RERUN) throw e;
          console.log(`the rerun's statements do not replay on their own (${(e as Error).message.split('\n')[0]}); no baseline`);
          await resetSchema(server, database);
          await kilnInProcess(inProcessDir);
          return { ms: NaN, cpuMs: null };
        }
      };
      base.push(await replay('baseline', () => baseline(server, database, models, statements!)));
      batchedBase.push(await replay('batched baseline', () => baseline(server, database, models, statements!, true)));
      scriptBase.push(await replay('minimal script (a process)', () => scriptProcess(script!)));
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
      `the minimal script as a process (node script.mjs: start-up, import pg, the same statements) ${secs(sp)} (CPU ${cpu(Number.isNaN(spc) ? null : spc)}): kiln process / script process ${(k / sp).toFixed(2)}` +
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
    await stop();
  }
}

await main();
