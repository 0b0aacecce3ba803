// The landing page: the project's `__overview__` doc block, what the project holds, and how
// the latest run went.
import type { Store } from '../data.js';
import { h, trusted } from '../dom.js';
import { ago, count, seconds, TYPE_COLOR, when } from '../format.js';
import { markdown } from '../markdown.js';
import { lineageHref } from '../routes.js';
import { nodeLink, section, statusPill } from '../widgets.js';
import type { NodeKind } from '../../site-types.js';
import type { PageView } from './page.js';

export function overviewPage(store: Store): PageView {
  const { core } = store;
  const counts = new Map<NodeKind, number>();
  for (const n of core.nodes) counts.set(n.type, (counts.get(n.type) ?? 0) + 1);
  const stat = (type: NodeKind | 'macro', label: string, value: number, href?: string) =>
    h(href ? 'a' : 'div', { class: 'stat', style: `--c:${TYPE_COLOR[type]}`, ...(href ? { href } : {}) }, h('div', { class: 'stat-value' }, value.toLocaleString('en-US')), h('div', { class: 'stat-label' }, label));
  const stats = h(
    'div',
    { class: 'stats' },
    stat('model', 'models', counts.get('model') ?? 0, lineageHref({ select: 'resource_type:model' })),
    stat('source', 'sources', counts.get('source') ?? 0, lineageHref({ select: 'resource_type:source' })),
    stat('seed', 'seeds', counts.get('seed') ?? 0, lineageHref({ select: 'resource_type:seed' })),
    (counts.get('snapshot') ?? 0) ? stat('snapshot', 'snapshots', counts.get('snapshot')!) : null,
    stat('test', 'data tests', counts.get('test') ?? 0),
    stat('macro', 'macros', core.macros.length),
  );

  const lastRun = core.runs.length ? core.runs[core.runs.length - 1] : null;
  const detail = lastRun ? core.runsOverview.details[core.runs.length - 1] : null;
  const runCard = lastRun
    ? section(
        'Latest run',
        h(
          'div',
          { class: 'run-summary' },
          statusPill(lastRun.status === 'success' ? 'success' : lastRun.status === 'error' ? 'error' : 'warn', `kiln ${lastRun.command}`),
          h('span', { class: 'muted' }, ` ${when(lastRun.startedAt)} (${ago(lastRun.startedAt)}) · ${seconds(lastRun.elapsed)} · ${Object.entries(lastRun.counts).map(([k, v]) => `${v} ${k}`).join(', ')}`),
        ),
        detail?.problems.length
          ? h(
              'ul',
              { class: 'problem-list' },
              ...detail.problems.slice(0, 8).map((p) => h('li', null, statusPill(p.status), ' ', typeof p.node === 'number' ? nodeLink(store, p.node) : h('code', null, p.node), h('div', { class: 'muted small problem-msg' }, p.message))),
            )
          : null,
        h('a', { href: '#/runs' }, `All ${count(core.runs.length, 'recorded run')} →`),
      )
    : section('Runs', h('p', { class: 'muted' }, 'No runs recorded yet. ', h('code', null, 'kiln build'), ' records every run; generate the docs again afterwards to see them here.'));

  const intro = core.project.overview
    ? trusted('div', 'markdown overview', markdown(core.project.overview))
    : h(
        'div',
        { class: 'markdown overview' },
        h('h1', null, core.project.name),
        h('p', null, 'Welcome to the documentation of this project. Find a model with the search box (press ', h('kbd', null, '/'), '), browse the tree on the left, or explore the ', h('a', { href: '#/lineage' }, 'lineage graph'), '.'),
        h('p', { class: 'muted' }, 'Write your own introduction in a ', h('code', null, '{% docs __overview__ %}'), ' block in any .md file of the project.'),
      );

  const warnings = core.project.catalogErrors.length
    ? h('div', { class: 'error-box' }, h('b', null, 'The warehouse could not be read completely: '), core.project.catalogErrors.join('; '))
    : null;

  const el = h(
    'div',
    { class: 'page overview-page' },
    h('div', { class: 'overview-grid' }, h('div', { class: 'overview-main card' }, intro), h('div', { class: 'overview-side' }, stats, runCard, warnings)),
    h('p', { class: 'generated muted small' }, `Generated ${when(core.project.generatedAt)} by kiln ${core.project.kilnVersion} on ${core.project.adapterType}.`),
  );
  return { el };
}
