// kiln watch's incremental re-parse (core/watch/incremental-parse.ts): through a session of
// saves (a model's SQL, its refs, a cycle and its fix, YAML descriptions, tests and sources,
// seeds, snapshots, added and deleted models), every re-parse gives exactly what a parse from
// scratch gives (the manifest, parent and child maps, warnings, or the same errors), and the
// saves it can take alone are re-parsed alone.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GlobalOptions } from '../../../core/cli/options.js';
import { reparseProject } from '../../../core/cli/reparse.js';
import { openSession, type Session } from '../../../core/cli/session.js';
import { KilnError, KilnErrors } from '../../../core/errors.js';
import { PartialParseState } from '../../../core/parser/partial/state.js';
import * as incremental from '../../../core/watch/incremental-parse.js';
import { testdir } from '../../helpers/testdir.js';
import { snapshotOf } from './manifest-snapshot.js';
import { PROJECT, SHOP_FILES } from './shop-project.js';
import { UTILS_PACKAGE } from '../packages/utils-package.js';
import { FILES as SEMANTIC_FILES } from '../semantic/fixture.js';

const FILES = SHOP_FILES;

const options = (): GlobalOptions => ({ command: 'watch', logFormat: 'text', color: false, parseState: undefined });

/** A parse's outcome, as the watch sees it: the session, or the errors (code, message, place). */
type Outcome = { session: Session } | { errors: string[] };

async function outcome(parse: () => Promise<Session>): Promise<Outcome> {
  try {
    return { session: await parse() };
  } catch (e) {
    if (!(e instanceof KilnError || e instanceof KilnErrors)) throw e;
    const errors = e instanceof KilnErrors ? e.errors : [e];
    return { errors: errors.map((x) => `${x.code} ${x.message} ${x.loc?.file ?? ''}:${x.loc?.line ?? ''} ${x.hint ?? ''}`) };
  }
}

const view = (o: Outcome) => ('session' in o ? snapshotOf(o.session) : o.errors);

/**
 * One watch session on a fresh copy of FILES, with its own parse state (as kiln watch keeps one
 * per project): `save` edits files and re-parses as the watch loop does (the files saved since
 * the last good parse, against that parse), checks the outcome against a cold parse and says
 * how it was re-parsed ('incremental' or why not).
 */
async function watchSession(files: Readonly<Record<string, string>> = FILES) {
  const dir = testdir(files);
  const state = new PartialParseState(false);
  const opts = { ...options(), parseState: state };
  let good = await reparseProject({ opts, cwd: dir, changedFiles: new Set(), previous: null });
  const sinceGood = new Set<string>();
  return {
    dir,
    /** The last good parse (the one the watch rebuilds from). */
    current: () => good,
    async save(edits: Record<string, string | null | ((text: string) => string)>): Promise<{ how: string; outcome: Outcome }> {
      for (const [rel, edit] of Object.entries(edits)) {
        const abs = path.join(dir, rel);
        sinceGood.add(rel);
        if (edit === null) fs.rmSync(abs);
        else {
          fs.mkdirSync(path.dirname(abs), { recursive: true });
          fs.writeFileSync(abs, typeof edit === 'string' ? edit : edit(fs.readFileSync(abs, 'utf8')));
        }
      }
      const next = await outcome(() => reparseProject({ opts, cwd: dir, changedFiles: new Set(sinceGood), previous: good }));
      const how = incremental.lastFallback ?? 'incremental';
      const cold = await outcome(() => openSession({ ...options(), partialParse: false }, dir));
      expect(view(next)).toEqual(view(cold));
      if ('session' in next) {
        good = next.session;
        sinceGood.clear();
      }
      return { how, outcome: next };
    },
  };
}

const replace = (from: string, to: string) => (text: string) => {
  expect(text, `should contain ${from}`).toContain(from);
  return text.replace(from, to);
};

