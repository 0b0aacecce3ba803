// The fast reader must agree with the `yaml` package on everything it accepts (value and
// positions), and accept the usual shapes of property files.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseFastYaml, resolvePlain } from '../../../core/project/yaml-fast.js';
import { locOf, parseYaml, type YamlPath } from '../../../core/project/yaml-file.js';

function* paths(v: unknown, base: (string | number)[] = []): Generator<YamlPath> {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      yield [...base, i];
      yield* paths(v[i], [...base, i]);
    }
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      yield [...base, k];
      yield* paths(x, [...base, k]);
    }
  }
}

/** 'fast' when the fast reader took it (and agreed), 'full' when it handed over. */
function compare(text: string): 'fast' | 'full' {
  const fast = parseFastYaml(text);
  if (!fast) return 'full';
  let full;
  try {
    full = parseYaml(text, 'f.yml');
  } catch (e) {
    throw new Error(`fast reader accepted YAML the full parser rejects:\n${text}\n${(e as Error).message}`);
  }
  const fy = parseYaml(text, 'f.yml', { fast: true });
  if (!isDeepStrictEqual(full.value, fy.value)) {
    throw new Error(`values differ for:\n${text}\nfull: ${JSON.stringify(full.value)}\nfast: ${JSON.stringify(fy.value)}`);
  }
  for (const p of paths(full.value)) {
    const a = locOf(full, p);
    const b = locOf(fy, p);
    if (a.line !== b.line || a.col !== b.col) {
      throw new Error(`positions differ at ${JSON.stringify(p)} for:\n${text}\nfull: ${a.line}:${a.col} fast: ${b.line}:${b.col}`);
    }
  }
  return 'fast';
}

const HANDLED = [
  '',
  '# only a comment\n',
  'version: 2\n',
  '---\nversion: 2\n',
  'models:\n  - name: a\n    description: "A model"\n',
  'models:\n- name: a\n- name: b\n  columns:\n  - name: id\n    tests:\n    - unique\n',
  "models:\n  - name: a\n    columns:\n      - name: s\n        tests:\n          - accepted_values:\n              values: ['a', 'b', \"c d\"]\n",
  'a: {x: 1, y: [1, 2, {z: "q"}], w: []}\nb: {}\n',
  'x: 1\ny: -2\nz: 1.5\nw: 1e3\nv: 0x1F\nu: 0o17\nt: .5\ns: +3\nr: 007\nq: 1.\n',
  'a: true\nb: False\nc: TRUE\nd: null\ne: ~\nf:\ng: Null\nh: yes\ni: no\nj: on\n',
  'd: 2024-01-01\nt: 12:30\nu: http://x.y/z\nv: a:b\nw: -a\nx: :x\ny: ?y\n',
  "q: 'it''s'\nr: \"tab\\tnew\\nline \\u00e9 \\x41 \\\"q\\\" \\\\\"\ns: ''\nt: \"\"\n",
  'a: foo # comment\nb: foo#bar\nc: "x" # c\nd: [a, b] # c\n',
  'desc: |\n  line one\n  line two\n\n  after blank\nnext: 1\n',
  'desc: |-\n  keep\n    indented\nnext: 1\n',
  'desc: |+\n  keep\n\n\nnext: 1\n',
  'desc: >\n  folded\n  text\n\n  para\nnext: 1\n',
  'desc: >-\n  folded\n  text\n',
  'list:\n  - |\n    block in list\n  - plain\n',
  'models:\n  - name: a\n    description: >\n      Long text\n      continues\n    columns: []\n',
  'a:\n  b:\n    c:\n      d: deep\n  e: 1\n',
  'a:   spaced    value   \n',
  'key with spaces: v\n"quoted key": v\n\'single\': v\n',
  'a:\n  # comment inside\n  b: 1\n\n\n  c: 2\n',
  'tags: [a, b c, "d,e"]\n',
  'x: "{{ doc(\'orders\') }}"\ny: "{{ var(\'a\', 1) }}"\n',
  'models:\r\n  - name: a\r\n    description: crlf\r\n',
  '- a\n- b\n',
  'seq:\n  -\n    name: a\n  - b\n',
  'a: [-1, +2, .5, 1e5]\n',
  'n: 123456789012\nf: -0.0\nneg: -0\n',
  // Lines are read in place in the text: CRLF endings, and values up to their own line's end.
  "models:\r\n  - name: a\r\n    tests:\r\n      - 'x' # c\r\n      - \"y\"\r\n    columns: [a, 'b']\r\n    description: |\r\n      block\r\n      text\r\nlast: 1\r\n",
  "'a b' : 1\n\"c\":\n  - x\n",
  'a:\n  - unique\n  - not_null\nb: c\n',
];

