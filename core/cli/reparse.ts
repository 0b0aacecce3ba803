// The re-parse `kiln watch` does after each burst of saves, in-process, reusing the adapter that
// is already open (same target) so the database session lives on. With partial parsing (the
// default; --no-partial-parse turns it off) the parse cache stays in memory between saves and only
// the saved files are read again; otherwise the whole project is parsed each time.
import { PartialParseState } from '../parser/partial/state.js';
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

/** A full parse of the project each time (what the partial re-parse must always equal). */
export const fullReparse: Reparse = ({ opts, cwd, previous }) =>
  openSession({ ...opts, timings: new Timings() }, cwd, previous ? { adapter: previous.adapter, target: previous.profile.target } : undefined);

/**
 * A re-parse for one watch: files are read from memory unless saved since the last successful
 * parse (all of those are re-read, so a save made while the project was broken is never missed).
 */
export function partialReparse(): Reparse {
  const state = new PartialParseState();
  return (input) => {
    state.invalidate(input.changedFiles);
    return fullReparse({ ...input, opts: { ...input.opts, parseState: state } });
  };
}
