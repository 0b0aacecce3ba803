// Run overhead on DuckDB: `kiln run` of a 1,000-model DAG of views (4 threads) against a minimal script running the same statements.
//
//   npm run bench -- run-overhead [-- --models 1000 --threads 4 --rounds 5]
//
// kiln's wall time (a whole process: start-up, parse, compile, run, artifacts) divided by the
// wall time of lib/dag-runner.mjs (a whole process too) executing the very statements kiln
// executed (target/run), each node in one transaction, in DAG order over as many connections.
// A second floor runs only `create or replace view ... as <compiled SQL>` per model (no atomic
// swap). Every execution starts from a database holding only the empty source tables; kiln
// and the script alternate, and medians of this one invocation are compared. Target: ≤ 1.15.
// kiln is timed twice: without target/ (it parses everything: a first run) and with target/ as
// its previous run left it (a user's usual rerun: the partial parse cache is warm).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { assertOk, median, summarize, timeProcess } from './lib/measure.js';
import { benchProject, resetOutputs } from './lib/projects.js';
import { benchDir, printTable, repoRoot, writeResults } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: '1000' },
    threads: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '5' },
  },
});
const models = Number(args.models);
const threads = Number(args.threads);
const rounds = Number(args.rounds);
const kilnBin = path.join(repoRoot, 'bin', 'kiln.js');
const runner = path.join(benchDir, 'lib', 'dag-runner.mjs');

const { dir, project } = benchProject({ models, viewsOnly: true, threads });
const db = path.join(dir, 'bench.duckdb');

/**
 * A database holding only the empty source tables. `keepTarget`: target/ stays as the last run
 * left it (a user's rerun: the partial parse cache and the artifacts are there); otherwise it
 * goes too, and kiln parses from nothing.
 */
async function freshDatabase(keepTarget = false): Promise<void> {
  if (keepTarget) for (const f of ['bench.duckdb', 'bench.duckdb.wal']) fs.rmSync(path.join(dir, f), { force: true });
  else resetOutputs(dir);
  const instance = await DuckDBInstance.create(db);
  const conn = await instance.connect();
  for (const sql of project.sourceDdl) await conn.run(sql);
  conn.closeSync();
  instance.closeSync();
}

interface PlanNode {
  id: string;
  parents: string[];
  statements: string[];
}

interface ManifestNode {
  resource_type: string;
  database: string;
  schema: string;
  relation_name: string | null;
  compiled_code: string | null;
  original_file_path: string;
  package_name: string;
  depends_on: { nodes: string[] };
}

/** The statements kiln executed (target/run) and the bare floor, per model, from one kiln run. */
function plans(): { same: object; bare: object } {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target', 'manifest.json'), 'utf8')) as { nodes: Record<string, ManifestNode> };
  const models = Object.entries(manifest.nodes).filter(([, n]) => n.resource_type === 'model');
  const ids = new Set(models.map(([id]) => id));
  const schemas = [...new Set(models.map(([, n]) => `create schema if not exists "${n.database}"."${n.schema}"`))];
  const same: PlanNode[] = [];
  const bare: PlanNode[] = [];
  for (const [id, n] of models) {
    const parents = n.depends_on.nodes.filter((p) => ids.has(p));
    // writeRun joins the statements as `<statement>;` blocks separated by a blank line.
    const text = fs.readFileSync(path.join(dir, 'target', 'run', n.package_name, n.original_file_path), 'utf8');
    same.push({ id, parents, statements: text.split(/;\n\n/).map((s) => s.replace(/;\s*$/, '').trim()).filter(Boolean) });
    bare.push({ id, parents, statements: [`create or replace view ${n.relation_name} as (\n${n.compiled_code}\n)`] });
  }
  return { same: { setup: schemas, nodes: same }, bare: { setup: schemas, nodes: bare } };
}

// A first kiln run yields the statements both scripts execute (and warms the OS file cache).
await freshDatabase();
assertOk(timeProcess(process.execPath, [kilnBin, 'run', '--threads', String(threads)], { cwd: dir }), 'kiln run');
const p = plans();
const planSame = path.join(dir, 'plan-same.json');
const planBare = path.join(dir, 'plan-bare.json');
fs.writeFileSync(planSame, JSON.stringify(p.same));
fs.writeFileSync(planBare, JSON.stringify(p.bare));

