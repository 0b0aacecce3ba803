// Cold `kiln compile` of synthetic projects (1,000 / 10,000 / 20,000 models): the whole process timed, peak RSS, phases.
//
//   npm run bench -- compile [-- --sizes 1000,10000,20000 --runs 5 --variants]
//
// Each run starts from nothing: target/ removed, a new process. Runs of the different
// configurations alternate, so a noisy neighbour hurts them alike; medians are reported, and
// ratios are taken between figures of this one invocation. `--variants` adds, at 10,000
// models: the static fast path off, one thread, and the CLI run from the TypeScript sources.
// Targets (issue 9): 10,000 models ≤ 1.5 s (aim 0.6 s), 20,000 ≤ 2.2× that, peak RSS ≤ 500 MB.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { assertOk, median, summarize, timeProcess, type ProcessRun } from './lib/measure.js';
import { benchProject, resetOutputs } from './lib/projects.js';
import { printTable, repoRoot, writeResults, type Cell } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,20000' },
    runs: { type: 'string', default: '5' },
    variants: { type: 'boolean', default: false },
  },
});
const sizes = args.sizes.split(',').map(Number);
const runs = Number(args.runs);
const kilnBin = path.join(repoRoot, 'bin', 'kiln.js');

interface Config {
  readonly label: string;
  readonly models: number;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
}

interface PhaseEvent {
  phases: { phase: string; seconds: number; share: number }[];
}

// The shipped configuration runs dist/: build it (as `npm install` does) before measuring.
const built = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'build.js')], { cwd: repoRoot, encoding: 'utf8' });
if (built.status !== 0 || built.stderr) throw new Error(`build failed: ${built.stderr}`);

const configs: Config[] = sizes.map((models) => ({ label: `${models.toLocaleString('en-US')} models`, models, args: [], env: {} }));
if (args.variants) {
  const at = sizes.includes(10_000) ? 10_000 : sizes[0];
  const n = at.toLocaleString('en-US');
  configs.push(
    { label: `${n}, fast path off`, models: at, args: [], env: { KILN_FAST_PATH: '0' } },
    { label: `${n}, --threads 1`, models: at, args: ['--threads', '1'], env: {} },
    { label: `${n}, from sources (tsx)`, models: at, args: [], env: { KILN_FROM_SOURCE: '1' } },
  );
}

const projects = new Map(sizes.map((models) => [models, benchProject({ models })]));
const measured = new Map<Config, ProcessRun[]>(configs.map((c) => [c, []]));
const phases = new Map<Config, PhaseEvent[]>(configs.map((c) => [c, []]));

for (let r = 0; r < runs; r++) {
  for (const c of configs) {
    const { dir } = projects.get(c.models)!;
    resetOutputs(dir);
    const run = timeProcess(process.execPath, [kilnBin, 'compile', '--log-format', 'json', ...c.args], { cwd: dir, env: { KILN_PROFILE: '1', ...c.env } });
    assertOk(run, `kiln compile (${c.label})`);
    measured.get(c)!.push(run);
    const event = run.stderr
      .split('\n')
      .filter((l) => l.includes('"event":"timings"'))
      .map((l) => JSON.parse(l) as PhaseEvent)[0];
    if (event) phases.get(c)!.push(event);
  }
  process.stdout.write(`round ${r + 1}/${runs} done\n`);
}

// --version alone: what starting the CLI costs, built and from sources.
const startup = { dist: [] as number[], tsx: [] as number[] };
for (let r = 0; r < runs; r++) {
  startup.dist.push(timeProcess(process.execPath, [kilnBin, '--version'], { cwd: repoRoot }).wallMs);
  startup.tsx.push(timeProcess(process.execPath, [kilnBin, '--version'], { cwd: repoRoot, env: { KILN_FROM_SOURCE: '1' } }).wallMs);
}

const PHASES = ['startup', 'load', 'parse', 'graph', 'compile', 'write artifacts', 'other'];
const rows: Cell[][] = [];
const figures: Record<string, unknown>[] = [];
for (const c of configs) {
  const wall = summarize(measured.get(c)!.map((x) => x.wallMs));
  const rss = summarize(measured.get(c)!.map((x) => x.peakRssMb ?? NaN));
  const phaseMedians = Object.fromEntries(PHASES.map((p) => [p, median(phases.get(c)!.map((e) => e.phases.find((x) => x.phase === p)?.seconds ?? 0))]));
  rows.push([c.label, wall.median / 1000, wall.min / 1000, Number.isNaN(rss.median) ? null : Math.round(rss.median), ...PHASES.map((p) => phaseMedians[p])]);
  figures.push({ config: c.label, models: c.models, env: c.env, args: c.args, wallSeconds: { median: wall.median / 1000, min: wall.min / 1000, max: wall.max / 1000, runs: wall.runs.map((x) => x / 1000) }, peakRssMb: rss.median, phaseSeconds: phaseMedians });
}
printTable(`Cold kiln compile, ${runs} runs each (seconds; medians unless noted)`, ['project', 'wall', 'min', 'RSS MB', ...PHASES], rows);

const at = (n: number) => figures.find((f) => f.models === n && (f.config as string).endsWith('models')) as { wallSeconds: { median: number } } | undefined;
const ratios: Record<string, number> = {};
if (at(10_000) && at(20_000)) ratios['20k / 10k wall'] = at(20_000)!.wallSeconds.median / at(10_000)!.wallSeconds.median;
for (const f of figures.filter((x) => !(x.config as string).endsWith('models'))) {
  const base = at(f.models as number);
  if (base) ratios[`${f.config as string} / default`] = (f.wallSeconds as { median: number }).median / base.wallSeconds.median;
}
const startupRow = { distMs: median(startup.dist), tsxMs: median(startup.tsx) };
printTable('Ratios', ['', 'ratio'], Object.entries(ratios).map(([k, v]) => [k, v]));
printTable('Starting the CLI (kiln --version, ms, median)', ['built (dist/)', 'sources (tsx)'], [[startupRow.distMs, startupRow.tsxMs]]);
const stats = Object.fromEntries([...projects].map(([n, p]) => [n, p.project.stats]));
writeResults('compile', { runs, configs: figures, ratios, startupMs: startupRow, projects: stats, targets: { tenThousandWallSeconds: 1.5, aimSeconds: 0.6, twentyOverTen: 2.2, peakRssMb: 500 } });
