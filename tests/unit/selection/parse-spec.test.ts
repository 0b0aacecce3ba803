import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KilnError } from '../../../core/errors.js';
import { parseCriterion, parseSelectArg } from '../../../core/selection/parse-spec.js';
import type { SelectionCriteria, SelectionSet } from '../../../core/selection/spec.js';

const origin = (text: string) => ({ source: '--select', text, col: 1 });

function parseError(text: string): KilnError {
  try {
    parseSelectArg(text, '--select');
  } catch (e) {
    if (e instanceof KilnError) return e;
    throw e;
  }
  throw new Error(`'${text}' parsed without an error`);
}

describe('reading one criterion', () => {
  it('reads graph operators, methods and arguments', () => {
    const c = parseCriterion('2+config.meta.owner:finance+3', origin('x'));
    expect(c).toMatchObject({ method: 'config', args: ['meta', 'owner'], value: 'finance', parents: true, parentsDepth: 2, children: true, childrenDepth: 3, childrensParents: false });
    expect(parseCriterion('@orders', origin('x'))).toMatchObject({ method: 'fqn', value: 'orders', childrensParents: true, children: false });
    expect(parseCriterion('+orders', origin('x'))).toMatchObject({ parents: true, parentsDepth: undefined });
    expect(parseCriterion('state:modified.body+', origin('x'))).toMatchObject({ method: 'state', value: 'modified.body', children: true });
  });
  it('picks path and file as default methods like dbt', () => {
    expect(parseCriterion('models/staging', origin('x')).method).toBe('path');
    expect(parseCriterion('orders.sql', origin('x')).method).toBe('file');
    expect(parseCriterion('marts.finance', origin('x')).method).toBe('fqn');
  });
  it('splits on whitespace (union) and commas (intersection)', () => {
    const pieces = parseSelectArg(' a  b,tag:x\tc ', '--select') as SelectionSet[];
    expect(pieces.map((p) => p.components.map((c) => (c as SelectionCriteria).raw))).toEqual([['a'], ['b', 'tag:x'], ['c']]);
    expect(pieces.map((p) => p.components.map((c) => (c as SelectionCriteria).origin.col))).toEqual([[2], [5, 7], [13]]);
    expect(parseSelectArg('   ', '--select')).toEqual([]);
  });
});

describe('bad specs are errors pointing at the column', () => {
  const cases: [string, number, RegExp][] = [
    ['colour:red', 1, /unknown selector method 'colour'/],
    ['orders tags:x', 8, /unknown selector method 'tags'/],
    ['@orders+', 8, /'@' and a trailing '\+'/],
    ['+', 2, /nothing to select/],
    ['2+', 3, /nothing to select/],
    ['@', 2, /nothing to select/],
    ['tag:', 5, /'tag:' has no value/],
    ['a,,b', 3, /empty selector between commas/],
    [',', 1, /a lone ','/],
    ['a,', 3, /empty selector between commas/],
    ['config:table', 1, /'config:' needs a key/],
    ['tag.x:y', 4, /'tag' takes no '.x' part/],
    ['config..x:y', 7, /empty part/],
    ['resource_type:table', 15, /'table' is not a value of 'resource_type:'/],
    ['state:changed', 7, /'changed' is not a value of 'state:'/],
    ['result:failed', 8, /'failed' is not a value of 'result:'/],
    ['test_type:weird', 11, /not a value of 'test_type:'/],
    ['source_status:stale', 15, /not a value of 'source_status:'/],
    ['source:a.b.c.d', 8, /not a valid 'source:' value/],
    ['exposure:a.b.c', 10, /not a valid 'exposure:' value/],
    ['a+b', 2, /unexpected '\+'/],
    ['a++', 2, /unexpected '\+'/],
    ['++a', 2, /unexpected '\+'/],
    ['@@a', 2, /unexpected '@'/],
    ['+@a', 2, /unexpected '@'/],
    [':x', 1, /no method name/],
    ['tag-x:y', 1, /'tag-x' is not a selector method/],
  ];
  for (const [text, col, why] of cases) {
    it(`'${text}' → column ${col}`, () => {
      const e = parseError(text);
      expect(e.code).toBe('KLN305');
      expect(e.message).toMatch(why);
      expect(e.loc).toEqual({ file: '--select', line: 1, col });
      // The message shows the argument with a caret under the column.
      expect(e.message).toContain(`\n    ${text}\n    ${' '.repeat(col - 1)}^`);
    });
  }
  it('suggests the closest method and lists the values', () => {
    expect(parseError('tga:x').hint).toContain("Did you mean 'tag:'?");
    expect(parseError('state:modifed').hint).toContain("Did you mean 'state:modified'?");
  });
  it('names the argument when the option is given more than once', () => {
    try {
      parseSelectArg('ok bad:x', '--select', 'eager', 2);
      throw new Error('no error');
    } catch (e) {
      expect((e as KilnError).message).toContain('--select (argument 2) at column 4');
      expect((e as KilnError).loc).toEqual({ file: '--select', line: 2, col: 4 });
    }
  });
});

describe('any string parses or gives a clear error with its position (property)', () => {
  const alphabet = fc.constantFrom(...'ab+@:,.*?[]!/\\ 0123456789_-tagpthconfigstate'.split(''), 'tag:', 'config.', 'state:', '+', '@', ',', ' ');
  const selectorish = fc.array(alphabet, { maxLength: 24 }).map((xs) => xs.join(''));
  const check = (text: string) => {
    let pieces;
    try {
      pieces = parseSelectArg(text, '--select');
    } catch (e) {
      expect(e).toBeInstanceOf(KilnError);
      const err = e as KilnError;
      expect(err.code).toBe('KLN305');
      expect(err.loc?.col).toBeGreaterThanOrEqual(1);
      expect(err.loc?.col).toBeLessThanOrEqual(text.length + 1);
      expect(err.message).toMatch(/at column \d+/);
      expect(err.hint).toBeTruthy();
      return;
    }
    // What parses has a method and a non-empty value for every criterion.
    for (const p of pieces as SelectionSet[]) {
      for (const c of p.components as SelectionCriteria[]) {
        expect(c.method).not.toBe('');
        expect(c.value).not.toBe('');
        expect(text.slice(c.origin.col - 1, c.origin.col - 1 + c.raw.length)).toBe(c.raw);
      }
    }
  };
  it('selector-like strings', () => {
    fc.assert(fc.property(selectorish, check), { numRuns: 3000 });
  });
  it('arbitrary unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), check), { numRuns: 2000 });
  });
  it('well-formed criteria always parse to what was written', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
    const depth = fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined });
    fc.assert(
      fc.property(fc.boolean(), fc.option(depth, { nil: null }), fc.constantFrom('', 'tag:', 'fqn:', 'package:', 'config.materialized:'), name, fc.option(depth, { nil: null }), (at, up, method, value, down) => {
        const up2 = at ? null : up;
        const down2 = at ? null : down;
        const raw = `${at ? '@' : ''}${up2 === null ? '' : `${up2 ?? ''}+`}${method}${value}${down2 === null ? '' : `+${down2 ?? ''}`}`;
        const c = parseCriterion(raw, origin(raw));
        expect(c.value).toBe(value);
        expect(c.method).toBe(method === '' ? 'fqn' : method.split(/[.:]/)[0]);
        expect(c.parents).toBe(up2 !== null);
        expect(c.parentsDepth).toBe(up2 ?? undefined);
        expect(c.children).toBe(down2 !== null);
        expect(c.childrenDepth).toBe(down2 ?? undefined);
        expect(c.childrensParents).toBe(at);
      }),
      { numRuns: 1000 },
    );
  });
});
