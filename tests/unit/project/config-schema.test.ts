import { describe, expect, it } from 'vitest';
import { Codes, Problems, type SourceLocation } from '../../../core/errors.js';
import { KNOWN_CONFIG_KEYS, normalizeConfig, validateConfig } from '../../../core/project/config-schema.js';

const loc: SourceLocation = { file: 'models/schema.yml', line: 4 };

function check(raw: Record<string, unknown>, type: Parameters<typeof validateConfig>[1] = 'model') {
  const problems = new Problems();
  const lines: Record<string, number> = {};
  Object.keys(raw).forEach((k, i) => (lines[k] = 10 + i));
  const out = validateConfig(raw, type, loc, problems, (k) => ({ file: 'dbt_project.yml', line: lines[k] }));
  return { out, problems };
}

describe('validateConfig', () => {
  it('accepts and normalizes known keys', () => {
    const { out, problems } = check({
      '+materialized': 'table',
      enabled: false,
      tags: 'nightly',
      schema: null,
      meta: { owner: 'x' },
      docs: { show: false, node_color: 'red' },
      unique_key: ['a', 'b'],
      on_schema_change: 'sync_all_columns',
      '+pre-hook': 'grant select',
      post_hook: ['a', { sql: 'b', transaction: false }],
      column_types: { id: 'bigint' },
      delimiter: ';',
      severity: 'WARN',
      limit: 10,
      check_cols: 'all',
      hard_deletes: 'new_record',
    });
    expect(problems.errors).toEqual([]);
    expect(problems.warnings).toEqual([]);
    expect(out).toEqual({
      materialized: 'table',
      enabled: false,
      tags: ['nightly'],
      schema: null,
      meta: { owner: 'x' },
      docs: { show: false, node_color: 'red' },
      unique_key: ['a', 'b'],
      on_schema_change: 'sync_all_columns',
      pre_hook: ['grant select'],
      post_hook: ['a', { sql: 'b', transaction: false }],
      column_types: { id: 'bigint' },
      delimiter: ';',
      severity: 'WARN',
      limit: 10,
      check_cols: 'all',
      hard_deletes: 'new_record',
    });
  });

  it('concatenates both hook spellings', () => {
    const { out } = check({ 'pre-hook': 'a', pre_hook: ['b'] });
    expect(out.pre_hook).toEqual(['a', 'b']);
  });

  it('reports a wrong type with the key, the expected type and the line', () => {
    const { out, problems } = check({ tags: ['a'], '+materialized': ['table'] });
    expect(problems.errors).toHaveLength(1);
    const e = problems.errors[0]!;
    expect(e.code).toBe(Codes.CONFIG_INVALID);
    expect(e.message).toBe('`+materialized` must be a string, got a list');
    expect(e.loc).toEqual({ file: 'dbt_project.yml', line: 11 });
    expect(out).not.toHaveProperty('materialized');
    expect(out.tags).toEqual(['a']);
  });

  it('describes problems inside a nested value', () => {
    const { problems } = check({ docs: { show: 'maybe' } });
    expect(problems.errors[0]!.message).toBe('`docs.show` must be true or false, got a string ("maybe")');
  });

  it('reports enum values with a suggestion', () => {
    const { problems } = check({ on_schema_change: 'append_new_column' });
    const e = problems.errors[0]!;
    expect(e.message).toContain('one of ignore, fail, append_new_columns, sync_all_columns');
    expect(e.hint).toContain('append_new_columns');
  });

  it('checks severity case-insensitively and delimiter length', () => {
    expect(check({ severity: 'Error' }).problems.errors).toEqual([]);
    expect(check({ severity: 'fatal' }).problems.errors[0]!.message).toContain('one of warn, error');
    expect(check({ delimiter: ';;' }).problems.errors[0]!.message).toContain('a single character');
  });

  it('converts rendered text where a boolean, number or null is wanted', () => {
    const { out, problems } = check({ enabled: 'False', full_refresh: 'None', limit: '5', persist_docs: { relation: 'true' }, schema: '123' });
    expect(problems.errors).toEqual([]);
    expect(out).toMatchObject({ enabled: false, full_refresh: null, limit: 5, schema: '123', persist_docs: { relation: true } });
    // a string that means nothing else stays an error
    expect(check({ enabled: 'sometimes' }).problems.errors[0]!.message).toBe('`enabled` must be true or false, got a string ("sometimes")');
  });

  it('leaves unrendered Jinja to be checked after rendering', () => {
    const { out, problems } = check({ enabled: "{{ var('on') }}", docs: { show: '{{ x }}' } });
    expect(problems.errors).toEqual([]);
    expect(out.enabled).toBe("{{ var('on') }}");
  });

  it('warns about an unknown key with the closest known one, and keeps it', () => {
    const { out, problems } = check({ '+materalized': 'table' });
    expect(problems.errors).toEqual([]);
    expect(problems.warnings).toHaveLength(1);
    const w = problems.warnings[0]!;
    expect(w.code).toBe(Codes.CONFIG_UNKNOWN_KEY);
    expect(w.message).toContain('`+materalized`');
    expect(w.message).toContain('dbt_project.yml');
    expect(w.message).toContain('did you mean `+materialized`');
    expect(w.loc).toEqual({ file: 'dbt_project.yml', line: 10 });
    expect(out.materalized).toBe('table');
  });

  it('keeps custom keys and adapter keys', () => {
    const { out, problems } = check({ owner_team: 'data', partition_by: { field: 'd' }, unlogged: true });
    expect(out).toEqual({ owner_team: 'data', partition_by: { field: 'd' }, unlogged: true });
    expect(problems.warnings).toHaveLength(1);
    expect(problems.warnings[0]!.message).not.toContain('did you mean');
  });

  it('uses the given location when no key location is known', () => {
    const problems = new Problems();
    validateConfig({ enabled: 3 }, 'seed', loc, problems);
    expect(problems.errors[0]!.loc).toEqual(loc);
    expect(problems.errors[0]!.message).toBe('`enabled` must be true or false, got a number (3)');
  });

  it('validates source freshness', () => {
    const ok = check({ freshness: { warn_after: { count: 12, period: 'hour' }, filter: 'x > 1' } }, 'source');
    expect(ok.problems.errors).toEqual([]);
    const bad = check({ freshness: { warn_after: { count: 12, period: 'hours' } } }, 'source');
    expect(bad.problems.errors[0]!.message).toBe('`freshness.warn_after.period` must be one of minute, hour, day, got a string ("hours")');
  });

  it('exports the known keys', () => {
    for (const k of ['materialized', 'tags', 'pre-hook', 'pre_hook', 'severity', 'strategy', 'column_types']) {
      expect(KNOWN_CONFIG_KEYS.has(k)).toBe(true);
    }
  });

  it('normalizes without validating', () => {
    expect(normalizeConfig({ '+tags': 'a', '+post-hook': 'x', materialized: 5 })).toEqual({ tags: ['a'], post_hook: ['x'], materialized: 5 });
  });
});
