// `kiln watch` on DuckDB: from the save of one view model to its rebuilt report, on a 10,000-model project.
//
//   npm run bench -- watch [-- --models 10000 --saves 5 [--package] [--yaml] [--kiln /other/checkout/bin/kiln.js]]
//
// The generated project (every model a view) gets its source tables and the chosen model's
// ancestors built once (`kiln run -s +<model>`); then one `kiln watch --log-format json` process
// runs while this script saves the model `--saves` times (a changed comment each time), waiting
// for each rebuild's summary event. Reported per save: wall time from the write to the summary
// line, the part spent re-parsing, the build (the runner: compile, plan and SQL of the model and
// its tests) and the nodes' own execution times. "Overhead" is wall minus the build: the
// debounce, the re-parse, working out what changed and the report; the issue's target is
// ≤ 300 ms beyond the SQL's own time. The model is a leaf (no model depends on it), so it and
// its tests are rebuilt.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { median } from './lib/measure.js';
import { benchProject, resetOutputs } from './lib/projects.js';
import { machine, printTable, repoRoot, writeResults } from './lib/report.js';

// `--kiln <path to bin/kiln.js>` measures another checkout (already built), for A/B comparisons.
// `--package`: the project has an installed package (as most real ones do: dbt_utils...), whose
// macro the saved model calls.
// `--yaml`: the model's property file also declares an exposure on it (as most real projects'
// do, with unit tests), and each save edits the model's entry there (its meta) instead of its SQL.
const { values: args } = parseArgs({ options: { models: { type: 'string', default: '10000' }, saves: { type: 'string', default: '5' }, kiln: { type: 'string' }, package: { type: 'boolean', default: false }, yaml: { type: 'boolean', default: false } } });
const models = Number(args.models);
const saves = Number(args.saves);
const kilnBin = args.kiln ? path.resolve(args.kiln) : path.join(repoRoot, 'bin', 'kiln.js');

// The shipped configuration runs dist/: build it (as `npm install` does) before measuring.
if (!args.kiln) {
  const built = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'build.js')], { cwd: repoRoot, encoding: 'utf8' });
  if (built.status !== 0 || built.stderr) throw new Error(`build failed: ${built.stderr}`);
}

const { dir, project } = benchProject({ models, viewsOnly: true });
resetOutputs(dir);
const packageDir = path.join(dir, 'dbt_packages', 'bench_utils');
fs.rmSync(path.join(dir, 'dbt_packages'), { recursive: true, force: true });
if (args.package) {
  const files: Record<string, string> = {
    'dbt_project.yml': "name: bench_utils\nversion: '1.0.0'\nconfig-version: 2\n",
    'macros/bench_label.sql': "{% macro bench_label(text) %}'{{ text }}'{% endmacro %}\n",
    'models/bench_utils_days.sql': 'select 1 as day\n',
    'models/schema.yml': 'version: 2\nmodels:\n  - name: bench_utils_days\n    columns:\n      - name: day\n        data_tests: [not_null]\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(packageDir, rel)), { recursive: true });
    fs.writeFileSync(path.join(packageDir, rel), text);
  }
}
const instance = await DuckDBInstance.create(path.join(dir, 'bench.duckdb'));
const conn = await instance.connect();
for (const sql of project.sourceDdl) await conn.run(sql);
conn.closeSync();
instance.closeSync();

