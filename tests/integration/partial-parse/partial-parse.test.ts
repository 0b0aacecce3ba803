// Partial parsing: after every kind of edit (add, change, rename, delete of models, property
// YAML, macros, seeds, snapshots, singular and generic tests, doc blocks, sources, the project
// file, vars, env vars), a parse that reuses target/partial_parse.kiln gives exactly the manifest
// (nodes, sources, macros, docs, parent and child maps, warnings) of a parse from scratch.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSession, type Session } from '../../../core/cli/session.js';
import type { GlobalOptions } from '../../../core/cli/options.js';
import { snapshotOf } from './manifest-snapshot.js';
import { PROJECT, SHOP_FILES } from './shop-project.js';
import { CACHE_FILE } from '../../../core/parser/partial/parse-cache.js';
import { PartialParseState } from '../../../core/parser/partial/state.js';
import { testdir } from '../../helpers/testdir.js';
import { kiln } from '../../helpers/cli.js';
import { flushParseCaches, reparseProject } from '../../../core/cli/reparse.js';
import { UTILS_PACKAGE } from '../packages/utils-package.js';
import { isWholeFloat } from '../../../core/project/yaml-floats.js';

const FILES = SHOP_FILES;

function options(extra: Partial<GlobalOptions> = {}): GlobalOptions {
  return { command: 'parse', logFormat: 'text', color: false, ...extra };
}

/** A warm parse (reusing the cache) and a cold one of `dir`, which must agree; the warm one's figures. */
async function warmEqualsCold(dir: string, extra: Partial<GlobalOptions> = {}): Promise<{ hits: number; misses: number; warm: Session }> {
  const warm = await openSession(options(extra), dir);
  const cold = await openSession(options({ ...extra, partialParse: false }), dir);
  expect(snapshotOf(warm)).toEqual(snapshotOf(cold));
  const stats = warm.parseCacheStats!;
  expect(stats).toBeDefined();
  return { hits: stats.hits, misses: stats.misses, warm };
}

function write(dir: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

function edit(dir: string, rel: string, from: string | RegExp, to: string): void {
  const before = fs.readFileSync(path.join(dir, rel), 'utf8');
  const after = before.replace(from, to);
  expect(after, `${rel} should contain ${String(from)}`).not.toBe(before);
  fs.writeFileSync(path.join(dir, rel), after);
}

function remove(dir: string, rel: string): void {
  fs.rmSync(path.join(dir, rel));
}

function rename(dir: string, from: string, to: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
  fs.renameSync(path.join(dir, from), path.join(dir, to));
}

/** A project parsed once, so the cache holds every file. */
async function primed(): Promise<string> {
  const dir = testdir(FILES);
  const first = await openSession(options(), dir);
  expect(first.parseCacheStats!.hits).toBe(0);
  expect(fs.existsSync(path.join(dir, 'target', CACHE_FILE))).toBe(true);
  return dir;
}

const savedEnv = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
});

