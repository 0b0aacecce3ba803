// The site's data: the core (loaded with the page) plus indices derived from it, and the
// per-node details, fetched chunk by chunk with <script> tags (file:// forbids fetch()).
import type { KilnDocsGlobal, NodeDetail, SiteCore, SiteNode, WireCore } from '../site-types.js';
import { unpackNode } from '../site-pack.js';

declare global {
  interface Window {
    kilnDocs?: KilnDocsGlobal & {
      /** The lineage canvas's last frame: which view (see lineage-page.ts), how many nodes, how long. */
      lastDraw?: { view: string; nodes: number; ms: number };
      /** Where the lineage's nodes are on the page (for tests and tools driving the graph). */
      lineage?: () => { id: string; x: number; y: number; w: number; h: number }[];
      /** How long building the site's indices took at start. */
      startMs?: number;
    };
  }
}

export class Store {
  readonly byId = new Map<string, number>();
  readonly macroById = new Map<string, number>();
  readonly children: number[][];
  /** node index → indices of the tests attached to it. */
  readonly testsOf: number[][];
  /** node index → tests that depend on it without being attached (e.g. relationships' `to`). */
  readonly testsUsing: number[][];
  private readonly chunks = new Map<number, Promise<readonly NodeDetail[]>>();
  private readonly waiting = new Map<number, (details: readonly NodeDetail[]) => void>();

  readonly core: SiteCore;

  constructor(
    wire: WireCore,
    private readonly base: string,
  ) {
    const project = wire.project.name;
    this.core = { ...wire, nodes: wire.nodes.map((p) => unpackNode(p, project)) };
    const core = this.core;
    const n = core.nodes.length;
    this.children = Array.from({ length: n }, () => []);
    this.testsOf = Array.from({ length: n }, () => []);
    this.testsUsing = Array.from({ length: n }, () => []);
    core.nodes.forEach((node, i) => {
      this.byId.set(node.id, i);
      for (const p of node.parents) this.children[p].push(i);
      if (node.type === 'test') {
        if (node.on !== undefined) this.testsOf[node.on].push(i);
        for (const p of node.parents) if (p !== node.on) this.testsUsing[p].push(i);
      }
    });
    core.macros.forEach((m, i) => this.macroById.set(m.id, i));
    const g = (window.kilnDocs ??= {});
    g.chunk = (index, details) => {
      this.waiting.get(index)?.(details);
      this.waiting.delete(index);
    };
  }

  node(i: number): SiteNode {
    return this.core.nodes[i];
  }

  config(i: number): Readonly<Record<string, unknown>> {
    return this.core.configs[this.core.nodes[i].cfg] ?? {};
  }

  tags(i: number): readonly string[] {
    const n = this.core.nodes[i];
    if (n.tags) return n.tags;
    const t = this.config(i).tags;
    return Array.isArray(t) ? (t as string[]) : [];
  }

  materialized(i: number): string | null {
    const m = this.config(i).materialized;
    return typeof m === 'string' && this.core.nodes[i].type !== 'test' && this.core.nodes[i].type !== 'seed' ? m : null;
  }

  async detail(i: number): Promise<NodeDetail> {
    const chunk = Math.floor(i / this.core.chunkSize);
    const details = await this.loadChunk(chunk);
    return details[i - chunk * this.core.chunkSize];
  }

  private loadChunk(index: number): Promise<readonly NodeDetail[]> {
    let p = this.chunks.get(index);
    if (!p) {
      p = new Promise((resolve, reject) => {
        this.waiting.set(index, resolve);
        const s = document.createElement('script');
        s.src = `${this.base}data/chunk-${String(index).padStart(4, '0')}.js`;
        s.onerror = () => {
          this.chunks.delete(index);
          reject(new Error(`could not load ${s.src}`));
        };
        document.head.appendChild(s);
      });
      this.chunks.set(index, p);
    }
    return p;
  }
}
