// A page for one model, seed, snapshot, source, test, analysis or exposure: description,
// columns (declared and database types, descriptions, tests with their last status), SQL,
// dependencies both ways, config, and how it fared in recent runs.
import type { Store } from '../data.js';
import { h, trusted } from '../dom.js';
import { count, rows, seconds, when } from '../format.js';
import { markdown } from '../markdown.js';
import { lineageHref, macroHref } from '../routes.js';
import { sparkline, statusStrip } from '../charts.js';
import { codeBlock, nodeLink, section, statusPill, testChip, typeBadge } from '../widgets.js';
import type { NodeDetail } from '../../site-types.js';
import type { PageView } from './page.js';

export function nodePage(store: Store, i: number): PageView {
  const n = store.node(i);
  const mat = store.materialized(i);
  const tags = store.tags(i);
  const crumbs = n.type === 'source' ? [n.pkg, 'sources', n.src ?? ''] : n.fqn.slice(0, -1);
  const last = n.last;
  const lastRun = last ? store.core.runs[last[2]] : undefined;

  const header = h(
    'header',
    { class: 'page-head' },
    h('div', { class: 'crumbs' }, crumbs.join(' / ')),
    h('h1', { class: 'page-title' }, n.src ? `${n.src}.${n.name}` : n.name, typeBadge(n.type)),
    h(
      'div',
      { class: 'chips' },
      mat ? h('span', { class: 'chip' }, mat) : null,
      ...tags.map((t) => h('a', { class: 'chip tag', href: lineageHref({ select: `tag:${t}` }), title: `Show tag:${t} in the lineage` }, `#${t}`)),
      last ? statusPill(last[0], `${seconds(last[1])}${lastRun ? ` · ${when(lastRun.startedAt)}` : ''}`) : null,
    ),
    h(
      'div',
      { class: 'page-actions' },
      h('a', { class: 'btn primary', href: lineageHref({ focus: n.id }) }, 'View lineage'),
      n.rel ? h('code', { class: 'relation', title: 'The relation in the warehouse' }, n.rel) : null,
    ),
  );
  const main = h('div', { class: 'node-main' }, h('div', { class: 'loading' }, 'Loading…'));
  const side = h('div', { class: 'node-side' });
  const el = h('article', { class: 'page node-page', 'data-node': n.id }, header, h('div', { class: 'node-grid' }, main, side));

  store.detail(i).then(
    (d) => fill(store, i, d, main, side),
    (e: Error) => main.replaceChildren(h('div', { class: 'error-box' }, `Could not load the details: ${e.message}`)),
  );
  return { el };
}

function fill(store: Store, i: number, d: NodeDetail, main: HTMLElement, side: HTMLElement): void {
  const n = store.node(i);
  const blocks: (HTMLElement | null)[] = [];
  blocks.push(section('Description', n.desc.trim() ? trusted('div', 'markdown', markdown(n.desc)) : h('p', { class: 'muted' }, 'No description yet. Add one in a properties file (', h('code', null, 'description:'), ').')));
  if (n.type !== 'test') blocks.push(columnsCard(store, i, d));
  if (d.compileError) blocks.push(h('div', { class: 'error-box' }, h('b', null, 'Did not compile: '), d.compileError));
  if (d.raw !== null || d.compiled !== null) {
    const notCompiled = n.type === 'model' && store.materialized(i) === 'ephemeral' ? 'Ephemeral: inlined as a CTE into the models that use it.' : 'Not compiled (docs were generated with --no-compile, or it failed to compile).';
    blocks.push(
      section(
        'Code',
        codeBlock(
          [
            { label: 'Source', sql: d.raw },
            { label: 'Compiled', sql: d.compiled, empty: notCompiled },
          ],
          d.compiled ? 1 : 0,
        ),
      ),
    );
  }
  blocks.push(configCard(store, i));
  main.replaceChildren(...blocks.filter((b): b is HTMLElement => b !== null));

  const cards: (HTMLElement | null)[] = [];
  cards.push(detailsCard(store, i, d));
  cards.push(runsCard(store, i, d));
  if (n.type !== 'test') cards.push(testsCard(store, i));
  cards.push(depsCard(store, i, d));
  side.replaceChildren(...cards.filter((c): c is HTMLElement => c !== null));
}

