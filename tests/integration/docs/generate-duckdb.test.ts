// `kiln docs generate` on DuckDB: catalog.json read from the real warehouse, manifest.json with
// compiled SQL, the static site and its data, the run history every run appends to.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kiln, repoRoot } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { readSite } from './site-files.js';
import { Store } from '../../../core/docs/browser/data.js';
import { SearchIndex } from '../../../core/docs/browser/search.js';
import { focusSet, fullGraph } from '../../../core/docs/browser/lineage/subgraph.js';
import { packNode } from '../../../core/docs/site-pack.js';
import { copyTemplate } from '../../../core/cli/commands/init.js';

interface CatalogEntry {
  metadata: { type: string; schema: string; name: string; database: string };
  columns: Record<string, { type: string; index: number; name: string }>;
  stats: Record<string, { value: unknown }>;
}

describe('kiln docs generate on project-template (DuckDB)', () => {
  let dir: string;
  let target: string;
  let out: Awaited<ReturnType<typeof kiln>>;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-docs-'));
    copyTemplate(dir);
    const build = await kiln(['build'], dir);
    expect(build.code, build.output).toBe(0);
    // A second run that fails a test: the bad row makes accepted_values on status fail.
    fs.appendFileSync(path.join(dir, 'seeds', 'raw_orders.csv'), '121,1,2018-04-09,lost\n');
    const failing = await kiln(['build', '--select', 'raw_orders+'], dir);
    expect(failing.code, failing.output).toBe(1);
    out = await kiln(['docs', 'generate'], dir);
    target = path.join(dir, 'target');
  });

  it('writes the site, manifest.json and catalog.json', () => {
    expect(out.code, out.output).toBe(0);
    expect(out.stdout).toMatch(/Catalog: 8 relations found in the warehouse/);
    expect(out.stdout).toMatch(/Wrote target\/index\.html, target\/manifest\.json and target\/catalog\.json/);
    const html = fs.readFileSync(path.join(target, 'index.html'), 'utf8');
    expect(html).toContain('<title>shop · kiln docs</title>');
    // Opens from disk: relative script paths, nothing fetched from a network.
    expect(html).toContain('<script src="kiln-docs/data/core.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);
    const app = fs.readFileSync(path.join(target, 'kiln-docs', 'app.js'), 'utf8');
    expect(app).not.toMatch(/\bfetch\(|XMLHttpRequest|cdn\.|unpkg|jsdelivr/);
  });

  it('reads columns with database types and row counts into catalog.json', () => {
    const catalog = JSON.parse(fs.readFileSync(path.join(target, 'catalog.json'), 'utf8')) as { metadata: { dbt_schema_version: string }; nodes: Record<string, CatalogEntry>; sources: object; errors: unknown };
    expect(catalog.metadata.dbt_schema_version).toBe('https://schemas.getdbt.com/dbt/catalog/v1.json');
    expect(Object.keys(catalog.nodes).sort()).toEqual([
      'model.shop.customers',
      'model.shop.orders',
      'model.shop.stg_customers',
      'model.shop.stg_orders',
      'model.shop.stg_payments',
      'seed.shop.raw_customers',
      'seed.shop.raw_orders',
      'seed.shop.raw_payments',
    ]);
    const orders = catalog.nodes['model.shop.orders'];
    expect(orders.metadata).toMatchObject({ type: 'BASE TABLE', schema: 'main', name: 'orders', database: 'shop' });
    expect(orders.columns.order_id).toEqual({ type: 'INTEGER', index: 1, name: 'order_id', comment: null });
    expect(orders.columns.order_date.type).toBe('DATE');
    expect(Object.keys(orders.columns)).toHaveLength(10);
    expect(orders.stats.row_count.value).toBe(120);
    expect(catalog.nodes['seed.shop.raw_orders'].stats.row_count.value).toBe(121);
    expect(catalog.nodes['model.shop.stg_orders'].metadata.type).toBe('VIEW');
    expect(catalog.nodes['model.shop.stg_orders'].stats.row_count).toBeUndefined();
    expect(catalog.errors).toBeNull();
  });

  it('compiles every node into manifest.json', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(target, 'manifest.json'), 'utf8')) as { nodes: Record<string, { compiled_code: string | null }> };
    expect(manifest.nodes['model.shop.orders'].compiled_code).toContain('"shop"."main"."stg_orders"');
    expect(manifest.nodes['test.shop.assert_order_payments_add_up'].compiled_code).toContain('"shop"."main"."orders"');
  });

  it('gives the site every node with its layout, tests, columns and last run', () => {
    const site = readSite(target);
    const { core } = site;
    expect(core.project).toMatchObject({ name: 'shop', adapterType: 'duckdb', overview: null });
    const types = core.nodes.map((n) => n.type);
    expect(types.filter((t) => t === 'model')).toHaveLength(6);
    expect(types.filter((t) => t === 'seed')).toHaveLength(3);
    expect(types.filter((t) => t === 'test')).toHaveLength(28);
    const orders = core.nodes[site.index('model.shop.orders')];
    expect(orders.cols).toEqual(['order_id', 'customer_id', 'order_date', 'status', 'credit_card_amount', 'coupon_amount', 'bank_transfer_amount', 'gift_card_amount', 'payment_count', 'amount']);
    expect(orders.rel).toBe('"shop"."main"."orders"');
    expect(core.configs[orders.cfg]).toMatchObject({ materialized: 'table', tags: expect.arrayContaining(['finance', 'marts']) });
    expect(orders.parents.map((p) => core.nodes[p].name).sort()).toEqual(['int_order_payments', 'stg_orders']);
    // Laid out left to right: every model is right of its parents; tests are not laid out.
    for (const n of core.nodes) {
      if (n.type === 'test') expect(n.x).toBeUndefined();
      else for (const p of n.parents) expect(core.nodes[p].x!).toBeLessThan(n.x!);
    }
    const statusTest = core.nodes.find((n) => n.type === 'test' && n.on === site.index('model.shop.stg_orders') && n.col === 'status')!;
    expect(statusTest.testName).toBe('accepted_values');
    // The second run failed this test (and skipped what is downstream); runs are oldest first.
    expect(core.runs.map((r) => [r.command, r.status])).toEqual([
      ['build', 'success'],
      ['build', 'error'],
    ]);
    expect(statusTest.last?.[0]).toBe('fail');
    expect(statusTest.last?.[2]).toBe(1);
    expect(core.nodes[site.index('model.shop.customers')].last?.[0]).toBe('skipped');
    expect(core.runsOverview.tests[0].history.map((h) => h[1])).toContain('fail');
    expect(core.runsOverview.details[1].problems.some((p) => p.status === 'fail' && /accepted_values/.test(core.nodes[p.node as number].name))).toBe(true);
    expect(core.runsOverview.slowest.length).toBeGreaterThan(0);
  });

  it('puts code, columns, catalog and history on each page', () => {
    const site = readSite(target);
    const orders = site.detail('model.shop.orders');
    expect(orders.raw).toContain("{{ ref('stg_orders') }}");
    expect(orders.compiled).toContain('"shop"."main"."stg_orders"');
    expect(orders.compiled).toContain('__dbt__cte__int_order_payments');
    expect(orders.columns.find((c) => c.name === 'status')?.description).toContain('| placed ');
    expect(orders.catalog?.columns.find((c) => c.name === 'order_id')?.type).toBe('INTEGER');
    expect(orders.catalog?.rowCount).toBe(120);
    // Skipped in the second run: a test of stg_orders failed upstream.
    expect(orders.history.map((h) => h[1])).toEqual(['success', 'skipped']);
    expect(orders.facts).toContainEqual(['Materialized', 'table']);
    const ephemeral = site.detail('model.shop.int_order_payments');
    expect(ephemeral.catalog).toBeNull();
    const seed = site.detail('seed.shop.raw_orders');
    expect(seed.raw).toBeNull();
    expect(seed.catalog?.columns.map((c) => c.name)).toEqual(fs.readFileSync(path.join(dir, 'seeds', 'raw_orders.csv'), 'utf8').split('\n')[0].trim().split(','));
  });

  it('records every run, seed and test in target/run_history.jsonl', async () => {
    const lines = () => fs.readFileSync(path.join(target, 'run_history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { command: string; results: { id: string }[] });
    expect(lines()).toHaveLength(2);
    await kiln(['seed', '--select', 'raw_customers'], dir);
    await kiln(['test', '--select', 'stg_customers'], dir);
    const after = lines();
    expect(after.map((l) => l.command)).toEqual(['build', 'build', 'seed', 'test']);
    expect(after[2].results.map((r) => r.id)).toEqual(['seed.shop.raw_customers']);
  });
});

