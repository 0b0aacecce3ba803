// dbt's relations are Mappings whose `.get('metadata')` names the relation class; packages tell a
// relation from a SQL string with `x is mapping and x.get('metadata', {}).get('type', '').endswith('Relation')`.
import { describe, expect, it } from 'vitest';
import { duckdbDialect } from '../../../adapters/duckdb/dialect.js';
import { postgresDialect } from '../../../adapters/postgres/dialect.js';
import { RelationValue } from '../../../core/compiler/relation.js';
import { MODES, render } from '../template/helpers.js';

const rel = new RelationValue({ database: 'db', schema: 's', identifier: 't' }, duckdbDialect, { type: 'view' });
const IS_RELATION = "{{ (m is mapping and m.get('metadata', {}).get('type', '').endswith('Relation')) }}";

describe.each(MODES)('relations as mappings (%s)', (mode) => {
  it('a relation is a mapping whose metadata names its class; a string and a dict are not relations', () => {
    expect(render(mode, IS_RELATION, { m: rel })).toBe('True');
    expect(render(mode, IS_RELATION, { m: 'select 1' })).toBe('False');
    expect(render(mode, IS_RELATION, { m: { a: 1 } })).toBe('False');
    expect(render(mode, "{{ m.get('metadata')['type'] }}", { m: rel })).toBe('DuckDBRelation');
    expect(render(mode, "{{ m.get('metadata').type }}", { m: new RelationValue(rel, postgresDialect('db')) })).toBe('PostgresRelation');
  });

  it('answers path and type; other keys give the default', () => {
    expect(render(mode, "{{ m.get('path').identifier }} {{ m.get('type') }} {{ m.get('nope') }} {{ m.get('nope', 'd') }} {{ m.get(key='nope', default=3) }}", { m: rel })).toBe('t view None d 3');
  });

  it('still renders and compares as a relation', () => {
    expect(render(mode, '{{ m }} {{ m.identifier }} {{ m == n }}', { m: rel, n: new RelationValue(rel, duckdbDialect) })).toBe('"db"."s"."t" t True');
  });
});
