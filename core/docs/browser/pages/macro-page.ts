// A macro: its arguments, description and source.
import type { Store } from '../data.js';
import { h, trusted } from '../dom.js';
import { markdown } from '../markdown.js';
import { codeBlock, section, typeBadge } from '../widgets.js';
import type { PageView } from './page.js';

export function macroPage(store: Store, i: number): PageView {
  const m = store.core.macros[i];
  const el = h(
    'article',
    { class: 'page node-page', 'data-node': m.id },
    h(
      'header',
      { class: 'page-head' },
      h('div', { class: 'crumbs' }, `${m.pkg} / macros`),
      h('h1', { class: 'page-title' }, m.name, typeBadge('macro')),
      h('div', { class: 'chips' }, h('code', { class: 'relation' }, `${m.name}(${m.args.join(', ')})`)),
    ),
    h(
      'div',
      { class: 'node-grid' },
      h(
        'div',
        { class: 'node-main' },
        section('Description', m.desc.trim() ? trusted('div', 'markdown', markdown(m.desc)) : h('p', { class: 'muted' }, 'No description.')),
        section('Code', codeBlock([{ label: 'Source', sql: m.sql, format: false }])),
      ),
      h(
        'div',
        { class: 'node-side' },
        section('Details', h('dl', { class: 'facts' }, h('dt', null, 'Package'), h('dd', null, m.pkg), h('dt', null, 'Defined in'), h('dd', null, m.file), h('dt', null, 'Arguments'), h('dd', null, m.args.length ? m.args.join(', ') : 'none'))),
      ),
    ),
  );
  return { el };
}
