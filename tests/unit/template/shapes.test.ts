import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../../core/template/compiler.js';
import { nodes, type NjNode } from '../../../core/template/nunjucks-internals.js';
import { TemplateShapes } from '../../../core/template/shapes.js';
import { catchKiln, engine } from './helpers.js';

/** A tree as plain data: node types, positions, values and fields (what the parser produced). */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (!(v instanceof nodes.Node)) return v;
  const n = v as unknown as NjNode;
  const out: Record<string, unknown> = { type: n.typename };
  for (const k of Object.keys(n)) out[k] = plain(n[k]);
  return out;
}

// Texts around the tags: with and without whitespace on either side (what `{%-`/`-%}` trim),
// several lines, empty, and with characters the probe itself uses nowhere.
const TEXTS = ['', 'select 1', '  \n  select a,\n', '\n\n  ', 'x\n', ' from t where a = \'{\' ', '\t tab \t', '}} %} #}'];
const STRINGS = ['orders', '', "it\\'s", 'a\\nb', 'é ünï', '\\x41\\u00e9', '{{ not a tag }}'];

/** Templates of a few shapes, each filled with every text and string above in turn. */
function corpus(texts: readonly string[] = TEXTS): string[] {
  const shapes: ((t: (i: number) => string, s: (i: number) => string) => string)[] = [
    (t, s) => `${t(0)}{{ ref('${s(0)}') }}${t(1)}{{ source("${s(1)}", '${s(2)}') }}${t(2)}`,
    (t, s) => `${t(0)}{%- for d in [7, 30, 90] %}${t(1)}{{ d }}${t(2)}{%- endfor %}${t(3)}{{ ref('${s(0)}') -}}${t(4)}`,
    (t, s) => `${t(0)}{% if is_incremental() -%}${t(1)}{{ this }}${t(2)}{%- else %}${t(3)}{% endif -%}${t(4)}{# '${s(0)}' -#}${t(5)}`,
    (t, s) => `{{ config(materialized='${s(0)}', tags=['${s(1)}', "${s(2)}"]) }}${t(0)}{% set x = {'${s(0)}': 1, 'k': '${s(1)}'} %}${t(1)}{{ x['k'] ~ '${s(2)}' }}${t(2)}`,
    (t, s) => `${t(0)}{% macro m(a, b='${s(0)}') -%}${t(1)}{{ a }}${t(2)}{{ b | upper }}${t(3)}{%- endmacro %}${t(4)}{{ m('${s(1)}') }}${t(5)}{% set y %}${t(6)}{{ '${s(2)}' }}${t(7)}{% endset %}{{ y | trim }}`,
    (t, s) => `${t(0)}{%- for v in ['${s(0)}', '${s(1)}'] if v != '${s(2)}' -%}${t(1)}{{ loop.index }}:{{ v[1:] }}${t(2)}{%- endfor -%}${t(3)}`,
  ];
  const out: string[] = [];
  for (const shape of shapes) {
    for (let k = 0; k < texts.length; k++) {
      const t = (i: number) => texts[(k + i) % texts.length]!;
      const s = (i: number) => STRINGS[(k + i) % STRINGS.length]!;
      out.push(shape(t, s));
    }
  }
  return out;
}

describe('template shapes', () => {
  it('gives every template the tree the parser gives it, shared or not', () => {
    let parses = 0;
    const shapes = new TemplateShapes((src) => {
      parses++;
      return parseTemplate(src, []);
    });
    for (const src of corpus()) expect(plain(shapes.tree(src).ast), src).toEqual(plain(parseTemplate(src, [])));
    // Without empty texts (a text that is not there is a token less: another shape), each of
    // the six shapes is parsed once, from its probe; every other template is a copy.
    parses = 0;
    const fresh = new TemplateShapes((src) => {
      parses++;
      return parseTemplate(src, []);
    });
    const templates = corpus(TEXTS.filter((t) => t !== ''));
    for (const src of templates) expect(plain(fresh.tree(src).ast), src).toEqual(plain(parseTemplate(src, [])));
    expect(parses).toBe(6);
  });

  it('renders same-shaped templates as a fresh engine does, errors at their own line and column', () => {
    const shared = engine('interpret');
    const ctx = () => ({ ref: (n: string) => `"db"."${n}"`, source: (a: string, b: string) => `${a}.${b}`, is_incremental: () => true, this: 'me', config: () => '' });
    for (const src of corpus()) expect(shared.render('m.sql', src, ctx()), src).toBe(engine('interpret').render('m.sql', src, ctx()));
    for (const pad of ['', '\n\n  ', 'select 1,\n  2 from x\n\n']) {
      const src = `${pad}{{ ref('a') }}\n${pad}{{ no_such_function('b') }}`;
      const got = catchKiln(() => shared.render('m.sql', src, ctx()));
      const want = catchKiln(() => engine('interpret').render('m.sql', src, ctx()));
      expect(got.message).toBe(want.message);
      expect(got.loc).toEqual(want.loc);
    }
  });

  it('leaves syntax errors to the parser, with their own positions', () => {
    const shared = engine('interpret');
    for (const pad of ['', 'a\nb\n']) {
      const src = `${pad}{% for x in [1, 2] %}{{ x }}`;
      const got = catchKiln(() => shared.render('m.sql', src, {}));
      const want = catchKiln(() => engine('interpret').render('m.sql', src, {}));
      expect(got.message).toBe(want.message);
      expect(got.loc).toEqual(want.loc);
    }
  });
});
