// Generic tests' unique ids equal dbt's (ids taken from manifests dbt-core 1.11 wrote for the same
// declarations), so state comparisons and tools reading both line up.
import { describe, expect, it } from 'vitest';
import { genericTestName, modelArgument, testUniqueId } from '../../../core/data-tests/test-names.js';
import { wholeFloat } from '../../../core/project/yaml-floats.js';
import { readTestEntry } from '../../../core/data-tests/test-entry.js';

describe('generic test ids', () => {
  it("a versioned model's tests hash its ref with the version, as dbt does", () => {
    const meta = { name: 'unique', namespace: null, kwargs: { column_name: 'id' } };
    expect(testUniqueId('ver', 'unique_dim_customers_v1_id', meta, modelArgument({ kind: 'model', name: 'dim_customers', version: 1 }))).toBe('test.ver.unique_dim_customers_v1_id.f55d167630');
    expect(testUniqueId('ver', 'unique_dim_customers_v2_id', meta, modelArgument({ kind: 'model', name: 'dim_customers', version: 2 }))).toBe('test.ver.unique_dim_customers_v2_id.7ee817a038');
  });
});

describe('generic test ids of arguments that need quoting', () => {
  // Ids pinned from the character-by-character repr() that came before the fast paths for
  // strings without escapes: quotes of both kinds, backslashes, control characters, non-ASCII.
  it('hash the same repr() whatever the arguments hold', () => {
    const values = ['new', "it's", 'say "hi"', "both ' and \"", 'back\\slash', 'tab\there', 'nl\nx', 'ctl\x01\x7f', 3, true, null, 'ünï €'];
    expect(testUniqueId('proj', 'some_test', { name: 'unique', namespace: null, kwargs: { column_name: 'id' } }, modelArgument({ kind: 'model', name: 'orders' }))).toBe('test.proj.some_test.4645820d1a');
    expect(testUniqueId('proj', 'some_test', { name: 'accepted_values', namespace: null, kwargs: { column_name: 'status', values } }, modelArgument({ kind: 'source', name: 't', sourceName: 's' }))).toBe('test.proj.some_test.e9dbb72e69');
    const kwargs = { expression: "a > 'b'", model: 'ignored', nested: { z: 1, a: ["x'y"] } };
    expect(testUniqueId('proj', 'some_test', { name: 'expression_is_true', namespace: 'dbt_utils', kwargs }, modelArgument({ kind: 'model', name: 'm', version: 2 }))).toBe('test.proj.some_test.3b2e4a26e3');
  });
});

describe('test entries', () => {
  const loc = { file: 'models/x.yml', line: 1 };
  it('reads every spelling of an entry', () => {
    expect(readTestEntry('dbt_utils.not_empty', loc)).toEqual({ testName: 'not_empty', namespace: 'dbt_utils', customName: null, args: {}, config: {}, nested: false });
    expect(readTestEntry({ accepted_values: { values: ['a'], severity: 'warn', name: 'av', config: { where: 'x', severity: 'error' } } }, loc)).toEqual({
      testName: 'accepted_values', namespace: null, customName: 'av', args: { values: ['a'] }, config: { where: 'x', severity: 'warn' }, nested: false,
    });
    expect(readTestEntry({ relationships: { arguments: { to: "ref('a')", field: 'id' }, severity: 'warn', other: 1 } }, loc)).toEqual({
      testName: 'relationships', namespace: null, customName: null, args: { to: "ref('a')", field: 'id' }, config: { severity: 'warn', other: 1 }, nested: true,
    });
    expect(readTestEntry({ test_name: 'pkg.t', name: 7, arguments: null, x: 1, limit: 3 }, loc)).toEqual({ testName: 't', namespace: 'pkg', customName: null, args: { arguments: null, x: 1 }, config: { limit: 3 }, nested: false });
    expect(readTestEntry({ unique: null }, loc)).toEqual({ testName: 'unique', namespace: null, customName: null, args: {}, config: {}, nested: false });
    expect(() => readTestEntry({ a: 1, b: 2 }, loc)).toThrow(/exactly one test name/);
    expect(() => readTestEntry({ a: [1] }, loc)).toThrow(/must be a mapping/);
  });
});

describe('generic test names and ids of float arguments', () => {
  // dbt-core 1.11 on `in_range` tests of model `m` column `x`/`y` (project `fa`), arguments as
  // PyYAML reads them: `0.0` a float, `1e3` and `1.5e3` strings (yaml-floats.ts).
  const model = modelArgument({ kind: 'model', name: 'm' });
  it.each([
    [{ column_name: 'x', min_value: wholeFloat(0), max_value: wholeFloat(1) }, 'in_range_m_x__1_0__0_0', '529ec75ee9'],
    [{ column_name: 'x', min_value: 0.5, max_value: 2.5 }, 'in_range_m_x__2_5__0_5', 'f6ac61d2da'],
    [{ column_name: 'x', min_value: '1e3', max_value: wholeFloat(1000) }, 'in_range_m_x__1000_0__1e3', 'c6fe49d009'],
    [{ column_name: 'x', min_value: wholeFloat(-1), max_value: 1 }, 'in_range_m_x__1___1_0', '6372b566c3'],
    [{ min_value: '1.5e3', max_value: [wholeFloat(1), 2], column_name: 'y' }, 'in_range_m_y__1_0__2__1_5e3', '2cca1ec1ad'],
  ])('%o', (kwargs, name, hash) => {
    const n = genericTestName('in_range', null, 'm', kwargs);
    expect(n.name).toBe(name);
    expect(testUniqueId('fa', n.fullName, { name: 'in_range', namespace: null, kwargs }, model)).toBe(`test.fa.${name}.${hash}`);
  });
});