function detailsCard(store: Store, i: number, d: NodeDetail): HTMLElement {
  const n = store.node(i);
  const rowsOut: [string, HTMLElement | string][] = d.facts.map(([k, v]) => [k, v]);
  if (n.type === 'test' && n.on !== undefined) {
    const at = rowsOut.findIndex(([k]) => k === 'Tests');
    if (at >= 0) rowsOut[at] = ['Tests', nodeLink(store, n.on)];
  }
  if (d.catalog) {
    rowsOut.push(['Warehouse', d.catalog.type === 'VIEW' ? 'view' : 'table']);
    if (d.catalog.rowCount !== null) rowsOut.push(['Rows', rows(d.catalog.rowCount)]);
    if (d.catalog.owner) rowsOut.push(['Owner', d.catalog.owner]);
    if (d.catalog.comment) rowsOut.push(['Comment', d.catalog.comment]);
  } else if (n.rel) rowsOut.push(['Warehouse', h('span', { class: 'muted' }, 'not found (not built yet?)')]);
  for (const [k, v] of Object.entries(d.meta)) rowsOut.push([`meta.${k}`, typeof v === 'string' ? v : JSON.stringify(v)]);
  return section('Details', h('dl', { class: 'facts' }, ...rowsOut.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)])));
}

function runsCard(store: Store, i: number, d: NodeDetail): HTMLElement | null {
  if (!d.history.length) return section('Runs', h('p', { class: 'muted' }, 'Not part of any recorded run yet.'));
  const n = store.node(i);
  const runs = store.core.runs;
  const lastH = d.history[d.history.length - 1];
  const ran = d.history.filter((x) => x[1] !== 'skipped');
  const avg = ran.length ? ran.reduce((s, x) => s + x[2], 0) / ran.length : 0;
  const bad = d.history.filter((x) => x[1] === 'error' || x[1] === 'fail').length;
  return section(
    'Runs',
    h('div', { class: 'run-last' }, statusPill(lastH[1], `${seconds(lastH[2])}`), h('span', { class: 'muted small' }, ` ${when(runs[lastH[0]].startedAt)}`)),
    h('div', { class: 'muted small' }, `${count(d.history.length, 'run')} recorded · average ${seconds(avg)}${bad ? ` · ${bad} failed` : ''}`),
    h('div', { class: 'strip-wrap', title: 'Status in each recorded run, oldest first' }, statusStrip(d.history, runs)),
    n.type !== 'test' && ran.length > 1 ? h('div', { class: 'spark-wrap', title: 'Duration over the recorded runs' }, sparkline(ran.map((x) => ({ run: x[0], value: x[2], status: x[1] })), runs, 260, 44)) : null,
    h('a', { class: 'small', href: `#/runs?node=${encodeURIComponent(n.id)}` }, 'Duration trend →'),
  );
}

function testsCard(store: Store, i: number): HTMLElement | null {
  const own = store.testsOf[i].filter((t) => !store.node(t).col);
  const using = store.testsUsing[i];
  if (!own.length && !using.length && !store.testsOf[i].length) return null;
  const onColumns = store.testsOf[i].length - own.length;
  return section(
    'Data tests',
    own.length ? h('div', { class: 'chip-row' }, ...own.map((t) => testChip(store, t))) : null,
    onColumns ? h('p', { class: 'muted small' }, `${count(onColumns, 'column test')}: see Columns.`) : null,
    using.length ? h('div', null, h('div', { class: 'sub-title' }, 'Other tests that read it'), h('div', { class: 'chip-row' }, ...using.map((t) => testChip(store, t)))) : null,
  );
}

