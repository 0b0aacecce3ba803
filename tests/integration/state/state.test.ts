// state:new / state:modified (and its sub-kinds) against the artifacts of a production build of
// the shop project, over edited copies: bodies, macros, vars read directly and through macros,
// configs from dbt_project.yml, aliases, new models; plus every way --state can be wrong.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { buildProd, edit, ls, shopCopy, write } from './helpers.js';

const STATE = ['--state', 'prod-artifacts'];
let dir: string;

/** Applies an edit, runs `check`, then puts every touched file back. */
async function withEdits(edits: [string, (t: string) => string][], check: () => Promise<void>): Promise<void> {
  const before = new Map<string, string | null>();
  for (const [file, change] of edits) {
    const abs = path.join(dir, file);
    if (!before.has(file)) before.set(file, fs.existsSync(abs) ? fs.readFileSync(abs, 'utf8') : null);
    if (fs.existsSync(abs)) edit(dir, file, change);
    else write(dir, file, change(''));
  }
  try {
    await check();
  } finally {
    for (const [file, text] of before) {
      if (text === null) fs.rmSync(path.join(dir, file));
      else fs.writeFileSync(path.join(dir, file), text);
    }
  }
}

const models = (spec: string, extra: string[] = []) => ls(dir, ['-s', spec, ...STATE, '--resource-type', 'model', ...extra]);

beforeAll(async () => {
  dir = shopCopy();
  // A macro that reads a var, and a model that calls it: a var change must reach the model.
  write(dir, 'macros/spend_floor.sql', "{% macro spend_floor() %}{{ var('spend_floor', 100) }}{% endmacro %}\n");
  write(dir, 'models/marts/big_spenders.sql', "select * from {{ ref('customers') }} where lifetime_value >= {{ spend_floor() }}\n");
  await buildProd(dir);
});

describe('state: against a production manifest', () => {
  it('finds nothing modified in an unchanged copy, with a warning and exit 0', async () => {
    const r = await kiln(['ls', '-s', 'state:modified', ...STATE], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/KLN309.*'state:modified'.*matches no node/);
    expect(await models('state:new')).toEqual([]);
    expect((await models('state:old')).length).toBe(7);
    expect(await models('state:unmodified')).toEqual(await models('state:old'));
  });

  it('an edited body is modified.body, not modified.configs; state:modified+ adds what is downstream', async () => {
    await withEdits([['models/staging/stg_orders.sql', (t) => `${t}\n-- a comment changes the checksum\n`]], async () => {
      expect(await models('state:modified')).toEqual(['stg_orders']);
      expect(await models('state:modified.body')).toEqual(['stg_orders']);
      expect(await models('state:modified.configs')).toEqual([]);
      expect(await models('state:modified+')).toEqual(['big_spenders', 'customers', 'orders', 'stg_orders']);
      // Tests of a modified model come along (eager), unless --indirect-selection empty.
      const all = await ls(dir, ['-s', 'state:modified', ...STATE]);
      expect(all).toContain('unique_stg_orders_order_id');
      expect(await ls(dir, ['-s', 'state:modified', ...STATE, '--indirect-selection', 'empty'])).toEqual(['stg_orders']);
    });
  });

  it('a changed macro reaches the models that call it (modified.macros)', async () => {
    await withEdits([['macros/cents_to_dollars.sql', (t) => t.replace(') / 100 as', ') / 100.0 as')]], async () => {
      expect(await models('state:modified.macros')).toEqual(['stg_payments']);
      expect(await models('state:modified')).toEqual(['stg_payments']);
      expect(await models('state:modified.body')).toEqual([]);
    });
  });

  it('a changed var reaches the models that read it, directly or through a macro', async () => {
    expect(await models('state:modified', ['--vars', '{high_value_threshold: 100}'])).toEqual(['customers']);
    expect(await models('state:modified.vars', ['--vars', '{spend_floor: 500}'])).toEqual(['big_spenders']);
    // The same value as production is no change.
    expect(await models('state:modified', ['--vars', '{high_value_threshold: 250}'])).toEqual([]);
  });

  it('a config changed in dbt_project.yml is modified.configs; an alias is modified.relation', async () => {
    await withEdits([['dbt_project.yml', (t) => t.replace('      +materialized: table\n      +tags: ["marts"]', '      +materialized: view\n      +tags: ["marts"]')]], async () => {
      expect(await models('state:modified.configs')).toEqual(['big_spenders', 'customers', 'orders']);
      expect(await models('state:modified.body')).toEqual([]);
      expect(await models('state:modified.relation')).toEqual([]);
    });
    await withEdits([['models/marts/orders.sql', (t) => `{{ config(alias='orders_v2') }}\n${t}`]], async () => {
      expect(await models('state:modified.relation')).toEqual(['orders']);
      expect(await models('state:modified.configs')).toEqual(['orders']);
    });
  });

  it('a new model and a new test are state:new', async () => {
    await withEdits(
      [
        ['models/marts/order_days.sql', () => "select order_date, count(*) as n from {{ ref('orders') }} group by 1\n"],
        ['tests/assert_no_future_orders.sql', () => "select * from {{ ref('orders') }} where order_date > current_date\n"],
      ],
      async () => {
        expect(await ls(dir, ['-s', 'state:new', ...STATE])).toEqual(['assert_no_future_orders', 'order_days']);
        expect(await models('state:modified')).toEqual(['order_days']);
        expect(await models('+state:new')).toEqual(['int_order_payments', 'order_days', 'orders', 'stg_orders', 'stg_payments']);
      },
    );
  });
});

