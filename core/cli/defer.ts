// --defer for the commands that compile (run, build, test, seed, snapshot, compile): checked up
// front (it needs --state with a manifest), then planned once the adapter is open.
import { Codes, KilnError } from '../errors.js';
import type { Compiler } from '../compiler/compile.js';
import type { Reporter } from '../reporter/reporter.js';
import type { StateManifest } from '../state/artifacts.js';
import { planDeferral } from '../state/defer.js';
import type { GlobalOptions } from './options.js';
import { previousState } from './selection.js';
import { PreviousState } from '../state/previous-state.js';
import type { Session } from './session.js';

/** The state manifest to defer to, or null without --defer; errors before anything runs. */
export function deferState(session: Session, opts: GlobalOptions): StateManifest | null {
  if (!opts.defer) {
    if (opts.favorState) throw new KilnError(Codes.USAGE, '--favor-state only applies with --defer', { hint: 'Add --defer --state <dir>.' });
    return null;
  }
  // --defer-state: the artifacts deferred to, when they are not those state: selectors compare with (dbt ≥ 1.5).
  if (opts.deferState) return deferStateManifest(session, opts.deferState);
  if (!opts.state) {
    throw new KilnError(Codes.STATE_MISSING, '--defer needs --state <dir> (or --defer-state <dir>): the artifacts of the run to defer to', {
      hint: 'Pass the folder holding the manifest.json of that run, e.g. `kiln build -s state:modified+ --defer --state prod-artifacts/`.',
    });
  }
  return previousState(session, opts).manifest();
}

const deferStates = new WeakMap<Session, StateManifest>();

/** The --defer-state manifest of a session, read once (a PreviousState of its own, as previousState() keeps --state's). */
function deferStateManifest(session: Session, dir: string): StateManifest {
  let m = deferStates.get(session);
  if (!m) {
    m = new PreviousState({ current: session.manifest, root: session.root, stateDir: dir, targetDir: session.targetDir }).manifest();
    deferStates.set(session, m);
  }
  return m;
}

/** Points the compiler's refs to unselected, unbuilt nodes at their state relations (adapter open). */
export async function applyDefer(session: Session, opts: GlobalOptions, state: StateManifest, selected: ReadonlySet<string>, compiler: Compiler, reporter: Reporter): Promise<void> {
  const deferred = await planDeferral({
    manifest: session.manifest,
    selected,
    state,
    favorState: !!opts.favorState,
    exists: async (rel) => (await session.adapter.getRelation(rel)) !== null,
  });
  compiler.deferTo(deferred);
  if (deferred.size === 0) return;
  const names = [...deferred.keys()].map((id) => session.manifest.nodes.get(id)?.name ?? id).sort();
  const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')} and ${names.length - 8} more` : names.join(', ');
  reporter.info(`Deferring ${names.length} unselected node${names.length === 1 ? '' : 's'} to ${state.file}: ${shown}`, { event: 'defer', nodes: [...deferred.keys()] });
}
