// Warm `kiln compile` of 10,000 models (partial parsing): nothing changed, one model changed, against cold; and in-process re-parses.
//
//   npm run bench -- warm-compile [-- --models 10000 --runs 3]
//
// Each round runs, as whole processes on one copy of the generated project: a cold compile
// (target/ removed: every file parsed, target/partial_parse.kiln written), a warm compile with
// nothing changed, and a warm compile after one mid-DAG model was edited. Then, in this
// process, the re-parse a long-lived process (kiln watch) makes with PartialParseState after
// one model changed, against a cold in-process parse. Medians; phases from --print-timings.
// Targets (issue 8): warm compile with nothing changed ≤ 0.5 s, with one model changed ≤ 0.5 s.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { assertOk, median, summarize, timeProcess, type ProcessRun } from './lib/measure.js';
import { benchProject, holdProjectDir, workDir } from './lib/projects.js';
import { printTable, repoRoot, writeResults, type Cell } from './lib/report.js';
import { openSession } from '../../core/cli/session.js';
import { PartialParseState } from '../../core/parser/partial/state.js';
import { Timings } from '../../core/cli/timings.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
  },
});
const models = Number(args.models);
const runs = Number(args.runs);
const kilnBin = path.join(repoRoot, 'bin', 'kiln.js');

const built = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'build.js')], { cwd: repoRoot, encoding: 'utf8' });
if (built.status !== 0 || built.stderr) throw new Error(`build failed: ${built.stderr}`);

// A copy of its own: this benchmark edits a model, and others share the generated project.
const source = benchProject({ models });
const dir = path.join(workDir, `warm-p${models}`);
holdProjectDir(dir);
fs.rmSync(dir, { recursive: true, force: true });
fs.cpSync(source.dir, dir, { recursive: true });
fs.rmSync(path.join(dir, 'target'), { recursive: true, force: true });
// A model in the middle of the DAG: an intermediate one, referenced by marts.
const modelFile = [...source.project.files.keys()].filter((f) => f.includes('/intermediate/') && f.endsWith('.sql')).sort()[0];
const modelPath = path.join(dir, modelFile);
const original = fs.readFileSync(modelPath, 'utf8');
// Another staging model for its first ref to point at (staging models read sources only: no cycle).
const firstRef = /ref\('([^']+)'\)/.exec(original);
const otherStaging = [...source.project.files.keys()].filter((f) => f.includes('/staging/') && f.endsWith('.sql')).map((f) => path.posix.basename(f, '.sql')).sort().find((n) => !original.includes(`'${n}'`));
if (!firstRef || !otherStaging) throw new Error(`no ref to change in ${modelFile}`);
// A model with a Jinja loop, mid-DAG, that the template engine re-renders alone (core/parser/partial/warm-jinja.ts).
const loopFile = [...source.project.files.keys()].filter((f) => f.includes('/intermediate/') && f.endsWith('.sql')).sort().find((f) => {
  const text = fs.readFileSync(path.join(dir, f), 'utf8');
  return text.includes('{%- endfor') && !/\b(model|node|doc|env_var|config)\b/.test(text);
});
if (!loopFile) throw new Error('no intermediate model with a loop');
const loopPath = path.join(dir, loopFile);
const loopOriginal = fs.readFileSync(loopPath, 'utf8');

// 'one model changed' edits the SQL after the model's last Jinja (its select list, as most edits
// of a model in this shape are); 'between its Jinja' edits a CTE between two refs; 'a ref changed'
// points its first ref at another staging model (its parents change: parent_map and child_map
// too). These two re-render the model alone from the record (core/parser/partial/warm-render.ts).
// 'inside a Jinja loop' edits the body of another model's for loop: re-rendered alone with the
// template engine (core/parser/partial/warm-jinja.ts).
type Config = 'cold' | 'warm, nothing changed' | 'warm, one model changed' | 'warm, one model changed between its Jinja' | 'warm, one model changed: a ref changed' | 'warm, one model changed inside a Jinja loop';
const CONFIGS: Config[] = ['cold', 'warm, nothing changed', 'warm, one model changed', 'warm, one model changed between its Jinja', 'warm, one model changed: a ref changed', 'warm, one model changed inside a Jinja loop'];
const PHASES = ['startup', 'load', 'parse cache', 'parse', 'graph', 'compile', 'write artifacts', 'other'];
interface PhaseEvent {
  phases: { phase: string; seconds: number }[];
}
const measured = new Map<Config, ProcessRun[]>(CONFIGS.map((c) => [c, []]));
const phases = new Map<Config, PhaseEvent[]>(CONFIGS.map((c) => [c, []]));
const loads: number[] = [];

function compile(c: Config): void {
  const run = timeProcess(process.execPath, [kilnBin, 'compile', '--log-format', 'json'], { cwd: dir, env: { KILN_PROFILE: '1' } });
  assertOk(run, `kiln compile (${c})`);
  // The figure is only the re-render's when the compile took that path.
  if (c === 'warm, one model changed inside a Jinja loop' && !run.stdout.includes('"reuse":"unchanged models"')) throw new Error(`${c}: compiled in full (${loopFile})`);
  measured.get(c)!.push(run);
  const event = run.stderr.split('\n').filter((l) => l.includes('"event":"timings"')).map((l) => JSON.parse(l) as PhaseEvent)[0];
  if (event) phases.get(c)!.push(event);
}

