// Benchmark of node selection on a 10,000-node synthetic graph (figures, not pass/fail): every
// selector case of the suite (tests/unit/selection/cases.ts, run verbatim: the fixture project is
// embedded in the big graph), plus state:, result: and source_status: cases against artifacts of
// the same size. Target from issue 6: each case resolves in ≤ 50 ms.
//
//   node --import tsx tests/bench/selection.bench.ts [--nodes N] [--runs R]
//
// Printed per case: the first resolution (cold: nothing memoized for it) and the median of R
// more. One-time costs of an invocation (building the selection graph, reading the --state
// manifest) are printed on their own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { duckdbDialect } from '../../adapters/duckdb/dialect.js';
import { manifestJson } from '../../core/artifacts/manifest-json.js';
import { Dag } from '../../core/graph/dag.js';
import type { Manifest, ParsedNode, SourceTable } from '../../core/nodes.js';
import type { StateAccess } from '../../core/selection/match.js';
import { resolveSelection } from '../../core/selection/select.js';
import type { IndirectSelection } from '../../core/selection/spec.js';
import { Universe } from '../../core/selection/universe.js';
import { readStateManifest } from '../../core/state/artifacts.js';
import { StateComparison } from '../../core/state/compare.js';
import { PreviousState } from '../../core/state/previous-state.js';
import { CASES } from '../unit/selection/cases.js';
import { writeResults } from './lib/report.js';
import { shopManifest } from '../unit/selection/fixture.js';

const args = process.argv.slice(2);
const value = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const TOTAL = value('--nodes', 10_000);
const RUNS = value('--runs', 5);
const TARGET_MS = 50;

/** A deterministic pseudo-random sequence (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The fixture shop project plus synthetic sources, staging, intermediate and mart models and
 * generic tests around it (some reading the fixture's models), about TOTAL nodes in all.
 */
function syntheticManifest(total: number): Manifest {
  const m = shopManifest();
  const rand = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const template = m.nodes.get('model.shop.isolated')!;
  const model = (name: string, dir: string, deps: string[], cfg: Record<string, unknown>, tags: string[]): ParsedNode => {
    const file = `models/${dir}/${name}.sql`;
    return {
      ...template,
      uniqueId: `model.shop.${name}`,
      name,
      path: `${dir}/${name}.sql`,
      originalFilePath: file,
      fqn: ['shop', ...dir.split('/'), name],
      rawCode: `select * from {{ ref('${deps[0] ?? 'x'}') }} -- {{ var('v${name.length % 5}', 1) }}`,
      checksum: `sum-${name}`,
      config: { enabled: true, materialized: 'view', meta: {}, ...cfg, tags },
      dependsOn: { nodes: deps, macros: [] },
      loc: { file },
      columns: {},
    };
  };
  const sources: SourceTable[] = [];
  const nSources = Math.round(total * 0.02);
  const fixtureSource = m.sources.get('source.shop.shop.orders')!;
  for (let i = 0; i < nSources; i++) {
    const s: SourceTable = { ...fixtureSource, uniqueId: `source.shop.raw_${i % 10}.t${i}`, sourceName: `raw_${i % 10}`, name: `t${i}`, identifier: `t${i}`, fqn: ['shop', `raw_${i % 10}`, `t${i}`], tags: i % 3 ? [] : ['raw'] };
    sources.push(s);
    m.sources.set(s.uniqueId, s);
  }
  const layers: string[][] = [[], [], []];
  const counts = [0.12, 0.38, 0.2].map((f) => Math.round(total * f));
  const fixtureModels = ['model.shop.orders', 'model.shop.customers', 'model.shop.stg_orders', 'model.shop.weekly'];
  for (let i = 0; i < counts[0]!; i++) {
    const deps = [i % 50 === 0 ? 'source.shop.shop.orders' : pick(sources).uniqueId];
    const n = model(`stg_x${i}`, `staging/s${i % 20}`, deps, {}, ['staging', `team_${i % 7}`]);
    m.nodes.set(n.uniqueId, n);
    layers[0]!.push(n.uniqueId);
  }
  for (let i = 0; i < counts[1]!; i++) {
    const pool = i > 10 && rand() < 0.5 ? layers[1]! : layers[0]!;
    const deps = [...new Set(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(pool)))];
    if (i % 200 === 0) deps.push(pick(fixtureModels));
    const n = model(`int_x${i}`, `intermediate/i${i % 30}`, deps, { materialized: i % 4 === 0 ? 'ephemeral' : 'view' }, [`team_${i % 7}`]);
    m.nodes.set(n.uniqueId, n);
    layers[1]!.push(n.uniqueId);
  }
  for (let i = 0; i < counts[2]!; i++) {
    const deps = [...new Set(Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(rand() < 0.8 ? layers[1]! : layers[2]!.length ? layers[2]! : layers[1]!)))];
    if (i % 100 === 0) deps.push(pick(fixtureModels));
    const n = model(`mart_x${i}`, `marts/m${i % 10}`, deps, { materialized: i % 3 ? 'table' : 'incremental', group: i % 2 ? 'finance' : 'core' }, i % 5 === 0 ? ['finance', 'nightly'] : ['core']);
    m.nodes.set(n.uniqueId, n);
    layers[2]!.push(n.uniqueId);
  }
  const fixtureTest = m.nodes.get('test.shop.unique_orders_order_id.abc123')!;
  const built = [...layers[0]!, ...layers[1]!, ...layers[2]!];
  while (m.nodes.size + m.sources.size < total) {
    const i = m.nodes.size;
    const parents = rand() < 0.1 ? [pick(built), pick(built)] : [pick(built)];
    const t: ParsedNode = {
      ...fixtureTest,
      uniqueId: `test.shop.not_null_x${i}.h${i}`,
      name: `not_null_x${i}`,
      testMetadata: { name: rand() < 0.5 ? 'not_null' : 'unique', namespace: null, kwargs: {} },
      dependsOn: { nodes: parents, macros: [] },
      attachedNode: parents[0]!,
      fqn: ['shop', 'marts', `not_null_x${i}`],
    };
    m.nodes.set(t.uniqueId, t);
  }
  m.vars = { v0: 1, v1: 2, v2: 3, v3: 4, v4: 5 };
  return m;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

