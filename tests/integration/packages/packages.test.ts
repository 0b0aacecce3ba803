// Packages end to end on DuckDB and PostgreSQL: a local package installed by `kiln deps`, its
// dispatching macros (star, surrogate keys, a date spine, get_column_values through statement /
// load_result) used by the project, its own model and seed as nodes of the package, ref('pkg',
// 'model'), package-scoped vars overridden by the project, `dispatch:` search order and the
// project's folder configs applied to the package's nodes.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { duckdbTarget, postgresTarget, type AdapterTarget } from '../adapters/targets.js';
import { UTILS_PACKAGE } from './utils-package.js';

const targets = [duckdbTarget(), postgresTarget()];
afterAll(async () => {
  for (const t of targets) await t.cleanup();
});

function prefixed(prefix: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [`${prefix}/${k}`, v]));
}

const PROJECT: Record<string, string> = {
  'shop/dbt_project.yml': `name: shop
profile: shop
vars:
  kiln_utils:
    utils_label: from-project
dispatch:
  - macro_namespace: kiln_utils
    search_order: [shop, kiln_utils]
seeds:
  kiln_utils:
    +schema: null
models:
  kiln_utils:
    utils_calendar:
      +tags: [calendar]
`,
  'shop/packages.yml': 'packages:\n  - local: ../kiln_utils\n',
  'shop/seeds/orders.csv': 'id,customer,status,amount\n1,ann,paid,10\n2,bob,paid,0\n3,ann,refunded,5\n4,cid,paid,7\n',
  'shop/models/orders_slim.sql': "select {{ kiln_utils.star(ref('orders'), except=['amount']) }} from {{ ref('orders') }}",
  'shop/models/orders_keyed.sql': `select {{ kiln_utils.generate_surrogate_key(['id', 'customer']) }} as order_key, id,
  {{ kiln_utils.safe_divide('amount', 'id - 2') }} as ratio
from {{ ref('orders') }}`,
  'shop/models/status_pivot.sql': `{%- set statuses = kiln_utils.get_column_values(ref('orders'), 'status') -%}
select customer
{%- for s in statuses %},
  sum(case when status = '{{ s }}' then amount else 0 end) as {{ s }}_amount
{%- endfor %}
from {{ ref('orders') }}
group by customer`,
  'shop/models/calendar_days.sql': "select count(*) as days, min(label) as label from {{ ref('kiln_utils', 'utils_calendar') }}",
  'shop/models/greet.sql': "select '{{ kiln_utils.greeting() }}' as greeting, '{{ whoami() }}' as owner",
  'shop/macros/whoami.sql': '{% macro whoami() %}shop{% endmacro %}',
  // the project overrides the package's dispatched macro through the search order
  'shop/macros/greeting.sql': "{% macro default__greeting() %}{{ return('hello from shop') }}{% endmacro %}",
  ...prefixed('kiln_utils', UTILS_PACKAGE),
};

describe.each(targets)('packages on $name', (target: AdapterTarget) => {
  it('installs a local package and builds with its macros, models and seeds', async () => {
    const root = testdir(PROJECT);
    const dir = path.join(root, 'shop');
    await target.setup(dir, 'shop');
    const deps = await kiln(['deps'], dir);
    expect(deps.code, deps.output).toBe(0);
    expect(deps.stdout).toContain('Installed kiln_utils 0.4.0 into dbt_packages/kiln_utils');
    expect(fs.readFileSync(path.join(dir, 'package-lock.yml'), 'utf8')).toMatch(/local: \.\.\/kiln_utils\n\s+name: kiln_utils/);

    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    const s = target.schema;
    const q = (sql: string) => target.query(dir, sql);

    // star() read the seed's columns through the node's connection
    const slimCols = (await q(`select column_name as c from information_schema.columns where table_schema = '${s}' and table_name = 'orders_slim' order by ordinal_position`)).map((x) => x.c);
    expect(slimCols).toEqual(['id', 'customer', 'status']);
    // surrogate keys: md5 of the same text on both databases
    const keys = await q(`select order_key, ratio from ${s}.orders_keyed order by id`);
    expect(keys[0].order_key).toBe(createHash('md5').update('1-ann').digest('hex'));
    expect(keys.map((k) => (k.ratio === null ? null : Number(k.ratio)))).toEqual([-10, null, 5, 3.5]);
    // get_column_values ran a query while compiling, then the model pivoted on its answer
    expect(await q(`select customer, paid_amount, refunded_amount from ${s}.status_pivot order by customer`)).toEqual([
      { customer: 'ann', paid_amount: 10, refunded_amount: 5 },
      { customer: 'bob', paid_amount: 0, refunded_amount: 0 },
      { customer: 'cid', paid_amount: 7, refunded_amount: 0 },
    ]);
    // the package's model (a date spine), its var overridden by the project's block for the package
    expect(await q(`select days, label from ${s}.calendar_days`)).toEqual([{ days: 7, label: 'from-project' }]);
    expect(await q(`select greeting, owner from ${s}.greet`)).toEqual([{ greeting: 'hello from shop', owner: 'shop' }]);
    // an unqualified macro name resolves in the node's own package first (dbt's rule)
    expect(await q(`select distinct owner from ${s}.utils_calendar`)).toEqual([{ owner: 'kiln_utils' }]);
    expect(await q(`select count(*) as n from ${s}.utils_countries`)).toEqual([{ n: 2 }]);

    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8'));
    const cal = manifest.nodes['model.kiln_utils.utils_calendar'];
    expect(cal).toMatchObject({ package_name: 'kiln_utils', resource_type: 'model', fqn: ['kiln_utils', 'utils_calendar'] });
    expect(cal.config.tags).toEqual(['calendar']);
    expect(cal.config.materialized).toBe('table');
    expect(manifest.nodes['model.shop.calendar_days'].depends_on.nodes).toEqual(['model.kiln_utils.utils_calendar']);
    expect(manifest.nodes['seed.kiln_utils.utils_countries']).toBeDefined();
    expect(manifest.macros['macro.kiln_utils.default__star']).toMatchObject({ package_name: 'kiln_utils' });

    // the compiled SQL of star() names the columns, quoted in the adapter's dialect
    const compiled = fs.readFileSync(path.join(dir, 'target/compiled/shop/models/orders_slim.sql'), 'utf8');
    expect(compiled).toMatch(/^select "id", "customer", "status" from /);
  }, 120_000);
});

describe('packages: selection and listing', () => {
  it('selects package nodes with package: and lists them', async () => {
    const root = testdir(PROJECT);
    const dir = path.join(root, 'shop');
    await duckdbTarget().setup(dir, 'shop');
    expect((await kiln(['deps'], dir)).code).toBe(0);
    const r = await kiln(['ls', '--select', 'package:kiln_utils', '--output', 'name'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['utils_calendar', 'utils_countries']);
  });
});
