// What one save rebuilds: the changed nodes inside the selection and, unless --no-downstream,
// everything inside the selection that depends on them; then the selected tests of what is
// rebuilt (and changed tests), so each save reports whether the data still holds.
import { Dag } from '../graph/dag.js';
import type { Manifest } from '../nodes.js';

const TESTS = new Set(['test', 'unit_test']);

/** The watch's selection: only asked whether it holds a node (and, once, how many it holds). */
export interface Selection {
  has(id: string): boolean;
  readonly size: number;
}

export interface AffectedInput {
  readonly manifest: Manifest;
  readonly dag: Dag;
  /** The selection of the watch (--select/--exclude), evaluated on this manifest. */
  readonly selected: Selection;
  /** Node ids whose definition changed (changedNodes) or whose file was saved. */
  readonly changed: ReadonlySet<string>;
  readonly downstream: boolean;
}

/** The ids to run, in no particular order (the runner orders them by the DAG). */
export function affectedNodes(input: AffectedInput): Set<string> {
  const { manifest, dag, selected, changed } = input;
  const out = new Set<string>();
  const roots = [...changed].filter((id) => selected.has(id) && manifest.nodes.has(id) && !TESTS.has(manifest.nodes.get(id)!.resourceType));
  for (const id of roots) {
    out.add(id);
    if (!input.downstream) continue;
    for (const d of dag.descendants(id)) {
      const node = manifest.nodes.get(d);
      if (node && selected.has(d) && !TESTS.has(node.resourceType)) out.add(d);
    }
  }
  // Tests are children of what they test: look at the rebuilt nodes' children, not at every
  // selected node (40,000 in a 10,000-model project).
  const candidates = new Set<string>();
  for (const id of out) for (const c of dag.children(id)) candidates.add(c);
  for (const id of changed) candidates.add(id);
  for (const id of candidates) {
    const node = manifest.nodes.get(id);
    if (!node || !TESTS.has(node.resourceType) || !selected.has(id)) continue;
    // A unit test checks its model's logic: it runs whenever the model is rebuilt.
    const parents = node.resourceType === 'unit_test' && node.attachedNode ? [node.attachedNode] : node.dependsOn.nodes;
    if (changed.has(id) || parents.some((p) => out.has(p))) out.add(id);
  }
  return out;
}

/**
 * Nodes defined in one of the saved files (relative paths): saving a model rebuilds it even when
 * its text did not change (to see fresh data), and saving a YAML file reruns the tests it
 * defines. A YAML file that only describes a model does not rebuild it unless the description
 * changed something (changedNodes).
 */
export function nodesOfFiles(manifest: Manifest, files: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  if (files.size === 0) return out;
  for (const n of manifest.nodes.values()) if (files.has(n.originalFilePath)) out.add(n.uniqueId);
  return out;
}

/**
 * The DAG of just the nodes to rebuild (with edges from their parents), for the runner: ordering
 * a 40,000-node graph to run four of its nodes costs a tenth of a second or more each save. The
 * runner only looks at edges among the nodes it runs, so the answer is the same.
 */
export function rebuildDag(manifest: Manifest, ids: ReadonlySet<string>): Dag {
  const nodes = new Map([...ids].map((id) => [id, manifest.nodes.get(id)!] as const));
  return Dag.fromManifest({ ...manifest, nodes, sources: new Map() });
}