describe('bad --state input is a clear error (exit 2) pointing into the spec', () => {
  it('state: without --state', async () => {
    const r = await kiln(['ls', '-s', 'tag:marts state:modified+'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/KLN307.*needs --state.*'state:modified\+' in --select at column 11/);
    expect(r.stderr).toContain('    tag:marts state:modified+\n              ^');
    // As a second argument of -s, the error names the argument.
    const second = await kiln(['ls', '-s', 'tag:marts', 'state:modified+'], dir);
    expect(second.stderr).toMatch(/'state:modified\+' in --select \(argument 2\) at column 1/);
  });
  it('a --state folder that does not exist, or has no manifest', async () => {
    const missing = await kiln(['ls', '-s', 'state:modified', '--state', 'nowhere'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/KLN307.*--state nowhere: no such folder/);
    fs.mkdirSync(path.join(dir, 'empty-state'), { recursive: true });
    const empty = await kiln(['ls', '-s', 'state:new', '--state', 'empty-state'], dir);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/KLN307.*empty-state has no manifest\.json/);
  });
  it('a manifest that is not JSON, or not a manifest', async () => {
    write(dir, 'bad-state/manifest.json', '{"nodes": ');
    const r = await kiln(['ls', '-s', 'state:modified', '--state', 'bad-state'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/KLN308.*bad-state\/manifest\.json cannot be used: it is not valid JSON/);
    write(dir, 'bad-state/manifest.json', '{"metadata": {}}');
    expect((await kiln(['ls', '-s', 'state:modified', '--state', 'bad-state'], dir)).stderr).toMatch(/KLN308.*no `nodes` map/);
  });
  it('--defer without --state, --favor-state without --defer', async () => {
    const r = await kiln(['build', '-s', 'orders', '--defer'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/KLN307.*--defer needs --state/);
    const f = await kiln(['run', '-s', 'orders', '--favor-state'], dir);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/KLN601.*--favor-state only applies with --defer/);
  });
  it('an unknown method or a malformed spec stops before anything runs', async () => {
    const r = await kiln(['build', '--target', 'dev', '-s', 'orders', 'colour:red'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/KLN305.*at column 1: unknown selector method 'colour'/);
    const m = await kiln(['build', '-s', '@orders+'], dir);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/KLN305.*column 8/);
  });
});
