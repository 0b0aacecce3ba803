// The re-parse `kiln watch` does after each burst of saves: today a full parse of the project,
// in-process, reusing the adapter that is already open (same target) so the database session
// lives on. One function on purpose: partial parsing (re-reading only the saved files) replaces
// its body without the watch loop changing.
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

export const reparseProject: Reparse = ({ opts, cwd, previous }) =>
  openSession({ ...opts, timings: new Timings() }, cwd, previous ? { adapter: previous.adapter, target: previous.profile.target } : undefined);
