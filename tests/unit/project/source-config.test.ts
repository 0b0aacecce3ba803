// settleSourceConfig: the rules dbt-core 1.11.16 applies to a source table's freshness,
// loaded_at_query and unrendered_config (each case checked with `dbt parse`).
import { describe, expect, it } from 'vitest';
import { settleSourceConfig } from '../../../core/parser/source-config.js';
import type { SourceDecl, SourceTableDecl } from '../../../core/project/properties-types.js';

const LOC = { file: 'models/s.yml', line: 1 };

function source(over: Partial<SourceDecl> = {}): SourceDecl {
  return { name: 's', description: '', database: null, schema: null, loader: '', loadedAtField: null, freshness: undefined, meta: {}, tags: [], config: {}, quoting: {}, overrides: null, tables: [], loc: LOC, extra: {}, ...over };
}

function table(over: Partial<SourceTableDecl> = {}): SourceTableDecl {
  return { name: 't', identifier: null, description: '', columns: [], dataTests: [], loadedAtField: null, freshness: undefined, meta: {}, tags: [], config: {}, quoting: {}, loc: LOC, extra: {}, ...over };
}

const HOUR = (count: number) => ({ count, period: 'hour' });
const UNSET = { count: null, period: null };

describe('settleSourceConfig', () => {
  it("takes the table's thresholds over the source's one by one; null on the table turns freshness off", () => {
    const src = source({ freshness: { error_after: HOUR(24) } });
    expect(settleSourceConfig(src, table({ freshness: { warn_after: HOUR(12), filter: 'x > 0' } }), {}, {}, []).freshness).toEqual({ warn_after: HOUR(12), error_after: HOUR(24), filter: 'x > 0' });
    expect(settleSourceConfig(src, table({ freshness: null }), {}, {}, []).freshness).toBeNull();
    expect(settleSourceConfig(src, table(), {}, {}, []).config.freshness).toEqual({ warn_after: UNSET, error_after: HOUR(24), filter: null });
  });

  it("uses dbt_project.yml's freshness only where no YAML level gives one, and writes it as written in unrendered_config", () => {
    const tree = { freshness: { warn_after: HOUR(7) } };
    const none = settleSourceConfig(source(), table(), tree, tree, []);
    expect(none.freshness).toEqual({ warn_after: HOUR(7), error_after: UNSET, filter: null });
    expect(none.unrenderedConfig.freshness).toEqual({ warn_after: HOUR(7) });
    const yaml = settleSourceConfig(source({ freshness: { error_after: HOUR(5) } }), table(), tree, tree, []);
    expect(yaml.freshness).toEqual({ warn_after: UNSET, error_after: HOUR(5), filter: null });
    expect(settleSourceConfig(source(), table(), {}, {}, []).unrenderedConfig).not.toHaveProperty('freshness');
  });

  it("ignores dbt_project.yml's loaded_at_field; a table's loaded_at_field sets the source's loaded_at_query aside", () => {
    const tree = { loaded_at_field: 'p' };
    expect(settleSourceConfig(source(), table(), tree, tree, []).loadedAtField).toBeNull();
    const src = source({ loadedAtField: 's_field', extra: { loaded_at_query: 'select 1' } });
    expect(settleSourceConfig(src, table({ loadedAtField: 't_field' }), {}, {}, []).loadedAtQuery).toBeNull();
    const kept = settleSourceConfig(source({ loadedAtField: 's_field' }), table({ extra: { loaded_at_query: 'select 2' } }), {}, {}, []);
    expect([kept.loadedAtField, kept.loadedAtQuery]).toEqual(['s_field', 'select 2']);
  });

  it("orders meta as dbt (project, source, source config, table, table config); source_meta and unrendered meta leave the project's out", () => {
    const src = source({ meta: { a: 1 }, config: { meta: { b: 2 } } });
    const s = settleSourceConfig(src, table({ meta: { c: 3 }, config: { meta: { d: 4 } } }), { meta: { p: 0 } }, { meta: { p: 0 } }, ['x']);
    expect(Object.keys(s.meta)).toEqual(['p', 'a', 'b', 'c', 'd']);
    expect(s.sourceMeta).toEqual({ a: 1, b: 2 });
    expect(s.unrenderedConfig.meta).toEqual({ a: 1, b: 2, c: 3, d: 4 });
    expect(Object.keys(s.config)).toEqual(['enabled', 'event_time', 'freshness', 'loaded_at_field', 'loaded_at_query', 'meta', 'tags', 'static_analysis']);
  });

  it("keeps unrendered_config's keys where dbt_project.yml, then the source's and table's config: set them", () => {
    const s = settleSourceConfig(source({ config: { loaded_at_query: 'q', event_time: 'ets', enabled: true } }), table({ config: { enabled: true, meta: { m: 1 } } }), {}, {}, []);
    expect(Object.keys(s.unrenderedConfig)).toEqual(['loaded_at_query', 'event_time', 'enabled', 'meta', 'loaded_at_field', 'tags']);
  });
});
