// Runs: every recorded run/build/test/seed as a bar (duration, outcome), the details of one
// run, the slowest models with their duration trend, and each test's pass/fail history.
import type { Store } from '../data.js';
import { h, svg } from '../dom.js';
import { count, seconds, STATUS_COLOR, when } from '../format.js';
import { runBars, runLabel, sparkline, trendChart } from '../charts.js';
import { nodeLink, section, statusPill } from '../widgets.js';
import type { NodeHistory, RunStatus } from '../../site-types.js';
import type { Route } from '../routes.js';
import type { PageView } from './page.js';

export function runsPage(store: Store, route: Route, go: (href: string) => void): PageView {
  const { runs, runsOverview } = store.core;
  if (!runs.length) {
    return {
      el: h(
        'div',
        { class: 'page runs-page' },
        h('h1', { class: 'page-title' }, 'Runs'),
        section('No runs recorded yet', h('p', null, 'Every ', h('code', null, 'kiln run'), ', ', h('code', null, 'build'), ', ', h('code', null, 'test'), ' and ', h('code', null, 'seed'), ' appends its results to ', h('code', null, 'target/run_history.jsonl'), ' (the last 100 runs). Run one, then ', h('code', null, 'kiln docs generate'), ' again.')),
      ),
    };
  }
  const picked = Math.min(runs.length - 1, Math.max(0, Number(route.params.get('run') ?? runs.length - 1) || 0));
  const href = (params: Record<string, string | null>) => {
    const p = new URLSearchParams(route.params);
    for (const [k, v] of Object.entries(params)) {
      if (v === null) p.delete(k);
      else p.set(k, v);
    }
    return `#/runs?${p.toString()}`;
  };

  const ok = runs.filter((r) => r.status === 'success').length;
  const sorted = [...runs.map((r) => r.elapsed)].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const head = h(
    'header',
    { class: 'page-head' },
    h('h1', { class: 'page-title' }, 'Runs'),
    h(
      'div',
      { class: 'stats small-stats' },
      h('div', { class: 'stat' }, h('div', { class: 'stat-value' }, String(runs.length)), h('div', { class: 'stat-label' }, 'runs recorded')),
      h('div', { class: 'stat', style: `--c:${ok === runs.length ? STATUS_COLOR.success : STATUS_COLOR.warn}` }, h('div', { class: 'stat-value' }, `${Math.round((ok / runs.length) * 100)}%`), h('div', { class: 'stat-label' }, 'succeeded')),
      h('div', { class: 'stat' }, h('div', { class: 'stat-value' }, seconds(median)), h('div', { class: 'stat-label' }, 'median duration')),
      h('div', { class: 'stat' }, h('div', { class: 'stat-value' }, seconds(runs[runs.length - 1].elapsed)), h('div', { class: 'stat-label' }, 'latest run')),
    ),
  );

  const timeline = section('Run history', h('p', { class: 'muted small' }, 'Each bar is a run: its height the duration, its colour the outcome. Click one for its details.'), h('div', { class: 'chart-wrap' }, runBars(runs, picked, (r) => go(href({ run: String(r) })))));

  const run = runs[picked];
  const detail = runsOverview.details[picked];
  const nodeRef = (node: number | string) => (typeof node === 'number' ? nodeLink(store, node) : h('code', null, node));
  const runCard = section(
    `Run ${picked + 1}: kiln ${run.command}`,
    h(
      'div',
      { class: 'run-summary' },
      statusPill(run.status === 'success' ? 'success' : run.status === 'error' ? 'error' : 'warn', run.status === 'success' || run.status === 'error' ? undefined : run.status),
      h('span', { class: 'muted' }, ` ${when(run.startedAt)} · ${seconds(run.elapsed)} · ${count(detail.total, 'node')}${run.select.length ? ` · --select ${run.select.join(' ')}` : ''}`),
    ),
    h('div', { class: 'count-chips' }, ...Object.entries(run.counts).map(([k, v]) => h('span', { class: 'count-chip', style: `--c:${STATUS_COLOR[k as RunStatus]}` }, `${v} ${k}`))),
    detail.problems.length
      ? h('div', null, h('div', { class: 'sub-title' }, 'What went wrong'), h('ul', { class: 'problem-list' }, ...detail.problems.map((p) => h('li', null, statusPill(p.status), ' ', nodeRef(p.node), h('div', { class: 'muted small problem-msg' }, p.message)))))
      : h('p', { class: 'muted small' }, 'Nothing failed.'),
    h('div', { class: 'sub-title' }, 'Slowest in this run'),
    h('ol', { class: 'slow-list' }, ...detail.slowest.map((s) => h('li', null, nodeRef(s.node), h('span', { class: 'muted small' }, ` ${seconds(s.seconds)}`)))),
  );

  // Slowest models, averaged over the runs they were in, with their trend.
  const slow = runsOverview.slowest;
  const maxAvg = Math.max(...slow.map((s) => s.avg), 1e-6);
  const chosenId = route.params.get('node');
  const chosen = chosenId ? store.byId.get(chosenId) : slow[0]?.node;
  const slowCard = section(
    'Slowest models',
    h('p', { class: 'muted small' }, 'Average duration over the recorded runs; the line shows each run. Click a model to see its trend below.'),
    slow.length
      ? h(
          'table',
          { class: 'slow-table' },
          h('tbody', null, ...slow.map((s) => {
            const tr = h(
              'tr',
              { class: s.node === chosen ? 'picked' : '' },
              h('td', { class: 'slow-name' }, nodeLink(store, s.node)),
              h('td', { class: 'slow-bar' }, h('div', null, h('div', { class: 'hbar', style: `width:${((s.avg / maxAvg) * 80).toFixed(1)}%` }), h('span', { class: 'hbar-label' }, seconds(s.avg)))),
              h('td', { class: 'slow-spark' }, sparkline(s.history.filter((x) => x[1] !== 'skipped').map((x) => ({ run: x[0], value: x[2], status: x[1] })), runs)),
              h('td', { class: 'muted small slow-max' }, `max ${seconds(s.max)}`),
            );
            tr.addEventListener('click', (ev) => {
              if ((ev.target as HTMLElement).closest('a')) return;
              go(href({ node: store.node(s.node).id }));
            });
            return tr;
          })),
        )
      : h('p', { class: 'muted' }, 'No models ran yet.'),
  );

  const trendBody = h('div', { class: 'chart-wrap' });
  const trendCard = section(chosen !== undefined ? `Duration trend: ${store.node(chosen).name}` : 'Duration trend', trendBody);
  if (chosen !== undefined) {
    const fromOverview = slow.find((s) => s.node === chosen)?.history;
    const show = (hist: NodeHistory) => trendBody.replaceChildren(hist.length ? trendChart(hist, runs) : h('p', { class: 'muted' }, 'This node is not part of any recorded run.'));
    if (fromOverview) show(fromOverview);
    else {
      trendBody.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
      store.detail(chosen).then((d) => show(d.history), () => show([]));
    }
  } else trendBody.replaceChildren(h('p', { class: 'muted' }, 'Pick a model above.'));

  const testsCard = section(
    'Data tests over time',
    h('p', { class: 'muted small' }, `${count(runsOverview.testsTotal, 'test')} recorded${runsOverview.testsTotal > runsOverview.tests.length ? `; the ${runsOverview.tests.length} shown are those that failed or warned most` : ''}. Each square is one run, oldest left.`),
    testGrid(store, runsOverview.tests),
  );

  return { el: h('div', { class: 'page runs-page' }, head, timeline, h('div', { class: 'runs-grid' }, runCard, slowCard), trendCard, testsCard) };
}

