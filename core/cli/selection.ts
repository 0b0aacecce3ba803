// Selection as the commands see it: --select/--exclude/--selector/--indirect-selection and
// --state turned into the ids a command works on, with warnings for pieces that matched nothing.
import { Codes, KilnError } from '../errors.js';
import { yamlContext } from '../compiler/context.js';
import { loadSelectorsFile, type SelectorsFile } from '../selection/selectors-file.js';
import { isDefaultRequest, resolveSelection, selectEverything, type SelectionRequest } from '../selection/select.js';
import type { IndirectSelection } from '../selection/spec.js';
import { RESOURCE_TYPES } from '../selection/methods.js';
import { PreviousState } from '../state/previous-state.js';
import type { GlobalOptions } from './options.js';
import type { Session } from './session.js';

const states = new WeakMap<Session, PreviousState>();
const selectorFiles = new WeakMap<Session, SelectorsFile | null>();

/** The previous run (--state, target/run_results.json) of this invocation; --state is checked here. */
export function previousState(session: Session, opts: Pick<GlobalOptions, 'state'>): PreviousState {
  let s = states.get(session);
  if (!s) {
    s = new PreviousState({ current: session.manifest, root: session.root, stateDir: opts.state, targetDir: session.targetDir });
    states.set(session, s);
  }
  return s;
}

/** The project's selectors.yml (null when it has none), with Jinja in values rendered. */
export function selectorsFile(session: Session): SelectorsFile | null {
  if (!selectorFiles.has(session)) {
    const render = (text: string, loc: { file: string }) => session.engine.render(loc.file, text, yamlContext(session.deps, session.profile.profileName, loc.file));
    selectorFiles.set(session, loadSelectorsFile(session.root, render));
  }
  return selectorFiles.get(session)!;
}

/**
 * The selected ids of the given resource types (`all` keeps sources and exposures too). Tests
 * come along with the nodes they test by --indirect-selection (eager by default).
 */
export function selectIds(session: Session, opts: GlobalOptions, resourceTypes: readonly string[] | 'all', onWarning?: (w: KilnError) => void): Set<string> {
  if (opts.retryIds) return retrySelection(session, opts.retryIds, resourceTypes, onWarning);
  const state = opts.state !== undefined ? previousState(session, opts) : undefined;
  const request: SelectionRequest = {
    select: opts.select,
    exclude: opts.exclude,
    selector: opts.selector,
    indirect: opts.indirectSelection as IndirectSelection | undefined,
    selectors: selectorsFile(session),
  };
  // Nothing selected: every resource of the requested types, without a pass over the graph.
  if (isDefaultRequest(request)) {
    const everything = selectEverything(session.manifest, resourceTypes);
    if (everything) return everything;
  }
  const result = resolveSelection(
    session.manifest,
    request,
    // Without --state, `result:` still reads target/run_results.json; `state:` explains what is missing.
    { root: session.root, state: state ?? previousState(session, {}) },
  );
  for (const w of result.warnings) onWarning?.(w);
  if (resourceTypes === 'all') return result.selected;
  const out = new Set<string>();
  for (const id of result.selected) {
    const type = session.manifest.nodes.get(id)?.resourceType ?? (session.manifest.sources.has(id) ? 'source' : session.manifest.exposures?.has(id) ? 'exposure' : semanticType(session.manifest, id));
    if (type !== undefined && resourceTypes.includes(type)) out.add(id);
  }
  return out;
}

/** `kiln retry`: the previous run's failed and skipped nodes that still exist. */
function retrySelection(session: Session, ids: ReadonlySet<string>, resourceTypes: readonly string[] | 'all', onWarning?: (w: KilnError) => void): Set<string> {
  const out = new Set<string>();
  const gone: string[] = [];
  for (const id of ids) {
    // A build's skipped exposure is retried too (dbt 1.11): reported again, once its parents are.
    const type = session.manifest.nodes.get(id)?.resourceType ?? (session.manifest.exposures?.has(id) ? 'exposure' : undefined);
    if (!type) gone.push(id);
    else if (resourceTypes === 'all' || resourceTypes.includes(type)) out.add(id);
  }
  if (gone.length) {
    onWarning?.(new KilnError(Codes.SELECTION_EMPTY, `${gone.length} node${gone.length === 1 ? '' : 's'} of the last run no longer exist${gone.length === 1 ? 's' : ''} and will not be retried: ${gone.join(', ')}`));
  }
  return out;
}

/** metric, semantic_model or saved_query when `id` is one of the project's (their ids start with the type). */
function semanticType(manifest: Session['manifest'], id: string): string | undefined {
  const s = manifest.semantic;
  if (!s) return undefined;
  return s.metrics.has(id) ? 'metric' : s.semanticModels.has(id) ? 'semantic_model' : s.savedQueries.has(id) ? 'saved_query' : undefined;
}

/**
 * The resource types a command selects, narrowed by --resource-type and --exclude-resource-type
 * (dbt's build, test, clone and ls): `all` is every type, `default` every type but analyses.
 */
export function narrowTypes(base: readonly string[], include: readonly string[] | undefined, exclude: readonly string[] | undefined): string[] {
  const expand = (list: readonly string[], flag: string): Set<string> => {
    const out = new Set<string>();
    for (const t of list.flatMap((x) => x.split(/[\s,]+/)).filter(Boolean)) {
      if (t === 'all' || t === 'default') {
        for (const k of RESOURCE_TYPES) if (t === 'all' || k !== 'analysis') out.add(k);
      } else if ((RESOURCE_TYPES as readonly string[]).includes(t)) out.add(t);
      else throw new KilnError(Codes.USAGE, `Unknown ${flag} '${t}'`, { hint: `Use one or more of: ${RESOURCE_TYPES.filter((k) => k !== 'macro' && k !== 'operation').join(', ')}, default, all.` });
    }
    return out;
  };
  let out = [...base];
  if (include?.length) {
    const keep = expand(include, '--resource-type');
    out = out.filter((t) => keep.has(t));
  }
  if (exclude?.length) {
    const drop = expand(exclude, '--exclude-resource-type');
    out = out.filter((t) => !drop.has(t));
  }
  return out;
}
