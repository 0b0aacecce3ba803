// `kiln compile` reusing the record of the last compile (core/parser/partial/compile-state.ts):
// with nothing changed only manifest.json's invocation id and time change; with model files
// changed only outside their Jinja only their entries and compiled files are made anew; anything
// else compiles in full. Whatever the path, target/ ends up exactly as a compile from scratch
// (--no-partial-parse) writes it, apart from the invocation id and time.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testdir } from '../../helpers/testdir.js';
import { kiln } from '../../helpers/cli.js';
import { COMPILE_STATE_FILE, mayShowModelCode, recomposeCompiled } from '../../../core/parser/partial/compile-state.js';
import { WARM_RENDER_FILE } from '../../../core/parser/partial/warm-render.js';

const FILES: Record<string, string> = {
  'dbt_project.yml': "name: shop\nprofile: shop\nversion: '1.0'\nvars:\n  rate: 3\nmodels:\n  shop:\n    marts:\n      +materialized: table\n",
  'profiles.yml': 'shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n',
  'models/staging/stg_orders.sql': "select id, amount, {{ var('rate') }} as rate from {{ source('raw', 'orders') }}\n",
  'models/staging/stg_customers.sql': "{{ config(materialized='view', tags=['pii']) }}\nselect id, name from {{ source('raw', 'customers') }}\n",
  'models/staging/_staging.yml': `version: 2
sources:
  - name: raw
    tables:
      - name: orders
      - name: customers
models:
  - name: stg_orders
    description: Staged orders.
    columns:
      - name: id
        data_tests: [unique, not_null, is_even]
`,
  'models/marts/orders.sql': "-- orders with their customer\nselect o.id, {{ cents('o.amount') }} as cents\nfrom {{ ref('stg_orders') }} o\njoin {{ ref('stg_customers') }} c on c.id = o.id\n",
  'models/marts/revenue.sql': "select sum(cents) as total from {{ ref('orders') }}\n",
  'models/marts/plain.sql': 'select 1 as one\n',
  'models/marts/_marts.yml': 'version: 2\nmodels:\n  - name: orders\n    description: Orders with their customer.\n',
  'macros/cents.sql': '{% macro cents(col) %}({{ col }} * 100)::int{% endmacro %}\n',
  'tests/generic/is_even.sql': '{% test is_even(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} % 2 = 1\n{% endtest %}\n',
  'seeds/countries.csv': 'code,name\nfr,France\n',
};

const savedEnv = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
});

/** Stat times within 100 ms of a compile's start are not trusted (compile-state.ts): let a new project's settle. */
async function settled(files: Record<string, string> = FILES): Promise<string> {
  const dir = testdir(files);
  await new Promise((r) => setTimeout(r, 150));
  return dir;
}

/** Runs `kiln compile`; what it reused ('none', 'all', 'unchanged models'). */
async function compile(dir: string, args: string[] = []): Promise<string> {
  const r = await kiln(['compile', '--log-format', 'json', ...args], dir);
  expect(r.code, r.output).toBe(0);
  const line = r.stdout.split('\n').find((l) => l.includes('"msg":"Compiled ') && l.includes('"reuse"'));
  expect(line, r.output).toBeDefined();
  return (JSON.parse(line!) as { reuse: string }).reuse;
}

/** Every file under target/ but the caches, manifest.json's invocation id and time blanked. */
function targetFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (abs: string, rel: string) => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(abs, e.name), r);
      else if (r !== COMPILE_STATE_FILE && r !== WARM_RENDER_FILE && r !== 'partial_parse.kiln') out[r] = fs.readFileSync(path.join(abs, e.name), 'utf8');
    }
  };
  walk(path.join(dir, 'target'), '');
  out['manifest.json'] = out['manifest.json']
    .replace(/"generated_at":"[^"]*","invocation_id":"[^"]*","invocation_started_at":"[^"]*"/, '"generated_at":"-","invocation_id":"-","invocation_started_at":"-"')
    .replace(/"run_started_at":"[^"]*"/, '"run_started_at":"-"')
    // A seed's project folder (absolute, as dbt writes it): the cold copy is elsewhere.
    .replace(/"root_path":"[^"]*"/g, '"root_path":"-"');
  return out;
}

/** target/ as this compile left it equals what a compile from scratch writes (which then replaces it). */
function expectSameAsCold(dir: string, args: string[] = []): Promise<void> {
  const warm = targetFiles(dir);
  return (async () => {
    fs.rmSync(path.join(dir, 'target'), { recursive: true });
    expect(await compile(dir, ['--no-partial-parse', ...args])).toBe('none');
    // Compiled files of deleted models stay (as with any compile): compared are the files a compile writes.
    const cold = targetFiles(dir);
    expect(Object.fromEntries(Object.keys(cold).map((k) => [k, warm[k]]))).toEqual(cold);
  })();
}