describe('partial parsing', () => {
  it('reuses every file when nothing changed', async () => {
    const dir = await primed();
    const { hits, misses, warm } = await warmEqualsCold(dir);
    expect(misses).toBe(0);
    expect(hits).toBeGreaterThan(5);
    expect(warm.manifest.nodes.has('model.shop.orders')).toBe(true);
  });

  it('model SQL: change, add, rename, delete, disable', async () => {
    const dir = await primed();
    edit(dir, 'models/marts/revenue.sql', "ref('orders')", "ref('stg_orders')");
    const changed = await warmEqualsCold(dir);
    expect(changed.misses).toBe(1);
    expect(changed.warm.manifest.nodes.get('model.shop.revenue')!.dependsOn.nodes).toEqual(['model.shop.stg_orders']);

    write(dir, 'models/marts/refunds.sql', "select * from {{ ref('orders') }} where cents < 0\n");
    expect((await warmEqualsCold(dir)).misses).toBe(1);

    rename(dir, 'models/marts/refunds.sql', 'models/staging/refunds_moved.sql');
    const renamed = await warmEqualsCold(dir);
    expect(renamed.warm.manifest.nodes.has('model.shop.refunds_moved')).toBe(true);
    expect(renamed.warm.manifest.nodes.has('model.shop.refunds')).toBe(false);

    remove(dir, 'models/staging/refunds_moved.sql');
    const removed = await warmEqualsCold(dir);
    expect([...removed.warm.manifest.nodes.keys()].some((k) => k.includes('refunds'))).toBe(false);

    write(dir, 'models/marts/spare.sql', "select 1 as id\n");
    await warmEqualsCold(dir);
    write(dir, 'models/marts/spare.sql', "{{ config(enabled=false) }}\nselect 1 as id\n");
    const disabled = await warmEqualsCold(dir);
    expect(disabled.warm.manifest.disabled.has('model.shop.spare')).toBe(true);

    // An empty model file is skipped; filling it in again brings the node back.
    write(dir, 'models/marts/spare.sql', '');
    const emptied = await warmEqualsCold(dir);
    expect(emptied.warm.manifest.disabled.has('model.shop.spare')).toBe(false);
    write(dir, 'models/marts/spare.sql', "select 2 as id\n");
    expect((await warmEqualsCold(dir)).warm.manifest.nodes.has('model.shop.spare')).toBe(true);
  });

  it('property YAML: descriptions, configs, tests, a patch moved to another file, a file renamed and deleted', async () => {
    const dir = await primed();
    // A model's own SQL changed: the model alone is parsed again, with its YAML entry from its
    // property file read again in full (the cache file keeps only its outline: memoryOnly).
    edit(dir, 'models/marts/orders.sql', 'select o.id', 'select o.id, o.amount');
    expect((await warmEqualsCold(dir)).misses).toBe(2);
    edit(dir, 'models/marts/_marts.yml', 'Orders with their customer.', 'Orders, one row each.');
    const described = await warmEqualsCold(dir);
    expect(described.warm.manifest.nodes.get('model.shop.orders')!.description).toBe('Orders, one row each.');

    edit(dir, 'models/marts/_marts.yml', 'tags: [finance]', "tags: [finance, daily]\n      materialized: view");
    const configured = await warmEqualsCold(dir);
    expect(configured.warm.manifest.nodes.get('model.shop.orders')!.config.materialized).toBe('view');

    // A test added to a column, another removed.
    edit(dir, 'models/staging/_staging.yml', 'data_tests: [unique, not_null]', 'data_tests: [not_null, {accepted_values: {values: [1, 2]}}]');
    const tested = await warmEqualsCold(dir);
    const tests = [...tested.warm.manifest.nodes.keys()].filter((k) => k.startsWith('test.shop.') && k.includes('stg_orders_id'));
    expect(tests.some((k) => k.includes('accepted_values'))).toBe(true);
    expect(tests.some((k) => k.includes('.unique_'))).toBe(false);

    // The patch of `orders` moves from _marts.yml into _staging.yml (the model's file is untouched).
    const marts = fs.readFileSync(path.join(dir, 'models/marts/_marts.yml'), 'utf8');
    write(dir, 'models/marts/_marts.yml', 'version: 2\n');
    edit(dir, 'models/staging/_staging.yml', /^models:\n/m, marts.replace('version: 2\nmodels:\n', 'models:\n'));
    const moved = await warmEqualsCold(dir);
    expect(moved.warm.manifest.nodes.get('model.shop.orders')!.patchPath).toBe('models/staging/_staging.yml');

    rename(dir, 'models/staging/_staging.yml', 'models/_all.yml');
    const renamed = await warmEqualsCold(dir);
    expect(renamed.warm.manifest.nodes.get('model.shop.orders')!.patchPath).toBe('models/_all.yml');

    // Without the file: no sources, so refs to them fail, exactly as a cold parse fails.
    remove(dir, 'models/_all.yml');
    const warmErr = await openSession(options(), dir).then(() => null, (e: Error) => e.message);
    const coldErr = await openSession(options({ partialParse: false }), dir).then(() => null, (e: Error) => e.message);
    expect(warmErr).toContain('raw.orders');
    expect(warmErr).toBe(coldErr);
  });

  it('a patch for a model that does not exist warns on every parse, and applies once the model appears', async () => {
    const dir = await primed();
    write(dir, 'models/marts/_later.yml', 'version: 2\nmodels:\n  - name: later\n    description: Comes later.\n    data_tests: [{unique: {column_name: id}}]\n');
    const warned = await warmEqualsCold(dir);
    expect(warned.warm.warnings.some((w) => w.message.includes("'later'"))).toBe(true);
    const again = await warmEqualsCold(dir);
    expect(again.warm.warnings.some((w) => w.message.includes("'later'"))).toBe(true);
    write(dir, 'models/marts/later.sql', 'select 1 as id\n');
    const appeared = await warmEqualsCold(dir);
    expect(appeared.warm.manifest.nodes.get('model.shop.later')!.description).toBe('Comes later.');
    expect([...appeared.warm.manifest.nodes.keys()].some((k) => k.startsWith('test.shop.unique_later'))).toBe(true);
  });

  it('model versions and groups: versions declared, a version added, the latest moved, a group and private access added', async () => {
    const dir = await primed();
    write(dir, 'models/marts/dim_v1.sql', 'select 1 as id\n');
    write(dir, 'models/marts/dim.sql', "select 1 as id, 'x' as name\n");
    write(dir, 'models/marts/uses_dim.sql', "select * from {{ ref('dim') }}\n");
    write(dir, 'models/marts/_dim.yml', 'models:\n  - name: dim\n    columns:\n      - name: id\n        data_tests: [unique]\n');
    await warmEqualsCold(dir);
    edit(dir, 'models/marts/_dim.yml', '    columns:', '    latest_version: 2\n    versions:\n      - v: 1\n      - v: 2\n    columns:');
    const versioned = await warmEqualsCold(dir);
    expect(versioned.warm.manifest.nodes.get('model.shop.uses_dim')!.dependsOn.nodes).toEqual(['model.shop.dim.v2']);
    write(dir, 'models/marts/dim_v3.sql', 'select 3 as id\n');
    // v2 is no longer the latest: it needs a file of its own.
    rename(dir, 'models/marts/dim.sql', 'models/marts/dim_v2.sql');
    edit(dir, 'models/marts/_dim.yml', '      - v: 2\n', '      - v: 2\n      - v: 3\n');
    edit(dir, 'models/marts/_dim.yml', 'latest_version: 2', 'latest_version: 3');
    const moved = await warmEqualsCold(dir);
    expect(moved.warm.manifest.nodes.get('model.shop.uses_dim')!.dependsOn.nodes).toEqual(['model.shop.dim.v3']);
    expect([...moved.warm.manifest.nodes.keys()].some((k) => k.startsWith('test.shop.unique_dim_v3_id'))).toBe(true);
    edit(dir, 'models/marts/_dim.yml', 'models:\n', 'groups:\n  - name: core\n    owner: {email: core@example.com}\nmodels:\n  - name: uses_dim\n    group: core\n');
    edit(dir, 'models/marts/_dim.yml', '  - name: dim\n', '  - name: dim\n    access: private\n    group: core\n');
    const grouped = await warmEqualsCold(dir);
    expect(grouped.warm.manifest.groups?.has('group.shop.core')).toBe(true);
  });

  it('sources: a table added, one removed, a source test changed', async () => {
    const dir = await primed();
    edit(dir, 'models/staging/_staging.yml', '      - name: customers\n', '      - name: customers\n      - name: payments\n        data_tests: [{unique: {column_name: id}}]\n');
    const added = await warmEqualsCold(dir);
    expect(added.warm.manifest.sources.has('source.shop.raw.payments')).toBe(true);
    edit(dir, 'models/staging/_staging.yml', 'data_tests: [unique]\n', 'data_tests: [not_null]\n');
    await warmEqualsCold(dir);
    edit(dir, 'models/staging/_staging.yml', '      - name: payments\n        data_tests: [{unique: {column_name: id}}]\n', '');
    const removed = await warmEqualsCold(dir);
    expect(removed.warm.manifest.sources.has('source.shop.raw.payments')).toBe(false);
  });

  it('test arguments written as floats (1.0) stay floats in nodes from the cache', async () => {
    const dir = await primed();
    edit(dir, 'models/marts/_marts.yml', '              field: id\n', "              field: id\n          - in_range: {min_value: 0.0, max_value: [1.0, 1e3]}\n");
    write(dir, 'macros/in_range.sql', '{% test in_range(model, column_name, min_value, max_value) %}select {{ min_value }}{% endtest %}\n');
    await warmEqualsCold(dir);
    const again = await warmEqualsCold(dir);
    expect(again.misses).toBe(0);
    const range = [...again.warm.manifest.nodes.values()].find((n) => n.testMetadata?.name === 'in_range');
    expect(range?.name).toBe('in_range_orders_id__1_0__1e3__0_0');
    expect(isWholeFloat(range!.testMetadata!.kwargs.min_value)).toBe(true);
  });

  it('macros: a change reaches every node that calls it; added and deleted macros', async () => {
    const dir = await primed();
    edit(dir, 'macros/cents.sql', '* 100', '* 1000');
    const changed = await warmEqualsCold(dir);
    expect(changed.warm.manifest.macros.get('macro.shop.cents')!.macroSql).toContain('* 1000');
    // A macro that decides a config at parse time: its change must reach the node's config.
    write(dir, 'macros/mat.sql', "{% macro mat() %}{{ return('table') }}{% endmacro %}\n");
    write(dir, 'models/marts/revenue.sql', "{{ config(materialized=mat()) }}\nselect sum(cents) as total from {{ ref('orders') }}\n");
    const viaMacro = await warmEqualsCold(dir);
    expect(viaMacro.warm.manifest.nodes.get('model.shop.revenue')!.config.materialized).toBe('table');
    edit(dir, 'macros/mat.sql', "'table'", "'view'");
    const macroChanged = await warmEqualsCold(dir);
    expect(macroChanged.hits).toBe(0);
    expect(macroChanged.warm.manifest.nodes.get('model.shop.revenue')!.config.materialized).toBe('view');
    // A project macro replacing a naming rule changes every relation.
    write(dir, 'macros/naming.sql', "{% macro generate_schema_name(custom, node) %}{{ 'x_' ~ (custom or target.schema) }}{% endmacro %}\n");
    const renamed = await warmEqualsCold(dir);
    expect(renamed.warm.manifest.nodes.get('model.shop.orders')!.schema).toBe('x_main');
    remove(dir, 'macros/naming.sql');
    const back = await warmEqualsCold(dir);
    expect(back.warm.manifest.nodes.get('model.shop.orders')!.schema).toBe('main');
  });

  it('generic and singular tests: changed, added, renamed, deleted', async () => {
    const dir = await primed();
    edit(dir, 'tests/generic/is_even.sql', '% 2 = 1', '% 2 <> 0');
    await warmEqualsCold(dir);
    write(dir, 'tests/assert_orders.sql', "select * from {{ ref('orders') }} where id is null\n");
    const added = await warmEqualsCold(dir);
    expect(added.warm.manifest.nodes.has('test.shop.assert_orders')).toBe(true);
    edit(dir, 'tests/assert_orders.sql', "ref('orders')", "ref('stg_orders')");
    await warmEqualsCold(dir);
    rename(dir, 'tests/assert_orders.sql', 'tests/more/assert_orders_renamed.sql');
    await warmEqualsCold(dir);
    remove(dir, 'tests/more/assert_orders_renamed.sql');
    remove(dir, 'tests/assert_revenue_positive.sql');
    const removed = await warmEqualsCold(dir);
    expect([...removed.warm.manifest.nodes.keys()].filter((k) => k.startsWith('test.shop.assert'))).toEqual([]);
    // The generic test's definition removed: every use of it fails, as in a cold parse.
    remove(dir, 'tests/generic/is_even.sql');
    const warmErr = await openSession(options(), dir).then(() => null, (e: Error) => e.message);
    expect(warmErr).toContain('is_even');
    expect(warmErr).toBe(await openSession(options({ partialParse: false }), dir).then(() => null, (e: Error) => e.message));
  });

  it('seeds, snapshots, analyses and doc blocks', async () => {
    const dir = await primed();
    edit(dir, 'seeds/countries.csv', 'de,Germany\n', 'de,Germany\nit,Italy\n');
    const seedChanged = await warmEqualsCold(dir);
    expect(seedChanged.warm.manifest.nodes.get('seed.shop.countries')!.checksum).not.toBe('');
    write(dir, 'seeds/currencies.csv', 'code\neur\n');
    await warmEqualsCold(dir);
    rename(dir, 'seeds/currencies.csv', 'seeds/ref/currency_codes.csv');
    await warmEqualsCold(dir);
    remove(dir, 'seeds/ref/currency_codes.csv');
    await warmEqualsCold(dir);

    edit(dir, 'snapshots/orders_snapshot.sql', "check_cols=['amount']", "check_cols=['amount', 'rate']");
    const snap = await warmEqualsCold(dir);
    expect(snap.warm.manifest.nodes.get('snapshot.shop.orders_snapshot')!.config.check_cols).toEqual(['amount', 'rate']);
    write(dir, 'snapshots/customers_snapshot.sql', "{% snapshot customers_snapshot %}\n{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols='all') }}\nselect * from {{ ref('stg_customers') }}\n{% endsnapshot %}\n");
    await warmEqualsCold(dir);
    remove(dir, 'snapshots/customers_snapshot.sql');
    await warmEqualsCold(dir);

    edit(dir, 'analyses/by_customer.sql', "ref('orders')", "ref('revenue')");
    await warmEqualsCold(dir);

    edit(dir, 'models/docs.md', 'One row per order.', 'Exactly one row per order.');
    const doc = await warmEqualsCold(dir);
    expect(doc.warm.manifest.nodes.get('model.shop.stg_orders')!.description).toBe('Exactly one row per order.');
    write(dir, 'models/more_docs.md', '{% docs customers_doc %}\nCustomers.\n{% enddocs %}\n');
    await warmEqualsCold(dir);
    rename(dir, 'models/more_docs.md', 'models/staging/customers.md');
    await warmEqualsCold(dir);
    remove(dir, 'models/staging/customers.md');
    await warmEqualsCold(dir);
  });

  it('dbt_project.yml, --vars, --target and env vars read at parse time', async () => {
    const dir = await primed();
    edit(dir, 'dbt_project.yml', '+materialized: table', '+materialized: view');
    const project = await warmEqualsCold(dir);
    expect(project.hits).toBe(0);
    expect(project.warm.manifest.nodes.get('model.shop.revenue')!.config.materialized).toBe('view');
    edit(dir, 'dbt_project.yml', 'rate: 3', 'rate: 4');
    await warmEqualsCold(dir);

    const withVars = await warmEqualsCold(dir, { vars: '{rate: 5}' });
    expect(withVars.hits).toBe(0);
    expect(withVars.warm.manifest.nodes.get('model.shop.stg_orders')!.rawCode).toContain("var('rate')");
    expect((await warmEqualsCold(dir, { vars: '{rate: 5}' })).misses).toBe(0);
    expect((await warmEqualsCold(dir, { vars: '{rate: 6}' })).hits).toBe(0);

    write(dir, 'profiles.yml', 'shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n    ci:\n      type: duckdb\n      path: ci.duckdb\n      schema: ci\n');
    await warmEqualsCold(dir);
    const ci = await warmEqualsCold(dir, { target: 'ci' });
    expect(ci.warm.manifest.nodes.get('model.shop.orders')!.schema).toBe('ci');

    // A model whose config reads an env var, another whose YAML description does.
    write(dir, 'models/marts/by_env.sql', "{{ config(alias=env_var('PP_ALIAS', 'by_env_default')) }}\nselect 1 as id\n");
    edit(dir, 'models/marts/_marts.yml', 'description: Orders with their customer.', `description: "Orders for {{ env_var('PP_REGION', 'all regions') }}."`);
    delete process.env.PP_ALIAS;
    delete process.env.PP_REGION;
    await warmEqualsCold(dir);
    process.env.PP_ALIAS = 'aliased';
    const aliased = await warmEqualsCold(dir);
    expect(aliased.warm.manifest.nodes.get('model.shop.by_env')!.alias).toBe('aliased');
    expect(aliased.misses).toBe(1);
    process.env.PP_REGION = 'EMEA';
    const region = await warmEqualsCold(dir);
    expect(region.warm.manifest.nodes.get('model.shop.orders')!.description).toBe('Orders for EMEA.');
  });

  it('env var values never reach the cache file; results made from secret env vars are not cached', async () => {
    const dir = await primed();
    process.env.PP_PLAIN = 'plain-value-123';
    process.env.DBT_ENV_SECRET_PP = 'secret-value-456';
    write(dir, 'models/marts/plain.sql', "{{ config(meta={'v': env_var('PP_PLAIN')}) }}\nselect 1 as id\n");
    write(dir, 'models/marts/secret.sql', "{{ config(meta={'s': env_var('DBT_ENV_SECRET_PP')}) }}\nselect 1 as id\n");
    await warmEqualsCold(dir);
    const bytes = fs.readFileSync(path.join(dir, 'target', CACHE_FILE), 'latin1');
    expect(bytes).not.toContain('secret-value-456');
    expect(bytes.split('plain-value-123').length - 1).toBe(2); // in the node's config and unrendered_config, not in the env record
    expect((await warmEqualsCold(dir)).misses).toBe(1);
    process.env.PP_PLAIN = 'changed';
    const changed = await warmEqualsCold(dir);
    expect(changed.warm.manifest.nodes.get('model.shop.plain')!.config.meta).toEqual({ v: 'changed' });
  });

  it('in a long-lived process: a file reading flags follows the flags of each parse, one reading invocation_id each invocation', async () => {
    const dir = await primed();
    write(dir, 'models/marts/flagged.sql', "{{ config(meta={'which': flags.WHICH}) }}\nselect 1 as id\n");
    write(dir, 'models/marts/stamped.sql', "{{ config(meta={'at': invocation_id}) }}\nselect 1 as id\n");
    const state = new PartialParseState(false);
    for (const command of ['parse', 'compile', 'compile', 'run'] as const) {
      const s = await openSession(options({ parseState: state, command }), dir);
      expect(s.manifest.nodes.get('model.shop.flagged')!.config.meta).toEqual({ which: command });
      expect(s.manifest.nodes.get('model.shop.stamped')!.config.meta).toEqual({ at: s.invocationId });
    }
  });

  it('kiln run writes the cache at its end, the bytes a parse writes: after a run whose nodes fail, and when it stops at its selection', async () => {
    const dir = testdir(FILES);
    const cacheFile = path.join(dir, 'target', CACHE_FILE);
    await openSession(options(), dir);
    const parsed = fs.readFileSync(cacheFile);
    // The source tables do not exist: the run's nodes fail (the run goes on to its end).
    fs.rmSync(cacheFile);
    const run = await kiln(['run'], dir);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toContain('ERROR');
    expect(fs.readFileSync(cacheFile).equals(parsed)).toBe(true);
    // state:modified without --state: the selection fails before anything runs.
    fs.rmSync(cacheFile);
    const stopped = await kiln(['run', '-s', 'state:modified'], dir);
    expect(stopped.code).not.toBe(0);
    expect(fs.readFileSync(cacheFile).equals(parsed)).toBe(true);
    // And a warm run reads it.
    const warm = await openSession(options({ command: 'run' }), dir);
    expect(warm.parseCacheStats!.misses).toBe(0);
  });

  it('files that read per-invocation values are parsed every time', async () => {
    const dir = await primed();
    write(dir, 'models/marts/stamped.sql', "{{ config(meta={'at': invocation_id}) }}\nselect 1 as id\n");
    await openSession(options(), dir);
    const again = await openSession(options(), dir);
    expect(again.parseCacheStats!.misses).toBe(0);
    expect(again.manifest.nodes.get('model.shop.stamped')!.config.meta).toEqual({ at: again.invocationId });
  });

  it('in a long-lived process: the cache stays in memory and only invalidated or new files are read', async () => {
    const dir = await primed();
    const state = new PartialParseState();
    const first = await openSession(options({ parseState: state }), dir);
    expect(first.parseCacheStats!.misses).toBe(0);
    const cacheFile = path.join(dir, 'target', CACHE_FILE);
    const mtime = fs.statSync(cacheFile).mtimeMs;

    edit(dir, 'models/marts/revenue.sql', "ref('orders')", "ref('stg_orders')");
    write(dir, 'models/marts/added.sql', "select * from {{ ref('revenue') }}\n");
    remove(dir, 'analyses/by_customer.sql');
    state.invalidate(['models/marts/revenue.sql']);
    const second = await openSession(options({ parseState: state }), dir);
    expect(second.parseCacheStats).toEqual({ hits: expect.any(Number), misses: 2, entries: expect.any(Number) });
    const cold = await openSession(options({ partialParse: false }), dir);
    expect(snapshotOf(second)).toEqual(snapshotOf(cold));
    // Written back, so the next command starts warm.
    expect(fs.statSync(cacheFile).mtimeMs).toBeGreaterThanOrEqual(mtime);
    expect((await openSession(options(), dir)).parseCacheStats!.misses).toBe(0);

    // A macro change: every file parsed again, from memory.
    edit(dir, 'macros/cents.sql', '* 100', '* 10');
    state.invalidate(['macros/cents.sql']);
    const third = await openSession(options({ parseState: state }), dir);
    expect(third.parseCacheStats!.hits).toBe(0);
    expect(snapshotOf(third)).toEqual(snapshotOf(await openSession(options({ partialParse: false }), dir)));

    // Results shared between parses of one process are never changed by a parse that used them.
    for (let i = 0; i < 2; i++) {
      const again = await openSession(options({ parseState: state, command: 'compile' }), dir);
      expect(again.parseCacheStats!.misses).toBe(0);
      expect(snapshotOf(again)).toEqual(snapshotOf(await openSession(options({ partialParse: false, command: 'compile' }), dir)));
      expect((await kiln(['compile'], dir)).code).toBe(0);
    }
  });

  it('in a long-lived process told every changed path (kiln watch): folders are listed again only when a file came or went', async () => {
    const dir = await primed();
    const state = new PartialParseState(false);
    await openSession(options({ parseState: state }), dir);
    const cold = async () => snapshotOf(await openSession(options({ partialParse: false }), dir));
    const nodeIds = (s: Awaited<ReturnType<typeof openSession>>) => [...s.manifest.nodes.keys()];

    // An edit of a known file: the listing is kept. A file nobody reported is therefore not seen,
    // which is what shows the shortcut is taken (the watcher reports every add).
    write(dir, 'models/marts/unreported.sql', 'select 1 as x\n');
    edit(dir, 'models/marts/revenue.sql', "ref('orders')", "ref('stg_orders')");
    state.invalidate(['models/marts/revenue.sql'], { root: dir });
    let warm = await openSession(options({ parseState: state }), dir);
    expect(nodeIds(warm)).not.toContain('model.shop.unreported');
    remove(dir, 'models/marts/unreported.sql');

    // An added file: listed again.
    write(dir, 'models/marts/added.sql', "select * from {{ ref('revenue') }}\n");
    state.invalidate(['models/marts/added.sql'], { root: dir });
    warm = await openSession(options({ parseState: state }), dir);
    expect(nodeIds(warm)).toContain('model.shop.added');
    expect(snapshotOf(warm)).toEqual(await cold());

    // A deleted file (known before): listed again.
    remove(dir, 'analyses/by_customer.sql');
    state.invalidate(['analyses/by_customer.sql'], { root: dir });
    warm = await openSession(options({ parseState: state }), dir);
    expect(snapshotOf(warm)).toEqual(await cold());

    // The project file (not a listed file) may move the folders: listed again.
    edit(dir, 'dbt_project.yml', 'name: shop', 'name: shop\nanalysis-paths: ["nowhere"]');
    state.invalidate(['dbt_project.yml'], { root: dir });
    warm = await openSession(options({ parseState: state }), dir);
    expect(snapshotOf(warm)).toEqual(await cold());
  });

  it('with an installed package: its nodes reused, a change to it or to the project vars parses again', async () => {
    const root = testdir({
      'shop/dbt_project.yml': 'name: shop\nprofile: shop\nvars:\n  kiln_utils:\n    utils_label: from-project\nmodels:\n  kiln_utils:\n    +tags: [pkg]\n',
      'shop/profiles.yml': FILES['profiles.yml'],
      'shop/packages.yml': 'packages:\n  - local: ../kiln_utils\n',
      'shop/models/calendar_days.sql': "select count(*) as days, min(label) as label from {{ ref('kiln_utils', 'utils_calendar') }}\n",
      'shop/models/greet.sql': "select '{{ whoami() }}' as owner\n",
      ...Object.fromEntries(Object.entries(UTILS_PACKAGE).map(([k, v]) => [`kiln_utils/${k}`, v])),
    });
    const dir = path.join(root, 'shop');
    expect((await kiln(['deps'], dir)).code).toBe(0);
    await openSession(options(), dir);
    const warm = await warmEqualsCold(dir);
    expect(warm.misses).toBe(0);
    expect(warm.warm.manifest.nodes.get('model.kiln_utils.utils_calendar')!.config.tags).toEqual(['pkg']);
    edit(dir, 'models/greet.sql', 'as owner', 'as greeter');
    expect((await warmEqualsCold(dir)).misses).toBe(1);
    const installed = fs.readdirSync(path.join(dir, 'dbt_packages'))[0];
    edit(dir, `dbt_packages/${installed}/models/utils_calendar.sql`, 'as label', 'as the_label');
    expect((await warmEqualsCold(dir)).hits).toBe(0);
    edit(dir, 'dbt_project.yml', 'utils_label: from-project', 'utils_label: changed');
    expect((await warmEqualsCold(dir)).hits).toBe(0);
  });

  it("kiln watch's re-parse reads only the saved files, and writes the cache when watching ends", async () => {
    const dir = testdir(FILES);
    const first = await reparseProject({ opts: options(), cwd: dir, changedFiles: new Set(), previous: null });
    expect(first.parseCacheStats!.hits).toBe(0);
    expect(fs.existsSync(path.join(dir, 'target', CACHE_FILE))).toBe(false);
    edit(dir, 'models/marts/_marts.yml', 'Orders with their customer.', 'Orders.');
    edit(dir, 'seeds/countries.csv', 'de,Germany\n', '');
    const next = await reparseProject({ opts: options(), cwd: dir, changedFiles: new Set(['models/marts/_marts.yml', 'seeds/countries.csv']), previous: first });
    expect(next.adapter).toBe(first.adapter);
    // The YAML's outline, the model it describes and that model's tests.
    expect(next.parseCacheStats!.misses).toBeLessThanOrEqual(4);
    expect(snapshotOf(next)).toEqual(snapshotOf(await openSession(options({ partialParse: false }), dir)));
    flushParseCaches();
    expect(fs.existsSync(path.join(dir, 'target', CACHE_FILE))).toBe(true);
    expect((await openSession(options(), dir)).parseCacheStats!.misses).toBe(0);
  });

  it('a damaged or foreign cache file is ignored', async () => {
    const dir = await primed();
    const file = path.join(dir, 'target', CACHE_FILE);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
    expect((await warmEqualsCold(dir)).hits).toBe(0);
    fs.writeFileSync(file, 'not a cache');
    expect((await warmEqualsCold(dir)).hits).toBe(0);
    expect((await warmEqualsCold(dir)).misses).toBe(0);
  });

  it('is off with --no-partial-parse, KILN_NO_PARTIAL_PARSE=1 or flags: {partial_parse: false}', async () => {
    const dir = testdir(FILES);
    const file = path.join(dir, 'target', CACHE_FILE);
    const off = await kiln(['parse', '--no-partial-parse'], dir);
    expect(off.code).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
    process.env.KILN_NO_PARTIAL_PARSE = '1';
    expect((await kiln(['parse'], dir)).code).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
    delete process.env.KILN_NO_PARTIAL_PARSE;
    write(dir, 'dbt_project.yml', `${PROJECT}flags:\n  partial_parse: false\n`);
    expect((await kiln(['parse'], dir)).code).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
    write(dir, 'dbt_project.yml', PROJECT);
    const on = await kiln(['parse', '--print-timings'], dir);
    expect(on.code).toBe(0);
    expect(on.stderr).toContain('parse cache');
    expect(fs.existsSync(file)).toBe(true);
  });
});