describe("kiln watch's incremental re-parse", () => {
  it('gives what a cold parse gives through a session of edits, re-parsing alone what it can', async () => {
    const w = await watchSession();
    // A model's SQL body; what the last build compiled (kept on its nodes) is not carried over.
    w.current().manifest.nodes.get('model.shop.revenue')!.compiledCode = 'select 1';
    expect((await w.save({ 'models/marts/orders.sql': replace('as cents', 'as cents, o.id * 2 as twice') })).how).toBe('incremental');
    // A ref changed (the graph's edges with it).
    expect((await w.save({ 'models/marts/revenue.sql': replace("ref('orders')", "ref('stg_orders')") })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/revenue.sql': replace("ref('stg_orders')", "ref('orders')") })).how).toBe('incremental');
    // A ref that closes a cycle: the same error as a cold parse; then fixed.
    const cycle = await w.save({ 'models/staging/stg_orders.sql': (t) => `${t}-- {{ ref('revenue') }}\n` });
    expect('errors' in cycle.outcome && cycle.outcome.errors[0]).toMatch(/^KLN303 Found a cycle/);
    expect((await w.save({ 'models/staging/stg_orders.sql': replace("-- {{ ref('revenue') }}\n", '') })).how).toBe('incremental');
    // A ref to nothing: the cold parse's error (with its suggestion); then fixed.
    const unknown = await w.save({ 'models/marts/orders.sql': replace("ref('stg_customers')", "ref('stg_customer')") });
    expect('errors' in unknown.outcome && unknown.outcome.errors.join('\n')).toMatch(/KLN301 .*stg_customer'/);
    expect((await w.save({ 'models/marts/orders.sql': replace("ref('stg_customer')", "ref('stg_customers')") })).how).toBe('incremental');
    // A Jinja error in a model.
    const broken = await w.save({ 'models/marts/revenue.sql': (t) => `${t}{{ oops( }}\n` });
    expect('errors' in broken.outcome).toBe(true);
    expect((await w.save({ 'models/marts/revenue.sql': replace('{{ oops( }}\n', '') })).how).toBe('incremental');
    // A config in the SQL (tags), then one that moves the relation (alias): the latter reaches
    // other nodes (foreign keys), so the project is parsed in full.
    expect((await w.save({ 'models/staging/stg_customers.sql': replace("tags=['pii']", "tags=['pii', 'crm']") })).how).toBe('incremental');
    expect((await w.save({ 'models/staging/stg_customers.sql': replace("tags=['pii', 'crm']", "tags=['pii'], alias='customers'") })).how).not.toBe('incremental');
    // YAML: a description, a column's description, a test's arguments, a new test, a source's column.
    expect((await w.save({ 'models/marts/_marts.yml': replace('Orders with their customer.', 'Orders.') })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/_marts.yml': replace('      - name: id\n', '      - name: id\n        description: The order.\n') })).how).toBe('incremental');
    await w.save({ 'models/marts/_marts.yml': replace('field: id', 'field: name') });
    await w.save({ 'models/staging/_staging.yml': replace('data_tests: [unique, not_null]', 'data_tests: [unique, not_null, is_even]') });
    expect((await w.save({ 'models/staging/_staging.yml': replace('      - name: customers\n', '      - name: customers\n        description: People.\n') })).how).toBe('incremental');
    // YAML describing a model from another file now (the model moves to the other entry).
    await w.save({
      'models/marts/_marts.yml': (t) => `${t}  - name: stg_customers\n    description: Moved here.\n`,
    });
    // A seed's data, a snapshot's query, a singular test, an analysis.
    expect((await w.save({ 'seeds/countries.csv': (t) => `${t}it,Italy\n` })).how).toBe('incremental');
    expect((await w.save({ 'snapshots/orders_snapshot.sql': replace('select *', 'select id, amount') })).how).toBe('incremental');
    expect((await w.save({ 'tests/assert_revenue_positive.sql': replace('total < 0', 'total < 1') })).how).toBe('incremental');
    expect((await w.save({ 'analyses/by_customer.sql': replace('select *', 'select id') })).how).toBe('incremental');
    // A model added, then changed, then deleted; a macro changed.
    expect((await w.save({ 'models/marts/big_orders.sql': "select * from {{ ref('orders') }} where cents > 100\n" })).how).not.toBe('incremental');
    expect((await w.save({ 'models/marts/big_orders.sql': replace('> 100', '> 1000') })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/big_orders.sql': null })).how).not.toBe('incremental');
    expect((await w.save({ 'macros/cents.sql': replace('* 100', '* 1000') })).how).not.toBe('incremental');
    expect((await w.save({ 'models/marts/orders.sql': (t) => `-- after a macro changed\n${t}` })).how).toBe('incremental');
    // A model disabled by its config: a node leaves the graph, parsed in full.
    expect((await w.save({ 'models/marts/revenue.sql': (t) => `{{ config(enabled=false) }}\n${t}` })).outcome).toHaveProperty('errors');
  });

  it("keeps a YAML snapshot's checksum (its property file's) and a macro's patch as a cold parse has them", async () => {
    const w = await watchSession({
      ...FILES,
      'snapshots/_snapshots.yml': "snapshots:\n  - name: orders_yaml\n    relation: ref('stg_orders')\n    config:\n      unique_key: id\n      strategy: check\n      check_cols: all\n      target_schema: snapshots\n",
      'macros/_macros.yml': 'macros:\n  - name: cents\n    description: To cents.\n    arguments:\n      - name: x\n        type: number\n',
    });
    expect(w.current().manifest.nodes.get('snapshot.shop.orders_yaml')!.checksum).toMatch(/^[0-9a-f]{64}$/);
    await w.save({ 'snapshots/_snapshots.yml': (t) => `${t}\n# a comment changes the file's checksum\n` });
    await w.save({ 'macros/_macros.yml': replace('To cents.', 'Into cents.') });
    expect(w.current().manifest.macros.get('macro.shop.cents')!.description).toBe('Into cents.');
  });

  it('re-parses a deleted file, a file of another kind or a change of warnings in full', async () => {
    const w = await watchSession();
    expect((await w.save({ 'dbt_project.yml': (t) => `${t}# a comment\n` })).how).toMatch(/not a file of the last parse/);
    expect((await w.save({ 'models/docs.md': replace('One row', 'A row') })).how).toMatch(/doc file/);
    // A property file describing a model that does not exist: a warning, on every parse after it.
    expect((await w.save({ 'models/marts/_marts.yml': (t) => `${t}  - name: nowhere\n` })).how).toMatch(/does not exist/);
    // The warning stands: a save the re-parse can take alone keeps it (the YAML is read again and warns the same).
    const standing = await w.save({ 'models/marts/orders.sql': (t) => `${t}-- x\n` });
    expect(standing.how).toBe('incremental');
    expect('session' in standing.outcome && standing.outcome.session.warnings.map((x) => x.message)).toEqual([expect.stringMatching(/nowhere/)]);
    expect((await w.save({ 'models/staging/stg_orders.sql': (t) => `${t}-- x\n` })).how).toBe('incremental');
    // The warning goes: the full parse says so.
    expect((await w.save({ 'models/marts/_marts.yml': replace('  - name: nowhere\n', '') })).how).toBe('the warnings changed (the full parse reports them)');
    expect((await w.save({ 'models/marts/orders.sql': replace('-- x\n', '') })).how).toBe('incremental');
    // A model deprecated: refs to it warn, and keep warning on saves re-parsed alone; a new ref
    // to it, or one removed, changes the warnings: parsed in full.
    await w.save({ 'models/staging/_staging.yml': replace('  - name: stg_orders\n', '  - name: stg_customers\n    deprecation_date: 2020-01-01\n  - name: stg_orders\n') });
    expect(w.current().warnings.map((x) => x.code)).toEqual(['KLN311']);
    expect((await w.save({ 'models/marts/orders.sql': (t) => `${t}-- y\n` })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/revenue.sql': (t) => `${t}-- {{ ref('stg_customers') }}\n` })).how).toBe('the warnings changed (the full parse reports them)');
    expect(w.current().warnings.length).toBe(2);
    expect((await w.save({ 'models/marts/revenue.sql': (t) => `${t}-- again\n` })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/revenue.sql': replace("-- {{ ref('stg_customers') }}\n", '') })).how).toBe('the warnings changed (the full parse reports them)');
    expect(w.current().warnings.length).toBe(1);
    // Unit tests are parsed against the whole manifest: a save of their YAML makes them again;
    // a save of their model keeps them, unless an input of theirs is no longer the model's.
    const unitTest = 'unit_tests:\n  - name: adds_up\n    model: revenue\n    given:\n      - input: ref(\'orders\')\n        rows:\n          - {cents: 1}\n    expect:\n      rows:\n        - {total: 1}\n';
    expect((await w.save({ 'models/marts/_marts.yml': (t) => `${t}${unitTest}` })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/orders.sql': (t) => `${t}-- z\n` })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/revenue.sql': (t) => `${t}-- z\n` })).how).toBe('incremental');
    const lost = await w.save({ 'models/marts/revenue.sql': replace("ref('orders')", "ref('stg_orders')") });
    expect(lost.how).toMatch(/unit test of revenue names an input/);
    expect('errors' in lost.outcome && lost.outcome.errors.join('\n')).toMatch(/not an input of revenue/);
    expect((await w.save({ 'models/marts/revenue.sql': replace("ref('stg_orders')", "ref('orders')") })).how).toBe('incremental');
  });

  it('re-parses the saves of a project with an installed package and a warning of its project file alone', async () => {
    const w = await watchSession({
      ...FILES,
      // An old config-version: a warning of the project file on every parse.
      'dbt_project.yml': `${PROJECT}config-version: 1\n`,
      'models/marts/calendar_days.sql': "select count(*) as days, '{{ whoami() }}' as owner from {{ ref('kiln_utils', 'utils_calendar') }}\n",
      'models/marts/_calendar.yml': 'version: 2\nmodels:\n  - name: calendar_days\n    columns:\n      - name: days\n        data_tests: [not_null]\n',
      ...Object.fromEntries(Object.entries(UTILS_PACKAGE).map(([k, v]) => [`dbt_packages/kiln_utils/${k}`, v])),
      // The package has a file at a path the project also has.
      'dbt_packages/kiln_utils/models/marts/orders.sql': 'select 1 as id\n',
    });
    expect(w.current().packages.length).toBe(1);
    expect(w.current().warnings.map((x) => x.code)).toEqual(['KLN103']);
    expect((await w.save({ 'models/marts/calendar_days.sql': replace('count(*)', 'count(1)') })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/orders.sql': replace('as cents', 'as cents, 1 as one') })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/_calendar.yml': replace('[not_null]', '[not_null]\n        description: Days.') })).how).toBe('incremental');
    expect((await w.save({ 'models/staging/_staging.yml': replace('      - name: customers\n', '      - name: customers\n        description: People.\n') })).how).toBe('incremental');
    expect((await w.save({ 'dbt_packages/kiln_utils/models/utils_calendar.sql': (t) => `${t}-- changed\n` })).how).toMatch(/not a file of the last parse/);
    expect((await w.save({ 'models/marts/calendar_days.sql': replace('count(1)', 'count(*)') })).how).toBe('incremental');
  });

  it('re-parses the files reading per-invocation values with every save, as a full parse does', async () => {
    const w = await watchSession({
      ...FILES,
      'models/marts/audited.sql': "{{ config(tags=['audit']) }}\nselect *, '{{ run_started_at }}' as loaded_at from {{ ref('orders') }}\n",
    });
    const before = w.current().manifest.nodes.get('model.shop.audited')!;
    expect((await w.save({ 'models/marts/revenue.sql': (t) => `${t}-- a\n` })).how).toBe('incremental');
    // Parsed again (a new node object), not kept from the last parse.
    expect(w.current().manifest.nodes.get('model.shop.audited')).not.toBe(before);
    expect((await w.save({ 'models/marts/audited.sql': replace("'audit'", "'audit', 'ops'") })).how).toBe('incremental');
    expect(w.current().manifest.nodes.get('model.shop.audited')!.config.tags).toEqual(['audit', 'ops']);
    // A file that starts reading them, then stops.
    expect((await w.save({ 'models/marts/orders.sql': (t) => `${t}-- {{ invocation_id }}\n` })).how).toBe('incremental');
    const orders = w.current().manifest.nodes.get('model.shop.orders')!;
    expect((await w.save({ 'models/marts/revenue.sql': (t) => `${t}-- b\n` })).how).toBe('incremental');
    expect(w.current().manifest.nodes.get('model.shop.orders')).not.toBe(orders);
    expect((await w.save({ 'models/marts/orders.sql': replace('-- {{ invocation_id }}\n', '') })).how).toBe('incremental');
    const settled = w.current().manifest.nodes.get('model.shop.orders')!;
    expect((await w.save({ 'models/marts/revenue.sql': (t) => `${t}-- c\n` })).how).toBe('incremental');
    expect(w.current().manifest.nodes.get('model.shop.orders')).toBe(settled);
    // A property file reading them: rendered again with every save, as if saved (what it
    // describes is parsed again), until it stops reading them.
    expect((await w.save({ 'models/marts/_marts.yml': replace('Orders with their customer.', "Orders{% if run_started_at %}.{% endif %}") })).how).toBe('incremental');
    expect(w.current().manifest.nodes.get('model.shop.orders')!.description).toBe('Orders.');
    const described = w.current().manifest.nodes.get('model.shop.orders')!;
    expect((await w.save({ 'models/staging/stg_orders.sql': (t) => `${t}-- d\n` })).how).toBe('incremental');
    expect(w.current().manifest.nodes.get('model.shop.orders')).not.toBe(described);
    expect((await w.save({ 'models/marts/_marts.yml': replace("Orders{% if run_started_at %}.{% endif %}", 'Orders.') })).how).toBe('incremental');
    const still = w.current().manifest.nodes.get('model.shop.orders')!;
    expect((await w.save({ 'models/staging/stg_orders.sql': (t) => `${t}-- e\n` })).how).toBe('incremental');
    expect(w.current().manifest.nodes.get('model.shop.orders')).toBe(still);
  });
});

/** An exposure entry of property YAML. */
const exposure = (name: string, ...deps: string[]) =>
  `  - name: ${name}\n    type: dashboard\n    owner: {email: bi@example.com}\n    depends_on:\n${deps.map((d) => `      - ${d}\n`).join('')}`;

/** A unit test entry of property YAML. */
const unitTest = (name: string, model: string, input: string, rows = '{cents: 1}') =>
  `  - name: ${name}\n    model: ${model}\n    given:\n      - input: ${input}\n        rows:\n          - ${rows}\n    expect:\n      rows:\n        - {total: 1}\n`;

describe("kiln watch's incremental re-parse of a project whose property file reads per-invocation values", () => {
  it('renders that file again with every save, alone', async () => {
    const w = await watchSession({
      ...FILES,
      'models/marts/_marts.yml': FILES['models/marts/_marts.yml']!.replace('Orders with their customer.', "Orders{% if invocation_id %}.{% endif %}"),
    });
    const before = w.current().manifest.nodes.get('model.shop.orders')!;
    expect((await w.save({ 'models/marts/revenue.sql': (t) => `${t}-- a\n` })).how).toBe('incremental');
    expect(w.current().manifest.nodes.get('model.shop.orders')).not.toBe(before);
    expect((await w.save({ 'models/staging/_staging.yml': replace('      - name: customers\n', '      - name: customers\n        description: People.\n') })).how).toBe('incremental');
  });
});

describe("kiln watch's incremental re-parse of exposures, unit tests and model versions", () => {
  it('re-parses a property file declaring exposures alone, and a broken one as a cold parse does', async () => {
    const w = await watchSession({
      ...FILES,
      'models/marts/_marts.yml': `${FILES['models/marts/_marts.yml']}exposures:\n${exposure('weekly', "ref('revenue')")}`,
    });
    const depsOf = (name: string) => w.current().manifest.exposures?.get(`exposure.shop.${name}`)?.dependsOn.nodes;
    expect(depsOf('weekly')).toEqual(['model.shop.revenue']);
    // depends_on edited: the exposure's edges (child_map) follow.
    expect((await w.save({ 'models/marts/_marts.yml': replace("- ref('revenue')", "- ref('orders')\n      - source('raw', 'customers')") })).how).toBe('incremental');
    expect(depsOf('weekly')).toEqual(['model.shop.orders', 'source.shop.raw.customers']);
    // Another file's exposure, a model's description beside it, a model saved: exposures stay.
    expect((await w.save({ 'models/staging/_staging.yml': (t) => `${t}exposures:\n${exposure('churn', "ref('stg_customers')")}` })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/_marts.yml': replace('Orders with their customer.', 'Orders.') })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/revenue.sql': (t) => `${t}-- x\n` })).how).toBe('incremental');
    expect([...(w.current().manifest.exposures?.keys() ?? [])]).toEqual(['exposure.shop.weekly', 'exposure.shop.churn']);
    // A ref into an exposure broken: the cold parse's error; then fixed.
    const broken = await w.save({ 'models/marts/_marts.yml': replace("- ref('orders')", "- ref('order')") });
    expect(broken.how).toBe('an exposure does not resolve (the full parse reports it)');
    expect('errors' in broken.outcome && broken.outcome.errors.join('\n')).toMatch(/KLN301 Exposure 'weekly' depends on 'order', which was not found/);
    expect((await w.save({ 'models/marts/_marts.yml': replace("- ref('order')", "- ref('orders')") })).how).toBe('incremental');
    // Two exposures of one name: the cold parse's error.
    const twice = await w.save({ 'models/staging/_staging.yml': replace('name: churn', 'name: weekly') });
    expect('errors' in twice.outcome && twice.outcome.errors.join('\n')).toMatch(/Two exposures are named 'weekly'/);
    expect((await w.save({ 'models/staging/_staging.yml': replace('name: weekly', 'name: churn') })).how).toBe('incremental');
    // Removed, one then the other (no exposure left).
    expect((await w.save({ 'models/staging/_staging.yml': (t) => t.slice(0, t.indexOf('exposures:\n')) })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/_marts.yml': (t) => t.slice(0, t.indexOf('exposures:\n')) })).how).toBe('incremental');
    expect(w.current().manifest.exposures).toBeUndefined();
  });

  it('makes the unit tests of a saved property file again, in the order of a cold parse', async () => {
    const w = await watchSession();
    const unitTests = () => [...w.current().manifest.nodes.values()].filter((n) => n.resourceType === 'unit_test').map((n) => n.name);
    // Added: a new node (rebuilt by the watch, as it was re-parsed).
    const added = await w.save({ 'models/marts/_marts.yml': (t) => `${t}unit_tests:\n${unitTest('adds_up', 'revenue', "ref('orders')")}` });
    expect(added.how).toBe('incremental');
    expect('session' in added.outcome && added.outcome.session.incremental?.reparsed.has('unit_test.shop.revenue.adds_up')).toBe(true);
    // Its rows edited; one added to a file read before it and one after it in the same file.
    expect((await w.save({ 'models/marts/_marts.yml': replace('{cents: 1}', '{cents: 2}') })).how).toBe('incremental');
    expect(w.current().manifest.nodes.get('unit_test.shop.revenue.adds_up')!.unitTest!.given[0]!.rows).toEqual([{ cents: 2 }]);
    expect((await w.save({ 'models/staging/_staging.yml': (t) => `${t}unit_tests:\n${unitTest('keeps_ids', 'orders', "ref('stg_orders')")}` })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/_marts.yml': (t) => `${t}${unitTest('adds_more', 'revenue', "ref('orders')")}` })).how).toBe('incremental');
    expect(unitTests()).toEqual(['adds_up', 'adds_more', 'keeps_ids']);
    // An input that is not the model's: the cold parse's error; then fixed.
    const wrong = await w.save({ 'models/marts/_marts.yml': replace("name: adds_more\n    model: revenue\n    given:\n      - input: ref('orders')", "name: adds_more\n    model: revenue\n    given:\n      - input: ref('stg_orders')") });
    expect(wrong.how).toBe('a unit test of a saved file does not check (the full parse reports it)');
    expect('errors' in wrong.outcome && wrong.outcome.errors.join('\n')).toMatch(/'stg_orders' is not an input of revenue/);
    expect((await w.save({ 'models/marts/_marts.yml': replace("input: ref('stg_orders')", "input: ref('orders')") })).how).toBe('incremental');
    // One burst: the model's ref and its unit tests' inputs change together (made against the model parsed again).
    const both = await w.save({
      'models/marts/revenue.sql': replace("ref('orders')", "ref('stg_orders')"),
      'models/marts/_marts.yml': (t) => t.replaceAll("input: ref('orders')", "input: ref('stg_orders')").replaceAll('{cents: 2}', '{amount: 2}').replaceAll('{cents: 1}', '{amount: 1}'),
    });
    expect(both.how).toBe('incremental');
    expect((await w.save({
      'models/marts/revenue.sql': replace("ref('stg_orders')", "ref('orders')"),
      'models/marts/_marts.yml': (t) => t.replaceAll("input: ref('stg_orders')", "input: ref('orders')").replaceAll('{amount: 2}', '{cents: 2}').replaceAll('{amount: 1}', '{cents: 1}'),
    })).how).toBe('incremental');
    // Removed (the first of the file, then all of it); a model of theirs saved in between.
    expect((await w.save({ 'models/marts/_marts.yml': (t) => t.replace(unitTest('adds_up', 'revenue', "ref('orders')", '{cents: 2}'), '') })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/orders.sql': (t) => `${t}-- x\n` })).how).toBe('incremental');
    expect((await w.save({ 'models/staging/_staging.yml': (t) => t.slice(0, t.indexOf('unit_tests:\n')) })).how).toBe('incremental');
    expect(unitTests()).toEqual(['adds_more']);
    // Two of one name for one model: the cold parse's error.
    const twice = await w.save({ 'models/marts/_marts.yml': (t) => `${t}${unitTest('adds_more', 'revenue', "ref('orders')")}` });
    expect('errors' in twice.outcome).toBe(true);
  });

  it('places unit tests before an installed package’s nodes, and exposures before its exposures, as a cold parse does', async () => {
    const w = await watchSession({
      ...FILES,
      ...Object.fromEntries(Object.entries(UTILS_PACKAGE).map(([k, v]) => [`dbt_packages/kiln_utils/${k}`, v])),
      'dbt_packages/kiln_utils/models/_exposures.yml': `exposures:\n${exposure('calendar_app', "ref('utils_calendar')")}`,
    });
    expect((await w.save({ 'models/marts/_marts.yml': (t) => `${t}exposures:\n${exposure('weekly', "ref('revenue')")}` })).how).toBe('incremental');
    expect([...(w.current().manifest.exposures?.keys() ?? [])]).toEqual(['exposure.shop.weekly', 'exposure.kiln_utils.calendar_app']);
    expect((await w.save({ 'models/marts/_marts.yml': (t) => t.slice(0, t.indexOf('exposures:\n')) })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/_marts.yml': (t) => `${t}unit_tests:\n${unitTest('adds_up', 'revenue', "ref('orders')")}` })).how).toBe('incremental');
    const ids = [...w.current().manifest.nodes.keys()];
    expect(ids.indexOf('unit_test.shop.revenue.adds_up')).toBeLessThan(ids.findIndex((id) => id.includes('.kiln_utils.')));
    expect((await w.save({ 'models/marts/_marts.yml': (t) => t.slice(0, t.indexOf('unit_tests:\n')) })).how).toBe('incremental');
  });

  it('re-parses the saves of a project with versioned models alone, a moved latest version too', async () => {
    const w = await watchSession({
      ...FILES,
      'models/marts/dim_v1.sql': 'select 1 as id\n',
      'models/marts/dim_v2.sql': "select 2 as id, 'b' as name\n",
      'models/marts/uses_dim.sql': "select * from {{ ref('dim') }} join {{ ref('dim', v=1) }} using (id)\n",
      'models/marts/_dim.yml': `models:\n  - name: dim\n    latest_version: 2\n    columns:\n      - name: id\n        data_tests: [unique]\n    versions:\n      - v: 1\n      - v: 2\nexposures:\n${exposure('dim_board', "ref('dim')")}`,
    });
    const parents = (id: string) => w.current().manifest.nodes.get(id)!.dependsOn.nodes;
    expect(parents('model.shop.uses_dim')).toEqual(['model.shop.dim.v2', 'model.shop.dim.v1']);
    // A version's SQL, a model that refs it, the versions' YAML (a description).
    expect((await w.save({ 'models/marts/dim_v1.sql': (t) => `${t}-- x\n` })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/uses_dim.sql': (t) => `${t}-- x\n` })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/_dim.yml': replace('  - name: dim\n', '  - name: dim\n    description: Dimension.\n') })).how).toBe('incremental');
    // latest_version moved: what refs 'dim' without a version (a model, an exposure) follows.
    expect((await w.save({ 'models/marts/_dim.yml': replace('latest_version: 2', 'latest_version: 1') })).how).toBe('incremental');
    expect(parents('model.shop.uses_dim')).toEqual(['model.shop.dim.v1']);
    expect(w.current().manifest.exposures?.get('exposure.shop.dim_board')?.dependsOn.nodes).toEqual(['model.shop.dim.v1']);
    expect((await w.save({ 'models/marts/_dim.yml': replace('latest_version: 1', 'latest_version: 2') })).how).toBe('incremental');
    expect(parents('model.shop.uses_dim')).toEqual(['model.shop.dim.v2', 'model.shop.dim.v1']);
    // A version renamed: new node ids, parsed in full.
    const renamed = await w.save({ 'models/marts/_dim.yml': (t) => t.replace('latest_version: 2', 'latest_version: 3').replace('      - v: 2\n', '      - v: 3\n        defined_in: dim_v2\n') });
    expect(renamed.how).toBe('a node appeared, disappeared or moved');
    expect(parents('model.shop.uses_dim')).toEqual(['model.shop.dim.v3', 'model.shop.dim.v1']);
    expect((await w.save({ 'models/marts/dim_v2.sql': (t) => `${t}-- x\n` })).how).toBe('incremental');
  });
});

describe("kiln watch's incremental re-parse of a semantic layer", () => {
  it('re-parses saves of semantic YAML alone, and a broken name as a cold parse does', async () => {
    const w = await watchSession(SEMANTIC_FILES);
    const yml = 'models/marts/semantic.yml';
    const metrics = () => [...(w.current().manifest.semantic?.metrics.keys() ?? [])];
    expect((await w.save({ [yml]: replace('description: Order facts', 'description: Orders') })).how).toBe('incremental');
    expect(w.current().manifest.semantic?.semanticModels.get('semantic_model.shop.orders')?.description).toBe('Orders');
    expect((await w.save({ [yml]: replace('  - name: revenue\n    label: Revenue\n', '  - name: order_count_metric\n    label: Count\n    type: simple\n    type_params:\n      measure: order_count\n  - name: revenue\n    label: Revenue\n') })).how).toBe('incremental');
    expect(metrics()).toContain('metric.shop.order_count_metric');
    // A semantic model moved to another model: its edges follow (parent and child maps).
    expect((await w.save({ [yml]: replace("model: ref('customers')", "model: ref('orders')") })).how).toBe('incremental');
    expect((await w.save({ [yml]: replace("  - name: customers\n    model: ref('orders')", "  - name: customers\n    model: ref('customers')") })).how).toBe('incremental');
    // The time spine's entry (a model entry) and a model's SQL.
    expect((await w.save({ [yml]: replace('  - name: metricflow_time_spine\n', '  - name: metricflow_time_spine\n    description: Days.\n') })).how).toBe('incremental');
    expect((await w.save({ 'models/marts/orders.sql': (t) => `${t}-- x\n` })).how).toBe('incremental');
    // A metric naming a measure that does not exist: the cold parse's error; then fixed.
    const broken = await w.save({ [yml]: replace('      measure: order_total\n    ', '      measure: order_totl\n    ') });
    expect(broken.how).toBe('a parsed node or the semantic layer does not resolve (the full parse reports it)');
    expect('errors' in broken.outcome && broken.outcome.errors.join('\n')).toMatch(/order_totl/);
    expect((await w.save({ [yml]: replace('measure: order_totl', 'measure: order_total') })).how).toBe('incremental');
  });

  it("re-parses a save of a time spine's own property file alone", async () => {
    const spine = 'models:\n  - name: metricflow_time_spine\n    time_spine:\n      standard_granularity_column: date_day\n    columns:\n      - name: date_day\n        granularity: day\n';
    const yml = SEMANTIC_FILES['models/marts/semantic.yml']!;
    const w = await watchSession({ ...SEMANTIC_FILES, 'models/marts/semantic.yml': `version: 2\n${yml.slice(yml.indexOf('semantic_models:'))}`, 'models/_spine.yml': spine });
    expect((await w.save({ 'models/_spine.yml': replace('      standard_granularity_column: date_day\n', '      standard_granularity_column: date_day\n      custom_granularities:\n        - {name: fiscal_day, column_name: date_day}\n') })).how).toBe('incremental');
    expect(w.current().manifest.semantic?.timeSpines[0]?.customGranularities).toEqual([{ name: 'fiscal_day', column_name: 'date_day' }]);
  });
});