interface Row {
  readonly label: string;
  /** CPU time of the first resolution (cold: nothing memoized for it). */
  readonly first: number;
  /** Median CPU time of the timed runs. */
  readonly median: number;
  /** Median wall time (inflated when the machine is busy). */
  readonly wall: number;
  readonly size: number;
}

/** CPU milliseconds of this process spent in `fn` (steadier than wall time on a shared machine). */
function cpu<T>(fn: () => T): [T, number, number] {
  const w = performance.now();
  const c = process.cpuUsage();
  const out = fn();
  const d = process.cpuUsage(c);
  return [out, (d.user + d.system) / 1000, performance.now() - w];
}

function time(label: string, fn: () => Set<string>, fresh?: () => void): Row {
  fresh?.();
  const [sel, first] = cpu(fn);
  const cpus: number[] = [];
  const walls: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    fresh?.();
    const [, c, w] = cpu(fn);
    cpus.push(c);
    walls.push(w);
  }
  return { label, first, median: median(cpus), wall: median(walls), size: sel.size };
}

const manifest = syntheticManifest(TOTAL);
const nodes = manifest.nodes.size + manifest.sources.size + (manifest.exposures?.size ?? 0);
const [, universeMs] = cpu(() => Universe.of(manifest));
const env = { root: '/proj' };

const rows: Row[] = [];
for (const c of CASES) {
  const label = `${c.select.join(' ') || '(all)'}${c.exclude?.length ? ` --exclude ${c.exclude.join(' ')}` : ''}${c.indirect ? ` [${c.indirect}]` : ''}`;
  rows.push(time(label, () => resolveSelection(manifest, { select: c.select, exclude: c.exclude, indirect: c.indirect as IndirectSelection | undefined }, env).selected));
}

// State: the artifacts of "production" are this graph's own; the current project then differs
// in 1% of bodies, one macro and one var.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-sel-'));
const oldManifest = syntheticManifest(TOTAL);
oldManifest.macros.set('macro.shop.m', { uniqueId: 'macro.shop.m', name: 'm', packageName: 'shop', originalFilePath: 'macros/m.sql', path: 'm.sql', macroSql: '{% macro m() %}1{% endmacro %}', arguments: [], description: '', loc: { file: 'macros/m.sql' } });
fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifestJson(oldManifest, Dag.fromManifest(oldManifest), duckdbDialect, { invocationId: 'b', generatedAt: new Date(), adapterType: 'duckdb' })));
const manifestMb = fs.statSync(path.join(dir, 'manifest.json')).size / 1e6;
const ids = [...manifest.nodes.keys()];
fs.writeFileSync(path.join(dir, 'run_results.json'), JSON.stringify({ args: { which: 'build' }, results: ids.map((id, i) => ({ unique_id: id, status: i % 97 === 0 ? 'error' : i % 89 === 0 ? 'skipped' : 'success' })) }));
const at = (h: number) => new Date(Date.UTC(2024, 0, 1, h)).toISOString();
const srcIds = [...manifest.sources.keys()];
fs.mkdirSync(path.join(dir, 'target'));
fs.writeFileSync(path.join(dir, 'sources.json'), JSON.stringify({ results: srcIds.map((id) => ({ unique_id: id, status: 'pass', max_loaded_at: at(1) })) }));
fs.writeFileSync(path.join(dir, 'target', 'sources.json'), JSON.stringify({ results: srcIds.map((id, i) => ({ unique_id: id, status: 'pass', max_loaded_at: at(i % 4 === 0 ? 2 : 1) })) }));