for (let r = 0; r < runs; r++) {
  loads.push(os.loadavg()[0]);
  fs.rmSync(path.join(dir, 'target'), { recursive: true, force: true });
  fs.writeFileSync(modelPath, original);
  fs.writeFileSync(loopPath, loopOriginal);
  compile('cold');
  compile('warm, nothing changed');
  fs.writeFileSync(modelPath, `${original}-- edited in round ${r + 1}\n`);
  compile('warm, one model changed');
  const firstClose = original.indexOf('}}') + 2;
  fs.writeFileSync(modelPath, `${original.slice(0, firstClose)} -- edited in round ${r + 1}\n${original.slice(firstClose)}-- edited in round ${r + 1}\n`);
  compile('warm, one model changed between its Jinja');
  fs.writeFileSync(modelPath, original.replace(firstRef[0], `ref('${otherStaging}')`).replace(/\n$/, `\n-- ref edited in round ${r + 1}\n`));
  compile('warm, one model changed: a ref changed');
  fs.writeFileSync(loopPath, loopOriginal.replace('{%- endfor', `    -- edited in round ${r + 1}\n    {%- endfor`));
  compile('warm, one model changed inside a Jinja loop');
  process.stdout.write(`round ${r + 1}/${runs} done (load ${os.loadavg()[0].toFixed(1)})\n`);
}
fs.writeFileSync(modelPath, original);
fs.writeFileSync(loopPath, loopOriginal);
const cacheBytes = fs.statSync(path.join(dir, 'target', 'partial_parse.kiln')).size;

// In-process: what kiln watch would see. One session warms the state; then one model changes.
const opts = { command: 'compile', logFormat: 'text' as const, color: false };
const inProcess = { coldParse: [] as number[], warmParse: [] as number[], warmOpen: [] as number[], coldOpen: [] as number[] };
const state = new PartialParseState(false);
await openSession({ ...opts, parseState: state }, dir);
for (let r = 0; r < runs; r++) {
  fs.writeFileSync(modelPath, `${original}-- in-process edit ${r + 1}\n`);
  state.invalidate([modelFile]);
  let timings = new Timings();
  let t0 = performance.now();
  const warm = await openSession({ ...opts, parseState: state, timings }, dir);
  inProcess.warmOpen.push(performance.now() - t0);
  inProcess.warmParse.push((timings.report().phases.find((p) => p.phase === 'parse')?.ms ?? NaN) + (timings.report().phases.find((p) => p.phase === 'parse cache')?.ms ?? 0));
  if (warm.parseCacheStats?.misses !== 1) throw new Error(`expected one file re-parsed, got ${JSON.stringify(warm.parseCacheStats)}`);
  timings = new Timings();
  t0 = performance.now();
  await openSession({ ...opts, partialParse: false, timings }, dir);
  inProcess.coldOpen.push(performance.now() - t0);
  inProcess.coldParse.push(timings.report().phases.find((p) => p.phase === 'parse')?.ms ?? NaN);
}
fs.writeFileSync(modelPath, original);

const rows: Cell[][] = [];
const figures: Record<string, unknown>[] = [];
for (const c of CONFIGS) {
  const wall = summarize(measured.get(c)!.map((x) => x.wallMs));
  const rss = summarize(measured.get(c)!.map((x) => x.peakRssMb ?? NaN));
  // CPU time (user + system): steadier than wall time on a shared machine.
  const cpu = median(measured.get(c)!.map((x) => x.cpuMs ?? NaN));
  const phaseMedians = Object.fromEntries(PHASES.map((p) => [p, median(phases.get(c)!.map((e) => e.phases.find((x) => x.phase === p)?.seconds ?? 0))]));
  rows.push([c, wall.median / 1000, wall.min / 1000, Number.isNaN(cpu) ? null : cpu / 1000, Number.isNaN(rss.median) ? null : Math.round(rss.median), ...PHASES.map((p) => phaseMedians[p])]);
  figures.push({ config: c, wallSeconds: { median: wall.median / 1000, min: wall.min / 1000, runs: wall.runs.map((x) => x / 1000) }, cpuSeconds: Number.isNaN(cpu) ? null : cpu / 1000, peakRssMb: rss.median, phaseSeconds: phaseMedians });
}
printTable(`kiln compile, ${models.toLocaleString('en-US')} models, ${runs} rounds (seconds; medians; load average ${loads.map((l) => l.toFixed(1)).join(', ')})`, ['', 'wall', 'min', 'CPU', 'RSS MB', ...PHASES], rows);
const ip = Object.fromEntries(Object.entries(inProcess).map(([k, v]) => [k, median(v) / 1000]));
printTable('In-process (kiln watch): open a session after one model changed (seconds, medians)', ['', 'parse (+cache)', 'whole session'], [
  ['PartialParseState, one file invalidated', ip.warmParse, ip.warmOpen],
  ['cold (--no-partial-parse)', ip.coldParse, ip.coldOpen],
]);
process.stdout.write(`cache file: ${(cacheBytes / 1e6).toFixed(1)} MB\n`);
writeResults('warm-compile', { models, runs, loadAverages: loads, configs: figures, inProcessSeconds: ip, cacheFileMb: cacheBytes / 1e6, targets: { warmNothingChangedSeconds: 0.5, warmOneChangedSeconds: 0.5 } });
