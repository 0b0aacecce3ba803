import { describe, expect, it } from 'vitest';
import { KilnError } from '../../../core/errors.js';
import { findSelector, parseSelectorsFile } from '../../../core/selection/selectors-file.js';
import { resolveSelection } from '../../../core/selection/select.js';
import type { IndirectSelection } from '../../../core/selection/spec.js';
import { shopManifest } from './fixture.js';

const manifest = shopManifest();

const YAML = `selectors:
  - name: finance
    description: Finance marts and what they need
    definition:
      union:
        - method: tag
          value: finance
          parents: true
          parents_depth: 1
        - exclude:
            - resource_type: test
  - name: nightly_models
    default: true
    definition:
      intersection:
        - tag: nightly
        - method: resource_type
          value: model
  - name: staging_no_clicks
    definition:
      method: path
      value: models/staging
      exclude:
        - stg_clicks
        - "source:events"
  - name: downstream_of_customers
    definition:
      method: fqn
      value: customers
      children: true
      indirect_selection: empty
  - name: reuse
    definition:
      union:
        - method: selector
          value: finance
        - "isolated tag:bi"
  - name: cautious_orders
    definition: orders
`;

function names(ids: Iterable<string>): string[] {
  return [...ids]
    .map((id) => {
      const parts = id.split('.');
      if (parts[0] === 'test') return parts[2]!;
      if (parts[0] === 'source') return parts.slice(2).join('.');
      return parts[parts.length - 1]!;
    })
    .sort();
}

function run(selector: string | undefined, opts: { select?: string[]; indirect?: IndirectSelection; yaml?: string } = {}): string[] {
  const selectors = parseSelectorsFile(opts.yaml ?? YAML, 'selectors.yml');
  return names(resolveSelection(manifest, { selector, select: opts.select, indirect: opts.indirect, selectors }, { root: '/proj' }).selected);
}

function error(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KilnError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('selectors.yml', () => {
  it('unions with graph flags and an exclude', () => {
    // The unit test on orders stays: it is not `resource_type:test`.
    expect(run('finance')).toEqual(['int_orders', 'orders', 'orders_total_is_sum', 'revenue', 'stg_customers']);
  });
  it('intersections with the `key: value` shorthand; `default: true` applies when nothing is selected', () => {
    const nightly = ['assert_orders_match_customers', 'orders', 'orders_total_is_sum', 'relationships_orders_customer_id', 'unique_orders_order_id', 'weekly'];
    expect(run('nightly_models')).toEqual(nightly);
    expect(run(undefined)).toEqual(nightly);
    // An explicit --select wins over the default selector.
    expect(run(undefined, { select: ['isolated'] })).toEqual(['isolated']);
  });
  it('method/value with an exclude list of strings', () => {
    expect(run('staging_no_clicks')).toEqual(['assert_orders_match_customers', 'not_null_stg_orders_order_id', 'shop.customers', 'shop.orders', 'source_not_null_shop_orders_id', 'stg_customers', 'stg_orders', 'stg_payments']);
  });
  it('indirect_selection per entry, and the command line mode otherwise', () => {
    // Tests downstream are descendants themselves; `empty` only stops tests of other parents coming along.
    expect(run('downstream_of_customers')).toEqual(['accepted_values_customers_status', 'clicks_app', 'customer_clicks', 'customers', 'relationships_orders_customer_id', 'weekly', 'weekly_dashboard']);
    expect(run('cautious_orders', { indirect: 'cautious' })).toEqual(['orders', 'orders_total_is_sum', 'unique_orders_order_id']);
    expect(run('cautious_orders')).toEqual(['assert_orders_match_customers', 'orders', 'orders_total_is_sum', 'relationships_orders_customer_id', 'unique_orders_order_id']);
  });
  it('reuses an earlier selector and takes strings with spaces as unions', () => {
    expect(run('reuse')).toEqual(['int_orders', 'isolated', 'orders', 'orders_total_is_sum', 'revenue', 'stg_customers', 'weekly_dashboard']);
  });
  it('renders Jinja in values (e.g. default from the target)', () => {
    const file = parseSelectorsFile("selectors:\n  - name: a\n    default: \"{{ 'true' }}\"\n    definition: isolated\n", 'selectors.yml', () => 'True');
    expect(file.defaultSelector?.name).toBe('a');
  });

  describe('bad files and names are errors with the line', () => {
    const cases: [string, string, RegExp, number | undefined][] = [
      ['no selectors key', 'foo: 1\n', /top-level `selectors:`/, 1],
      ['unknown key', 'selectors:\n  - name: a\n    definiton: x\n', /unknown key 'definiton'/, 3],
      ['no definition', 'selectors:\n  - name: a\n', /has no `definition`/, 2],
      ['two defaults', 'selectors:\n  - name: a\n    default: true\n    definition: x\n  - name: b\n    default: true\n    definition: y\n', /both 'a' and 'b'/, 6],
      ['duplicate names', 'selectors:\n  - name: a\n    definition: x\n  - name: a\n    definition: y\n', /two selectors are named 'a'/, 4],
      ['unknown reference', 'selectors:\n  - name: a\n    definition:\n      method: selector\n      value: later\n', /selector 'later' is not defined above/, 5],
      ['bad method in an entry', 'selectors:\n  - name: a\n    definition:\n      union:\n        - method: colour\n          value: red\n', /unknown selector method 'colour'/, 5],
      ['union not a list', 'selectors:\n  - name: a\n    definition:\n      union: tag:x\n', /`union` must be a list/, 4],
      ['two root keys', 'selectors:\n  - name: a\n    definition:\n      union: [x]\n      intersection: [y]\n', /only a single 'union' key/, 3],
      ['bad depth', 'selectors:\n  - name: a\n    definition:\n      method: tag\n      value: x\n      parents: true\n      parents_depth: two\n', /must be a whole number/, 7],
    ];
    for (const [label, yaml, why, line] of cases) {
      it(label, () => {
        const e = error(() => parseSelectorsFile(yaml, 'selectors.yml'));
        expect(e.code).toBe('KLN305');
        expect(e.message).toMatch(why);
        expect(e.loc?.file).toBe('selectors.yml');
        expect(e.loc?.line).toBe(line);
      });
    }
    it('an unknown --selector name suggests the closest', () => {
      const e = error(() => findSelector(parseSelectorsFile(YAML, 'selectors.yml'), 'fnance'));
      expect(e.code).toBe('KLN306');
      expect(e.hint).toContain("Did you mean 'finance'?");
      expect(error(() => findSelector(null, 'x')).message).toMatch(/the project has no selectors\.yml/);
    });
    it('--selector with --select is a usage error', () => {
      const e = error(() => run('finance', { select: ['orders'] }));
      expect(e.code).toBe('KLN601');
    });
  });
});
