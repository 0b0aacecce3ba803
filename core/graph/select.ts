// Node selection for callers that only have --select / --exclude strings. The grammar, methods,
// graph operators, indirect test selection and selectors.yml live in core/selection/.
import type { Manifest } from '../nodes.js';
import { resolveSelection } from '../selection/select.js';
import type { Dag } from './dag.js';

export interface SelectionInput {
  readonly select?: readonly string[];
  readonly exclude?: readonly string[];
}

/** Returns the unique ids of the selected nodes (sources and exposures never included). */
export function selectNodes(manifest: Manifest, dag: Dag, input: SelectionInput, projectRoot: string): Set<string> {
  const selected = selectResources(manifest, dag, input, projectRoot);
  for (const id of [...selected]) if (!manifest.nodes.has(id)) selected.delete(id);
  return selected;
}

/** Like selectNodes, but sources matched by the specs are kept (`source freshness`). */
export function selectResources(manifest: Manifest, _dag: Dag, input: SelectionInput, projectRoot: string): Set<string> {
  return resolveSelection(manifest, input, { root: projectRoot }).selected;
}
