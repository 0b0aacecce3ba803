// Everything a selector can match (nodes, sources, exposures) seen through one shape, and the
// graph between them as index arrays. Selection works on bit sets over these indices (one byte
// per node): unions, intersections and graph walks stay linear and allocation-light, which keeps
// every selector under a few milliseconds on 10,000-node projects.
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

/** A set of universe indices: 1 = in the set. */
export type Bits = Uint8Array;

export class Universe {
  readonly items: readonly SelectableItem[];
  readonly byId: ReadonlyMap<string, SelectableItem>;
  readonly size: number;
  private readonly index = new Map<string, number>();
  private readonly parentIdx: number[][];
  private readonly childIdx: number[][];
  /** Tests and unit tests: what indirect selection can pull in. */
  private readonly testLike: Uint8Array;
  private readonly sourceMask: Uint8Array;

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
    this.size = items.length;
    this.byId = new Map(items.map((it) => [it.id, it]));
    items.forEach((it, i) => this.index.set(it.id, i));
    this.parentIdx = items.map(() => []);
    this.childIdx = items.map(() => []);
    this.testLike = new Uint8Array(items.length);
    this.sourceMask = new Uint8Array(items.length);
    const link = (childId: string, parents: readonly string[]) => {
      const c = this.index.get(childId)!;
      for (const p of parents) {
        const pi = this.index.get(p);
        if (pi === undefined || pi === c || this.parentIdx[c]!.includes(pi)) continue;
        this.parentIdx[c]!.push(pi);
        this.childIdx[pi]!.push(c);
      }
    };
    for (const n of manifest.nodes.values()) link(n.uniqueId, n.dependsOn.nodes);
    for (const e of manifest.exposures?.values() ?? []) link(e.uniqueId, e.dependsOn.nodes);
    items.forEach((it, i) => {
      if (it.resourceType === 'test' || it.resourceType === 'unit_test') this.testLike[i] = 1;
      if (it.resourceType === 'source') this.sourceMask[i] = 1;
    });
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

  parentsOf(i: number): readonly number[] {
    return this.parentIdx[i]!;
  }

  childrenOf(i: number): readonly number[] {
    return this.childIdx[i]!;
  }

  sources(): Bits {
    return this.sourceMask;
  }

  /** Nodes within `depth` steps upstream of any start (all when undefined); starts only if reached. */
  ancestors(starts: Bits, depth?: number): Bits {
    return this.walk(starts, depth, this.parentIdx);
  }

  descendants(starts: Bits, depth?: number): Bits {
    return this.walk(starts, depth, this.childIdx);
  }

  private walk(starts: Bits, depth: number | undefined, next: readonly number[][]): Bits {
    const out = this.empty();
    let frontier: number[] = [];
    for (let i = 0; i < starts.length; i++) if (starts[i]) frontier.push(i);
    for (let level = 0; frontier.length > 0 && (depth === undefined || level < depth); level++) {
      const nextFrontier: number[] = [];
      for (const i of frontier) {
        for (const j of next[i]!) {
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