const times = { kiln: [] as number[], kilnWarm: [] as number[], same: [] as number[], bare: [] as number[] };
// CPU time (user + system) of each process: less at the mercy of a busy machine than wall time.
const cpu = { kiln: [] as number[], kilnWarm: [] as number[], same: [] as number[], bare: [] as number[] };
for (let r = 0; r < rounds; r++) {
  // Cold: no target/ (a first run, or after `kiln clean`); warm: target/ as the previous run
  // left it, which is how a user usually runs again. The database starts empty of models either way.
  for (const [key, keepTarget] of [['kiln', false], ['kilnWarm', true]] as const) {
    await freshDatabase(keepTarget);
    const k = timeProcess(process.execPath, [kilnBin, 'run', '--threads', String(threads)], { cwd: dir });
    assertOk(k, `kiln run (${keepTarget ? 'target/ kept' : 'no target/'})`);
    times[key].push(k.wallMs);
    if (k.cpuMs !== null) cpu[key].push(k.cpuMs);
  }
  for (const [key, plan] of [['same', planSame], ['bare', planBare]] as const) {
    await freshDatabase();
    const m = timeProcess(process.execPath, [runner, plan, db, String(threads)], { cwd: dir });
    assertOk(m, `dag-runner (${key})`);
    times[key].push(m.wallMs);
    if (m.cpuMs !== null) cpu[key].push(m.cpuMs);
  }
  process.stdout.write(`round ${r + 1}/${rounds} done\n`);
}

const kiln = summarize(times.kiln);
const kilnWarm = summarize(times.kilnWarm);
const same = summarize(times.same);
const bare = summarize(times.bare);
printTable(`A DAG of ${models.toLocaleString('en-US')} views on DuckDB, ${threads} threads, ${rounds} rounds (seconds, whole processes)`, ['', 'median', 'min', 'max'], [
  ['kiln run, no target/ (cold parse)', kiln.median / 1000, kiln.min / 1000, kiln.max / 1000],
  ['kiln run, target/ kept (a rerun)', kilnWarm.median / 1000, kilnWarm.min / 1000, kilnWarm.max / 1000],
  ['minimal script, kiln\'s statements', same.median / 1000, same.min / 1000, same.max / 1000],
  ['minimal script, create or replace view', bare.median / 1000, bare.min / 1000, bare.max / 1000],
]);
const ratios = {
  kilnOverSameStatements: kiln.median / same.median,
  kilnOverBareViews: kiln.median / bare.median,
  kilnWarmOverSameStatements: kilnWarm.median / same.median,
  kilnWarmOverBareViews: kilnWarm.median / bare.median,
};
printTable('Ratios (target ≤ 1.15)', ['', 'no target/', 'target/ kept'], [
  ['kiln / same statements', ratios.kilnOverSameStatements, ratios.kilnWarmOverSameStatements],
  ['kiln / create or replace view', ratios.kilnOverBareViews, ratios.kilnWarmOverBareViews],
]);
if (cpu.kiln.length === rounds) {
  const c = { kiln: median(cpu.kiln), kilnWarm: median(cpu.kilnWarm), same: median(cpu.same), bare: median(cpu.bare) };
  printTable('CPU time, user + system (seconds, medians)', ['', 'no target/', 'target/ kept'], [
    ['kiln run', c.kiln / 1000, c.kilnWarm / 1000],
    ['minimal script, kiln\'s statements', c.same / 1000, c.same / 1000],
    ['kiln / same statements', c.kiln / c.same, c.kilnWarm / c.same],
  ]);
}
const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
process.stdout.write(`load average at the end: ${load} on ${os.cpus().length} CPUs\n`);
writeResults('run-overhead', { models, threads, rounds, wallSeconds: { kiln, kilnWarm, sameStatements: same, bareViews: bare }, ratios, target: 1.15, loadAverage: os.loadavg(), project: project.stats });
