// The re-parse `kiln watch` does after each burst of saves, in-process, reusing the adapter that
// is already open (same target) so the database session lives on. Partial parsing keeps the
// parse cache and every file read in memory between re-parses (core/parser/partial/state.ts):
// only the saved files are read again, and only they (and what they describe or what describes
// them) are parsed again, unless a change reaches every node (project file, vars, a macro).
import path from 'node:path';
import { PartialParseState } from '../parser/partial/state.js';
import { incrementalReparse, prepareIncremental } from '../watch/incremental-parse.js';
import type { GlobalOptions } from './options.js';
import { openSession, type Session } from './session.js';
import { Timings } from './timings.js';

export interface ReparseInput {
  readonly opts: GlobalOptions;
  readonly cwd: string;
  /** Files saved since the last successful parse, relative to the project root ('/'-separated). */
  readonly changedFiles: ReadonlySet<string>;
  /** The last successful parse (null before the first); its adapter is reused when the target is the same. */
  readonly previous: Session | null;
}

/** A session for the project as it is on disk now; throws KilnError(s) for a broken project. */
export type Reparse = (input: ReparseInput) => Promise<Session>;

/**
 * One partial-parsing state per project folder for the life of the process. The cache is not
 * written after every re-parse (at 10,000 models that is ~70 MB per save): the watch loop calls
 * flushParseCaches() when it ends, so the next command starts warm.
 */
const states = new Map<string, PartialParseState>();

export const reparseProject: Reparse = ({ opts, cwd, changedFiles, previous }) => {
  const root = path.resolve(cwd, opts.projectDir ?? '.');
  let state = opts.parseState ?? states.get(root);
  if (!state) {
    state = new PartialParseState(false);
    states.set(root, state);
  }
  // A save of node files only: the previous parse with just their nodes parsed again (null: it
  // cannot tell, and the project is parsed as below).
  const incremental = process.env.KILN_WATCH_INCREMENTAL !== '0';
  if (previous && incremental) {
    const next = incrementalReparse({ previous, changedFiles, state });
    if (next) return Promise.resolve(next);
  }
  // Before a first successful parse nothing read earlier is trusted.
  // The watcher reports every add, change and delete: folder listings may be kept when no file came or went.
  if (previous) state.invalidate(changedFiles, { root });
  else state.invalidateAll();
  const parsed = openSession({ ...opts, parseState: state, timings: new Timings() }, cwd, previous ? { adapter: previous.adapter, target: previous.profile.target, graph: { manifest: previous.manifest, dag: previous.dag } } : undefined);
  return parsed.then((next) => {
    if (incremental) prepareIncremental(next, state);
    return next;
  });
};

/** Writes every in-memory parse cache that changed to its target folder (watch calls it on exit). */
export function flushParseCaches(): void {
  for (const state of states.values()) state.flush();
}
