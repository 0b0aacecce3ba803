// The entry point of node selection: --select / --exclude / --selector (or the selectors.yml
// default) → a spec → the selected ids, with a warning for each piece that matched nothing.
import { Codes, KilnError } from '../errors.js';
import type { Manifest } from '../nodes.js';
import { evaluate } from './evaluate.js';
import type { MatchContext, StateAccess } from './match.js';
import { frameOf, parseSelectArg } from './parse-spec.js';
import { findSelector, type SelectorsFile } from './selectors-file.js';
import { setOf, type IndirectSelection, type SelectionSpec } from './spec.js';
import { Universe } from './universe.js';

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
  return resolveSpec(manifest, spec, env);
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