function edit(dir: string, rel: string, from: string | RegExp, to: string): void {
  const before = fs.readFileSync(path.join(dir, rel), 'utf8');
  const after = before.replace(from, to);
  expect(after).not.toBe(before);
  fs.writeFileSync(path.join(dir, rel), after);
}

describe('compile with nothing changed', () => {
  it('reuses every output: manifest.json gets its new invocation id and time in place', async () => {
    const dir = await settled();
    expect(await compile(dir)).toBe('none');
    expect(fs.existsSync(path.join(dir, 'target', COMPILE_STATE_FILE))).toBe(true);
    const manifest = path.join(dir, 'target', 'manifest.json');
    const before = fs.readFileSync(manifest, 'utf8');
    const compiled = path.join(dir, 'target/compiled/shop/models/marts/orders.sql');
    const compiledMtime = fs.statSync(compiled).mtimeMs;
    expect(await compile(dir)).toBe('all');
    const after = fs.readFileSync(manifest, 'utf8');
    const ids = (t: string) => /"invocation_id":"([^"]*)"/.exec(t)![1];
    expect(ids(after)).not.toBe(ids(before));
    expect(after.length).toBe(before.length);
    expect(fs.statSync(compiled).mtimeMs).toBe(compiledMtime);
    expect(await compile(dir)).toBe('all');
    // A file saved again with the same text is no change.
    fs.writeFileSync(path.join(dir, 'models/marts/revenue.sql'), FILES['models/marts/revenue.sql']);
    expect(await compile(dir)).toBe('all');
    await expectSameAsCold(dir);
  });

  it('compiles in full after any change to what compile reads or writes', async () => {
    const dir = await settled();
    const steps: [string, () => void, string[]?][] = [
      ['a property file', () => edit(dir, 'models/marts/_marts.yml', 'Orders with', 'Orders, with')],
      ['a macro', () => edit(dir, 'macros/cents.sql', '* 100', '* 1000')],
      ['a new model', () => fs.writeFileSync(path.join(dir, 'models/marts/extra.sql'), "select * from {{ ref('plain') }}\n")],
      ['a deleted model', () => fs.rmSync(path.join(dir, 'models/marts/extra.sql'))],
      ['a new folder with a model', () => (fs.mkdirSync(path.join(dir, 'models/more')), fs.writeFileSync(path.join(dir, 'models/more/m.sql'), 'select 2 as two\n'))],
      ['the project file', () => edit(dir, 'dbt_project.yml', 'rate: 3', 'rate: 4')],
      ['the seed', () => edit(dir, 'seeds/countries.csv', 'fr,France', 'fr,France\nde,Germany')],
      ['a compiled file removed', () => fs.rmSync(path.join(dir, 'target/compiled/shop/models/marts/orders.sql'))],
      ['a compiled file changed', () => fs.writeFileSync(path.join(dir, 'target/compiled/shop/models/marts/plain.sql'), 'select 0')],
      ['manifest.json changed', () => fs.writeFileSync(path.join(dir, 'target/manifest.json'), '{}')],
      ['a DBT_ env var', () => void (process.env.DBT_SOMETHING = '1')],
      ['other arguments', () => undefined, ['--select', 'plain']],
      ['other vars', () => undefined, ['--vars', '{rate: 5}']],
    ];
    expect(await compile(dir)).toBe('none');
    expect(await compile(dir)).toBe('all');
    for (const [what, change, args] of steps) {
      change();
      // Settled, so the record the full compile makes is trusted.
      await new Promise((r) => setTimeout(r, 150));
      expect(await compile(dir, args), what).toBe('none');
      expect(await compile(dir, args), what).toBe('all');
    }
    await expectSameAsCold(dir, ['--vars', '{rate: 5}']);
  });

  it('an env var read with env_var() is part of the record', async () => {
    const dir = await settled({ ...FILES, 'models/marts/plain.sql': "select '{{ env_var('SHOP_REGION', 'eu') }}' as region\n" });
    expect(await compile(dir)).toBe('none');
    expect(await compile(dir)).toBe('all');
    process.env.SHOP_REGION = 'us';
    expect(await compile(dir)).toBe('none');
    expect(fs.readFileSync(path.join(dir, 'target/compiled/shop/models/marts/plain.sql'), 'utf8')).toContain("'us'");
  });

  it('is not recorded when outputs may differ between two compiles of the same files', async () => {
    for (const sql of ["select '{{ invocation_id }}' as id\n", "select '{{ run_started_at }}' as t\n", "{{ log('hello', info=True) }}select 1 as one\n"]) {
      const dir = await settled({ ...FILES, 'models/marts/plain.sql': sql });
      expect(await compile(dir)).toBe('none');
      expect(fs.existsSync(path.join(dir, 'target', COMPILE_STATE_FILE))).toBe(false);
      expect(await compile(dir)).toBe('none');
    }
  });

  it("is recorded for SQL's own now() and a macro dispatched through adapter.dispatch", async () => {
    const dir = await settled({
      ...FILES,
      'macros/dispatched.sql': "{% macro today() %}{{ return(adapter.dispatch('today')()) }}{% endmacro %}\n{% macro default__today() %}current_date{% endmacro %}\n",
      'models/marts/plain.sql': 'select now() as at, {{ today() }} as d\n',
    });
    expect(await compile(dir)).toBe('none');
    expect(await compile(dir)).toBe('all');
    expect(fs.readFileSync(path.join(dir, 'target/compiled/shop/models/marts/plain.sql'), 'utf8')).toContain('current_date');
  });

  it('a manifest.json with another name (a hard link) is replaced, not changed in place', async () => {
    const dir = await settled();
    expect(await compile(dir)).toBe('none');
    const kept = path.join(dir, 'kept.json');
    fs.linkSync(path.join(dir, 'target/manifest.json'), kept);
    const before = fs.readFileSync(kept, 'utf8');
    expect(await compile(dir)).toBe('none');
    expect(fs.readFileSync(kept, 'utf8')).toBe(before);
  });

  it('reuses the record whatever the console-only options, and still obeys them', async () => {
    const dir = await settled();
    expect(await compile(dir)).toBe('none');
    const manifest = path.join(dir, 'target', 'manifest.json');
    const id = () => /"invocation_id":"([^"]*)"/.exec(fs.readFileSync(manifest, 'utf8'))![1];
    // Reused: manifest.json changed in place (the same inode, a new invocation id); a full compile replaces the file.
    const reused = async (args: string[], env: Record<string, string> = {}) => {
      const [ino, before] = [fs.statSync(manifest).ino, id()];
      Object.assign(process.env, env);
      try {
        const r = await kiln(['compile', ...args], dir);
        expect(r.code, r.output).toBe(0);
        expect(id(), args.join(' ')).not.toBe(before);
        expect(fs.statSync(manifest).ino, `${args.join(' ')} ${JSON.stringify(env)}`).toBe(ino);
        return r;
      } finally {
        for (const k of Object.keys(env)) delete process.env[k];
      }
    };
    expect((await reused(['-q'])).output).toBe('');
    expect((await reused(['--log-level', 'warn'])).output).toBe('');
    expect((await reused([], { DBT_QUIET: '1' })).output).toBe('');
    expect((await reused([], { DBT_LOG_LEVEL: 'error' })).output).toBe('');
    expect((await reused(['--use-colors'])).stdout).toContain('\x1b[');
    expect((await reused([], { DBT_USE_COLORS: 'true' })).stdout).toContain('\x1b[');
    expect((await reused(['--no-use-colors'])).stdout).not.toContain('\x1b[');
    const json = (await reused([], { DBT_LOG_FORMAT: 'json' })).stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; reuse?: string });
    expect(json.find((l) => l.msg.startsWith('Compiled '))?.reuse).toBe('all');
    expect((await reused(['--log-level', 'debug'])).stdout).toContain('Compiled 5 nodes');
    const logs = path.join(dir, 'logs');
    await reused(['-q', '--log-path', logs]);
    expect(fs.readFileSync(path.join(logs, 'dbt.log'), 'utf8')).toContain('Compiled 5 nodes');
    await reused([], { DBT_LOG_PATH: path.join(dir, 'logs2'), DBT_LOG_FORMAT_FILE: 'json' });
    expect(fs.readFileSync(path.join(dir, 'logs2', 'dbt.log'), 'utf8')).toContain('"msg":"Compiled 5 nodes');
    await reused(['--debug', '--no-print', '--print-timings', '--printer-width', '100', '--no-send-anonymous-usage-stats', '--no-static-parser', '--use-colors-file', '--show-all-deprecations', '--log-cache-events', '--no-populate-cache', '--no-introspect', '--cache-selected-only', '--use-experimental-parser', '--log-level-file', 'info', '--log-format-file', 'json']);
    await reused([], { DBT_DEBUG: '1', DBT_PRINTER_WIDTH: '100', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', DBT_STATIC_PARSER: 'false', DBT_LOG_LEVEL_FILE: 'info', DBT_USE_COLORS_FILE: 'false', DBT_PRINT: 'false' });
    // What changes the outputs still counts.
    process.env.DBT_FULL_REFRESH = '1';
    expect(await compile(dir)).toBe('none');
  });

  it('is off with --no-partial-parse', async () => {
    const dir = await settled();
    expect(await compile(dir)).toBe('none');
    expect(await compile(dir, ['--no-partial-parse'])).toBe('none');
    expect(fs.existsSync(path.join(dir, 'target', COMPILE_STATE_FILE))).toBe(false);
  });
});

