// Unit tests and source freshness on every adapter: a unit test that passes and one that fails
// with its diff, and freshness pass / warn / error by the age of the newest row.
import { afterAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { duckdbTarget, postgresTarget, type AdapterTarget } from './targets.js';

describe.each([duckdbTarget(), postgresTarget()])('unit tests and freshness: $name', (target: AdapterTarget) => {
  afterAll(() => target.cleanup());

  it('runs unit tests on literal inputs: pass, and fail with a diff', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: ut\nprofile: ut\n',
      'seeds/orders.csv': 'id,customer_id,amount\n1,1,10\n2,1,5\n3,2,7\n',
      'models/totals.sql': "select customer_id, sum(amount) as total from {{ ref('orders') }} group by customer_id",
      'models/unit.yml': `unit_tests:
  - name: sums_per_customer
    model: totals
    given:
      - input: ref('orders')
        rows:
          - {id: 1, customer_id: 1, amount: 10}
          - {id: 2, customer_id: 1, amount: 5}
          - {id: 3, customer_id: 2}
    expect:
      rows:
        - {customer_id: 1, total: 15}
        - {customer_id: 2, total: null}
  - name: wrong_on_purpose
    model: totals
    given:
      - input: ref('orders')
        rows: [{id: 1, customer_id: 1, amount: 10}]
    expect:
      rows: [{customer_id: 1, total: 11}]
`,
    });
    await target.setup(dir, 'ut');
    expect((await kiln(['seed'], dir)).code).toBe(0);
    const r = await kiln(['test'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/PASS totals::sums_per_customer/);
    expect(r.stdout).toMatch(/FAIL 2 totals::wrong_on_purpose/);
    expect(r.stdout).toContain('- {customer_id: 1, total: 11}    (expected, not returned)');
    expect(r.stdout).toContain('+ {customer_id: 1, total: 10}    (returned, not expected)');
  });

  it('checks source freshness: pass, warn and error', async () => {
    const ts = (expr: string) => target.dialect(`cast(current_timestamp as timestamp) - interval '${expr}'`);
    const dir = testdir({
      'dbt_project.yml': 'name: fr\nprofile: fr\n',
      'models/fresh_t.sql': `{{ config(materialized='table') }}\nselect ${ts('10 minutes')} as loaded_at`,
      'models/stale_t.sql': `{{ config(materialized='table') }}\nselect ${ts('3 hours')} as loaded_at`,
      'models/dead_t.sql': `{{ config(materialized='table') }}\nselect ${ts('3 days')} as loaded_at`,
      'models/sources.yml': `sources:
  - name: raw
    schema: "{{ target.schema }}"
    loaded_at_field: loaded_at
    freshness:
      warn_after: {count: 1, period: hour}
      error_after: {count: 1, period: day}
    tables:
      - {name: fresh, identifier: fresh_t}
      - {name: stale, identifier: stale_t}
      - {name: dead, identifier: dead_t}
`,
    });
    await target.setup(dir, 'fr');
    expect((await kiln(['run'], dir)).code).toBe(0);
    const r = await kiln(['source', 'freshness'], dir);
    expect(r.code, r.output).toBe(1);
    expect(r.stdout).toMatch(/PASS freshness of raw\.fresh/);
    expect(r.stdout).toMatch(/WARN freshness of raw\.stale/);
    expect(r.stdout).toMatch(/ERROR STALE freshness of raw\.dead/);
  });
});
