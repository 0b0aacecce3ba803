// Pieces several pages use: links to nodes, status pills, test chips, code blocks.
import type { Store } from './data.js';
import { h, trusted, type Child } from './dom.js';
import { seconds, STATUS_COLOR, TYPE_COLOR, TYPE_LABEL } from './format.js';
import { formatSql, highlightSql } from './sql.js';
import { nodeHref } from './routes.js';
import type { RunStatus } from '../site-types.js';

export function nodeLink(store: Store, i: number, opts: { showType?: boolean } = {}): HTMLElement {
  const n = store.node(i);
  return h(
    'a',
    { class: 'node-link', href: nodeHref(n.id), title: n.id },
    h('span', { class: 'type-dot', style: `background:${TYPE_COLOR[n.type]}` }),
    h('span', null, n.src ? `${n.src}.${n.name}` : n.name),
    opts.showType ? h('span', { class: 'muted small' }, ` ${TYPE_LABEL[n.type]}`) : null,
  );
}

export function typeBadge(type: keyof typeof TYPE_COLOR): HTMLElement {
  return h('span', { class: 'type-badge', style: `--c:${TYPE_COLOR[type]}` }, TYPE_LABEL[type]);
}

const STATUS_ICON: Record<RunStatus, string> = { success: '✓', pass: '✓', warn: '!', fail: '✗', error: '✗', skipped: '–', 'partial success': '✗' };

export function statusPill(status: RunStatus, detail?: string): HTMLElement {
  return h('span', { class: `status-pill s-${status}`, style: `--c:${STATUS_COLOR[status]}` }, h('b', null, STATUS_ICON[status]), ` ${status}`, detail ? h('span', { class: 'pill-detail' }, ` · ${detail}`) : null);
}

/** A test as a chip: its short name, coloured by its last status (grey when it never ran). */
export function testChip(store: Store, t: number): HTMLElement {
  const n = store.node(t);
  const last = n.last;
  const label = testLabel(store, t);
  const title = `${n.name}\n${last ? `last run: ${last[0]}${last[1] ? ` in ${seconds(last[1])}` : ''}` : 'not run yet'}`;
  return h(
    'a',
    { class: `test-chip${last ? ` s-${last[0]}` : ' s-none'}`, href: nodeHref(n.id), title, style: last ? `--c:${STATUS_COLOR[last[0]]}` : '' },
    h('b', null, last ? STATUS_ICON[last[0]] : '○'),
    ` ${label}`,
  );
}

/** `unique`, `not_null`, `accepted_values`, `relationships → stg_customers`, or a singular test's name. */
export function testLabel(store: Store, t: number): string {
  const n = store.node(t);
  const m = /^(unique|not_null|accepted_values|relationships)_/.exec(n.name);
  if (!m) return n.name;
  if (m[1] === 'relationships') {
    const other = n.parents.find((p) => p !== n.on);
    return other !== undefined ? `relationships → ${store.node(other).name}` : 'relationships';
  }
  return m[1];
}

export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', { class: 'card-title' }, title), ...children);
}

export interface CodeVersion {
  readonly label: string;
  readonly sql: string | null;
  /** Shown instead of code when there is none. */
  readonly empty?: string;
  readonly format?: boolean;
}

/** Tabs of SQL (source / compiled), formatted in the adapter's dialect, highlighted, copyable. */
export function codeBlock(versions: readonly CodeVersion[], initial = 0): HTMLElement {
  let current = Math.min(initial, versions.length - 1);
  let formatted = true;
  const tabs = h('div', { class: 'code-tabs', role: 'tablist' });
  const body = h('div', { class: 'code-body' });
  const fmt = h('input', { type: 'checkbox', checked: true });
  const copy = h('button', { class: 'btn small' }, 'Copy');
  const render = () => {
    tabs.replaceChildren(
      ...versions.map((v, i) => {
        const b = h('button', { class: `code-tab${i === current ? ' active' : ''}`, role: 'tab', 'aria-selected': i === current ? 'true' : 'false' }, v.label);
        b.addEventListener('click', () => {
          current = i;
          render();
        });
        return b;
      }),
    );
    const v = versions[current];
    if (v.sql === null || v.sql.trim() === '') {
      body.replaceChildren(h('div', { class: 'code-empty' }, v.empty ?? 'Nothing to show.'));
      return;
    }
    const text = formatted && v.format !== false ? formatSql(v.sql) ?? v.sql : v.sql;
    const lines = text.replace(/\n$/, '').split('\n').length;
    const gutter = h('div', { class: 'gutter', 'aria-hidden': 'true' }, Array.from({ length: lines }, (_, i) => String(i + 1)).join('\n'));
    const pre = h('pre', { class: 'code' }, trusted('code', 'sql', highlightSql(text.replace(/\n$/, ''))));
    body.replaceChildren(h('div', { class: 'code-scroll' }, gutter, pre));
  };
  fmt.addEventListener('change', () => {
    formatted = fmt.checked;
    render();
  });
  copy.addEventListener('click', () => {
    const v = versions[current];
    const text = v.sql === null ? '' : formatted && v.format !== false ? formatSql(v.sql) ?? v.sql : v.sql;
    void navigator.clipboard?.writeText(text).then(
      () => {
        copy.textContent = 'Copied';
        setTimeout(() => (copy.textContent = 'Copy'), 1200);
      },
      () => undefined,
    );
  });
  render();
  return h('div', { class: 'code-block' }, h('div', { class: 'code-head' }, tabs, h('div', { class: 'code-tools' }, h('label', { class: 'tool-label' }, fmt, 'formatted'), copy)), body);
}