describe('compile with model files changed outside their Jinja', () => {
  // Compiled files laid out by sql-formatter (the default for small projects) are compiled in full.
  const NO_FORMAT = ['--no-format'];
  it('needs compiled files written as rendered', async () => {
    const dir = await settled();
    expect(await compile(dir)).toBe('none');
    edit(dir, 'models/marts/plain.sql', '1 as one', '1 as uno');
    expect(await compile(dir)).toBe('none');
    expect(await compile(dir)).toBe('all');
  });

  it('makes only their entries and compiled files anew, exactly as a full compile', async () => {
    const dir = await settled();
    expect(await compile(dir, NO_FORMAT)).toBe('none');
    const otherCompiled = path.join(dir, 'target/compiled/shop/models/staging/stg_orders.sql');
    const otherMtime = fs.statSync(otherCompiled).mtimeMs;
    edit(dir, 'models/marts/orders.sql', '-- orders with their customer', '-- orders, each with its customer');
    edit(dir, 'models/marts/revenue.sql', /\n$/, '\n-- a comment at the end\n');
    edit(dir, 'models/marts/plain.sql', '1 as one', '1 as uno');
    expect(await compile(dir, NO_FORMAT)).toBe('unchanged models');
    expect(fs.readFileSync(path.join(dir, 'target/compiled/shop/models/marts/orders.sql'), 'utf8')).toContain('-- orders, each with its customer');
    expect(fs.statSync(otherCompiled).mtimeMs).toBe(otherMtime);
    // The record follows: more changes, then nothing changed.
    edit(dir, 'models/marts/plain.sql', '1 as uno', '1 as one');
    expect(await compile(dir, NO_FORMAT)).toBe('unchanged models');
    expect(await compile(dir, NO_FORMAT)).toBe('all');
    await expectSameAsCold(dir, NO_FORMAT);
  });

  it('versioned models: each version file changed alone, exactly as a full compile', async () => {
    const dir = await settled({
      ...FILES,
      'models/versions.yml': 'models:\n  - name: dim\n    latest_version: 2\n    versions:\n      - v: 3\n        defined_in: dim_next\n      - v: 2\n      - v: 1\n',
      'models/dim_v1.sql': 'select 1 as id\n',
      'models/dim.sql': 'select 2 as id\n',
      'models/dim_next.sql': 'select 3 as id\n',
      'models/uses_dim.sql': "select * from {{ ref('dim') }} join {{ ref('dim', v=1) }} using (id)\n",
    });
    expect(await compile(dir, NO_FORMAT)).toBe('none');
    edit(dir, 'models/dim.sql', '2 as id', '2 as id -- latest');
    edit(dir, 'models/dim_next.sql', '3 as id', '3 as id -- next');
    edit(dir, 'models/uses_dim.sql', /\n$/, '\n-- uses\n');
    expect(await compile(dir, NO_FORMAT)).toBe('unchanged models');
    await expectSameAsCold(dir, NO_FORMAT);
  });

  it('re-renders with the template engine when the Jinja, or text between Jinja, changed; else compiles in full', async () => {
    const dir = await settled();
    expect(await compile(dir, NO_FORMAT)).toBe('none');
    // A model calling a macro: re-rendered alone (warm-jinja.ts).
    edit(dir, 'models/marts/orders.sql', "ref('stg_customers')", "ref('stg_orders')");
    expect(await compile(dir, NO_FORMAT)).toBe('unchanged models');
    edit(dir, 'models/marts/orders.sql', ' o\njoin', ' as o\njoin');
    expect(await compile(dir, NO_FORMAT)).toBe('unchanged models');
    edit(dir, 'models/marts/revenue.sql', 'select', "{{ config(materialized='view') }}\nselect");
    expect(await compile(dir, NO_FORMAT)).toBe('unchanged models');
    // A config() naming the relation: other models' SQL may change.
    edit(dir, 'models/marts/revenue.sql', "materialized='view'", "materialized='view', alias='rev'");
    expect(await compile(dir, NO_FORMAT)).toBe('none');
    await expectSameAsCold(dir, NO_FORMAT);
  });
});

