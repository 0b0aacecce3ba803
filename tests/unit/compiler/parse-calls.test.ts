import { describe, expect, it } from 'vitest';
import { readParseCalls, readStatic } from '../../../core/compiler/static-scan.js';
import { renderStatic } from '../../../core/compiler/static-template.js';
import { runParseOps, runStaticCalls } from '../../../core/parser/run-parse-ops.js';
import { TemplateEngine, splitArgs, type RenderContext } from '../../../core/template/index.js';

/** A parse-time context whose functions log their calls; is_incremental() answers `incremental`. */
function recordingContext(log: string[], incremental: boolean): RenderContext {
  const fn = (name: string) => (...args: unknown[]) => {
    const { positional, kwargs } = splitArgs(args);
    log.push(`${name}(${JSON.stringify(positional)}${Object.keys(kwargs).length ? `, ${JSON.stringify(kwargs)}` : ''})`);
    return name === 'config' ? '' : `"${positional.join('"."')}"`;
  };
  return {
    ref: fn('ref'),
    source: fn('source'),
    config: fn('config'),
    var: fn('var'),
    is_incremental: () => {
      log.push('is_incremental()');
      return incremental;
    },
    this: '"db"."schema"."me"',
  };
}

// The shapes of the synthetic benchmark projects' Jinja models, and variations on them.
const READ = [
  "select a,\n    {%- for days in [7, 30, 90] %}\n    x >= current_date - interval '{{ days }} days' as d_{{ days }},\n    {%- endfor %}\n    b from {{ ref('a') }}",
  "{{ config(materialized='incremental', unique_key='id') }}\nselect * from {{ ref('a') }}\n{% if is_incremental() %}\nwhere updated_at > (select max(updated_at) from {{ this }})\n{% endif %}\n",
  "{% if is_incremental() %}select * from {{ ref('only_when_incremental') }}{% endif %} select * from {{ source('raw', 'b') }}",
  "{%- for x in ['a', 'b'] -%}{{ ref('m') }} {{ x }}{%- endfor -%}",
  "{% for x in [] %}{{ ref('never') }}{% endfor %}select 1",
  "{% for x in [1, 2] %}{% for y in [[3], 'z', none, true] %}{{ ref('n') }}{{ x }}{{ y }}{% endfor %}{% endfor %}",
  "{% for x in [1, 2] %}{% if is_incremental() %}{{ ref('inc') }}{% endif %}{% endfor %}",
  "{# {% for x in [1] %} #}select {{ var('v') }} {{ this }}",
  "select '{' as a, '}' as b, {{ ref('a') }}",
];

const NOT_READ = [
  "{% if is_incremental() %}a{% else %}b{% endif %}",
  "{% if not is_incremental() %}a{% endif %}",
  "{% if execute %}a{% endif %}",
  "{% for x in y %}a{% endfor %}",
  "{% for x in [1, 2] %}{{ x + 1 }}{% endfor %}",
  "{% for x in [1, 2] %}{{ loop.index }}{% endfor %}",
  "{% for x, y in [[1, 2]] %}{{ x }}{% endfor %}",
  "{% for ref in [1] %}{{ ref('a') }}{% endfor %}",
  "{% for x in [1] %}a",
  "{% for x in [1] %}a{% endif %}",
  "{% endfor %}",
  "{{ x }}",
  "{{ this.identifier }}",
  "{% set x = 1 %}",
  "{%+ if is_incremental() %}a{% endif %}",
  "{% for x in [-1] %}a{% endfor %}",
  "{% raw %}{{ ref('a') }}{% endraw %}",
];

describe('the parse-time fast path for loops and is_incremental()', () => {
  for (const incremental of [false, true]) {
    it.each(READ)(`makes the calls the engine makes for %j (is_incremental: ${incremental})`, (source) => {
      const ops = readParseCalls(source);
      expect(ops).not.toBeNull();
      const fast: string[] = [];
      const slow: string[] = [];
      runParseOps(ops!, recordingContext(fast, incremental));
      new TemplateEngine().render('m.sql', source, recordingContext(slow, incremental));
      expect(fast).toEqual(slow);
    });
  }

  it.each(NOT_READ)('leaves %j to the engine', (source) => {
    expect(readParseCalls(source)).toBeNull();
  });

  it('repeats a call in a loop body once per item', () => {
    const log: string[] = [];
    runParseOps(readParseCalls("{% for d in [1, 2, 3] %}{{ ref('a') }}{% endfor %}")!, recordingContext(log, false));
    expect(log).toEqual(['ref(["a"])', 'ref(["a"])', 'ref(["a"])']);
  });

  it('leaves a context whose is_incremental() is no boolean to the engine', () => {
    const ctx = { ...recordingContext([], false), is_incremental: () => 'yes' };
    expect(() => runParseOps(readParseCalls('{% if is_incremental() %}a{% endif %}')!, ctx)).toThrow();
  });

  it('runs a static template with the calls renderStatic makes, printing nothing', () => {
    const source = "{{ config(materialized='table', tags=['a']) }}select * from {{ ref('a') }} join {{ source('raw', 'b') }} using ({{ var('k') }})";
    const fast: string[] = [];
    const slow: string[] = [];
    runStaticCalls(readStatic(source)!, recordingContext(fast, false));
    renderStatic(readStatic(source)!, recordingContext(slow, false));
    expect(fast).toEqual(slow);
    expect(fast).toHaveLength(4);
  });
});
