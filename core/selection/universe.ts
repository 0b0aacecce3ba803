// Everything a selector can match (nodes, sources, exposures, the semantic layer) seen through one shape, and the
// graph between them as index arrays. Selection works on bit sets over these indices (one byte
// per node): unions, intersections and graph walks stay linear and allocation-light, which keeps
// every selector under a few milliseconds on 10,000-node projects.
import type { Exposure, Manifest, ParsedNode, SourceTable } from '../nodes.js';
import type { SemanticNode } from '../semantic/types.js';
import { nodeTags } from '../data-tests/node-tags.js';

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
  /** A semantic model, metric or saved query. */
  readonly semantic?: SemanticNode;
}

/** A set of universe indices: 1 = in the set. */
export type Bits = Uint8Array;

/** Edges as compressed rows: the neighbours of i are flat[start[i]] .. flat[start[i + 1] - 1]. */
export interface Adjacency {
  readonly start: Int32Array;
  readonly flat: Int32Array;
}

export class Universe {
  readonly items: readonly SelectableItem[];
  readonly size: number;
  private readonly index = new Map<string, number>();
  /** Tests and unit tests: what indirect selection can pull in. */
  private readonly testLike: Uint8Array;
  private readonly sourceMask: Uint8Array;
  private graph: { parents: Adjacency; children: Adjacency } | undefined;
  private byIdMap: ReadonlyMap<string, SelectableItem> | undefined;

  private constructor(readonly manifest: Manifest) {
    const semantic = semanticNodes(manifest);
    const total = manifest.nodes.size + manifest.sources.size + (manifest.exposures?.size ?? 0) + semantic.length;
    const items: SelectableItem[] = [];
    this.testLike = new Uint8Array(total);
    this.sourceMask = new Uint8Array(total);
    const add = (it: SelectableItem) => {
      const i = items.push(it) - 1;
      this.index.set(it.id, i);
      if (it.resourceType === 'test' || it.resourceType === 'unit_test') this.testLike[i] = 1;
      else if (it.resourceType === 'source') this.sourceMask[i] = 1;
    };
    for (const n of manifest.nodes.values()) {
      add({
        id: n.uniqueId, resourceType: n.resourceType, name: n.name, packageName: n.packageName, fqn: n.fqn,
        originalFilePath: n.originalFilePath, patchPath: n.patchPath, tags: nodeTags(n) ?? [], config: n.config, node: n,
      });
    }
    for (const s of manifest.sources.values()) {
      add({
        id: s.uniqueId, resourceType: 'source', name: s.name, packageName: s.packageName, fqn: s.fqn,
        originalFilePath: s.originalFilePath, patchPath: null, tags: s.tags, config: { ...s.config, tags: s.tags }, source: s,
      });
    }
    for (const e of manifest.exposures?.values() ?? []) {
      add({
        id: e.uniqueId, resourceType: 'exposure', name: e.name, packageName: e.packageName, fqn: e.fqn,
        originalFilePath: e.originalFilePath, patchPath: null, tags: e.tags, config: e.config, exposure: e,
      });
    }
    for (const s of semantic) {
      add({
        id: s.uniqueId, resourceType: s.resourceType, name: s.name, packageName: s.packageName, fqn: s.fqn,
        originalFilePath: s.originalFilePath, patchPath: null, tags: semanticTags(s), config: s.config, semantic: s,
      });
    }
    this.items = items;
    this.size = items.length;
  }

  /** Items by id (made on first use: selection itself works on indices). */
  get byId(): ReadonlyMap<string, SelectableItem> {
    return (this.byIdMap ??= new Map(this.items.map((it) => [it.id, it])));
  }

  /**
   * The edges between items, made on first use (a selector without graph operators or indirect
   * tests never needs them), as two flat arrays each way instead of an array per item.
   */
  private edges(): { parents: Adjacency; children: Adjacency } {
    if (this.graph) return this.graph;
    const n = this.size;
    const parentStart = new Int32Array(n + 1);
    let flat: number[] = [];
    const link = (c: number, parents: readonly string[]) => {
      const from = flat.length;
      for (const p of parents) {
        const pi = this.index.get(p);
        if (pi === undefined || pi === c) continue;
        let dup = false;
        for (let k = from; k < flat.length; k++) if (flat[k] === pi) dup = true;
        if (!dup) flat.push(pi);
      }
    };
    // Only nodes, exposures and the semantic layer have parents (sources have none).
    const items = this.items;
    for (let i = 0; i < n; i++) {
      parentStart[i] = flat.length;
      const it = items[i]!;
      const deps = it.node?.dependsOn.nodes ?? it.exposure?.dependsOn.nodes ?? it.semantic?.dependsOn.nodes;
      // Ids are unique (nodes, sources and exposures have distinct prefixes); the check only
      // keeps a repeated id from linking twice.
      if (deps && this.index.get(it.id) === i) link(i, deps);
    }
    parentStart[n] = flat.length;
    const parentFlat = Int32Array.from(flat);
    flat = [];
    // Children: count, then fill in item order (the order the edges were added in before).
    const childStart = new Int32Array(n + 1);
    for (let k = 0; k < parentFlat.length; k++) childStart[parentFlat[k]! + 1]!++;
    for (let i = 0; i < n; i++) childStart[i + 1]! += childStart[i]!;
    const childFlat = new Int32Array(parentFlat.length);
    const fill = childStart.slice(0, n);
    for (let c = 0; c < n; c++) for (let k = parentStart[c]!; k < parentStart[c + 1]!; k++) childFlat[fill[parentFlat[k]!]!++] = c;
    this.graph = { parents: { start: parentStart, flat: parentFlat }, children: { start: childStart, flat: childFlat } };
    return this.graph;
  }