function testGrid(store: Store, tests: readonly { node: number; history: NodeHistory }[]): HTMLElement {
  const runs = store.core.runs;
  // Only runs in which some test ran get a column.
  const used = [...new Set(tests.flatMap((t) => t.history.map((x) => x[0])))].sort((a, b) => a - b).slice(-50);
  if (!tests.length || !used.length) return h('p', { class: 'muted' }, 'No tests ran yet.');
  const col = new Map(used.map((r, k) => [r, k]));
  const cell = 12;
  const gap = 3;
  const width = used.length * (cell + gap);
  const rowsEl = tests.map((t) => {
    const s = svg('svg', { class: 'grid-row', width, height: cell, viewBox: `0 0 ${width} ${cell}` });
    const byRun = new Map(t.history.map((x) => [x[0], x]));
    for (const r of used) {
      const x = byRun.get(r);
      s.appendChild(
        svg(
          'rect',
          { x: col.get(r)! * (cell + gap), y: 0, width: cell, height: cell, rx: 2.5, fill: x ? STATUS_COLOR[x[1]] : '#eef1f5' },
          svg('title', {}, `${runLabel(runs[r])}: ${x ? `${x[1]}${x[3] ? `, ${x[3]} failing rows` : ''}` : 'not run'}`),
        ),
      );
    }
    const failed = t.history.filter((x) => x[1] === 'fail' || x[1] === 'error').length;
    const n = store.node(t.node);
    return h(
      'div',
      { class: 'grid-line' },
      h('div', { class: 'grid-name' }, nodeLink(store, t.node), n.on !== undefined ? h('span', { class: 'muted small' }, ` on ${store.node(n.on).name}${n.col ? `.${n.col}` : ''}`) : null),
      s,
      h('div', { class: `grid-fails${failed ? ' bad' : ''}` }, failed ? `${failed}✗` : '✓'),
    );
  });
  return h('div', { class: 'test-grid' }, ...rowsEl);
}
