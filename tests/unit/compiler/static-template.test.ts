import { describe, expect, it } from 'vitest';
import { readStatic, renderStatic } from '../../../core/compiler/static-template.js';
import { TemplateEngine, splitArgs, type RenderContext } from '../../../core/template/index.js';

/** A context whose functions log their calls and return something printable. */
function recordingContext(log: string[]): RenderContext {
  const fn = (name: string) => (...args: unknown[]) => {
    const { positional, kwargs } = splitArgs(args);
    log.push(`${name}(${JSON.stringify(positional)}${Object.keys(kwargs).length ? `, ${JSON.stringify(kwargs)}` : ''})`);
    return name === 'config' ? '' : name === 'var' ? (positional[0] === 'n' ? 1.5 : `<${String(positional[0])}>`) : `"${positional.join('"."')}"`;
  };
  return { ref: fn('ref'), source: fn('source'), config: fn('config'), var: fn('var') };
}

const STATIC = [
  'select 1',
  'select 1\n',
  'select 1\r\n',
  "select * from {{ ref('a') }}",
  'select * from {{ref("a")}}',
  "select * from {{ ref('pkg', 'a') }} join {{ source('raw', 'orders') }} using (id)",
  "{{ config(materialized='table', tags=['x', 'y'], enabled=true, full_refresh=False, batch=None, n=3, ratio=0.5) }}\nselect 1",
  "{{ config(materialized = 'view') }}select 1",
  "select {{ var('start') }}, {{ var('n') }}, {{ var('other', 'fallback') }}",
  "select\n  {{- ref('a') -}}\n  as x",
  "{#- a comment with {{ ref('not_called') }} inside -#}\n\nselect 1 {# trailing #}",
  "-- depends_on: {{ ref('a') }}\nselect 1",
  "select '{' as a, '}}' as b, '{x}' as c from {{ ref('a') }}",
  "{{ config() }}select {{ ref('a') }}\n\n",
];

const NOT_STATIC = [
  "{% if is_incremental() %}where x > 1{% endif %}",
  "select * from {{ this }}",
  "select {{ ref('a') | upper }}",
  "select {{ ref('a').identifier }}",
  "{{ config(meta={'owner': 'me'}) }}",
  "{{ config(materialized=var('m')) }}",
  "select {{ ref('a\\'b') }}",
  "select {{ ref('a', v=2) }} {{ ref('b') }}" + '{% set x = 1 %}',
  "select {{+ ref('a') }}",
  "select {{ ref('a') }",
  "select {{ other_macro('a') }}",
  "select {{ var('x', ) }}",
  "select {{ ref(a) }}",
  "{{ config(materialized='table', materialized='view') }}",
  "select {{ ref('a') }} {{ 1 + 1 }}",
];

describe('the static fast path', () => {
  it.each(STATIC)('reads %j without the engine, printing what the engine prints', (source) => {
    const tpl = readStatic(source);
    expect(tpl).not.toBeNull();
    const fast: string[] = [];
    const slow: string[] = [];
    const out = renderStatic(tpl!, recordingContext(fast));
    const engineOut = new TemplateEngine().render('m.sql', source, recordingContext(slow));
    expect(out).toBe(engineOut);
    expect(fast).toEqual(slow);
  });

  it.each(NOT_STATIC)('leaves %j to the full renderer', (source) => {
    expect(readStatic(source)).toBeNull();
  });

  it('passes keyword arguments as the engine does', () => {
    const seen: unknown[][] = [];
    const config = (...args: unknown[]): string => {
      seen.push(args);
      return '';
    };
    renderStatic(readStatic("{{ config(materialized='table', tags=['a']) }}")!, { config });
    new TemplateEngine().render('m.sql', "{{ config(materialized='table', tags=['a']) }}", { config });
    expect(splitArgs(seen[0])).toEqual(splitArgs(seen[1]));
    expect(splitArgs(seen[0]).kwargs).toEqual({ materialized: 'table', tags: ['a'] });
  });
});
