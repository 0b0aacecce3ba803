import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../core/nodes.js';
import { canonicalJson, usageOf, varDigest } from '../../../core/state/usage.js';
import { shopManifest } from './fixture.js';

function withMacros(m: Manifest, macros: Record<string, [string, string]>): Manifest {
  for (const [id, [name, sql]] of Object.entries(macros)) {
    const pkg = id.split('.')[1]!;
    m.macros.set(id, { uniqueId: id, name, packageName: pkg, originalFilePath: `macros/${name}.sql`, path: `${name}.sql`, macroSql: sql, arguments: [], description: '', loc: { file: 'x' } });
  }
  return m;
}

describe('which macros and vars a node uses', () => {
  const m = withMacros(shopManifest(), {
    'macro.shop.cents': ['cents', "{% macro cents(c) %}{{ c }} / {{ var('scale') }}{% endmacro %}"],
    'macro.shop.default__fmt': ['default__fmt', '{% macro default__fmt() %}{{ cents(1) }}{% endmacro %}'],
    'macro.shop.duckdb__fmt': ['duckdb__fmt', '{% macro duckdb__fmt() %}x{% endmacro %}'],
    'macro.utils.helper': ['helper', '{% macro helper() %}1{% endmacro %}'],
  });
  const node = (id: string, code: string) => (m.nodes.get(id)!.rawCode = code);
  node('model.shop.orders', "select {{ cents('amount') }} from {{ ref('x') }} -- cents( outside Jinja is not a call");
  node('model.shop.revenue', "select {{ adapter.dispatch('fmt', 'shop')() }}, {{ var(\"region\") }}");
  node('model.shop.weekly', '{% if execute %}{{ utils.helper() }}{% endif %} select 1');
  node('model.shop.isolated', 'select cents(1) as not_jinja');
  const usage = usageOf(m);

  it('finds direct calls, package-qualified calls and dispatch targets', () => {
    expect(usage.macros.get('model.shop.orders')).toEqual(['macro.shop.cents']);
    expect([...(usage.macros.get('model.shop.revenue') ?? [])].sort()).toEqual(['macro.shop.default__fmt', 'macro.shop.duckdb__fmt']);
    // Calls behind `execute` count too: static reading errs towards rebuilding.
    expect(usage.macros.get('model.shop.weekly')).toEqual(['macro.utils.helper']);
    expect(usage.macros.get('model.shop.isolated')).toBeUndefined();
    expect(usage.macros.get('macro.shop.default__fmt')).toEqual(['macro.shop.cents']);
  });
  it('finds var() reads in nodes and macros', () => {
    expect(usage.vars.get('model.shop.revenue')).toEqual(['region']);
    expect(usage.vars.get('macro.shop.cents')).toEqual(['scale']);
    expect(usage.vars.get('model.shop.orders')).toBeUndefined();
  });
  it('digests values canonically (key order does not matter)', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: undefined }] })).toBe('{"a":[1,{"d":2}],"b":1}');
    expect(varDigest({ a: 1, b: 2 })).toBe(varDigest({ b: 2, a: 1 }));
    expect(varDigest(250)).not.toBe(varDigest('250'));
  });
});
