import { describe, expect, it } from 'vitest';
import { configForPath, configUnder, mergeConfigs } from '../../../core/project/config-tree.js';

describe('configForPath', () => {
  const tree = {
    '+persist_docs': { relation: true },
    my_project: {
      '+materialized': 'table',
      '+tags': ['all'],
      '+meta': { owner: 'a', tier: 1 },
      staging: {
        '+materialized': 'view',
        '+tags': ['staging', 'all'],
        '+meta': { owner: 'b' },
        '+pre-hook': 'select 2',
        legacy: { materialized: 'ephemeral', tags: ['old'], enabled: false },
        stg_special: { '+alias': 'special' },
      },
      '+pre-hook': ['select 1'],
    },
  };

  it('walks from the root down, deeper wins', () => {
    expect(configForPath(tree, ['my_project', 'marts', 'orders'], 'model')).toEqual({
      persist_docs: { relation: true },
      materialized: 'table',
      tags: ['all'],
      meta: { owner: 'a', tier: 1 },
      pre_hook: ['select 1'],
    });
    expect(configForPath(tree, ['my_project', 'staging', 'stg_orders'], 'model')).toEqual({
      persist_docs: { relation: true },
      materialized: 'view',
      tags: ['all', 'staging'],
      meta: { owner: 'b', tier: 1 },
      pre_hook: ['select 1', 'select 2'],
    });
  });

  it('gives every node of a folder the same config, each its own object (levels are merged once and remembered)', () => {
    const a = configForPath(tree, ['my_project', 'staging', 'stg_a'], 'model');
    a.materialized = 'changed by the caller';
    a.extra = 1;
    const b = configForPath(tree, ['my_project', 'staging', 'stg_b'], 'model');
    expect(b).not.toBe(a);
    expect(b).toEqual({ persist_docs: { relation: true }, materialized: 'view', tags: ['all', 'staging'], meta: { owner: 'b', tier: 1 }, pre_hook: ['select 1', 'select 2'] });
    // A remembered level does not stop a deeper one, or a node-name level, from applying.
    expect(configForPath(tree, ['my_project', 'staging', 'stg_special'], 'model').alias).toBe('special');
    expect(configForPath(tree, ['my_project', 'staging', 'legacy', 'y'], 'model')).toMatchObject({ materialized: 'ephemeral', enabled: false });
    expect(configForPath(tree, ['my_project'], 'model')).toMatchObject({ materialized: 'table', tags: ['all'] });
    // Another tree (a reloaded project) is walked afresh.
    expect(configForPath({ my_project: { staging: { '+materialized': 'table' } } }, ['my_project', 'staging', 'x'], 'model')).toEqual({ materialized: 'table' });
  });

  it('merges a base config under a folder once, each caller getting its own object (configUnder)', () => {
    const base = { enabled: true, materialized: 'view', tags: [], meta: {} };
    for (const fqn of [['my_project', 'staging', 'a'], ['my_project', 'staging', 'stg_special'], ['my_project', 'marts', 'b'], ['other', 'x']]) {
      const first = configUnder(base, tree, fqn);
      expect(first).toEqual(mergeConfigs(base, configForPath(tree, fqn)));
      first.materialized = 'changed by the caller';
      expect(configUnder(base, tree, fqn)).toEqual(mergeConfigs(base, configForPath(tree, fqn)));
    }
    expect(base).toEqual({ enabled: true, materialized: 'view', tags: [], meta: {} });
    // Another base at the same level gets its own merge.
    expect(configUnder({ materialized: 'seed' }, tree, ['other', 'x'])).toEqual({ materialized: 'seed', persist_docs: { relation: true } });
  });

  it('matches the node name itself as the last level', () => {
    expect(configForPath(tree, ['my_project', 'staging', 'stg_special'], 'model').alias).toBe('special');
  });

  it('reads keys without + as configs when their value is not a mapping (legacy)', () => {
    const c = configForPath(tree, ['my_project', 'staging', 'legacy', 'x'], 'model');
    expect(c).toMatchObject({ materialized: 'ephemeral', enabled: false, tags: ['all', 'staging', 'old'] });
  });

  it('does not take other projects’ configs', () => {
    expect(configForPath(tree, ['other_pkg', 'staging', 'x'], 'model')).toEqual({ persist_docs: { relation: true } });
  });

  it('handles an empty tree', () => {
    expect(configForPath({}, ['p', 'a'], 'seed')).toEqual({});
  });
});

describe('mergeConfigs', () => {
  it('implements dbt precedence', () => {
    const lower = { materialized: 'view', tags: ['a', 'b'], meta: { x: 1, y: 1 }, pre_hook: ['one'], docs: { show: true }, schema: 's' };
    const higher = { materialized: 'table', tags: 'b', meta: { y: 2 }, 'pre-hook': 'two', docs: { node_color: 'red' }, schema: null };
    expect(mergeConfigs(lower, higher)).toEqual({
      materialized: 'table',
      tags: ['a', 'b'],
      meta: { x: 1, y: 2 },
      pre_hook: ['one', 'two'],
      docs: { show: true, node_color: 'red' },
      schema: null,
    });
  });

  it('replaces grants per privilege unless written +privilege', () => {
    expect(mergeConfigs({ grants: { select: ['a'], insert: 'x' } }, { grants: { select: ['b'] } })).toEqual({ grants: { select: ['b'], insert: ['x'] } });
    expect(mergeConfigs({ grants: { select: ['a'] } }, { grants: { '+select': ['b', 'a'] } })).toEqual({ grants: { select: ['a', 'b'] } });
  });

  it('does not let undefined erase a value and replaces non-dict custom values', () => {
    expect(mergeConfigs({ alias: 'x', custom: { a: 1 } }, { alias: undefined, custom: { b: 2 } })).toEqual({ alias: 'x', custom: { b: 2 } });
  });

  it('does not mutate its inputs', () => {
    const lower = { tags: ['a'], meta: { x: 1 } };
    mergeConfigs(lower, { tags: ['b'], meta: { y: 1 } });
    expect(lower).toEqual({ tags: ['a'], meta: { x: 1 } });
  });
});
