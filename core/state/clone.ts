// `kiln clone --state <dir>`: each selected model, seed and snapshot made in this target as a view
// on the relation the --state manifest built it as (dbt's clone on engines without zero-copy
// table clones: DuckDB, PostgreSQL, Trino). So a CI schema starts with production's relations
// (an incremental model's history, a snapshot's) without building them. A relation that already
// exists here is left alone unless --full-refresh asks; a node the state never built is a no-op.
import type { Adapter, RelationName } from '../../adapters/adapter.js';
import type { Manifest, ParsedNode } from '../nodes.js';
import type { NodeResult } from '../runner/results.js';
import type { StateManifest } from './artifacts.js';
import { sameRelation, stateRelation } from './defer.js';
import { nodeRelation } from '../project/quoting.js';

export interface ClonePlan {
  /** The project's manifest with each node to clone replaced by its view on the state relation. */
  readonly manifest: Manifest;
  /** The nodes to clone. */
  readonly selected: Set<string>;
  /** The selected nodes with nothing to do, and why (reported as successes, as dbt does). */
  readonly noops: readonly { readonly node: ParsedNode; readonly why: string; readonly result: NodeResult }[];
}

export async function planClone(manifest: Manifest, state: StateManifest, selected: ReadonlySet<string>, adapter: Adapter, fullRefresh: boolean): Promise<ClonePlan> {
  const nodes = new Map(manifest.nodes);
  const toClone = new Set<string>();
  const noops: { node: ParsedNode; why: string; result: NodeResult }[] = [];
  for (const id of selected) {
    const node = manifest.nodes.get(id)!;
    if (node.config.materialized === 'ephemeral') continue;
    const here: RelationName = nodeRelation(node);
    const old = state.nodes.get(id);
    const from = old ? stateRelation(old) : null;
    const noop = (why: string) => noops.push({ node, why, result: noopResult(node, adapter.dialect.renderRelation(here), why) });
    if (!from) noop(`no relation for it in ${state.file}`);
    else if (sameRelation(from, here)) noop('the state relation is this one');
    else if (!fullRefresh && (await adapter.getRelation(here)) !== null) noop('it already exists (--full-refresh replaces it)');
    else {
      // The state's relation, written as this project's quoting says (dbt).
      nodes.set(id, cloneNode(node, adapter.dialect.renderRelation(node.quotePolicy ? { ...from, quoting: node.quotePolicy } : from)));
      toClone.add(id);
    }
  }
  return { manifest: { ...manifest, nodes }, selected: toClone, noops };
}

/** The node as a view selecting everything from `from`; the rest of its config (grants, docs) stays. */
function cloneNode(node: ParsedNode, from: string): ParsedNode {
  return {
    ...node,
    // A seed or snapshot is cloned as a view like a model: nothing of its own materialization runs.
    resourceType: 'model',
    rawCode: `select * from ${from}`,
    config: { ...node.config, materialized: 'view', pre_hook: [], post_hook: [], contract: { enforced: false } },
  };
}

function noopResult(node: ParsedNode, relationName: string, why: string): NodeResult {
  return {
    uniqueId: node.uniqueId,
    status: 'success',
    message: `No-op: ${why}`,
    executionTime: 0,
    timing: [],
    threadId: 'main',
    rowsAffected: null,
    adapterMessage: 'No-op',
    compiledCode: null,
    relationName,
  };
}