describe('kiln docs generate, odd cases', () => {
  const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 1\n`;
  const project = (files: Record<string, string>) => testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': PROFILE, ...files });

  it('shows the __overview__ block and keeps going when a node does not compile', async () => {
    const dir = project({
      'models/docs.md': '{% docs __overview__ %}\n# Our warehouse\nStart **here**.\n{% enddocs %}',
      'models/good.sql': 'select 1 as id',
      'models/bad.sql': "{% if execute %}{{ exceptions.raise_compiler_error('no way') }}{% endif %}select 1 as id",
    });
    const r = await kiln(['docs', 'generate', '--empty-catalog'], dir);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toMatch(/no way/);
    expect(r.output).toMatch(/1 node did not compile; their pages say why/);
    const site = readSite(path.join(dir, 'target'));
    expect(site.core.project.overview).toBe('# Our warehouse\nStart **here**.');
    expect(site.detail('model.p.bad').compileError).toMatch(/no way/);
    expect(site.detail('model.p.good').compiled).toBe('select 1 as id');
    // --empty-catalog leaves the warehouse alone.
    expect(fs.existsSync(path.join(dir, 'dev.duckdb'))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'target', 'catalog.json'), 'utf8')).nodes).toEqual({});
  });

  it('with --no-compile shows no compiled SQL, and never writes a secret into the site', async () => {
    process.env.KILN_SECRET_DOCS_TOKEN = 'tok-5ecret-81723';
    try {
      const dir = project({
        'models/a.sql': 'select 1 as id',
        'models/schema.yml': "version: 2\nmodels:\n  - name: a\n    description: \"Reads with {{ env_var('KILN_SECRET_DOCS_TOKEN') }}\"\n",
      });
      const r = await kiln(['docs', 'generate', '--no-compile'], dir);
      expect(r.code, r.output).toBe(0);
      const site = readSite(path.join(dir, 'target'));
      expect(site.detail('model.p.a').compiled).toBeNull();
      expect(site.core.nodes[site.index('model.p.a')].desc).toBe('Reads with *****');
      for (const f of fs.readdirSync(path.join(dir, 'target'), { recursive: true }) as string[]) {
        const file = path.join(dir, 'target', f);
        if (fs.statSync(file).isFile()) expect(fs.readFileSync(file, 'utf8'), f).not.toContain('tok-5ecret-81723');
      }
    } finally {
      delete process.env.KILN_SECRET_DOCS_TOKEN;
    }
  });

  it('leaves a node with docs show: false out of the tree, search and lineage, and colours node_color', async () => {
    const dir = project({
      'dbt_project.yml': 'name: p\nprofile: p\nmodels:\n  p:\n    internal:\n      +docs:\n        show: false\n',
      'models/internal/helper.sql': 'select 1 as id',
      'models/a.sql': "select * from {{ ref('helper') }}",
      'models/b.sql': "select * from {{ ref('a') }}",
      'models/schema.yml': 'version: 2\nmodels:\n  - name: b\n    docs:\n      node_color: "#ff8800"\n',
    });
    const r = await kiln(['docs', 'generate', '--empty-catalog'], dir);
    expect(r.code, r.output).toBe(0);
    const site = readSite(path.join(dir, 'target'));
    const helper = site.core.nodes[site.index('model.p.helper')];
    expect(helper.hide).toBe(1);
    expect(helper.x).toBeUndefined(); // not in the whole graph's layout
    expect(site.core.nodes[site.index('model.p.b')].color).toBe('#ff8800');
    expect(site.core.nodes[site.index('model.p.a')].hide).toBeUndefined();
    // The browser's own modules, on the generated data.
    const wire = { ...site.core, nodes: site.core.nodes.map((n) => packNode(n, 'p')) };
    const g = globalThis as { window?: object };
    g.window = {}; // the Store registers its chunk loader there
    const store = new Store(wire, '');
    delete g.window;
    expect(new SearchIndex(store).search('helper').map((h) => h.entry.name)).toEqual([]);
    expect(new SearchIndex(store).search('b').map((h) => h.entry.name)).toContain('b');
    expect([...focusSet(store, site.index('model.p.a'), null, null, false)].map((i) => store.core.nodes[i].name).sort()).toEqual(['a', 'b']);
    expect(fullGraph(store).nodes.map((i) => store.core.nodes[i].name).sort()).toEqual(['a', 'b']);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { docs: unknown }> };
    expect(manifest.nodes['model.p.helper']!.docs).toEqual({ show: false, node_color: null });
    expect(manifest.nodes['model.p.b']!.docs).toEqual({ show: true, node_color: '#ff8800' });
  });

  it('still writes the site when the warehouse cannot be opened', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE.replace('path: dev.duckdb', 'path: /dev/null/nowhere/dev.duckdb'),
      'models/a.sql': 'select 1 as id',
    });
    const r = await kiln(['docs', 'generate'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/Catalog incomplete: the warehouse could not be opened/);
    const site = readSite(path.join(dir, 'target'));
    expect(site.core.project.catalogErrors[0]).toMatch(/could not be opened/);
    expect(site.detail('model.p.a').compiled).toBe('select 1 as id');
  });

  it('falls back to run_results.json for projects run before the history existed', async () => {
    const dir = project({ 'models/a.sql': 'select 1 as id' });
    expect((await kiln(['run'], dir)).code).toBe(0);
    fs.rmSync(path.join(dir, 'target', 'run_history.jsonl'));
    expect((await kiln(['docs', 'generate'], dir)).code).toBe(0);
    const site = readSite(path.join(dir, 'target'));
    expect(site.core.runs).toHaveLength(1);
    expect(site.core.nodes[site.index('model.p.a')].last?.[0]).toBe('success');
  });
});
