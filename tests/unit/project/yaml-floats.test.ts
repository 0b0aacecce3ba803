// Floats in test arguments as dbt reads them (PyYAML): `1.0` stays a float (a Number object,
// which the partial-parse cache keeps), `1e3` is a string; everything else keeps plain numbers.
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Problems } from '../../../core/errors.js';
import { parsePropertyFile } from '../../../core/project/load-properties.js';
import { parseYaml } from '../../../core/project/yaml-file.js';
import { isWholeFloat, pythonFloats, wholeFloat } from '../../../core/project/yaml-floats.js';

/** FloatTexts as [path, text] pairs, comparable across readers. */
function noted(text: string, fast: boolean): { value: unknown; fast: boolean; notes: [unknown, string | number, string][] } {
  const yf = parseYaml(text, 'f.yml', { fast });
  const notes: [unknown, string | number, string][] = [];
  for (const [container, m] of yf.floatTexts ?? []) for (const [k, t] of m) notes.push([JSON.stringify(container), k, t]);
  return { value: yf.value, fast: yf.positions !== undefined, notes };
}

describe('float scalars dbt reads otherwise', () => {
  const TEXT = 'a:\n  - x: 1.0\n    y: [1.0, 2, 0.5, 1e3, -.5, 2.50, 1.0e+3, 1.5e3, .inf, 1.0e3]\n  - {z: 0.0, w: 1, v: "1.0"}\n';

  it('are noted alike by the fast reader and the `yaml` package, values staying plain numbers', () => {
    const fast = noted(TEXT, true);
    const full = noted(TEXT, false);
    expect(fast.fast).toBe(true);
    expect(full.fast).toBe(false);
    expect(fast.value).toEqual(full.value);
    expect(fast.value).toEqual({ a: [{ x: 1, y: [1, 2, 0.5, 1000, -0.5, 2.5, 1000, 1500, Infinity, 1000] }, { z: 0, w: 1, v: '1.0' }] });
    expect(fast.notes).toEqual(full.notes);
    expect(fast.notes.map(([, k, t]) => [k, t])).toEqual([['x', '1.0'], [0, '1.0'], [3, '1e3'], [4, '-.5'], [6, '1.0e+3'], [7, '1.5e3'], [9, '1.0e3'], ['z', '0.0']]);
  });

  it('a leading dot is a float in PyYAML only without a sign', () => {
    for (const fast of [true, false]) expect(noted('a: [.5, +.5, 5.5, -5.5]\n', fast).notes.map(([, k, t]) => [k, t])).toEqual([[1, '+.5']]);
  });

  it('none noted when there are none; a float written as a key stays its number, without a warning', () => {
    expect(parseYaml('a: 1\nb: 0.5\n', 'f.yml', { fast: true }).floatTexts).toBeUndefined();
    expect(parseYaml('a: !!str 1\nb: 0.5\n', 'f.yml', { fast: true }).floatTexts).toBeUndefined();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      expect(parseYaml('1.0: k\nx: 2.0\n', 'f.yml', { fast: true }).value).toEqual({ 1: 'k', x: 2 });
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('pythonFloats gives dbt values, copying only changed containers', () => {
    const yf = parseYaml('t:\n  - in_range: {min_value: 0.0, max_value: 2.5, other: [1e3, 1]}\n  - unique\n', 'f.yml', { fast: true });
    const tests = (yf.value as { t: unknown[] }).t;
    const out = pythonFloats(tests, yf.floatTexts) as [{ in_range: Record<string, unknown> }, string];
    expect(out).not.toBe(tests);
    expect(out[1]).toBe(tests[1]);
    expect(isWholeFloat(out[0].in_range.min_value)).toBe(true);
    expect(Number(out[0].in_range.min_value)).toBe(0);
    expect(out[0].in_range.max_value).toBe(2.5);
    expect(out[0].in_range.other).toEqual(['1e3', 1]);
    expect((tests[0] as { in_range: { min_value: unknown } }).in_range.min_value).toBe(0); // the YAML value is untouched
  });
});

describe('property files', () => {
  const YAML = `models:
  - name: m
    config:
      meta: {ratio: 1.0}
    columns:
      - name: x
        meta: {w: 2.0}
        data_tests:
          - in_range:
              arguments: {min_value: 0.0, max_value: 1e3}
    data_tests:
      - in_range: {min_value: 1.0, max_value: [1.0, 2]}
  - name: v
    versions:
      - v: 1
        data_tests:
          - in_range: {min_value: 3.0}
        columns:
          - name: y
            data_tests: [{in_range: {max_value: 4.0}}]
`;

  it.each([['fast reader', YAML], ['yaml package', `# an anchor sends the file to the yaml package\nx: &a 1\n${YAML}`]])('test arguments hold dbt values (%s); other values stay numbers', (_, text) => {
    const problems = new Problems();
    const pf = parsePropertyFile('models/m.yml', text, problems);
    expect(problems.errors).toEqual([]);
    const [m, v] = pf.models;
    const colArgs = (m!.columns[0]!.data_tests[0] as { in_range: { arguments: Record<string, unknown> } }).in_range.arguments;
    expect(colArgs.min_value).toEqual(wholeFloat(0));
    expect(colArgs.max_value).toBe('1e3');
    expect((m!.dataTests[0] as { in_range: Record<string, unknown> }).in_range).toEqual({ min_value: wholeFloat(1), max_value: [wholeFloat(1), 2] });
    // Configs and meta keep plain numbers, as before.
    expect(m!.config.meta).toEqual({ ratio: 1 });
    expect(m!.columns[0]!.meta).toEqual({ w: 2 });
    const versions = v!.extra.versions as [{ data_tests: [{ in_range: Record<string, unknown> }]; columns: [{ data_tests: [{ in_range: Record<string, unknown> }] }] }];
    expect(versions[0].data_tests[0].in_range.min_value).toEqual(wholeFloat(3));
    expect(versions[0].columns[0].data_tests[0].in_range.max_value).toEqual(wholeFloat(4));
    // The partial-parse cache keeps property files with v8.serialize: the floats survive it.
    const back = v8.deserialize(v8.serialize(pf)) as typeof pf;
    expect(isWholeFloat((back.models[0]!.dataTests[0] as { in_range: { min_value: unknown } }).in_range.min_value)).toBe(true);
    expect(back).toEqual(pf);
  });
});