describe('compile with model files changed between their Jinja', () => {
  const NO_FORMAT = ['--no-format'];
  // Static models (only literal ref/source/config calls): re-rendered alone from the record.
  const STATIC: Record<string, string> = {
    ...FILES,
    'models/marts/joined.sql': "with a as (\n  select * from {{ ref('stg_orders') }}\n),\nb as (\n  select * from {{ ref('stg_customers') }}\n)\nselect * from a join b using (id)\n",
    'models/marts/configured.sql': "{{ config(materialized='view', tags=['x']) }}\nselect * from {{ ref('stg_orders') }}\n",
    'models/marts/eph.sql': "{{ config(materialized='ephemeral') }}\nselect 1 as id\n",
    'models/marts/leaf.sql': "select * from {{ ref('joined') }}\n",
    'models/marts/after_configured.sql': "select * from {{ ref('configured') }}\n",
  };

  /** A copy of the project (no target/) compiled from scratch: its target/ equals `dir`'s. */
  async function expectSameAsColdCopy(dir: string, args: string[] = NO_FORMAT): Promise<void> {
    const copy = testdir({});
    fs.cpSync(dir, copy, { recursive: true, filter: (src) => !src.startsWith(path.join(dir, 'target')) && !src.includes('.duckdb') });
    expect(await compile(copy, ['--no-partial-parse', ...args])).toBe('none');
    const warm = targetFiles(dir);
    const cold = targetFiles(copy);
    expect(Object.fromEntries(Object.keys(cold).map((k) => [k, warm[k]]))).toEqual(cold);
  }

  type Step = [what: string, change: () => void];

  /** Each step compiles reusing every unchanged model, exactly as a cold copy; then nothing changed reuses all. */
  async function expectRerenderedAlone(dir: string, steps: Step[]): Promise<void> {
    for (const [what, change] of steps) {
      change();
      expect(await compile(dir, NO_FORMAT), what).toBe('unchanged models');
      await expectSameAsColdCopy(dir);
    }
    expect(await compile(dir, NO_FORMAT)).toBe('all');
    await expectSameAsColdCopy(dir);
  }

  /** Each step compiles in full, and the compile after it reuses everything. */
  async function expectCompiledInFull(dir: string, steps: Step[]): Promise<void> {
    for (const [what, change] of steps) {
      change();
      expect(await compile(dir, NO_FORMAT), what).toBe('none');
      expect(await compile(dir, NO_FORMAT), what).toBe('all');
    }
    await expectSameAsColdCopy(dir);
  }

  it('re-renders the model alone, exactly as a full compile, for edits that keep or change its parents', async () => {
    const dir = await settled(STATIC);
    expect(await compile(dir, NO_FORMAT)).toBe('none');
    const steps: Step[] = [
      ['a CTE between two refs', () => edit(dir, 'models/marts/joined.sql', '),\nb as', '),\nmid as (\n  select 2 as two\n),\nb as')],
      ['text between refs of a model with config()', () => edit(dir, 'models/marts/configured.sql', 'select *', 'select id, *')],
      ['materialized switched from view to table', () => edit(dir, 'models/marts/configured.sql', "materialized='view'", "materialized='table'")],
      ['config() moved after its ref (the same config)', () => edit(dir, 'models/marts/configured.sql', /^(\{\{ config\([^}]*\}\})\n(.*)$/s, '$2$1\n')],
      ['a ref changed to another model', () => edit(dir, 'models/marts/joined.sql', "ref('stg_customers')", "ref('plain')")],
      ['a ref to a seed', () => edit(dir, 'models/marts/joined.sql', "ref('plain')", "ref('countries')")],
      ['a source added', () => edit(dir, 'models/marts/joined.sql', 'select 2 as two', "select * from {{ source('raw', 'customers') }}")],
      // An edit outside the Jinja (recomposeCompiled) between graph changes: the record follows.
      ['a comment after the last Jinja of another model', () => edit(dir, 'models/marts/leaf.sql', /\n$/, '\n-- the leaf\n')],
      ['a ref added twice and a parent dropped', () => edit(dir, 'models/marts/joined.sql', "ref('countries')", "ref('stg_orders') }} join {{ ref('stg_orders')")],
      ['a ref to a model later in the compile order (no cycle)', () => edit(dir, 'models/marts/configured.sql', "ref('stg_orders')", "ref('leaf')")],
      ['back to the first text', () => fs.writeFileSync(path.join(dir, 'models/marts/joined.sql'), STATIC['models/marts/joined.sql'])],
    ];
    await expectRerenderedAlone(dir, steps);
  });

  it('compiles in full what it cannot show to be the same', async () => {
    const dir = await settled(STATIC);
    expect(await compile(dir, NO_FORMAT)).toBe('none');
    const steps: Step[] = [
      ['a changed config()', () => edit(dir, 'models/marts/configured.sql', "tags=['x']", "tags=['y']")],
      ['materialized switched to ephemeral', () => edit(dir, 'models/marts/configured.sql', "materialized='view'", "materialized='ephemeral'")],
      ['materialized and a tag changed', () => edit(dir, 'models/marts/configured.sql', "materialized='ephemeral', tags=['y']", "materialized='view', tags=['z']")],
      ['a ref to an ephemeral model', () => edit(dir, 'models/marts/joined.sql', "ref('stg_customers')", "ref('eph')")],
      ['a var() and config.get() (at parse time it reads the config before the calls)', () => edit(dir, 'models/marts/joined.sql', "ref('eph')", "ref('stg_customers') }} where {{ var('rate') }} = {{ config.get('rate', 1)")],
      ['a tag reading the model', () => edit(dir, 'models/marts/joined.sql', 'select * from a', '{% if model.name %}select * from a{% endif %}')],
      ['the record of refs gone', () => (fs.rmSync(path.join(dir, 'target', WARM_RENDER_FILE)), edit(dir, 'models/marts/configured.sql', 'select *', 'select id, *'))],
    ];
    await expectCompiledInFull(dir, steps);
  });

  // Models whose Jinja is more than literal calls: re-rendered alone with the template engine (warm-jinja.ts).
  const JINJA: Record<string, string> = {
    ...STATIC,
    'models/marts/looped.sql': "select id,\n{%- for d in [7, 30] %}\n  {{ d }} as d{{ d }},\n{%- endfor %}\n  1 as one\nfrom {{ ref('stg_orders') }}\n",
    'models/marts/incr.sql': "{{ config(materialized='incremental', unique_key='id') }}\nselect * from {{ ref('stg_orders') }}\n{% if is_incremental() %}\nwhere id > (select max(id) from {{ this }})\n{% endif %}\n",
    'models/marts/withvar.sql': "select * from {{ ref('stg_customers') }} where id > {{ var('min_id', 0) }}\n",
    'models/marts/tobe.sql': "{{ config(materialized='view') }}\nselect {% for c in ['id'] %}{{ c }}{% endfor %} from {{ ref('stg_orders') }}\n",
    'models/marts/after_tobe.sql': "select * from {{ ref('tobe') }}\n",
    'macros/cents.sql': "{% macro cents(col) %}({{ col }} * 100)::int{% endmacro %}\n{% macro default__cents(col) %}{{ cents(col) }}{% endmacro %}\n",
  };

  it('re-renders a model with loops, ifs, var() and macro calls alone, exactly as a full compile', async () => {
    const dir = await settled(JINJA);
    expect(await compile(dir, NO_FORMAT)).toBe('none');
    const steps: Step[] = [
      ['an edit inside a for loop', () => edit(dir, 'models/marts/looped.sql', '[7, 30]', '[7, 30, 90]')],
      ['an edit inside an if is_incremental() block', () => edit(dir, 'models/marts/incr.sql', 'where id >', 'where id >=')],
      ["a var()'s default changed", () => edit(dir, 'models/marts/withvar.sql', "var('min_id', 0)", "var('min_id', 10)")],
      ['a var() of the project added', () => edit(dir, 'models/marts/withvar.sql', 'where id', "where {{ var('rate') }} > 0 and id")],
      ['config(materialized=...) changed to incremental with a unique_key', () => edit(dir, 'models/marts/tobe.sql', "materialized='view'", "materialized='incremental', unique_key='id'")],
      // The record follows: ref('tobe') is a table now (Compiler.relationOf).
      ["its relation's type read by another model", () => edit(dir, 'models/marts/after_tobe.sql', 'select *', "select '{{ ref(\"tobe\").type }}' as t, *")],
      ['then to table (the unique_key kept)', () => edit(dir, 'models/marts/tobe.sql', "materialized='incremental'", "materialized='table'")],
      ['a macro call added', () => edit(dir, 'models/marts/looped.sql', '1 as one', "{{ cents('amount') }} as one")],
      ['a ref made in a loop (the parents change)', () => edit(dir, 'models/marts/looped.sql', "from {{ ref('stg_orders') }}", "from {% for m in ['stg_customers'] %}{{ ref(m) }}{% endfor %}")],
      ['a static model changed to an if block', () => edit(dir, 'models/marts/joined.sql', 'select * from a', '{% if var("rate") > 1 %}select * from a{% else %}select 1{% endif %}')],
      ['an edit outside the Jinja of the re-rendered model', () => edit(dir, 'models/marts/looped.sql', /\n$/, '\n-- looped\n')],
      // kiln's built-in macros are loaded only for a template that may call one.
      ['a built-in macro call added', () => edit(dir, 'models/marts/withvar.sql', 'select *', 'select cast(1 as {{ dbt.type_string() }}) as s, *')],
      ['a dispatched project macro added', () => edit(dir, 'models/marts/incr.sql', 'select *', "select {{ adapter.dispatch('cents')('id') }} as c, *")],
    ];
    await expectRerenderedAlone(dir, steps);
  });

  it('compiles in full what a re-render alone cannot show to be the same', async () => {
    const dir = await settled(JINJA);
    expect(await compile(dir, NO_FORMAT)).toBe('none');
    const steps: Step[] = [
      ['a config() naming the schema', () => edit(dir, 'models/marts/looped.sql', 'select id', "{{ config(schema='other') }}select id")],
      ['a unique_key dropped (its value then comes from below the calls)', () => edit(dir, 'models/marts/incr.sql', ", unique_key='id'", '')],
      ['tags set in a loop', () => edit(dir, 'models/marts/tobe.sql', 'select', "{% for t in ['a'] %}{{ config(tags=[t]) }}{% endfor %}select")],
      ['materialized switched to ephemeral', () => edit(dir, 'models/marts/tobe.sql', "materialized='view'", "materialized='ephemeral'")],
      ['the model object read', () => edit(dir, 'models/marts/withvar.sql', 'where id', "where '{{ model.name }}' = 'x' and id")],
      ['env_var() read', () => edit(dir, 'models/marts/incr.sql', 'where id >', "where '{{ env_var('HOME', '') }}' = 'x' and id >")],
      // Each alone would be re-rendered; together the first may render with the second's old relation type.
      ['a materialization switched while another model changed', () => {
        edit(dir, 'models/marts/configured.sql', "materialized='view'", "materialized='table'");
        edit(dir, 'models/marts/joined.sql', 'select * from a join b', "select {% for c in ['x'] %}1 as {{ c }}, {% endfor %}* from a join b");
      }],
      ['a ref to an ephemeral model in a loop', () => edit(dir, 'models/marts/incr.sql', "from {{ ref('stg_orders') }}", "from {% for m in ['eph'] %}{{ ref(m) }}{% endfor %}")],
    ];
    await expectCompiledInFull(dir, steps);
    // A macro reading env_var(): no model is re-rendered with the engine (the record has no `jinja`).
    const withEnvMacro = await settled({ ...JINJA, 'macros/home.sql': "{% macro home() %}{{ env_var('HOME', '') }}{% endmacro %}\n" });
    expect(await compile(withEnvMacro, NO_FORMAT)).toBe('none');
    expect((JSON.parse(fs.readFileSync(path.join(withEnvMacro, 'target', WARM_RENDER_FILE), 'utf8')) as { jinja?: unknown }).jinja).toBeUndefined();
    edit(withEnvMacro, 'models/marts/looped.sql', '[7, 30]', '[7, 30, 90]');
    expect(await compile(withEnvMacro, NO_FORMAT)).toBe('none');
  });

  it('a ref to an unknown model in a loop, or a cycle made in a loop, fails as a full compile fails', async () => {
    for (const [file, from, to] of [
      ['models/marts/looped.sql', "from {{ ref('stg_orders') }}", "from {% for m in ['nowhere'] %}{{ ref(m) }}{% endfor %}"],
      ['models/marts/joined.sql', "ref('stg_customers')", "ref('leaf' if true else 'x')"],
    ] as const) {
      const dir = await settled(JINJA);
      expect(await compile(dir, NO_FORMAT)).toBe('none');
      edit(dir, file, from, to);
      const warm = await kiln(['compile', ...NO_FORMAT], dir);
      const cold = await kiln(['compile', '--no-partial-parse', ...NO_FORMAT], dir);
      expect(warm.code, to).not.toBe(0);
      expect(warm.code).toBe(cold.code);
      const text = (t: string) => t.replace(/^\d\d:\d\d:\d\d/gm, '-').replace(/\d+\.\d+s/g, '-');
      expect(text(warm.output)).toBe(text(cold.output));
    }
  });

  it('a ref to an unknown model or a cycle fails as a full compile fails', async () => {
    for (const [file, from, to] of [
      ['models/marts/joined.sql', "ref('stg_customers')", "ref('nowhere')"],
      ['models/marts/joined.sql', "ref('stg_customers')", "ref('leaf')"],
      ['models/marts/joined.sql', "ref('stg_customers')", "ref('joined')"],
    ] as const) {
      const dir = await settled(STATIC);
      expect(await compile(dir, NO_FORMAT)).toBe('none');
      edit(dir, file, from, to);
      const warm = await kiln(['compile', ...NO_FORMAT], dir);
      const cold = await kiln(['compile', '--no-partial-parse', ...NO_FORMAT], dir);
      expect(warm.code, to).not.toBe(0);
      expect(warm.code).toBe(cold.code);
      // The same message, apart from the time of day and the seconds taken.
      const text = (t: string) => t.replace(/^\d\d:\d\d:\d\d/gm, '-').replace(/\d+\.\d+s/g, '-');
      expect(text(warm.output)).toBe(text(cold.output));
    }
  });

  it('a project naming macro (which may read the config) keeps the config from changing alone', async () => {
    const dir = await settled({
      ...STATIC,
      'macros/naming.sql': '{% macro generate_schema_name(custom_schema_name, node) %}{{ target.schema }}{% endmacro %}\n',
    });
    expect(await compile(dir, NO_FORMAT)).toBe('none');
    edit(dir, 'models/marts/configured.sql', "materialized='view'", "materialized='table'");
    expect(await compile(dir, NO_FORMAT)).toBe('none');
    edit(dir, 'models/marts/configured.sql', 'select *', 'select id, *');
    expect(await compile(dir, NO_FORMAT)).toBe('unchanged models');
    await expectSameAsColdCopy(dir);
  });

  it('after a ref against the recorded order, a cycle through it is still found', async () => {
    const dir = await settled(STATIC);
    expect(await compile(dir, NO_FORMAT)).toBe('none');
    // configured comes before leaf in the recorded order; leaf refs joined.
    edit(dir, 'models/marts/configured.sql', "ref('stg_orders')", "ref('leaf')");
    expect(await compile(dir, NO_FORMAT)).toBe('unchanged models');
    // The walk up from leaf accepted it; the recorded positions prove nothing from now on.
    expect((JSON.parse(fs.readFileSync(path.join(dir, 'target', WARM_RENDER_FILE), 'utf8')) as { ordered?: boolean }).ordered).toBe(false);
    await expectSameAsColdCopy(dir);
    edit(dir, 'models/marts/joined.sql', "ref('stg_customers')", "ref('configured')");
    const warm = await kiln(['compile', ...NO_FORMAT], dir);
    expect(warm.code).not.toBe(0);
    expect(warm.output).toContain('Found a cycle');
  });

  it('a selection, a default selector or unit tests keep the parents from changing alone', async () => {
    const withUnitTest = {
      ...STATIC,
      'models/marts/_unit.yml': 'unit_tests:\n  - name: t_leaf\n    model: leaf\n    given:\n      - input: ref(\'joined\')\n        rows: [{id: 1}]\n    expect:\n      rows: [{id: 1}]\n',
    };
    const dir = await settled(withUnitTest);
    expect(await compile(dir, NO_FORMAT)).toBe('none');
    edit(dir, 'models/marts/joined.sql', "ref('stg_customers')", "ref('plain')");
    expect(await compile(dir, NO_FORMAT)).toBe('none');
    edit(dir, 'models/marts/joined.sql', '),\nb as', '),\nmid as (\n  select 2 as two\n),\nb as');
    expect(await compile(dir, NO_FORMAT)).toBe('unchanged models');
    await expectSameAsColdCopy(dir);
    // A default selection in selectors.yml too.
    const withSelectors = await settled({ ...STATIC, 'selectors.yml': "selectors:\n  - name: everything\n    default: true\n    definition:\n      method: fqn\n      value: '*'\n" });
    expect(await compile(withSelectors, NO_FORMAT)).toBe('none');
    expect(await compile(withSelectors, NO_FORMAT)).toBe('all');
    edit(withSelectors, 'models/marts/joined.sql', '),\nb as', '),\nmid as (\n  select 2 as two\n),\nb as');
    expect(await compile(withSelectors, NO_FORMAT)).toBe('none');
    const sel = [...NO_FORMAT, '--select', 'marts'];
    expect(await compile(dir, sel)).toBe('none');
    edit(dir, 'models/marts/joined.sql', 'select 2 as two', 'select 3 as three');
    expect(await compile(dir, sel)).toBe('none');
  });
});