function depsCard(store: Store, i: number, d: NodeDetail): HTMLElement {
  const n = store.node(i);
  const ups = n.parents;
  const downs = store.children[i].filter((c) => store.node(c).type !== 'test');
  const list = (items: readonly number[], none: string) =>
    items.length ? h('ul', { class: 'dep-list' }, ...items.map((c) => h('li', null, nodeLink(store, c)))) : h('p', { class: 'muted small' }, none);
  const macros = d.macros.filter((m) => store.macroById.has(m));
  return section(
    'Lineage',
    h('div', { class: 'sub-title' }, `Depends on (${ups.length})`),
    list(ups, n.type === 'source' ? 'A source: data loaded from outside the project.' : 'Nothing upstream.'),
    h('div', { class: 'sub-title' }, `Referenced by (${downs.length})`),
    list(downs, 'Nothing downstream yet.'),
    macros.length
      ? h('div', null, h('div', { class: 'sub-title' }, `Macros (${macros.length})`), h('ul', { class: 'dep-list' }, ...macros.map((m) => h('li', null, h('a', { class: 'node-link', href: macroHref(m) }, store.core.macros[store.macroById.get(m)!].name)))))
      : null,
  );
}

function columnsCard(store: Store, i: number, d: NodeDetail): HTMLElement {
  const declared = new Map(d.columns.map((c) => [c.name.toLowerCase(), c]));
  const fromDb = d.catalog?.columns ?? [];
  const names: string[] = [...fromDb.map((c) => c.name)];
  const seen = new Set(names.map((c) => c.toLowerCase()));
  for (const c of d.columns) if (!seen.has(c.name.toLowerCase())) names.push(c.name);
  const dbType = new Map(fromDb.map((c) => [c.name.toLowerCase(), c]));
  const testsByColumn = new Map<string, number[]>();
  for (const t of store.testsOf[i]) {
    const col = store.node(t).col;
    if (!col) continue;
    const key = col.toLowerCase().replace(/^"|"$/g, '');
    testsByColumn.set(key, [...(testsByColumn.get(key) ?? []), t]);
  }
  if (!names.length) return section('Columns', h('p', { class: 'muted' }, d.catalog ? 'No columns.' : 'No columns declared, and the relation was not found in the warehouse.'));
  const body = names.map((name) => {
    const key = name.toLowerCase();
    const dec = declared.get(key);
    const db = dbType.get(key);
    const tests = testsByColumn.get(key) ?? [];
    const typeCell = h(
      'td',
      { class: 'col-type' },
      db ? h('code', null, db.type) : null,
      dec?.declaredType && (!db || dec.declaredType.toLowerCase() !== db.type.toLowerCase()) ? h('div', { class: 'muted small' }, `declared ${dec.declaredType}`) : null,
      !db && !dec?.declaredType ? h('span', { class: 'muted' }, '—') : null,
      ...(dec?.constraints ?? []).map((c) => h('div', { class: 'muted small' }, c)),
    );
    const desc = dec?.description ? trusted('div', 'markdown compact', markdown(dec.description)) : db?.comment ? h('div', null, db.comment) : h('span', { class: 'muted' }, '');
    const warn = d.catalog && !db ? h('div', { class: 'muted small' }, 'declared, but not in the warehouse') : null;
    return h('tr', { 'data-column': name }, h('td', { class: 'col-name' }, h('code', null, name), warn), typeCell, h('td', { class: 'col-desc' }, desc), h('td', { class: 'col-tests' }, ...tests.map((t) => testChip(store, t))));
  });
  return section(
    `Columns (${names.length})`,
    h('div', { class: 'table-wrap' }, h('table', { class: 'columns' }, h('thead', null, h('tr', null, h('th', null, 'Column'), h('th', null, 'Type'), h('th', null, 'Description'), h('th', null, 'Tests'))), h('tbody', null, ...body))),
  );
}

function configCard(store: Store, i: number): HTMLElement | null {
  const cfg = store.config(i);
  const entries = Object.entries(cfg).filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && !v.length) && !(typeof v === 'object' && !Array.isArray(v) && !Object.keys(v as object).length));
  if (!entries.length) return null;
  entries.sort(([a], [b]) => (a === 'materialized' ? -1 : b === 'materialized' ? 1 : a.localeCompare(b)));
  return section(
    'Config',
    h('dl', { class: 'facts config' }, ...entries.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, h('code', null, typeof v === 'string' ? v : JSON.stringify(v)))])),
  );
}
