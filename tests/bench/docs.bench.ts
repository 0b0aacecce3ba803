// Benchmark of the docs site on a 10,000-model synthetic project (figures, not pass/fail):
//   1. `kiln docs generate` wall time through the real CLI (with KILN_PROFILE's phase split);
//   2. the site's first render in headless Chromium (navigation start → the page is drawn);
//   3. choosing a node → its focused lineage drawn on the canvas;
//   plus the whole graph's first draw and a selector applied in the filter box.
// Targets from issue 7: ≤ 10 s, ≤ 2 s, ≤ 300 ms.
//
//   node --import tsx tests/bench/docs.bench.ts [--models N] [--keep DIR] [--warehouse | --build]
//
// Without a warehouse the catalog finds nothing. --warehouse creates a table for every model
// and source (their declared columns) straight in DuckDB, so the catalog reads 11,000 relations
// without building the project; --build runs `kiln run` instead (slow).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const kilnBin = path.join(repo, 'bin', 'kiln.js');
const GEN = process.env.KILN_GEN_PROJECT ?? '/work/shared/bench/gen-project.mjs';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const models = Number(value('--models', '10000'));

function run(cmd: string, argv: string[], cwd: string, env: Record<string, string> = {}): { ms: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return { ms, out: r.stdout + r.stderr };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

async function main(): Promise<void> {
  const dir = path.resolve(value('--keep', fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-docs-bench-'))));
  console.log(`docs bench: ${models} models in ${dir} (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
  if (!fs.existsSync(path.join(dir, 'dbt_project.yml'))) run(process.execPath, [GEN, '--models', String(models), '--out', dir, '--format', 'dbt', '--force'], repo);
  fs.writeFileSync(path.join(dir, 'profiles.yml'), 'bench:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: bench.duckdb\n      schema: main\n      threads: 4\n');
  if (flag('--build')) console.log(`kiln run: ${fmt(run(process.execPath, [kilnBin, 'run'], dir).ms)}`);
  if (flag('--warehouse')) console.log(`warehouse: ${await fakeWarehouse(dir)} relations created`);

  // 1. docs generate, twice (the first also warms the OS file cache); the phase split of the last.
  // The CLI runs in a child that also reports its CPU time: on a busy machine wall time alone
  // says more about the neighbours than about kiln.
  const withCpu = `process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('CPU_MS ' + (u.user + u.system) / 1000 + '\\n'); }); await import(${JSON.stringify(kilnBin)});`;
  const gens: number[] = [];
  const cpus: number[] = [];
  let profile = '';
  for (let i = 0; i < 2; i++) {
    const r = run(process.execPath, ['--input-type=module', '-e', withCpu, '--', kilnBin, 'docs', 'generate'], dir, { KILN_PROFILE: '1' });
    gens.push(r.ms);
    cpus.push(Number(/CPU_MS ([\d.]+)/.exec(r.out)?.[1] ?? NaN));
    profile = r.out;
  }
  const site = path.join(dir, 'target');
  const size = (f: string) => fs.statSync(path.join(site, f)).size;
  const chunks = fs.readdirSync(path.join(site, 'kiln-docs', 'data')).length - 1;
  console.log(`\n1. kiln docs generate: ${gens.map(fmt).join(', ')} wall; ${cpus.map(fmt).join(', ')} CPU (target ≤ 10 s)`);
  console.log(profile.split('\n').filter((l) => /^\s+(startup|load|parse|graph|compile|write artifacts|execute|other|total)\b/.test(l)).map((l) => `     ${l.trim()}`).join('\n'));
  console.log(`   site: core.js ${(size('kiln-docs/data/core.js') / 1e6).toFixed(1)} MB, app.js ${(size('kiln-docs/app.js') / 1e3).toFixed(0)} kB, ${chunks} detail chunks; manifest.json ${(size('manifest.json') / 1e6).toFixed(0)} MB`);

  // 2 and 3 in headless Chromium.
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  // tsx compiles this file with esbuild's keepNames, which wraps inner functions of the
  // callbacks handed to page.evaluate in a __name() helper the page does not have.
  await context.addInitScript('window.__name = (f) => f;');
  try {
    const page = await context.newPage();
    const url = `file://${path.join(site, 'index.html')}`;
    const renders: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto('about:blank');
      await page.goto(url);
      await page.waitForSelector('body[data-ready]');
      // performance.now() counts from navigation start: scripts loaded, data parsed, page drawn.
      renders.push(await page.evaluate(() => new Promise<number>((resolve) => requestAnimationFrame(() => resolve(performance.now())))));
    }
    const startMs = await page.evaluate(() => window.kilnDocs?.startMs ?? 0);
    console.log(`\n2. first render (navigation → overview drawn): ${renders.map(fmt).join(', ')}; median ${fmt(median(renders))} (target ≤ 2 s)`);
    console.log(`   of which building the site's indices: ${fmt(startMs)}`);

    const t0 = await page.evaluate(() => performance.now());
    await page.evaluate(() => (location.hash = '#/lineage'));
    await page.waitForFunction(() => window.kilnDocs?.lastDraw?.view === 'all');
    const fullDraw = (await page.evaluate(() => performance.now())) - t0;
    const fullNodes = await page.evaluate(() => window.kilnDocs?.lastDraw?.nodes ?? 0);
    console.log(`   whole graph (${fullNodes} nodes) on the lineage page: ${fmt(fullDraw)} to first draw`);

    // Nodes to focus: marts in the middle of the graph have deep, wide ancestries.
    const picks = await page.evaluate(() => {
      const core = window.kilnDocs!.core!;
      const marts = core.nodes.map((n) => n).filter((n) => n.t === 'model' && n.f.includes('/marts/'));
      const ints = core.nodes.filter((n) => n.t === 'model' && n.f.includes('/intermediate/'));
      const pick = (xs: typeof marts, k: number) => Array.from({ length: k }, (_, i) => xs[Math.floor(((i + 0.5) * xs.length) / k)]).filter(Boolean);
      return [...pick(marts, 5), ...pick(ints, 5)].map((n) => `model.${core.project.name}.${n.n}`);
    });
    const focus = async (id: string, up: string, down: string) =>
      page.evaluate(
        ({ id, up, down }) =>
          new Promise<{ ms: number; nodes: number }>((resolve) => {
            const key = `focus:${id}:${up}:${down}`;
            const t = performance.now();
            location.hash = `#/lineage?focus=${encodeURIComponent(id)}&up=${up}&down=${down}`;
            const poll = () => {
              const d = window.kilnDocs?.lastDraw;
              if (d && d.view === key) resolve({ ms: performance.now() - t, nodes: d.nodes });
              else requestAnimationFrame(poll);
            };
            poll();
          }),
        { id, up, down },
      );
    for (const [up, down] of [['2', '2'], ['all', 'all']]) {
      const times: number[] = [];
      const sizes: number[] = [];
      for (const id of picks) {
        const r = await focus(id, up, down);
        times.push(r.ms);
        sizes.push(r.nodes);
      }
      console.log(`\n3. choose a node → focused lineage drawn (${up} up, ${down} down; ${Math.min(...sizes)}–${Math.max(...sizes)} nodes): median ${fmt(median(times))}, max ${fmt(Math.max(...times))} over ${times.length} nodes (target ≤ 300 ms)`);
    }

    const selectorMs: number[] = [];
    for (const spec of ['tag:marts', `+${picks[0].split('.').pop()}`, `@${picks[5].split('.').pop()}`]) {
      const r = await page.evaluate(
        (spec) =>
          new Promise<{ ms: number; nodes: number }>((resolve) => {
            const t = performance.now();
            const hash = `#/lineage?select=${encodeURIComponent(spec)}`;
            location.hash = hash;
            const want = new URLSearchParams({ select: spec }).toString();
            const poll = () => {
              const d = window.kilnDocs?.lastDraw;
              if (d && d.view === want) resolve({ ms: performance.now() - t, nodes: d.nodes });
              else requestAnimationFrame(poll);
            };
            poll();
          }),
        spec,
      );
      selectorMs.push(r.ms);
      console.log(`   selector ${spec}: ${r.nodes} nodes drawn in ${fmt(r.ms)}`);
    }
  } finally {
    await context.close();
    fs.rmSync(profileDir, { recursive: true, force: true });
  }
  if (!args.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
}

/** One table per model and source of the project (from `kiln parse`'s manifest), created directly in DuckDB. */
async function fakeWarehouse(dir: string): Promise<number> {
  run(process.execPath, [kilnBin, 'parse'], dir);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target', 'manifest.json'), 'utf8')) as {
    nodes: Record<string, { resource_type: string; schema: string; alias: string; config: { materialized: string }; columns: Record<string, { name: string }> }>;
    sources: Record<string, { schema: string; identifier: string; columns: Record<string, { name: string }> }>;
  };
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const rels: { schema: string; name: string; cols: string[] }[] = [];
  for (const n of Object.values(manifest.nodes)) {
    if (n.resource_type === 'model' && n.config.materialized !== 'ephemeral') rels.push({ schema: n.schema, name: n.alias, cols: Object.values(n.columns).map((c) => c.name) });
  }
  for (const s of Object.values(manifest.sources)) rels.push({ schema: s.schema, name: s.identifier, cols: Object.values(s.columns).map((c) => c.name) });
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(path.join(dir, 'bench.duckdb'));
  const conn = await db.connect();
  try {
    const statements = [...new Set(rels.map((r) => `create schema if not exists ${q(r.schema)};`))];
    for (const r of rels) {
      const cols = (r.cols.length ? r.cols : ['id']).map((c, i) => `${q(c)} ${i === 0 ? 'integer' : 'varchar'}`).join(', ');
      statements.push(`create or replace table ${q(r.schema)}.${q(r.name)} (${cols});`);
    }
    await conn.run(`begin; ${statements.join('\n')} commit;`);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  return rels.length;
}

await main();
