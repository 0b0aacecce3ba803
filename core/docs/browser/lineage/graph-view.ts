// The lineage canvas: pan (drag), zoom (wheel, +/-), click to select, double-click to open,
// hover for details. One <canvas> instead of thousands of DOM nodes; edges are batched into a
// few paths, off-screen boxes are skipped, and when zoomed far out boxes become plain coloured
// rectangles without labels, so 10,000 nodes redraw in a frame.
import type { Store } from '../data.js';
import { h } from '../dom.js';
import { TYPE_COLOR, TYPE_LABEL } from '../format.js';
import { plain } from '../markdown.js';
import type { ViewGraph } from './subgraph.js';

export interface Emphasis {
  /** The node the view is about (a thicker ring). */
  readonly focus: number | null;
  readonly selected: number | null;
  /** Highlighted nodes (the path between two nodes); edges between two of them too. */
  readonly path: ReadonlySet<number> | null;
  /** When set, nodes outside it are faded (selector matches shown in the whole graph). */
  readonly match: ReadonlySet<number> | null;
}

export interface GraphViewEvents {
  readonly select: (node: number | null, ev: { readonly shift: boolean }) => void;
  readonly open: (node: number) => void;
  readonly drawn?: (ms: number) => void;
}

const NONE: Emphasis = { focus: null, selected: null, path: null, match: null };
const ACCENT = '#f05a28';
const PATH = '#f59e0b';

export class GraphView {
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly tip: HTMLElement;
  private readonly resize: ResizeObserver;
  private g: ViewGraph | null = null;
  private viewIndex = new Map<number, number>();
  private emphasis: Emphasis = NONE;
  private scale = 1;
  private tx = 0;
  private ty = 0;
  private w = 0;
  private hgt = 0;
  private frame = 0;
  private pendingFit: number | 'fit' | null = null;
  private labels = new Map<number, string>();
  private hover = -1;
  /** Width covered by an overlay on the right (the node panel): fitting keeps clear of it. */
  private insetRight = 0;

  constructor(
    private readonly store: Store,
    private readonly events: GraphViewEvents,
  ) {
    this.canvas = h('canvas', { class: 'graph-canvas', tabindex: '0', 'aria-label': 'Lineage graph: drag to pan, scroll to zoom, click a node to select it, double-click to open it' });
    this.tip = h('div', { class: 'graph-tip', hidden: true });
    this.el = h('div', { class: 'graph-view' }, this.canvas, this.tip);
    this.ctx = this.canvas.getContext('2d')!;
    this.resize = new ResizeObserver(() => this.measure());
    this.resize.observe(this.el);
    this.bindInput();
  }

  get graph(): ViewGraph | null {
    return this.g;
  }

  /** Shows a graph; `place` fits it all, or centres one node (global index) at a readable zoom. */
  setGraph(g: ViewGraph, place: number | 'fit' = 'fit'): void {
    this.g = g;
    this.viewIndex = new Map(g.nodes.map((n, i) => [n, i]));
    this.pendingFit = place;
    if (this.w) this.applyPlacement();
    this.request();
  }

  setInsetRight(px: number): void {
    this.insetRight = px;
  }

  setEmphasis(e: Partial<Emphasis>): void {
    this.emphasis = { ...this.emphasis, ...e };
    this.request();
  }

  /** Whether a node (global index) is in the view. */
  has(node: number): boolean {
    return this.viewIndex.has(node);
  }

  /** Where each node's box is on the page (CSS pixels), for tests and tools that drive the graph. */
  boxes(): { node: number; x: number; y: number; w: number; h: number }[] {
    const g = this.g;
    if (!g) return [];
    const r = this.canvas.getBoundingClientRect();
    const { w: bw, h: bh } = this.store.core.box;
    return g.nodes.map((node, v) => ({ node, x: r.left + this.tx + g.x[v] * this.scale, y: r.top + this.ty + g.y[v] * this.scale, w: bw * this.scale, h: bh * this.scale }));
  }

  fit(): void {
    this.pendingFit = 'fit';
    this.applyPlacement();
    this.request();
  }

  zoom(factor: number, cx = this.w / 2, cy = this.hgt / 2): void {
    const next = Math.min(4, Math.max(this.minScale(), this.scale * factor));
    const f = next / this.scale;
    this.tx = cx - (cx - this.tx) * f;
    this.ty = cy - (cy - this.ty) * f;
    this.scale = next;
    this.request();
  }