manifest.macros.set('macro.shop.m', { ...oldManifest.macros.get('macro.shop.m')!, macroSql: '{% macro m() %}2{% endmacro %}' });
let k = 0;
for (const n of manifest.nodes.values()) {
  if (n.resourceType !== 'model') continue;
  if (k % 100 === 0) n.checksum = `edited-${k}`;
  if (k % 150 === 0) n.rawCode += ' {{ m() }}';
  k++;
}
manifest.vars = { ...manifest.vars, v3: 40 };

const [stateManifest, readMs] = cpu(() => readStateManifest(dir, 'state'));
let comparison = new StateComparison(manifest, stateManifest);
const previous = new PreviousState({ current: manifest, root: dir, stateDir: '.', targetDir: path.join(dir, 'target') });
previous.runResults();
previous.sourceStatus('fresher');
// A fresh comparison per resolution, so nothing memoized from an earlier case helps.
const state: StateAccess = { state: (v) => comparison.select(v), result: (s) => previous.result(s), sourceStatus: (v) => previous.sourceStatus(v) };
const STATE_CASES = [
  'state:new', 'state:modified.body', 'state:modified.configs', 'state:modified', 'state:modified+', '+state:modified+', 'state:modified.relation',
  'state:modified.macros', 'state:modified.vars', 'state:modified.contract', 'state:unmodified', 'state:modified+,tag:finance',
  'result:error', 'result:error+', 'result:skipped+', 'source_status:fresher+',
];
for (const spec of STATE_CASES) {
  rows.push(time(spec, () => resolveSelection(manifest, { select: [spec] }, { root: '/proj', state }).selected, () => (comparison = new StateComparison(manifest, stateManifest))));
}
fs.rmSync(dir, { recursive: true, force: true });

const w = Math.max(...rows.map((r) => r.label.length), 10);
console.log(`node selection on a synthetic graph of ${nodes} nodes (${manifest.nodes.size} nodes, ${manifest.sources.size} sources), ${RUNS} timed runs per case; times are CPU ms of this process`);
console.log(`once per invocation: selection graph ${universeMs.toFixed(1)} ms; reading the --state manifest.json (${manifestMb.toFixed(1)} MB) ${readMs.toFixed(0)} ms`);
console.log('');
console.log(`${'selector'.padEnd(w)}  ${'first'.padStart(8)}  ${'median'.padStart(8)}  ${'wall'.padStart(8)}  ${'selected'.padStart(8)}`);
for (const r of rows) console.log(`${r.label.padEnd(w)}  ${r.first.toFixed(2).padStart(8)}  ${r.median.toFixed(2).padStart(8)}  ${r.wall.toFixed(2).padStart(8)}  ${String(r.size).padStart(8)}`);
const worst = rows.reduce((a, b) => (b.first > a.first ? b : a));
const over = rows.filter((r) => Math.max(r.first, r.median) > TARGET_MS);
console.log('');
console.log(`${rows.length} cases; slowest first resolution ${worst.first.toFixed(1)} ms (${worst.label}); slowest median ${Math.max(...rows.map((r) => r.median)).toFixed(1)} ms; median of medians ${median(rows.map((r) => r.median)).toFixed(2)} ms`);
console.log(over.length ? `${over.length} case(s) over the ${TARGET_MS} ms target: ${over.map((r) => r.label).join(', ')}` : `every case within the ${TARGET_MS} ms target`);

writeResults('selection', {
  nodes,
  targetMs: TARGET_MS,
  timedRuns: RUNS,
  onceMs: { selectionGraph: universeMs, readStateManifest: readMs, stateManifestMb: manifestMb },
  cases: rows.map((r) => ({ selector: r.label, firstCpuMs: r.first, medianCpuMs: r.median, medianWallMs: r.wall, selected: r.size })),
  overTarget: over.map((r) => r.label),
});
