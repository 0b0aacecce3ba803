import { describe, expect, it } from 'vitest';
import { injectCtes } from '../../../core/compiler/inject-ctes.js';

const cte = [{ name: '__dbt__cte__a', sql: 'select 1 as x' }];

describe('injectCtes', () => {
  it('prepends a WITH when the statement has none', () => {
    // (dbt 1.11's layout: `with`, each CTE after a space, a space before the statement)
    expect(injectCtes('select * from __dbt__cte__a', cte)).toBe('with __dbt__cte__a as (\nselect 1 as x\n) select * from __dbt__cte__a');
    // leading whitespace stays in front; the CTE's SQL is put in as it is
    expect(injectCtes('\n\nselect 1', [{ name: '__dbt__cte__a', sql: '\n\nselect 1 as x' }])).toBe('\n\nwith __dbt__cte__a as (\n\n\nselect 1 as x\n) select 1');
  });
  it('joins the leading WITH of the statement', () => {
    const out = injectCtes('-- note\nWITH b as (select * from __dbt__cte__a)\nselect * from b', cte);
    // (dbt 1.11's layout: the CTEs after the whitespace that follows WITH, then `, `)
    expect(out).toBe('-- note\nWITH  __dbt__cte__a as (\nselect 1 as x\n), b as (select * from __dbt__cte__a)\nselect * from b');
    expect(injectCtes('with  b as (select 1)\nselect * from b', [...cte, { name: '__dbt__cte__c', sql: 'select 2' }])).toBe('with   __dbt__cte__a as (\nselect 1 as x\n),  __dbt__cte__c as (\nselect 2\n), b as (select 1)\nselect * from b');
  });
  it('keeps WITH RECURSIVE intact', () => {
    const out = injectCtes('with recursive r as (select 1) select * from r, __dbt__cte__a', cte);
    expect(out.startsWith('with recursive  __dbt__cte__a as (')).toBe(true);
  });
  it('does not mistake a word starting with "with" for the keyword', () => {
    expect(injectCtes('select 1 as without', cte).startsWith('with __dbt__cte__a as')).toBe(true);
    expect(injectCtes('withdrawals_view', cte).startsWith('with __dbt__cte__a')).toBe(true);
  });
  it('orders several CTEs as given', () => {
    const out = injectCtes('select 1', [{ name: 'x', sql: 'select 1' }, { name: 'y', sql: 'select * from x' }]);
    expect(out.indexOf('x as (')).toBeLessThan(out.indexOf('y as ('));
  });
});