  destroy(): void {
    this.resize.disconnect();
    cancelAnimationFrame(this.frame);
  }

  /** Draws now (the next frame would do the same); returns the time it took. */
  drawNow(): number {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    return this.draw();
  }

  private measure(): void {
    const r = this.el.getBoundingClientRect();
    if (!r.width || !r.height) return;
    this.w = r.width;
    this.hgt = r.height;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(r.width * dpr);
    this.canvas.height = Math.round(r.height * dpr);
    this.canvas.style.width = `${r.width}px`;
    this.canvas.style.height = `${r.height}px`;
    if (this.pendingFit !== null) this.applyPlacement();
    this.drawNow();
  }

  private minScale(): number {
    if (!this.g) return 0.01;
    const { width, height } = this.g;
    return Math.min(0.5, Math.min(this.w / (width + 80), this.hgt / (height + 80)) * 0.5);
  }

  private applyPlacement(): void {
    const g = this.g;
    const place = this.pendingFit;
    if (!g || place === null || !this.w) return;
    this.pendingFit = null;
    const pad = 40;
    const fitIn = (w: number) => Math.min(1.25, (w - pad * 2) / Math.max(1, g.width), (this.hgt - pad * 2) / Math.max(1, g.height));
    // Keep clear of an overlay on the right unless that would shrink the graph a lot.
    const w = this.insetRight && this.w - this.insetRight > 500 && fitIn(this.w - this.insetRight) >= 0.8 * fitIn(this.w) ? this.w - this.insetRight : this.w;
    const fitScale = fitIn(w);
    if (place === 'fit' || !this.viewIndex.has(place)) {
      this.scale = fitScale;
      this.tx = (w - g.width * this.scale) / 2;
      this.ty = (this.hgt - g.height * this.scale) / 2;
      return;
    }
    // Centre the node; zoom in enough to read labels, but show the whole view when it fits.
    if (fitScale >= 0.5) {
      this.pendingFit = 'fit';
      this.applyPlacement();
      return;
    }
    const v = this.viewIndex.get(place)!;
    this.scale = 0.75;
    const { w: bw, h: bh } = this.store.core.box;
    this.tx = w / 2 - (g.x[v] + bw / 2) * this.scale;
    this.ty = this.hgt / 2 - (g.y[v] + bh / 2) * this.scale;
  }

  private request(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): number {
    const t0 = performance.now();
    const g = this.g;
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!g || !this.w) return 0;
    const s = this.scale;
    ctx.setTransform(dpr * s, 0, 0, dpr * s, dpr * this.tx, dpr * this.ty);
    const { w: bw, h: bh } = this.store.core.box;
    const x0 = -this.tx / s;
    const y0 = -this.ty / s;
    const x1 = x0 + this.w / s;
    const y1 = y0 + this.hgt / s;
    const { focus, selected, path, match } = this.emphasis;
    const nodes = g.nodes;
    const dim = (gi: number) => match !== null && !match.has(gi);
    const hot = (a: number, b: number) => (path !== null && path.has(a) && path.has(b)) || (path === null && selected !== null && (a === selected || b === selected));

    // Edges: one path per style. Far out (boxes a few pixels tall) the thousands of edges are a
    // grey haze that costs the rasterizer over a second; only highlighted ones are drawn then.
    const curves = bw * s > 40;
    const haze = bh * s < 3;
    const normal = new Path2D();
    const faded = new Path2D();
    const strong = new Path2D();
    const e = g.edges;
    for (let k = 0; k < e.length; k += 2) {
      const p = e[k];
      const c = e[k + 1];
      const sx = g.x[p] + bw;
      const sy = g.y[p] + bh / 2;
      const ex = g.x[c];
      const ey = g.y[c] + bh / 2;
      if ((sx < x0 && ex < x0) || (sx > x1 && ex > x1) || (sy < y0 && ey < y0) || (sy > y1 && ey > y1)) continue;
      const gp = nodes[p];
      const gc = nodes[c];
      const isHot = hot(gp, gc);
      if (haze && !isHot) continue;
      const target = isHot ? strong : dim(gp) || dim(gc) || path !== null ? faded : normal;
      target.moveTo(sx, sy);
      if (curves) {
        const dx = Math.max(30, (ex - sx) / 2);
        target.bezierCurveTo(sx + dx, sy, ex - dx, ey, ex, ey);
      } else target.lineTo(ex, ey);
    }
    ctx.lineWidth = (curves ? 1.5 : 1.2) / s;
    ctx.strokeStyle = 'rgba(100, 116, 139, 0.14)';
    ctx.stroke(faded);
    ctx.strokeStyle = curves ? 'rgba(100, 116, 139, 0.75)' : 'rgba(100, 116, 139, 0.3)';
    ctx.stroke(normal);
    ctx.lineWidth = 2.4 / s;
    ctx.strokeStyle = path !== null ? PATH : ACCENT;
    ctx.stroke(strong);

