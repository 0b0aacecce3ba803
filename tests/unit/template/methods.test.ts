import { describe, expect, it } from 'vitest';
import { MODES, render } from './helpers.js';

describe.each(MODES)('Python methods (%s)', (mode) => {
  const r = (src: string, ctx: Record<string, unknown> = {}) => render(mode, src, ctx);

  describe('str', () => {
    it('changes case', () => {
      expect(r("{{ 'aBc'.upper() }} {{ 'aBc'.lower() }} {{ 'hello wORLD-foo'.title() }} {{ 'hELLO'.capitalize() }} {{ 'aB'.swapcase() }}")).toBe(
        'ABC abc Hello World-Foo Hello Ab',
      );
    });
    it('strips whitespace or given characters', () => {
      expect(r("[{{ '  x \\n'.strip() }}][{{ 'xxhixx'.strip('x') }}][{{ '  a '.lstrip() }}][{{ ' a  '.rstrip() }}][{{ 'a.sql'.rstrip('.lqs') }}]")).toBe('[x][hi][a ][ a][a]');
    });
    it('tests prefixes and suffixes, also with tuples', () => {
      expect(r("{{ 'abc'.startswith('ab') }} {{ 'abc'.startswith(('x', 'a')) }} {{ 'abc'.endswith('bc') }} {{ 'abc'.endswith(['x']) }} {{ 'abc'.startswith('b', 1) }}")).toBe(
        'True True True False True',
      );
    });
    it('replaces every occurrence, or count of them', () => {
      expect(r("{{ 'aaa'.replace('a', 'b') }} {{ 'aaa'.replace('a', 'b', 2) }} {{ 'a.b.c'.replace('.', '') }}")).toBe('bbb bba abc');
    });
    it('splits like Python', () => {
      expect(r("{{ '  a b\\t c  '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a,b,c'.split(',', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ 'a b c'.split(maxsplit=1) }}")).toBe(
        "['a', 'b', 'c'] ['a', 'b', '', 'c'] ['a', 'b,c'] ['a,b', 'c'] ['a', 'b c']",
      );
      expect(r("{{ 'a\\nb\\r\\nc'.splitlines() }} {{ ''.split() }} {{ 'abc'.partition('b') }}")).toBe("['a', 'b', 'c'] [] ['a', 'b', 'c']");
    });
    it('joins', () => {
      expect(r("{{ ', '.join(['a', 'b']) }} {{ '-'.join('xyz') }}")).toBe('a, b x-y-z');
    });
    it('formats with positional, numbered, named fields and specs', () => {
      expect(r("{{ '{}-{}'.format('a', 'b') }} {{ '{1}{0}'.format('a', 'b') }} {{ '{name}!'.format(name='x') }} {{ '{:>5}|{:<3}|{:^5}'.format('a', 'b', 'c') }} {{ '{:.2f} {:,} {:05d} {:x}'.format(3.14159, 1234567, 42, 255) }} {{ '{0!r}'.format('q') }} {{ '{{}}'.format() }}")).toBe(
        "a-b ba x!     a|b  |  c   3.14 1,234,567 00042 ff 'q' {}",
      );
    });
    it('searches and counts', () => {
      expect(r("{{ 'banana'.find('an') }} {{ 'banana'.find('x') }} {{ 'banana'.rfind('an') }} {{ 'banana'.count('a') }} {{ 'banana'.index('n') }}")).toBe('1 -1 3 3 2');
    });
    it('classifies and pads', () => {
      expect(r("{{ '123'.isdigit() }} {{ '12a'.isdigit() }} {{ 'ab'.isalpha() }} {{ 'ABC'.isupper() }} {{ ' '.isspace() }} {{ '42'.zfill(5) }} {{ '-4'.zfill(3) }} {{ 'ab'.center(6, '*') }} {{ 'a'.ljust(3, '.') }}{{ 'a'.rjust(3) }}")).toBe(
        'True False True True True 00042 -04 **ab** a..  a',
      );
    });
    it('works on the output of macros', () => {
      expect(r("{% macro m() %} a,b {% endmacro %}{{ m().strip().split(',') }}")).toBe("['a', 'b']");
    });
    it('indexes strings, including negative indexes', () => {
      expect(r("{{ 'abc'[0] }}{{ 'abc'[-1] }}")).toBe('ac');
    });
  });

  describe('list', () => {
    it('mutates with append/extend/insert/pop/remove', () => {
      expect(r('{% set l = [1, 2] %}{% do l.append(3) %}{% do l.extend([4]) %}{% do l.insert(0, 0) %}{{ l.pop() }} {{ l.pop(0) }} {% do l.remove(2) %}{{ l }}')).toBe('4 0 [1, 3]');
    });
    it('searches and counts', () => {
      expect(r("{% set l = ['a', 'b', 'a'] %}{{ l.index('b') }} {{ l.count('a') }}")).toBe('1 2');
    });
    it('sorts and reverses in place', () => {
      expect(r('{% set l = [3, 1, 2] %}{% do l.sort() %}{{ l }}{% do l.reverse() %}{{ l }}{% do l.sort(reverse=true) %}{{ l }}')).toBe('[1, 2, 3][3, 2, 1][3, 2, 1]');
    });
    it('prints None for append used in an expression (like Jinja)', () => {
      expect(r('{% set l = [] %}{{ l.append(1) }}')).toBe('None');
    });
  });

  describe('dict', () => {
    it('refuses to change a frozen (shared) mapping, saying what to do instead; a copy changes', () => {
      const shared = Object.freeze({});
      expect(() => r("{% do meta.update({'x': 1}) %}", { meta: shared })).toThrow(/\.update\(\) cannot change this mapping: it is read-only .* dict\(column\.meta\)/);
      expect(() => r("{% do meta.setdefault('x', 1) %}", { meta: shared })).toThrow(/\.setdefault\(\) cannot change this mapping/);
      expect(r("{% set m = dict(meta) %}{% do m.update({'x': 1}) %}{{ m.x }} {{ meta.get('x') }}", { meta: shared })).toBe('1 None');
    });
    it('exposes keys/values/items/get', () => {
      expect(r("{% set d = {'a': 1, 'b': 2} %}{{ d.keys() | list }} {{ d.values() | list }} {{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 0) }}")).toBe("['a', 'b'] [1, 2] 1 None 0");
    });
    it('mutates with update/pop/setdefault', () => {
      expect(r("{% set d = {'a': 1} %}{% do d.update({'b': 2}, c=3) %}{{ d.pop('a') }} {{ d.pop('zz', 'dflt') }} {{ d.setdefault('e', []) }} {{ d }}")).toBe(
        "1 dflt [] {'b': 2, 'c': 3, 'e': []}",
      );
    });
    it('lets own keys win over method names', () => {
      expect(r('{{ d.items }}', { d: { items: 'mine' } })).toBe('mine');
    });
    it('calls methods of objects from the context with their this', () => {
      class Rel {
        constructor(readonly name: string) {}
        quoted(): string {
          return `"${this.name}"`;
        }
        toString(): string {
          return this.quoted();
        }
      }
      expect(r('{{ rel.quoted() }} {{ rel }} {{ rel.name }}', { rel: new Rel('t') })).toBe('"t" "t" t');
    });
  });

  describe('set', () => {
    it('supports set operations', () => {
      expect(r("{% set s = set([1, 2, 2]) %}{% do s.add(3) %}{{ s | length }} {{ 2 in s }} {{ s | sort }} {{ set([1, 2]).union([3]) | sort }}")).toBe('3 True [1, 2, 3] [1, 2, 3]');
    });
  });
});
