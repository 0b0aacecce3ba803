// newConfig (core/parser/partial/warm-jinja.ts): a model's config after its config() calls
// changed, from its old entry, as a full compile's merge would make it, or null.
import { describe, expect, it } from 'vitest';
import { newConfig } from '../../../core/parser/partial/warm-jinja.js';

const HOOKS = { 'pre-hook': [], 'post-hook': [] };
const ENTRY = { enabled: true, materialized: 'view', tags: ['marts'], meta: {}, schema: 'marts', ...HOOKS };

describe('newConfig', () => {
  it('the same calls: the same config', () => {
    expect(newConfig(ENTRY, [{ materialized: 'view' }], [{ materialized: 'view' }])).toBe('same');
  });

  it('a materialization changed: in its place; a new incremental key: last, before the hooks', () => {
    const out = newConfig(ENTRY, [{ materialized: 'view' }], [{ materialized: 'incremental', unique_key: 'id' }]);
    expect(out).toEqual({ ...ENTRY, materialized: 'incremental', unique_key: 'id' });
    expect(Object.keys(out as object)).toEqual(['enabled', 'materialized', 'tags', 'meta', 'schema', 'unique_key', 'pre-hook', 'post-hook']);
  });

  it('reads the config as the model has it: the defaults manifest.json writes after the hooks are no keys of it', () => {
    const written = { ...ENTRY, alias: null, unique_key: null, lookback: 1, access: 'protected' };
    const out = newConfig(written, [{ materialized: 'view' }], [{ materialized: 'incremental', unique_key: 'id' }]);
    expect(out).toEqual({ ...ENTRY, materialized: 'incremental', unique_key: 'id' });
    expect(Object.keys(out as object)).toEqual(['enabled', 'materialized', 'tags', 'meta', 'schema', 'unique_key', 'pre-hook', 'post-hook']);
  });

  it("a model's default keys keep their place whatever the order of the calls", () => {
    const out = newConfig(ENTRY, [{ materialized: 'view' }], [{ unique_key: 'id', materialized: 'incremental' }]);
    expect(Object.keys(out as object)).toEqual(['enabled', 'materialized', 'tags', 'meta', 'schema', 'unique_key', 'pre-hook', 'post-hook']);
  });

  it('the last call setting a key decides', () => {
    expect(newConfig(ENTRY, [], [{ materialized: 'table' }, { materialized: 'incremental' }])).toEqual({ ...ENTRY, materialized: 'incremental' });
  });

  it('refuses what it cannot show: a key no longer set, a non-local key, names, ephemeral, a changed order of new keys', () => {
    const incr = { ...ENTRY, materialized: 'incremental', unique_key: 'id', incremental_strategy: 'merge' };
    expect(newConfig(incr, [{ materialized: 'incremental', unique_key: 'id' }], [{ materialized: 'incremental' }])).toBeNull();
    expect(newConfig(ENTRY, [{ tags: ['a'] }], [{ tags: ['b'] }])).toBeNull();
    expect(newConfig(ENTRY, [], [{ schema: 'other' }])).toBeNull();
    expect(newConfig(ENTRY, [{ alias: 'x' }], [{ alias: 'x', materialized: 'table' }])).toBeNull();
    expect(newConfig(ENTRY, [], [{ materialized: 'ephemeral' }])).toBeNull();
    expect(newConfig({ ...ENTRY, materialized: 'ephemeral' }, [{ materialized: 'ephemeral' }], [{ materialized: 'view' }])).toBeNull();
    expect(newConfig(incr, [{ unique_key: 'id', incremental_strategy: 'merge' }], [{ incremental_strategy: 'merge', unique_key: 'key' }])).toBeNull();
    // Without the hooks the entry is not one manifest.json holds.
    expect(newConfig({ materialized: 'view' }, [], [{ materialized: 'table' }])).toBeNull();
  });
});