    // Boxes.
    const visible: number[] = [];
    for (let v = 0; v < nodes.length; v++) {
      if (g.x[v] > x1 || g.x[v] + bw < x0 || g.y[v] > y1 || g.y[v] + bh < y0) continue;
      visible.push(v);
    }
    const screenH = bh * s;
    if (screenH < 6) {
      // Far out: coloured blocks, batched by colour and fading.
      const groups = new Map<string, Path2D>();
      for (const v of visible) {
        const gi = nodes[v];
        const n = this.store.node(gi);
        const key = `${n.color ?? TYPE_COLOR[n.type]}|${dim(gi) ? 1 : 0}`;
        let p2 = groups.get(key);
        if (!p2) groups.set(key, (p2 = new Path2D()));
        p2.rect(g.x[v], g.y[v], bw, bh);
      }
      for (const [key, p2] of groups) {
        const bar = key.lastIndexOf('|');
        ctx.globalAlpha = key.slice(bar + 1) === '1' ? 0.15 : 0.9;
        ctx.fillStyle = key.slice(0, bar);
        ctx.fill(p2);
      }
      ctx.globalAlpha = 1;
      for (const v of visible) {
        const gi = nodes[v];
        if (gi !== selected && gi !== focus && !(path?.has(gi) ?? false)) continue;
        ctx.lineWidth = 3 / s;
        ctx.strokeStyle = path?.has(gi) ? PATH : ACCENT;
        ctx.strokeRect(g.x[v] - 2 / s, g.y[v] - 2 / s, bw + 4 / s, bh + 4 / s);
      }
    } else {
      const labels = screenH >= 13;
      ctx.font = '600 12.5px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
      ctx.textBaseline = 'middle';
      for (const v of visible) {
        const gi = nodes[v];
        const n = this.store.node(gi);
        const x = g.x[v];
        const y = g.y[v];
        ctx.globalAlpha = dim(gi) || (path !== null && !path.has(gi)) ? 0.28 : 1;
        const color = n.color ?? TYPE_COLOR[n.type];
        ctx.beginPath();
        roundRect(ctx, x, y, bw, bh, 7);
        ctx.fillStyle = v === this.hover ? '#f1f5ff' : '#ffffff';
        ctx.fill();
        ctx.lineWidth = 1 / s;
        ctx.strokeStyle = '#cdd5e1';
        ctx.stroke();
        ctx.save();
        ctx.clip();
        ctx.fillStyle = color;
        ctx.fillRect(x, y, 6, bh);
        ctx.restore();
        if (gi === selected || gi === focus || path?.has(gi)) {
          ctx.beginPath();
          roundRect(ctx, x - 2, y - 2, bw + 4, bh + 4, 9);
          ctx.lineWidth = Math.max(2, (gi === focus ? 3 : 2.2) / s);
          ctx.strokeStyle = path?.has(gi) && gi !== selected ? PATH : ACCENT;
          ctx.stroke();
        }
        if (labels) {
          ctx.fillStyle = '#1e293b';
          ctx.fillText(this.label(gi, ctx, bw - 22), x + 14, y + bh / 2 + 0.5);
        }
      }
      ctx.globalAlpha = 1;
    }
    const ms = performance.now() - t0;
    this.events.drawn?.(ms);
    return ms;
  }

  private label(gi: number, ctx: CanvasRenderingContext2D, max: number): string {
    let l = this.labels.get(gi);
    if (l === undefined) {
      const n = this.store.node(gi);
      l = n.src ? `${n.src}.${n.name}` : n.name;
      if (ctx.measureText(l).width > max) {
        while (l.length > 1 && ctx.measureText(`${l}…`).width > max) l = l.slice(0, -1);
        l = `${l}…`;
      }
      this.labels.set(gi, l);
    }
    return l;
  }

  /** View index of the node under a point (CSS pixels in the canvas), or -1. */
  private hit(px: number, py: number): number {
    const g = this.g;
    if (!g) return -1;
    const wx = (px - this.tx) / this.scale;
    const wy = (py - this.ty) / this.scale;
    const { w: bw, h: bh } = this.store.core.box;
    // A little slack around tiny boxes when zoomed far out.
    const slack = Math.max(0, 4 / this.scale - 2);
    for (let v = g.nodes.length - 1; v >= 0; v--) {
      if (wx >= g.x[v] - slack && wx <= g.x[v] + bw + slack && wy >= g.y[v] - slack && wy <= g.y[v] + bh + slack) return v;
    }
    return -1;
  }

  private bindInput(): void {
    const c = this.canvas;
    let down: { x: number; y: number; tx: number; ty: number; moved: boolean } | null = null;
    c.addEventListener('pointerdown', (ev) => {
      c.setPointerCapture(ev.pointerId);
      down = { x: ev.clientX, y: ev.clientY, tx: this.tx, ty: this.ty, moved: false };
    });
    c.addEventListener('pointermove', (ev) => {
      if (down) {
        const dx = ev.clientX - down.x;
        const dy = ev.clientY - down.y;
        if (Math.abs(dx) + Math.abs(dy) > 4) down.moved = true;
        if (down.moved) {
          this.tx = down.tx + dx;
          this.ty = down.ty + dy;
          this.tip.hidden = true;
          this.request();
          return;
        }
      }
      this.hoverAt(ev.offsetX, ev.offsetY);
    });
    c.addEventListener('pointerup', (ev) => {
      const d = down;
      down = null;
      if (!d || d.moved || !this.g) return;
      const v = this.hit(ev.offsetX, ev.offsetY);
      this.events.select(v < 0 ? null : this.g.nodes[v], { shift: ev.shiftKey });
    });
    c.addEventListener('pointerleave', () => {
      this.tip.hidden = true;
      if (this.hover !== -1) {
        this.hover = -1;
        this.request();
      }
    });
    c.addEventListener('dblclick', (ev) => {
      const v = this.hit(ev.offsetX, ev.offsetY);
      if (v >= 0 && this.g) this.events.open(this.g.nodes[v]);
    });
    c.addEventListener(
      'wheel',
      (ev) => {
        ev.preventDefault();
        const delta = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaY;
        this.zoom(Math.exp(-delta * 0.0015), ev.offsetX, ev.offsetY);
        // What is under the pointer changed; the next move shows its tooltip.
        this.tip.hidden = true;
      },
      { passive: false },
    );
    c.addEventListener('keydown', (ev) => {
      const step = 60;
      if (ev.key === '+' || ev.key === '=') this.zoom(1.25);
      else if (ev.key === '-') this.zoom(0.8);
      else if (ev.key === '0') this.fit();
      else if (ev.key === 'ArrowLeft') this.tx += step;
      else if (ev.key === 'ArrowRight') this.tx -= step;
      else if (ev.key === 'ArrowUp') this.ty += step;
      else if (ev.key === 'ArrowDown') this.ty -= step;
      else return;
      ev.preventDefault();
      this.request();
    });
  }

  private hoverAt(px: number, py: number): void {
    const v = this.hit(px, py);
    if (v !== this.hover) {
      this.hover = v;
      this.request();
    }
    this.canvas.style.cursor = v >= 0 ? 'pointer' : 'grab';
    if (v < 0 || !this.g) {
      this.tip.hidden = true;
      return;
    }
    const gi = this.g.nodes[v];
    const n = this.store.node(gi);
    const mat = this.store.materialized(gi);
    this.tip.replaceChildren(
      h('div', { class: 'tip-name' }, n.src ? `${n.src}.${n.name}` : n.name),
      h('div', { class: 'tip-type' }, h('span', { class: 'type-dot', style: `background:${TYPE_COLOR[n.type]}` }), TYPE_LABEL[n.type], mat ? ` · ${mat}` : ''),
    );
    if (n.desc) this.tip.appendChild(h('div', { class: 'tip-desc' }, plain(n.desc, 160)));
    this.tip.hidden = false;
    const left = Math.min(px + 14, this.w - 300);
    this.tip.style.left = `${Math.max(4, left)}px`;
    this.tip.style.top = `${Math.min(py + 14, this.hgt - 90)}px`;
  }
}

function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  if (typeof ctx.roundRect === 'function') ctx.roundRect(x, y, w, h, r);
  else ctx.rect(x, y, w, h);
}
