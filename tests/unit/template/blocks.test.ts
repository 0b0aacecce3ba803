import { describe, expect, it } from 'vitest';
import { Codes } from '../../../core/errors.js';
import { diagnoseBlocks, extractBlocks, macroSpans, scanTags } from '../../../core/template/blocks.js';
import { catchKiln } from './helpers.js';

describe('extractBlocks', () => {
  it('finds docs blocks with their bodies and lines', () => {
    const md = `# Docs

{% docs orders %}
Orders placed by **customers**.
{% enddocs %}

{% docs  status_col %}One of {{ "placed" }}, shipped{% enddocs %}
`;
    const blocks = extractBlocks('models/docs.md', md, 'docs');
    expect(blocks.map((b) => [b.name, b.line, b.bodyLine])).toEqual([
      ['orders', 3, 3],
      ['status_col', 7, 7],
    ]);
    expect(blocks[0].body).toBe('\nOrders placed by **customers**.\n');
    expect(blocks[1].body).toBe('One of {{ "placed" }}, shipped');
  });

  it('applies whitespace control on the block tags', () => {
    const [b] = extractBlocks('d.md', '{%- docs x -%}\n\n  text \n  {%- enddocs %}', 'docs');
    expect(b.body).toBe('text');
    expect(b.bodyLine).toBe(3);
  });

  it('finds snapshot blocks and ignores other tags', () => {
    const src = `{% snapshot orders_snapshot %}
{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', updated_at='updated_at') }}
select * from {{ source('shop', 'orders') }} where x = '%}'
{% endsnapshot %}`;
    const [b] = extractBlocks('snapshots/orders.sql', src, 'snapshot');
    expect(b.name).toBe('orders_snapshot');
    expect(b.body.trim().split('\n')).toHaveLength(2);
    expect(b.start).toBe(0);
    expect(b.end).toBe(src.length);
  });

  it('skips raw blocks and comments', () => {
    expect(extractBlocks('d.md', '{% raw %}{% docs fake %}{% enddocs %}{% endraw %}{# {% docs c %} #}', 'docs')).toEqual([]);
  });

  it('reports unclosed and malformed blocks with locations', () => {
    const unclosed = catchKiln(() => extractBlocks('d.md', 'text\n{% docs a %}\nbody', 'docs'));
    expect(unclosed.code).toBe(Codes.JINJA_SYNTAX);
    expect(unclosed.loc).toEqual({ file: 'd.md', line: 2, col: 1 });
    expect(unclosed.message).toContain('never closed');
    expect(catchKiln(() => extractBlocks('d.md', '{% docs %}{% enddocs %}', 'docs')).message).toContain('malformed');
    expect(catchKiln(() => extractBlocks('d.md', '{% enddocs %}', 'docs')).message).toContain('without a matching');
    expect(catchKiln(() => extractBlocks('d.md', '{% docs a %}{% docs b %}{% enddocs %}', 'docs')).message).toContain('never closed');
    expect(catchKiln(() => extractBlocks('d.md', 'x {{ unterminated', 'docs')).message).toContain('unterminated tag');
  });
});

describe('scanner', () => {
  it('reports tags with names, positions and whitespace control', () => {
    const tags = scanTags('a.sql', "a {{ x }}\n {%- if '%}' -%}{# c #}");
    expect(tags.map((t) => [t.kind, t.name, t.line, t.col, t.trimBefore, t.trimAfter, t.inner])).toEqual([
      ['var', '', 1, 3, false, false, 'x'],
      ['block', 'if', 2, 2, true, true, "if '%}'"],
      ['comment', '', 2, 17, false, false, ''],
    ]);
  });

  it('finds macro spans with nesting and materialization adapters', () => {
    const spans = macroSpans('m.sql', "{% macro a() %}{% endmacro %}\n{% materialization incremental, adapter='postgres' %}x{% endmaterialization %}");
    expect(spans.map((s) => [s.kind, s.name, s.adapter, s.line])).toEqual([
      ['macro', 'a', undefined, 1],
      ['materialization', 'incremental', 'postgres', 2],
    ]);
  });

  it('diagnoses unbalanced blocks', () => {
    expect(diagnoseBlocks('a', '{% if x %}{% for y in z %}{% endfor %}{% endif %}{% set a = 1 %}')).toBeNull();
    expect(diagnoseBlocks('a', '{% set a %}x{% endset %}')).toBeNull();
    const mismatch = diagnoseBlocks('a', '{% if x %}\n{% for y in z %}{% endif %}');
    expect(mismatch?.message).toContain('{% for %} is never closed: found {% endif %} at line 2');
    expect(mismatch?.line).toBe(2);
    expect(mismatch?.col).toBe(1);
    expect(diagnoseBlocks('a', '{% else %}')?.message).toContain('outside of');
  });
});
