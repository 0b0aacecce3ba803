// Small inline-SVG charts for run history: sparklines, status strips, bar charts, a line chart
// with axes, and a pass/fail grid. Each mark carries a <title>, so hovering explains it.
import { svg } from './dom.js';
import { seconds, STATUS_COLOR, when } from './format.js';
import type { NodeHistory, RunStatus, SiteRun } from '../site-types.js';

export interface Point {
  readonly run: number;
  readonly value: number;
  readonly status: RunStatus;
}

function title(text: string): SVGTitleElement {
  return svg('title', {}, text);
}

/** A tiny duration trend (no axes), coloured dots where a run failed. */
export function sparkline(points: readonly Point[], runs: readonly SiteRun[], width = 120, height = 28): SVGSVGElement {
  const root = svg('svg', { class: 'spark', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  if (!points.length) return root;
  const max = Math.max(...points.map((p) => p.value), 1e-6);
  const pad = 3;
  const xs = (i: number) => (points.length === 1 ? width / 2 : pad + (i * (width - pad * 2)) / (points.length - 1));
  const ys = (v: number) => height - pad - (v / max) * (height - pad * 2);
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${xs(i).toFixed(1)},${ys(p.value).toFixed(1)}`).join('');
  const area = `${d}L${xs(points.length - 1).toFixed(1)},${height - pad}L${xs(0).toFixed(1)},${height - pad}Z`;
  root.appendChild(svg('path', { d: area, class: 'spark-area' }));
  root.appendChild(svg('path', { d, class: 'spark-line' }));
  points.forEach((p, i) => {
    const bad = p.status === 'error' || p.status === 'fail' || p.status === 'warn';
    if (!bad && i !== points.length - 1) return;
    root.appendChild(
      svg('circle', { cx: xs(i).toFixed(1), cy: ys(p.value).toFixed(1), r: 2.6, fill: STATUS_COLOR[p.status] }, title(`${runLabel(runs[p.run])}: ${p.status}, ${seconds(p.value)}`)),
    );
  });
  return root;
}

/** One square per recorded run, coloured by the node's status in it (blank: not part of the run). */
export function statusStrip(history: NodeHistory, runs: readonly SiteRun[], maxRuns = 40): SVGSVGElement {
  const shown = runs.length > maxRuns ? runs.length - maxRuns : 0;
  const cell = 10;
  const gap = 3;
  const n = runs.length - shown;
  const width = Math.max(1, n * (cell + gap) - gap);
  const root = svg('svg', { class: 'strip', width, height: cell, viewBox: `0 0 ${width} ${cell}`, role: 'img' });
  const byRun = new Map(history.map((h) => [h[0], h]));
  for (let r = shown; r < runs.length; r++) {
    const h = byRun.get(r);
    const x = (r - shown) * (cell + gap);
    root.appendChild(
      svg(
        'rect',
        { x, y: 0, width: cell, height: cell, rx: 2.5, fill: h ? STATUS_COLOR[h[1]] : '#e8ecf2' },
        title(`${runLabel(runs[r])}: ${h ? `${h[1]}${h[3] ? ` (${h[3]} failing rows)` : ''}, ${seconds(h[2])}` : 'not run'}`),
      ),
    );
  }
  return root;
}

export function runLabel(run: SiteRun | undefined): string {
  return run ? `${run.command} · ${when(run.startedAt)}` : 'run';
}

/** Runs as bars: height is the run's duration, colour its outcome. */
export function runBars(runs: readonly SiteRun[], selected: number | null, onPick: (run: number) => void, width = 900, height = 170): SVGSVGElement {
  const root = svg('svg', { class: 'chart runs-chart', viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'Duration and outcome of each run' });
  const left = 46;
  const bottom = 22;
  const top = 10;
  const plotW = width - left - 8;
  const plotH = height - top - bottom;
  const max = niceMax(Math.max(...runs.map((r) => r.elapsed), 0.001));
  for (const f of [0, 0.5, 1]) {
    const y = top + plotH - f * plotH;
    root.appendChild(svg('line', { x1: left, x2: width - 8, y1: y, y2: y, class: 'grid' }));
    root.appendChild(svg('text', { x: left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, seconds(max * f)));
  }
  const slot = plotW / Math.max(runs.length, 1);
  const bw = Math.max(2, Math.min(26, slot * 0.7));
  runs.forEach((r, i) => {
    const hgt = Math.max(2, (r.elapsed / max) * plotH);
    const x = left + i * slot + (slot - bw) / 2;
    const color = r.status === 'success' ? STATUS_COLOR.success : r.status === 'error' ? STATUS_COLOR.error : STATUS_COLOR.warn;
    const bar = svg(
      'rect',
      { x: x.toFixed(1), y: (top + plotH - hgt).toFixed(1), width: bw.toFixed(1), height: hgt.toFixed(1), rx: Math.min(3, bw / 3), fill: color, class: `bar${i === selected ? ' picked' : ''}`, 'data-run': i, tabindex: 0 },
      title(`${runLabel(r)} — ${r.status}, ${seconds(r.elapsed)}${countsText(r)}`),
    );
    bar.addEventListener('click', () => onPick(i));
    bar.addEventListener('keydown', (ev) => {
      if ((ev as KeyboardEvent).key === 'Enter') onPick(i);
    });
    root.appendChild(bar);
  });
  const labelEvery = Math.max(1, Math.ceil(runs.length / 8));
  runs.forEach((r, i) => {
    if (i % labelEvery && i !== runs.length - 1) return;
    const d = new Date(r.startedAt);
    root.appendChild(svg('text', { x: (left + i * slot + slot / 2).toFixed(1), y: height - 6, class: 'axis', 'text-anchor': 'middle' }, Number.isNaN(d.getTime()) ? '' : `${d.getMonth() + 1}/${d.getDate()} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`));
  });
  return root;
}

function countsText(r: SiteRun): string {
  const parts = Object.entries(r.counts).map(([k, v]) => `${v} ${k}`);
  return parts.length ? `\n${parts.join(', ')}` : '';
}

/** Duration over runs for one node, with axes: the "is it getting slower?" chart. */
export function trendChart(history: NodeHistory, runs: readonly SiteRun[], width = 900, height = 200): SVGSVGElement {
  const root = svg('svg', { class: 'chart trend-chart', viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img' });
  const pts = history.filter((x) => x[1] !== 'skipped');
  if (!pts.length) return root;
  const left = 50;
  const bottom = 22;
  const top = 12;
  const plotW = width - left - 12;
  const plotH = height - top - bottom;
  const max = niceMax(Math.max(...pts.map((x) => x[2]), 0.001));
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    const y = top + plotH - f * plotH;
    root.appendChild(svg('line', { x1: left, x2: width - 12, y1: y, y2: y, class: 'grid' }));
    root.appendChild(svg('text', { x: left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, seconds(max * f)));
  }
  const n = runs.length;
  const xs = (run: number) => left + (n <= 1 ? plotW / 2 : (run / (n - 1)) * plotW);
  const ys = (v: number) => top + plotH - (v / max) * plotH;
  const d = pts.map((x, i) => `${i ? 'L' : 'M'}${xs(x[0]).toFixed(1)},${ys(x[2]).toFixed(1)}`).join('');
  root.appendChild(svg('path', { d: `${d}L${xs(pts[pts.length - 1][0]).toFixed(1)},${top + plotH}L${xs(pts[0][0]).toFixed(1)},${top + plotH}Z`, class: 'trend-area' }));
  root.appendChild(svg('path', { d, class: 'trend-line' }));
  for (const x of pts) {
    root.appendChild(svg('circle', { cx: xs(x[0]).toFixed(1), cy: ys(x[2]).toFixed(1), r: 3.5, fill: STATUS_COLOR[x[1]], class: 'trend-dot' }, title(`${runLabel(runs[x[0]])}: ${x[1]}, ${seconds(x[2])}`)));
  }
  return root;
}

/** Rounds a maximum up to 1, 2 or 5 times a power of ten, for friendly axis labels. */
export function niceMax(v: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
