// The lineage page: the whole graph (laid out at generate time), a node in focus with adjustable
// upstream/downstream depth, a selector box, the path between two nodes, colours by type.
// Everything it shows is in the URL, so a view can be bookmarked and shared.
import type { Store } from '../data.js';
import { h } from '../dom.js';
import { count, TYPE_COLOR, TYPE_LABEL } from '../format.js';
import { plain } from '../markdown.js';
import { lineageHref, lineageState, nodeHref, type LineageState, type Route } from '../routes.js';
import { GraphView } from '../lineage/graph-view.js';
import { Selector } from '../lineage/selector.js';
import { focusSet, fullGraph, layoutSet, pathSet, type ViewGraph } from '../lineage/subgraph.js';
import type { PageView } from './page.js';

const DEPTHS = ['0', '1', '2', '3', '4', '5', '8', 'all'];
/** Above this many nodes a selection is shown inside the whole graph instead of laid out anew. */
const RELAYOUT_LIMIT = 4000;

let selectorCache: { store: Store; selector: Selector } | null = null;
let fullCache: { store: Store; graph: ViewGraph } | null = null;

export function lineagePage(store: Store, go: (href: string) => void): PageView {
  const selector = selectorCache?.store === store ? selectorCache.selector : (selectorCache = { store, selector: new Selector(store) }).selector;
  const full = () => (fullCache?.store === store ? fullCache.graph : (fullCache = { store, graph: fullGraph(store) }).graph);
  let state: LineageState = {};
  let viewKey = '';
  let selected: number | null = null;
  let pickingPathFrom: number | null = null;
  let drawCount = 0;

  const selectInput = h('input', { class: 'sel-input', type: 'text', placeholder: '+orders   tag:finance   @stg_payments', 'aria-label': 'Select (CLI selector syntax)', spellcheck: 'false', autocomplete: 'off' });
  const excludeInput = h('input', { class: 'sel-input sel-exclude', type: 'text', placeholder: 'exclude…', 'aria-label': 'Exclude (CLI selector syntax)', spellcheck: 'false', autocomplete: 'off' });
  const depthSelect = (label: string, title: string) =>
    h('select', { class: 'depth', 'aria-label': label, title }, ...DEPTHS.map((d) => h('option', { value: d }, d === 'all' ? '∞' : d)));
  const upSelect = depthSelect('Upstream depth', 'How many levels of parents to show');
  const downSelect = depthSelect('Downstream depth', 'How many levels of children to show');
  const testsBox = h('input', { type: 'checkbox', 'aria-label': 'Show tests' });
  const status = h('div', { class: 'lineage-status', role: 'status' });
  const panel = h('aside', { class: 'node-panel', hidden: true });

  const apply = () => {
    const sel = selectInput.value.trim();
    const exc = excludeInput.value.trim();
    go(lineageHref({ select: sel || null, exclude: exc || null, tests: state.tests, focus: sel || exc ? null : state.focus, up: state.up, down: state.down }));
  };
  const onEnter = (ev: KeyboardEvent) => {
    if (ev.key === 'Enter') apply();
    if (ev.key === 'Escape') (ev.target as HTMLInputElement).blur();
  };
  selectInput.addEventListener('keydown', onEnter);
  excludeInput.addEventListener('keydown', onEnter);
  const depthValue = (v: string): number | null => (v === 'all' ? null : Number(v));
  upSelect.addEventListener('change', () => go(lineageHref({ ...state, up: depthValue(upSelect.value) })));
  downSelect.addEventListener('change', () => go(lineageHref({ ...state, down: depthValue(downSelect.value) })));
  testsBox.addEventListener('change', () => go(lineageHref({ ...state, tests: testsBox.checked })));

  const view = new GraphView(store, {
    select: (node, ev) => {
      if (node !== null && (ev.shift || pickingPathFrom !== null) && (pickingPathFrom ?? selected) !== null && node !== (pickingPathFrom ?? selected)) {
        const from = store.node((pickingPathFrom ?? selected)!).id;
        pickingPathFrom = null;
        go(lineageHref({ ...state, path: [from, store.node(node).id] }));
        return;
      }
      pickingPathFrom = null;
      choose(node);
    },
    open: (node) => go(nodeHref(store.node(node).id)),
    drawn: (ms) => {
      drawCount++;
      el.dataset.view = viewKey;
      el.dataset.drawn = String(drawCount);
      const g = view.graph;
      const api = (window.kilnDocs ??= {});
      api.lastDraw = { view: viewKey, nodes: g?.nodes.length ?? 0, ms };
      api.lineage = () => view.boxes().map((b) => ({ ...b, id: store.node(b.node).id }));
    },
  });

  const focusControls = h(
    'div',
    { class: 'tool-group focus-controls' },
    h('label', { class: 'tool-label', title: 'Upstream depth' }, '↑ up', upSelect),
    h('label', { class: 'tool-label', title: 'Downstream depth' }, '↓ down', downSelect),
  );
  const toolbar = h(
    'div',
    { class: 'lineage-toolbar' },
    h(
      'div',
      { class: 'tool-group grow' },
      h('span', { class: 'tool-prefix' }, '--select'),
      selectInput,
      h('span', { class: 'tool-prefix' }, '--exclude'),
      excludeInput,
      h('button', { class: 'btn primary', onclick: apply }, 'Apply'),
      h('button', { class: 'btn', title: 'Back to the whole graph', onclick: () => go(lineageHref({ tests: state.tests })) }, 'Reset'),
    ),
    focusControls,
    h('label', { class: 'tool-label' }, testsBox, 'tests'),
    h('button', { class: 'btn icon', title: 'Fit to screen (0)', onclick: () => view.fit() }, 'Fit'),
  );
  const legend = h(
    'div',
    { class: 'legend' },
    ...(['source', 'seed', 'model', 'snapshot', 'exposure', 'analysis', 'test'] as const)
      .filter((t) => store.core.nodes.some((n) => n.type === t))
      .map((t) => h('span', { class: 'legend-item' }, h('span', { class: 'type-dot', style: `background:${TYPE_COLOR[t]}` }), TYPE_LABEL[t])),
  );
  const help = h('div', { class: 'graph-help' }, 'drag to pan · scroll to zoom · click to select · double-click to open · shift-click a second node for the path');
  const stage = h('div', { class: 'lineage-stage' }, view.el, legend, help, panel);
  const el = h('div', { class: 'page lineage-page' }, toolbar, status, stage);

  function showPanel(): void {
    if (selected === null) {
      panel.hidden = true;
      return;
    }
    const i = selected;
    const n = store.node(i);
    const mat = store.materialized(i);
    const ups = n.parents.length;
    const downs = store.children[i].filter((c) => store.node(c).type !== 'test').length;
    panel.replaceChildren(
      h('button', { class: 'panel-close', 'aria-label': 'Close', onclick: () => choose(null) }, '×'),
      h('div', { class: 'panel-type' }, h('span', { class: 'type-dot', style: `background:${TYPE_COLOR[n.type]}` }), TYPE_LABEL[n.type], mat ? ` · ${mat}` : ''),
      h('h3', { class: 'panel-name' }, n.src ? `${n.src}.${n.name}` : n.name),
      n.desc ? h('p', { class: 'panel-desc' }, plain(n.desc, 260)) : h('p', { class: 'panel-desc muted' }, 'No description.'),
      h('div', { class: 'panel-meta' }, `${count(ups, 'parent')} · ${count(downs, 'child', 'children')}${n.cols.length ? ` · ${count(n.cols.length, 'column')}` : ''}`),
      h(
        'div',
        { class: 'panel-actions' },
        h('a', { class: 'btn primary', href: nodeHref(n.id) }, 'Open page'),
        h('a', { class: 'btn', href: lineageHref({ focus: n.id, up: state.focus ? state.up : undefined, down: state.focus ? state.down : undefined, tests: state.tests }) }, 'Focus'),
        h(
          'button',
          {
            class: 'btn',
            onclick: () => {
              pickingPathFrom = i;
              status.textContent = `Click another node to highlight the path from ${n.name}.`;
            },
          },
          'Path to…',
        ),
      ),
    );
    panel.hidden = false;
  }

  function choose(node: number | null): void {
    selected = node;
    view.setEmphasis({ selected: node });
    showPanel();
  }

  function render(route: Route): void {
    state = lineageState(route.params);
    selectInput.value = state.select ?? '';
    excludeInput.value = state.exclude ?? '';
    testsBox.checked = !!state.tests;
    upSelect.value = state.up === null || state.up === undefined ? 'all' : String(state.up);
    downSelect.value = state.down === null || state.down === undefined ? 'all' : String(state.down);
    const focus = state.focus ? store.byId.get(state.focus) ?? null : null;
    focusControls.hidden = focus === null;
    status.classList.remove('error');
    let hiddenTests = 0;
    // Tests unless ticked, and nodes whose docs config hides them (never counted: dbt's docs
    // leave them out without a word).
    const keepTests = (set: Set<number>) => {
      for (const i of set) {
        const n = store.node(i);
        if (n.hide) set.delete(i);
        else if (!state.tests && n.type === 'test') {
          set.delete(i);
          hiddenTests++;
        }
      }
      return set;
    };

    let set: Set<number> | null = null;
    let what = '';
    if (state.select || state.exclude) {
      try {
        set = keepTests(selector.select(state.select ?? '', state.exclude ?? ''));
        what = `matching ${[state.select ? `--select ${state.select}` : '', state.exclude ? `--exclude ${state.exclude}` : ''].filter(Boolean).join(' ')}`;
      } catch (e) {
        const err = e as Error & { hint?: string };
        status.classList.add('error');
        status.textContent = `${err.message}${err.hint ? ` — ${err.hint}` : ''}`;
        set = new Set();
      }
    } else if (focus !== null) {
      set = focusSet(store, focus, state.up ?? null, state.down ?? null, !!state.tests);
      const depth = (d: number | null | undefined) => (d === null || d === undefined ? 'all' : String(d));
      what = `around ${store.node(focus).name} (${depth(state.up)} up, ${depth(state.down)} down)`;
    } else if (state.tests && store.core.nodes.length <= RELAYOUT_LIMIT) {
      set = keepTests(new Set(store.core.nodes.map((_, i) => i)));
    }

    let path: Set<number> | null = null;
    if (state.path) {
      const a = store.byId.get(state.path[0]);
      const b = store.byId.get(state.path[1]);
      if (a !== undefined && b !== undefined) {
        path = pathSet(store, a, b);
        if (set) for (const i of path) set.add(i);
        what += `${what ? '; ' : ''}${path.size ? `path ${store.node(a).name} → ${store.node(b).name}: ${count(path.size, 'node')}` : `no path between ${store.node(a).name} and ${store.node(b).name}`}`;
      }
    }

    let graph: ViewGraph;
    let match: Set<number> | null = null;
    if (set === null) graph = full();
    else if (set.size > RELAYOUT_LIMIT) {
      graph = full();
      match = set;
    } else graph = layoutSet(store, set);

    // Names what is drawn, for tests and benchmarks waiting on a view (window.kilnDocs.lastDraw).
    viewKey = focus !== null && !state.select && !state.exclude ? `focus:${store.node(focus).id}:${state.up ?? 'all'}:${state.down ?? 'all'}${state.path ? `|path=${state.path.join('~')}` : ''}` : route.params.toString() || 'all';
    if (!status.classList.contains('error')) {
      const shown = match ? match.size : graph.nodes.length;
      const tests = hiddenTests ? ` (and ${count(hiddenTests, 'test')}: tick “tests” to show them)` : '';
      status.textContent =
        set !== null && shown === 0 && !path?.size
          ? hiddenTests
            ? `Only tests match ${what.replace(/^matching /, '')}: ${count(hiddenTests, 'test')}. Tick “tests” to show them.`
            : `Nothing matches ${what.replace(/^matching /, '')}.`
          : `${count(shown, 'node')}${what ? ` ${what}` : ` — the whole project${shown > 1500 ? '. Zoom in, or click a node and Focus, or --select, to see names' : ''}`}${tests}`;
    }
    if (selected !== null && !graph.nodes.includes(selected) && !(match?.has(selected) ?? false)) selected = null;
    view.setEmphasis({ focus, selected, path: path && path.size ? path : null, match });
    view.setInsetRight(selected !== null ? 340 : 0);
    view.setGraph(graph, focus ?? 'fit');
    showPanel();
  }

  return {
    el,
    update: (route) => {
      render(route);
      return true;
    },
    mounted: () => view.el.querySelector('canvas')?.focus({ preventScroll: true }),
    destroy: () => view.destroy(),
    render,
  };
}