const HANDED_OVER = [
  'a: &x 1\nb: *x\n',
  'a: !tag x\n',
  'base: &b {a: 1}\nc:\n  <<: *b\n',
  'a: multi\n  line plain\n',
  'a: "multi\n  line quoted"\n',
  'a: 1\na: 2\n',
  'a:\n\t- b\n',
  '? complex\n: key\n',
  'a: [1,\n  2]\n',
  'x: {{ var("y") }}\n',
  'a: b: c\n',
  'a: |2\n   indented\n',
  'a: 1\n---\nb: 2\n',
  '%YAML 1.2\n---\na: 1\n',
  '1: a\n',
  'true: a\n',
  'a: [a: 1]\n',
  'a: [1, , 2]\n',
  'a: @x\n',
  'a:\n    b: 1\n  c: 2\n',
  'a: |\n  x\n y\n',
  // A quote left open on its line is never closed by one on a later line.
  "a: 'open\nb: 'x'\n",
  'a: "open\nb: "x"\n',
  "- 'open\n- 'x': 1\n",
  'a: 1\rb: 2\n',
];

describe('fast YAML reader', () => {
  it.each(HANDLED.map((t) => [t]))('reads %j like the full parser', (text) => {
    expect(compare(text)).toBe('fast');
  });

  it.each(HANDED_OVER.map((t) => [t]))('hands %j over to the full parser', (text) => {
    expect(compare(text)).toBe('full');
  });

  it('resolves plain scalars like the YAML 1.2 core schema', () => {
    expect(resolvePlain('12')).toBe(12);
    expect(resolvePlain('1.50')).toBe(1.5);
    expect(resolvePlain('.inf')).toBe(Infinity);
    expect(resolvePlain('-.Inf')).toBe(-Infinity);
    expect(resolvePlain('.nan')).toBeNaN();
    expect(resolvePlain('yes')).toBe(true);
    expect(resolvePlain('Off')).toBe(false);
    expect(resolvePlain('ON')).toBe(true);
    expect(resolvePlain('y')).toBe('y');
    expect(resolvePlain('oN')).toBe('oN');
    expect(resolvePlain('2024-01-01')).toBe('2024-01-01');
    expect(resolvePlain('1_000')).toBe('1_000');
  });

  it('agrees with the full parser on generated documents', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const scalars = ['a', 'b c', '1', '-1', '1.5', 'true', 'null', '~', '', "'q''s'", '"d\\"q"', 'x # c', 'x#y', 'http://h', '[1, 2]', '{k: v}', '[]', '{}', "'{{ x }}'", '-', ':', 'a:b', '2024-01-01', '0o7', '0x1f', '.5', 'yes', '"\\u00e9"', "''", '""', '|', '>-', '@x', '&a x', '*a'];
    const keys = ['name', 'description', 'a b', '"q"', "'s'", 'x', 'tests', 'x:y'];
    const gen = (indent: number, depth: number): string[] => {
      const pad = ' '.repeat(indent);
      const lines: string[] = [];
      const n = 1 + rnd(3);
      const asSeq = rnd(3) === 0;
      for (let i = 0; i < n; i++) {
        const lead = asSeq ? `${pad}- ` : pad;
        const key = asSeq && rnd(2) ? '' : `${keys[rnd(keys.length)]!}_${i}:`;
        const sub = depth < 3 && rnd(3) === 0;
        if (sub) {
          lines.push(`${lead}${key}`.trimEnd());
          const childIndent = indent + (rnd(4) === 0 ? (asSeq ? 2 : 0) : 2 + (asSeq ? 2 : 0));
          lines.push(...gen(childIndent, depth + 1));
        } else {
          const s = scalars[rnd(scalars.length)]!;
          lines.push(`${lead}${key}${key ? ' ' : ''}${s}`);
          if (s === '|' || s === '>-') lines.push(`${pad}    text`, `${pad}    more`);
        }
        if (rnd(6) === 0) lines.push(rnd(2) ? '' : `${pad}# comment`);
      }
      return lines;
    };
    let fast = 0;
    for (let i = 0; i < 3000; i++) {
      const text = gen(0, 0).join('\n') + (rnd(4) ? '\n' : '');
      if (compare(text) === 'fast') fast++;
    }
    expect(fast).toBeGreaterThan(300);
  });
});
