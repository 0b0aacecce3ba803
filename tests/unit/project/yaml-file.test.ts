import { describe, expect, it } from 'vitest';
import { Codes, KilnError } from '../../../core/errors.js';
import { codeFrame, lineOf, locOf, parseYaml, scalarSourceOf } from '../../../core/project/yaml-file.js';

function syntaxError(text: string, file = 'models/schema.yml'): KilnError {
  try {
    parseYaml(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(KilnError);
    return e as KilnError;
  }
  throw new Error('expected a YAML syntax error');
}

describe('parseYaml', () => {
  it('uses the YAML 1.2 core schema with YAML 1.1 booleans: dates stay strings, yes/no/on/off are booleans as PyYAML reads them', () => {
    const yf = parseYaml('d: 2024-01-01\ny: yes\nb: true\nn: 1.5\nz: ~\no: Off\nq: "no"\nl: [ON, No, y, n]\n', 'f.yml');
    expect(yf.value).toEqual({ d: '2024-01-01', y: true, b: true, n: 1.5, z: null, o: false, q: 'no', l: [true, false, 'y', 'n'] });
  });

  it('keeps a key written as a YAML 1.1 boolean word as its text, and tells such keys apart', () => {
    expect(parseYaml('on: 1\nyes: 2\nOFF: 3\n', 'f.yml').value).toEqual({ on: 1, yes: 2, OFF: 3 });
    expect(() => parseYaml('on: 1\non: 2\n', 'f.yml')).toThrow(/duplicate key `on`/);
  });

  it('reads an empty or comment-only file as an empty mapping', () => {
    expect(parseYaml('', 'f.yml').value).toEqual({});
    expect(parseYaml('# nothing here\n', 'f.yml').value).toEqual({});
  });

  it('supports anchors and << merge keys (PyYAML reads them)', () => {
    const yf = parseYaml('base: &b {materialized: view, tags: [a]}\nother:\n  <<: *b\n  schema: s\n', 'f.yml');
    expect(yf.value).toEqual({ base: { materialized: 'view', tags: ['a'] }, other: { materialized: 'view', tags: ['a'], schema: 's' } });
  });

  it('turns a syntax error into YAML_SYNTAX with file, line, col and a code frame', () => {
    const e = syntaxError('models:\n  - name: a\n    columns: [x, y\n  - name: b\n');
    expect(e.code).toBe(Codes.YAML_SYNTAX);
    expect(e.loc?.file).toBe('models/schema.yml');
    expect(e.loc?.line).toBeGreaterThanOrEqual(3);
    expect(e.loc?.col).toBeTypeOf('number');
    expect(e.message).toContain('models/schema.yml');
    expect(e.hint).toMatch(/\| /);
  });

  it('rejects duplicate keys, naming the key and both lines', () => {
    const e = syntaxError('name: a\nversion: 1\nname: b\n', 'dbt_project.yml');
    expect(e.code).toBe(Codes.YAML_SYNTAX);
    expect(e.loc).toMatchObject({ file: 'dbt_project.yml', line: 3 });
    expect(e.message).toContain('duplicate key `name`');
    expect(e.hint).toContain('line 1');
    expect(e.related[0]?.line).toBe(1);
  });

  it('explains tabs used for indentation', () => {
    const e = syntaxError('models:\n\t- name: a\n');
    expect(e.code).toBe(Codes.YAML_SYNTAX);
    expect(e.loc?.line).toBe(2);
    expect(e.hint).toMatch(/tabs/);
  });

  it('rejects unquoted Jinja, which YAML would read as a mapping', () => {
    const e = syntaxError('models:\n  my_project:\n    +schema: {{ var("s") }}\n', 'dbt_project.yml');
    expect(e.code).toBe(Codes.YAML_SYNTAX);
    expect(e.loc?.line).toBe(3);
    expect(e.hint).toMatch(/quote/);
  });

  it('accepts quoted Jinja', () => {
    expect(parseYaml('schema: "{{ var(\'s\') }}"\n', 'f.yml').value).toEqual({ schema: "{{ var('s') }}" });
  });

  it('rejects several documents in one file', () => {
    expect(syntaxError('a: 1\n---\nb: 2\n').code).toBe(Codes.YAML_SYNTAX);
  });
});

describe('the fast reader through parseYaml', () => {
  it('reads a plain file without the yaml package, with the same value and positions', () => {
    const text = 'name: p\nmodels:\n  p:\n    +materialized: table\n';
    const fast = parseYaml(text, 'f.yml', { fast: true });
    const full = parseYaml(text, 'f.yml');
    expect(fast.doc).toBeUndefined();
    expect(fast.value).toEqual(full.value);
    expect(locOf(fast, ['models', 'p', '+materialized'])).toEqual(locOf(full, ['models', 'p', '+materialized']));
  });

  it('leaves a byte-order mark to the full parser', () => {
    const yf = parseYaml('\ufeffname: p\n', 'f.yml', { fast: true });
    expect(yf.value).toEqual({ name: 'p' });
  });

  it('gives the source text of a scalar from a fast-read file (parsed again in full)', () => {
    const yf = parseYaml('version: 1.0\nx:\n  pw: 0123\ny: z\n', 'f.yml', { fast: true });
    expect(yf.doc).toBeUndefined();
    expect(scalarSourceOf(yf, ['version'])).toBe('1.0');
    expect(scalarSourceOf(yf, ['x', 'pw'])).toBe('0123');
    expect(scalarSourceOf(yf, ['missing'])).toBeUndefined();
    expect(scalarSourceOf(parseYaml('version: 1.0\n', 'f.yml'), ['version'])).toBe('1.0');
  });
});

describe('lineOf / locOf', () => {
  const text = [
    'version: 2', // 1
    'models:', // 2
    '  - name: a', // 3
    '    config:', // 4
    '      materialized: table', // 5
    '  - name: b', // 6
    '    columns:', // 7
    '      - name: id', // 8
    '        tests: [unique]', // 9
  ].join('\n');
  const yf = parseYaml(text, 'models/schema.yml');

  it('finds keys and list items at any depth', () => {
    expect(lineOf(yf, ['version'])).toBe(1);
    expect(lineOf(yf, ['models', 0])).toBe(3);
    expect(lineOf(yf, ['models', 0, 'config', 'materialized'])).toBe(5);
    expect(lineOf(yf, ['models', 1, 'columns', 0, 'tests'])).toBe(9);
    expect(lineOf(yf, ['models', 1, 'columns', 0, 'tests', 0])).toBe(9);
  });

  it('falls back to the deepest part of the path that exists', () => {
    expect(lineOf(yf, ['models', 0, 'config', 'nope'])).toBe(4);
    expect(lineOf(yf, ['models', 5])).toBe(2);
  });

  it('gives file, line and column', () => {
    expect(locOf(yf, ['models', 0, 'config', 'materialized'])).toEqual({ file: 'models/schema.yml', line: 5, col: 7 });
    expect(locOf(parseYaml('', 'e.yml'), ['x'])).toEqual({ file: 'e.yml' });
  });

  it('draws a code frame with a caret', () => {
    const frame = codeFrame('a: 1\nb: [\nc: 3\n', 2, 4);
    expect(frame).toContain('> 2 | b: [');
    expect(frame.split('\n')[2]).toBe('    |    ^');
  });
});
