// Partial parsing in a long-lived process (kiln watch): the parse cache stays in memory between
// parses, and files are re-read only when the process says they changed.
//
//   const state = new PartialParseState();
//   let session = await openSession({ ...opts, parseState: state }, cwd);   // reads what it must
//   // on a save of models/a.sql (chokidar):
//   state.invalidate(['models/a.sql']);
//   session = await openSession({ ...opts, parseState: state }, cwd);       // re-reads a.sql only
//
// Files not yet known (added) are read; files gone from the listing (deleted, renamed) are
// dropped; everything else comes from memory without a read or a hash (so every changed path
// must be invalidated, macros and YAML included). dbt_project.yml and profiles.yml are read on
// every parse; the project key (cache-key.ts) decides, as in a cold start, whether anything
// can be reused.
import type { FileReuse, ReadResult } from '../../project/discover.js';
import type { ParseCache } from './parse-cache.js';

export class PartialParseState implements FileReuse {
  private readonly files = new Map<string, ReadResult>();
  /** The cache of the last parse, kept in memory, and its file (set by openParseCache). */
  cache: ParseCache | undefined;
  file: string | undefined;

  constructor(
    /** Write the cache to target/ after each parse that changed it (so a later CLI command starts warm). */
    readonly persist = true,
  ) {}

  /** Paths relative to the project root (forward slashes) whose contents may have changed. */
  invalidate(paths: Iterable<string>): void {
    for (const p of paths) this.files.delete(p.replace(/\\/g, '/').replace(/^\.\//, ''));
  }

  /** Forgets every file read (the next parse reads the whole project again). */
  invalidateAll(): void {
    this.files.clear();
  }

  /** Writes the cache to its file now if it changed (a process with `persist` false, on exit). */
  flush(): boolean {
    return this.cache !== undefined && this.file !== undefined && this.cache.save(this.file);
  }

  get(relPath: string): ReadResult | undefined {
    return this.files.get(relPath);
  }

  set(relPath: string, read: ReadResult): void {
    this.files.set(relPath, read);
  }
}
