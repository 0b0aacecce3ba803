import { describe, expect, it } from 'vitest';
import { Codes } from '../../../core/errors.js';
import { MODES, catchKiln, render } from './helpers.js';

describe.each(MODES)('filters (%s)', (mode) => {
  const r = (src: string, ctx: Record<string, unknown> = {}) => render(mode, src, ctx);
  const users = [
    { name: 'bob', age: 30, team: 'b' },
    { name: 'Al', age: 25, team: 'a' },
    { name: 'cy', age: 35, team: 'a', admin: true },
  ];

  it('tojson sorts keys and is html-safe like Jinja; the tojson() global is dbt json.dumps', () => {
    expect(r("{{ {'b': 1, 'a': [true, none, 'x'], 'c': {'d': 1.5}} | tojson }}")).toBe('{"a": [true, null, "x"], "b": 1, "c": {"d": 1.5}}');
    expect(r("{{ \"<it's>\" | tojson }}")).toBe('"\\u003cit\\u0027s\\u003e"');
    expect(r("{{ {'b': 1, 'a': 2} | tojson(sort_keys=false) }}")).toBe('{"b": 1, "a": 2}');
    expect(r("{{ tojson({'b': 1, 'a': 'é'}) }} {{ tojson({'b': 1, 'a': 2}, sort_keys=true) }}")).toBe('{"b": 1, "a": "\\u00e9"} {"a": 2, "b": 1}');
    expect(r("{{ [1, 2] | tojson(indent=2) }}")).toBe('[\n  1,\n  2\n]');
  });

  it('map with attribute= and with a filter name', () => {
    expect(r('{{ users | map(attribute="name") | join(",") }}', { users })).toBe('bob,Al,cy');
    expect(r("{{ ['a', 'b'] | map('upper') | list }} {{ [1, 2] | map('string') | join('-') }} {{ ['a-b'] | map('replace', '-', '_') | list }}")).toBe("['A', 'B'] 1-2 ['a_b']");
    expect(r('{{ users | map(attribute="missing", default="?") | join }}', { users })).toBe('???');
  });

  it('selectattr/rejectattr honour tests', () => {
    expect(r("{{ users | selectattr('age', 'gt', 28) | map(attribute='name') | list }}", { users })).toBe("['bob', 'cy']");
    expect(r("{{ users | selectattr('team', 'equalto', 'a') | map(attribute='name') | list }}", { users })).toBe("['Al', 'cy']");
    expect(r("{{ users | selectattr('admin') | map(attribute='name') | list }}", { users })).toBe("['cy']");
    expect(r("{{ users | selectattr('admin', 'defined') | list | length }} {{ users | rejectattr('admin', 'defined') | list | length }}", { users })).toBe('1 2');
    expect(r("{{ users | selectattr('name', 'in', ['bob', 'cy']) | map(attribute='age') | list }}", { users })).toBe('[30, 35]');
    expect(r("{{ [{'a': none}, {'a': 1}] | rejectattr('a', 'none') | list }}")).toBe("[{'a': 1}]");
  });

  it('select/reject with and without tests', () => {
    expect(r("{{ [0, 1, '', 'a', none] | select | list }} {{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 3] | reject('in', [2]) | list }} {{ [1, 5] | select('>', 2) | list }}")).toBe(
      "[1, 'a'] [1, 3] [1, 3] [5]",
    );
  });

  it('format', () => {
    expect(r('{{ "%s-%s" | format("a", 2) }} {{ "%.2f" | format(3.14159) }} {{ "%(x)s" | format(x=1) }}')).toBe('a-2 3.14 1');
  });

  it('string transformations', () => {
    expect(r("{{ 'Ab' | lower }} {{ 'Ab' | upper }} [{{ '  x  ' | trim }}] [{{ '--x--' | trim('-') }}] {{ 'aXa' | replace('a', 'b') }} {{ 'aaa' | replace('a', 'b', 1) }} {{ 'hello world' | title }} {{ 'hi' | capitalize }}")).toBe(
      'ab AB [x] [x] bXb baa Hello World Hi',
    );
    expect(r("{{ 'a\\nb' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}")).toBe('a\n  b|  a\n  b');
    expect(r("{{ 'hello big world' | truncate(9, leeway=0) }} {{ 'abc' | center(7) }}| {{ 'a b c' | wordcount }} {{ '<b>x</b>' | striptags }} {{ '<&>' | escape }}")).toBe(
      'hello...   abc  | 3 x &lt;&amp;&gt;',
    );
  });

  it('default/d only replaces undefined unless boolean=true', () => {
    expect(r("{{ missing | default('y') }} {{ none | default('y') }} {{ none | default('y', true) }} {{ '' | d('y', boolean=true) }} {{ 'x' | d('y') }}")).toBe('y None y y x');
  });

  it('list, unique, sort, reverse', () => {
    expect(r("{{ 'ab' | list }} {{ {'k': 1} | list }} {{ ['b', 'A', 'a', 'b'] | unique | list }} {{ ['b', 'A', 'a'] | unique(case_sensitive=true) | list }}")).toBe(
      "['a', 'b'] ['k'] ['b', 'A'] ['b', 'A', 'a']",
    );
    expect(r("{{ [3, 1, 2] | sort }} {{ [3, 1, 2] | sort(reverse=true) }} {{ ['b', 'C', 'a'] | sort }} {{ ['b', 'C', 'a'] | sort(case_sensitive=true) }}")).toBe(
      "[1, 2, 3] [3, 2, 1] ['a', 'b', 'C'] ['C', 'a', 'b']",
    );
    expect(r("{{ users | sort(attribute='age') | map(attribute='name') | join(',') }} {{ users | sort(attribute='team,age') | map(attribute='name') | join(',') }}", { users })).toBe(
      'Al,bob,cy Al,cy,bob',
    );
    expect(r("{{ [1, 2] | reverse | list }} {{ 'abc' | reverse }}")).toBe('[2, 1] cba');
  });

  it('join with attribute, first, last, length/count', () => {
    expect(r("{{ users | join(', ', attribute='name') }} {{ [1, 2] | first }} {{ [1, 2] | last }} {{ [1, 2] | length }} {{ 'abc' | count }} {{ {'a': 1} | length }} {{ [] | first }}", { users })).toBe(
      'bob, Al, cy 1 2 2 3 1 ',
    );
  });

  it('numbers: int, float, abs, round, sum, min, max', () => {
    expect(r("{{ '42' | int + 1 }} {{ '3.7' | int }} {{ 'x' | int }} {{ 'x' | int(-1) }} {{ 'ff' | int(base=16) }} {{ '3.5' | float }} {{ 'x' | float }} {{ (-3) | abs }}")).toBe(
      '43 3 0 -1 255 3.5 0 3',
    );
    expect(r('{{ 2.567 | round(2) }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 2.1 | round(method="ceil") }} {{ 2.9 | round(method="floor") }}')).toBe('2.57 2.0 4.0 3.0 2.0');
    expect(r("{{ [1, 2, 3] | sum }} {{ users | sum(attribute='age') }} {{ [3, 1] | min }} {{ users | max(attribute='age') | attr('name') }}", { users })).toBe('6 90 1 cy');
  });

  it('string, bool, items, dictsort, batch, slice, groupby', () => {
    expect(r("{{ 1 | string ~ true | string }} {{ 'yes' | bool }} {{ 'false' | bool }} {{ 0 | bool }}")).toBe('1True True False False');
    expect(r("{% for k, v in {'b': 1, 'a': 2} | dictsort %}{{ k }}{{ v }}{% endfor %} {% for k, v in {'x': 1} | items %}{{ k }}{{ v }}{% endfor %}")).toBe('a2b1 x1');
    expect(r("{{ [1, 2, 3] | batch(2) | list }} {{ [1, 2, 3] | batch(2, 0) | list }} {{ [1, 2, 3] | slice(2) | list }}")).toBe('[[1, 2], [3]] [[1, 2], [3, 0]] [[1, 2], [3]]');
    expect(r("{% for g in users | groupby('team') %}{{ g.grouper }}:{{ g.list | map(attribute='name') | join('+') }};{% endfor %}", { users })).toBe('a:Al+cy;b:bob;');
  });

  it("dbt's as_bool / as_number / as_native / as_text", () => {
    expect(r("{{ ('5432' | as_number) + 1 }} {{ 'true' | as_bool }} {{ 'False' | as_bool }} {{ '[1, \"a\", None]' | as_native }} {{ ('{\"k\": 1}' | as_native).k }} {{ 'plain' | as_native }} {{ 5 | as_text }}")).toBe(
      "5433 True False [1, 'a', None] 1 plain 5",
    );
    expect(catchKiln(() => r("{{ 'abc' | as_number }}")).code).toBe(Codes.JINJA_RENDER);
    expect(catchKiln(() => r("{{ 'maybe' | as_bool }}")).message).toContain("into type 'bool'");
  });
});