describe('mayShowModelCode', () => {
  it('a macro using the calling model, or any file reading the graph, may; a generic test taking model may not', () => {
    expect(mayShowModelCode('macro', '{% test is_even(model, column_name) %}select * from {{ model }}{% endtest %}')).toBe(false);
    expect(mayShowModelCode('macro', '{% macro cents(col) %}{{ col }} * 100{% endmacro %}')).toBe(false);
    expect(mayShowModelCode('macro', "{% macro code() %}{{ model.raw_code }}{% endmacro %}")).toBe(true);
    expect(mayShowModelCode('macro', '{% macro t(model) %}{% macro inner() %}{{ model.raw_code }}{% endmacro %}{% endmacro %}')).toBe(true);
    expect(mayShowModelCode('macro', '{% macro t(model) %}{{ graph.nodes }}{% endmacro %}')).toBe(true);
    expect(mayShowModelCode('model', 'select model from t')).toBe(false);
    expect(mayShowModelCode('model', "{% for n in graph.nodes.values() %}{{ n.raw_code }}{% endfor %}")).toBe(true);
  });
});

describe('recomposeCompiled', () => {
  const raw = "-- top\nselect * from {{ ref('a') }} join {{ ref('b') }} using (id)\n";
  const compiled = '-- top\nselect * from "db"."s"."a" join "db"."s"."b" using (id)';
  it('keeps what the Jinja rendered and takes the new text around it', () => {
    expect(recomposeCompiled(raw, compiled, raw.replace('-- top', '-- top, edited'))).toBe(compiled.replace('-- top', '-- top, edited'));
    expect(recomposeCompiled(raw, compiled, `${raw}-- end\n`)).toBe(`${compiled}\n-- end`);
    expect(recomposeCompiled('select 1\n', 'select 1', 'select 2\n')).toBe('select 2');
  });
  it('refuses what it cannot show to be the same', () => {
    expect(recomposeCompiled(raw, compiled, raw.replace('join', 'left join'))).toBeNull();
    expect(recomposeCompiled(raw, compiled, raw.replace("ref('b')", "ref('c')"))).toBeNull();
    expect(recomposeCompiled(raw, compiled, raw.replace('-- top', '-- {top}'))).toBeNull();
    expect(recomposeCompiled(raw, 'with x as (select 1) select 2', `${raw}--\n`)).toBeNull();
    expect(recomposeCompiled("{{ ref('a') -}}\nx\n", '"a"x', "{{ ref('a') -}}\ny\n")).toBeNull();
    expect(recomposeCompiled("select '{{ model.raw_code }}'\n", "select 'x'", "select '{{ model.raw_code }}' \n")).toBeNull();
  });
});
