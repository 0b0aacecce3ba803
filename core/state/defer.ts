// --defer: a selected node's ref to a node that is not selected, and not built in this target,
// resolves to the relation that node has in the --state manifest (usually production). So a pull
// request builds only what changed (`-s state:modified+ --defer --state prod/`) and reads the rest
// from production. Decided once before compiling; compile itself stays pure.
import type { RelationName } from '../../adapters/adapter.js';
import type { Manifest } from '../nodes.js';
import type { Json, StateManifest } from './artifacts.js';
import { nodeRelation } from '../project/quoting.js';

export interface DeferInput {
  readonly manifest: Manifest;
  readonly selected: ReadonlySet<string>;
  readonly state: StateManifest;
  /** --favor-state: defer even when the relation exists in this target. */
  readonly favorState: boolean;
  /** Whether a relation exists in the current target (the adapter's relation cache). */
  readonly exists: (rel: RelationName) => Promise<boolean>;
}

/** Unselected nodes the selection refers to (through ephemeral models too), by unique id → state relation. */
export async function planDeferral(input: DeferInput): Promise<Map<string, RelationName>> {
  const { manifest, selected, state } = input;
  const candidates = new Set<string>();
  const seen = new Set<string>();
  const visitParents = (id: string) => {
    for (const p of manifest.nodes.get(id)?.dependsOn.nodes ?? []) {
      if (selected.has(p) || seen.has(p)) continue;
      seen.add(p);
      const parent = manifest.nodes.get(p);
      if (!parent) continue; // a source: never deferred
      // An ephemeral model is inlined here, so the refs inside it are this run's refs.
      if (parent.config.materialized === 'ephemeral') visitParents(p);
      else candidates.add(p);
    }
  };
  for (const id of selected) visitParents(id);

  const out = new Map<string, RelationName>();
  for (const id of candidates) {
    const old = state.nodes.get(id);
    const rel = old ? stateRelation(old) : null;
    if (!rel) continue;
    const node = manifest.nodes.get(id)!;
    const here: RelationName = nodeRelation(node);
    if (sameRelation(rel, here)) continue;
    if (!input.favorState && (await input.exists(here))) continue;
    out.set(id, rel);
  }
  return out;
}

/** The relation a node of a state manifest was built as; null for an ephemeral model or an entry without one. */
export function stateRelation(old: Json): RelationName | null {
  const config = (old.config ?? {}) as Record<string, unknown>;
  if (config.materialized === 'ephemeral' || typeof old.schema !== 'string') return null;
  return {
    database: typeof old.database === 'string' ? old.database : '',
    schema: old.schema,
    identifier: typeof old.alias === 'string' && old.alias ? old.alias : String(old.name ?? ''),
  };
}

export function sameRelation(a: RelationName, b: RelationName): boolean {
  return a.database.toLowerCase() === b.database.toLowerCase() && a.schema.toLowerCase() === b.schema.toLowerCase() && a.identifier.toLowerCase() === b.identifier.toLowerCase();
}