  private static readonly cache = new WeakMap<Manifest, { key: string; universe: Universe }>();

  /** One universe per manifest (rebuilt if nodes were added or removed since). */
  static of(manifest: Manifest): Universe {
    const s = manifest.semantic;
    const key = `${manifest.nodes.size}/${manifest.sources.size}/${manifest.exposures?.size ?? 0}/${s ? `${s.semanticModels.size}/${s.metrics.size}/${s.savedQueries.size}` : ''}`;
    const hit = Universe.cache.get(manifest);
    if (hit && hit.key === key) return hit.universe;
    const universe = new Universe(manifest);
    Universe.cache.set(manifest, { key, universe });
    return universe;
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  indexOf(id: string): number | undefined {
    return this.index.get(id);
  }

  empty(): Bits {
    return new Uint8Array(this.size);
  }

  fromIds(ids: Iterable<string>): Bits {
    const out = this.empty();
    for (const id of ids) {
      const i = this.index.get(id);
      if (i !== undefined) out[i] = 1;
    }
    return out;
  }

  toIds(bits: Bits): Set<string> {
    const out = new Set<string>();
    for (let i = 0; i < bits.length; i++) if (bits[i]) out.add(this.items[i]!.id);
    return out;
  }

  isTestLike(i: number): boolean {
    return this.testLike[i] === 1;
  }

  /** Parent indices of i (a view: no copy). */
  parentsOf(i: number): Int32Array {
    const { start, flat } = this.edges().parents;
    return flat.subarray(start[i]!, start[i + 1]!);
  }

  /** Child indices of i (a view: no copy). */
  childrenOf(i: number): Int32Array {
    const { start, flat } = this.edges().children;
    return flat.subarray(start[i]!, start[i + 1]!);
  }

  /** True when every parent of i is in `pool`. */
  allParentsIn(i: number, pool: Bits): boolean {
    const { start, flat } = this.edges().parents;
    for (let k = start[i]!; k < start[i + 1]!; k++) if (pool[flat[k]!] !== 1) return false;
    return true;
  }

  /** Children, for loops over many items without a view per item. */
  childEdges(): Adjacency {
    return this.edges().children;
  }

  sources(): Bits {
    return this.sourceMask;
  }

  /** Nodes within `depth` steps upstream of any start (all when undefined); starts only if reached. */
  ancestors(starts: Bits, depth?: number): Bits {
    return this.walk(starts, depth, this.edges().parents);
  }

  descendants(starts: Bits, depth?: number): Bits {
    return this.walk(starts, depth, this.edges().children);
  }

  private walk(starts: Bits, depth: number | undefined, { start, flat }: Adjacency): Bits {
    const out = this.empty();
    let frontier: number[] = [];
    for (let i = 0; i < starts.length; i++) if (starts[i]) frontier.push(i);
    for (let level = 0; frontier.length > 0 && (depth === undefined || level < depth); level++) {
      const nextFrontier: number[] = [];
      for (const i of frontier) {
        for (let k = start[i]!; k < start[i + 1]!; k++) {
          const j = flat[k]!;
          if (out[j]) continue;
          out[j] = 1;
          nextFrontier.push(j);
        }
      }
      frontier = nextFrontier;
    }
    return out;
  }
}

export function or(a: Bits, b: Bits): Bits {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! | b[i]!;
  return out;
}

/** a |= b, in place. */
export function orInto(a: Bits, b: Bits): void {
  for (let i = 0; i < a.length; i++) if (b[i]) a[i] = 1;
}

export function count(bits: Bits): number {
  let n = 0;
  for (let i = 0; i < bits.length; i++) n += bits[i]!;
  return n;
}

/** The semantic layer's resources, in manifest.json's order of sections. */
export function semanticNodes(manifest: Manifest): SemanticNode[] {
  const s = manifest.semantic;
  return s ? [...s.metrics.values(), ...s.savedQueries.values(), ...s.semanticModels.values()] : [];
}

/** Tags a selector sees: those written on the entry and those of its config (project tree included). */
function semanticTags(s: SemanticNode): string[] {
  const own = s.resourceType === 'semantic_model' ? [] : s.tags;
  const config = Array.isArray(s.config.tags) ? s.config.tags.map(String) : [];
  return own.length ? [...new Set([...own, ...config])] : config;
}
