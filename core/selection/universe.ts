// Everything a selector can match (nodes, sources, exposures) seen through one shape, and the
// graph between them as plain adjacency arrays: selection walks it many times per invocation and
// must stay fast on 10,000-node projects.
import type { Exposure, Manifest, ParsedNode, SourceTable } from '../nodes.js';

export interface SelectableItem {
  readonly id: string;
  readonly resourceType: string;
  readonly name: string;
  readonly packageName: string;
  readonly fqn: readonly string[];
  readonly originalFilePath: string;
  readonly patchPath: string | null;
  readonly tags: readonly string[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly node?: ParsedNode;
  readonly source?: SourceTable;
  readonly exposure?: Exposure;
}

export class Universe {
  readonly items: readonly SelectableItem[];
  readonly byId: ReadonlyMap<string, SelectableItem>;
  private readonly index = new Map<string, number>();
  private readonly parentIdx: number[][];
  private readonly childIdx: number[][];

  private constructor(readonly manifest: Manifest) {
    const items: SelectableItem[] = [];
    for (const n of manifest.nodes.values()) {
      items.push({
        id: n.uniqueId, resourceType: n.resourceType, name: n.name, packageName: n.packageName, fqn: n.fqn,
        originalFilePath: n.originalFilePath, patchPath: n.patchPath, tags: n.config.tags ?? [], config: n.config, node: n,
      });
    }
    for (const s of manifest.sources.values()) {
      items.push({
        id: s.uniqueId, resourceType: 'source', name: s.name, packageName: s.packageName, fqn: s.fqn,
        originalFilePath: s.originalFilePath, patchPath: null, tags: s.tags, config: { ...s.config, tags: s.tags }, source: s,
      });
    }
    for (const e of manifest.exposures?.values() ?? []) {
      items.push({
        id: e.uniqueId, resourceType: 'exposure', name: e.name, packageName: e.packageName, fqn: e.fqn,
        originalFilePath: e.originalFilePath, patchPath: null, tags: e.tags, config: e.config, exposure: e,
      });
    }
    this.items = items;
    this.byId = new Map(items.map((it) => [it.id, it]));
    items.forEach((it, i) => this.index.set(it.id, i));
    this.parentIdx = items.map(() => []);
    this.childIdx = items.map(() => []);
    const link = (childId: string, parents: readonly string[]) => {
      const c = this.index.get(childId)!;
      for (const p of parents) {
        const pi = this.index.get(p);
        if (pi === undefined || pi === c) continue;
        this.parentIdx[c]!.push(pi);
        this.childIdx[pi]!.push(c);
      }
    };
    for (const n of manifest.nodes.values()) link(n.uniqueId, n.dependsOn.nodes);
    for (const e of manifest.exposures?.values() ?? []) link(e.uniqueId, e.dependsOn.nodes);
  }

  private static readonly cache = new WeakMap<Manifest, { key: string; universe: Universe }>();

  /** One universe per manifest (rebuilt if nodes were added or removed since). */
  static of(manifest: Manifest): Universe {
    const key = `${manifest.nodes.size}/${manifest.sources.size}/${manifest.exposures?.size ?? 0}`;
    const hit = Universe.cache.get(manifest);
    if (hit && hit.key === key) return hit.universe;
    const universe = new Universe(manifest);
    Universe.cache.set(manifest, { key, universe });
    return universe;
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  parentsOf(id: string): string[] {
    const i = this.index.get(id);
    return i === undefined ? [] : this.parentIdx[i]!.map((p) => this.items[p]!.id);
  }

  /** Nodes within `depth` steps upstream of any start node (all when undefined); starts excluded unless reached. */
  ancestors(starts: Iterable<string>, depth?: number): Set<string> {
    return this.walk(starts, depth, this.parentIdx);
  }

  descendants(starts: Iterable<string>, depth?: number): Set<string> {
    return this.walk(starts, depth, this.childIdx);
  }

  /** Direct children of any start node. */
  children(starts: Iterable<string>): Set<string> {
    return this.walk(starts, 1, this.childIdx);
  }

  private walk(starts: Iterable<string>, depth: number | undefined, next: readonly number[][]): Set<string> {
    const seen = new Uint8Array(this.items.length);
    let frontier: number[] = [];
    for (const id of starts) {
      const i = this.index.get(id);
      if (i !== undefined) frontier.push(i);
    }
    const out = new Set<string>();
    for (let level = 0; frontier.length > 0 && (depth === undefined || level < depth); level++) {
      const nextFrontier: number[] = [];
      for (const i of frontier) {
        for (const j of next[i]!) {
          if (seen[j]) continue;
          seen[j] = 1;
          out.add(this.items[j]!.id);
          nextFrontier.push(j);
        }
      }
      frontier = nextFrontier;
    }
    return out;
  }
}