const kiln = (argv: readonly string[]) => {
  const r = spawnSync(process.execPath, [kilnBin, ...argv], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`kiln ${argv.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
};

// A leaf model (no children) deep in the DAG: the last one in the manifest's order with parents.
kiln(['parse']);
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target', 'manifest.json'), 'utf8')) as {
  nodes: Record<string, { resource_type: string; name: string; original_file_path: string; depends_on: { nodes: string[] } }>;
  child_map: Record<string, string[]>;
};
const leaf = Object.entries(manifest.nodes)
  .filter(([id, n]) => n.resource_type === 'model' && n.depends_on.nodes.some((d) => d.startsWith('model.')) && (manifest.child_map[id] ?? []).every((c) => !c.startsWith('model.')))
  .map(([, n]) => n)
  .at(-1)!;
kiln(['run', '-s', `+${leaf.name}`]);

const modelDir = path.posix.dirname(leaf.original_file_path);
const file = path.join(dir, args.yaml ? `${modelDir}/_${path.posix.basename(modelDir)}__models.yml` : leaf.original_file_path);
const original = fs.readFileSync(file, 'utf8');
const entry = `  - name: ${leaf.name}\n`;
if (args.yaml && !original.includes(entry)) throw new Error(`${file} does not describe ${leaf.name}`);
const exposure = `exposures:\n  - name: bench_board\n    type: dashboard\n    owner: {email: bi@example.com}\n    depends_on: ["ref('${leaf.name}')"]\n`;
const saved = (s: number) => (args.yaml ? `${original.replace(entry, `${entry}    meta: {save: ${s}}\n`)}${exposure}` : `${original}\n-- save ${s}${args.package ? " {{ bench_label('x') }}" : ''}\n`);
if (args.yaml) fs.writeFileSync(file, saved(0));

interface Rebuilt {
  elapsed: number;
  parse: number;
  build: number;
  total: number;
}
interface NodeEvent {
  execution_time: number;
}

const child = spawn(process.execPath, [kilnBin, 'watch', '--log-format', 'json'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
const events: Record<string, unknown>[] = [];
let buffered = '';
let notify: (() => void) | null = null;
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk: string) => {
  buffered += chunk;
  let i;
  while ((i = buffered.indexOf('\n')) !== -1) {
    const line = buffered.slice(0, i);
    buffered = buffered.slice(i + 1);
    if (line.startsWith('{')) events.push(JSON.parse(line) as Record<string, unknown>);
  }
  notify?.();
});
const waitFor = (pred: () => boolean) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out; events: ${JSON.stringify(events.slice(-5))}`)), 600_000);
    const check = () => {
      if (!pred()) return;
      clearTimeout(timer);
      notify = null;
      resolve();
    };
    notify = check;
    check();
  });

const startAt = performance.now();
await waitFor(() => events.some((e) => e.event === 'watch_ready'));
const startup = (performance.now() - startAt) / 1000;

const rows: { wall: number; parse: number; build: number; nodes: number; sql: number; overhead: number }[] = [];
try {
  for (let s = 1; s <= saves; s++) {
    const before = events.filter((e) => e.event === 'watch_rebuilt').length;
    const firstEvent = events.length;
    const t0 = performance.now();
    fs.writeFileSync(file, saved(s));
    await waitFor(() => events.filter((e) => e.event === 'watch_rebuilt').length > before);
    const wall = (performance.now() - t0) / 1000;
    const rebuilt = events.filter((e) => e.event === 'watch_rebuilt').at(-1) as unknown as Rebuilt;
    const nodes = events.slice(firstEvent).filter((e) => e.event === 'watch_node') as unknown as NodeEvent[];
    const sql = nodes.reduce((a, n) => a + n.execution_time, 0);
    rows.push({ wall, parse: rebuilt.parse, build: rebuilt.build, nodes: rebuilt.total, sql, overhead: wall - rebuilt.build });
    // Let the watcher settle before the next save, so saves are never one debounced burst.
    await waitFor(() => events.at(-1)?.event === 'watch_idle');
  }
} finally {
  fs.writeFileSync(file, original);
  child.kill('SIGINT');
  await new Promise((r) => child.on('exit', r));
  fs.rmSync(path.join(dir, 'dbt_packages'), { recursive: true, force: true });
}

const ms = (s: number) => Math.round(s * 1000);
printTable(
  `kiln watch, ${models.toLocaleString('en-US')} view models${args.package ? ' and an installed package' : ''}: save of ${args.yaml ? `${leaf.name}'s property file (with an exposure)` : leaf.name} → its rebuilt report (startup ${startup.toFixed(1)} s)`,
  ['save', 'nodes', 'wall ms', 're-parse ms', 'build ms', 'Σ node exec ms', 'overhead ms (wall − build)', 'rest ms (wall − re-parse − build)'],
  [
    ...rows.map((r, i) => [i + 1, r.nodes, ms(r.wall), ms(r.parse), ms(r.build), ms(r.sql), ms(r.overhead), ms(r.overhead - r.parse)]),
    ['median', '', ...(['wall', 'parse', 'build', 'sql', 'overhead'] as const).map((k) => ms(median(rows.map((r) => r[k])))), ms(median(rows.map((r) => r.overhead - r.parse)))],
  ],
);
writeResults(`watch${args.package ? '-package' : ''}${args.yaml ? '-yaml' : ''}`, { models, saves, package: args.package, yaml: args.yaml, startupSeconds: startup, rows, medianOverheadMs: ms(median(rows.map((r) => r.overhead))), target: '≤ 300 ms beyond the SQL', machine: machine() });
