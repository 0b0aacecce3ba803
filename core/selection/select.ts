// The entry point of node selection: --select / --exclude / --selector (or the selectors.yml
// default) → a spec → the selected ids, with a warning for each piece that matched nothing.
import { Codes, KilnError } from '../errors.js';
import type { Manifest } from '../nodes.js';
import { evaluate } from './evaluate.js';
import type { MatchContext, StateAccess } from './match.js';
import { frameOf, parseSelectArg } from './parse-spec.js';
import { findSelector, type SelectorsFile } from './selectors-file.js';
import { setOf, type IndirectSelection, type SelectionSpec } from './spec.js';
import { semanticNodes, Universe } from './universe.js';

export interface SelectionRequest {
  readonly select?: readonly string[];
  readonly exclude?: readonly string[];
  /** A selectors.yml name (`--selector`). */
  readonly selector?: string;
  readonly indirect?: IndirectSelection;
  /** The project's selectors.yml, when it has one. */
  readonly selectors?: SelectorsFile | null;
}

export interface SelectionResult {
  /** Node, source and exposure ids. */
  readonly selected: Set<string>;
  /** A warning (SELECTION_EMPTY) for each piece of the selection that matched nothing. */
  readonly warnings: readonly KilnError[];
  readonly spec: SelectionSpec;
}

export interface SelectionEnv {
  /** The project root (`path:` values are relative to it). */
  readonly root: string;
  /** The previous run's artifacts; without it, `state:`/`result:`/`source_status:` are errors. */
  readonly state?: StateAccess;
}

/** dbt's default when nothing is selected: every node, source and exposure. */
const DEFAULT_INCLUDES = ['fqn:*', 'source:*', 'exposure:*'];

export function buildSpec(req: SelectionRequest): SelectionSpec {
  const indirect = req.indirect ?? 'eager';
  const select = (req.select ?? []).filter((s) => s.trim() !== '');
  const exclude = (req.exclude ?? []).filter((s) => s.trim() !== '');
  if (req.selector !== undefined) {
    if (select.length || exclude.length) {
      throw new KilnError(Codes.USAGE, '--selector cannot be combined with --select or --exclude', {
        hint: 'Put the whole selection in the selectors.yml definition (it can use `exclude:`), or drop --selector.',
      });
    }
    return findSelector(req.selectors ?? null, req.selector).spec(indirect);
  }
  if (select.length === 0 && exclude.length === 0 && req.selectors?.defaultSelector) return req.selectors.defaultSelector.spec(indirect);
  const include = select.length
    ? setOf('union', select.flatMap((text, i) => parseSelectArg(text, '--select', indirect, i + 1)), indirect, select.join(' '))
    : setOf('union', DEFAULT_INCLUDES.flatMap((t) => parseSelectArg(t, 'default', indirect)).map((p) => ({ ...p, expectExists: false })), indirect, 'all');
  const excluded = setOf('union', exclude.flatMap((text, i) => parseSelectArg(text, '--exclude', indirect, i + 1)), indirect, exclude.join(' '));
  // dbt combines the two with its default (eager) mode: tests of excluded nodes are excluded too.
  return setOf('difference', [include, excluded], 'eager', 'selection');
}

export function resolveSelection(manifest: Manifest, req: SelectionRequest, env: SelectionEnv): SelectionResult {
  const spec = buildSpec(req);
  if (isDefaultRequest(req)) {
    const selected = selectEverything(manifest, 'all');
    if (selected) return { selected, warnings: [], spec };
  }
  return resolveSpec(manifest, spec, env);
}

/** True when the request is dbt's default (nothing selected or excluded, no selectors.yml default). */
export function isDefaultRequest(req: SelectionRequest): boolean {
  if (req.selector !== undefined || req.selectors?.defaultSelector) return false;
  return !(req.select ?? []).some((s) => s.trim() !== '') && !(req.exclude ?? []).some((s) => s.trim() !== '');
}

/**
 * The default selection without evaluating it over the graph (a third of a second at 40,000
 * nodes): `fqn:*` matches every node and exposure whose fqn has at least one part, `source:*`
 * and `exposure:*` every source and exposure (and the semantic layer's entries likewise), so every
 * test is already in and indirect selection adds nothing, whatever its mode. The ids come in the
 * universe's order (nodes, sources, exposures, semantic layer), as evaluation gives them. Null when some node has an empty fqn: then the full
 * evaluation decides (such a test may still come in through its parents).
 */
export function selectEverything(manifest: Manifest, resourceTypes: readonly string[] | 'all'): Set<string> | null {
  const all = resourceTypes === 'all';
  const out = new Set<string>();
  for (const n of manifest.nodes.values()) {
    if (n.fqn.length === 0) return null;
    if (all || resourceTypes.includes(n.resourceType)) out.add(n.uniqueId);
  }
  if (all || resourceTypes.includes('source')) for (const s of manifest.sources.values()) out.add(s.uniqueId);
  if (all || resourceTypes.includes('exposure')) for (const e of manifest.exposures?.values() ?? []) out.add(e.uniqueId);
  for (const s of semanticNodes(manifest)) if (all || resourceTypes.includes(s.resourceType)) out.add(s.uniqueId);
  return out;
}

export function resolveSpec(manifest: Manifest, spec: SelectionSpec, env: SelectionEnv): SelectionResult {
  const ctx: MatchContext = { universe: Universe.of(manifest), projectName: manifest.projectName, root: env.root, state: env.state ?? NO_STATE };
  const warnings: KilnError[] = [];
  const { direct } = evaluate(spec, ctx, {
    onEmpty: (part) => {
      const o = part.origin;
      warnings.push(
        new KilnError(Codes.SELECTION_EMPTY, `The selection '${part.raw}'${o ? ` in ${o.source}` : ''} matches no node${o ? frameOf(o) : ''}`, {
          loc: o?.loc,
          hint: 'Check the spelling; `kiln ls -s <spec>` shows what a selector matches.',
        }),
      );
    },
  });
  return { selected: ctx.universe.toIds(direct), warnings, spec };
}

const NO_STATE: StateAccess = {
  state: () => {
    throw new KilnError(Codes.STATE_MISSING, 'state: selection needs --state <dir> (the artifacts of the run to compare with)', {
      hint: 'Pass --state pointing at a folder with the manifest.json of an earlier run.',
    });
  },
  result: () => {
    throw new KilnError(Codes.STATE_MISSING, 'result: selection needs the run_results.json of a previous run', { hint: 'Pass --state <dir>, or run kiln first so target/run_results.json exists.' });
  },
  sourceStatus: () => {
    throw new KilnError(Codes.STATE_MISSING, 'source_status: selection needs --state <dir> with the previous sources.json', { hint: 'Run `kiln source freshness` and keep its target/sources.json.' });
  },
};
