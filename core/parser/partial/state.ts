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
//
// Folders are listed again on every parse too, unless the caller knows every path that changed
// (added and deleted ones included: chokidar's add/change/unlink) and says so with
// invalidate(paths, { root }): when each of them is a file read before that still exists, no file
// was added or removed, and the last listings are reused (a tenth of the re-parse at 10,000 models).
import fs from 'node:fs';
import path from 'node:path';
import type { FileReuse, ReadResult } from '../../project/discover.js';
import type { ProjectSourceFile } from '../../project/types.js';
import type { ParseCache } from './parse-cache.js';

export class PartialParseState implements FileReuse {
  private readonly files = new Map<string, ReadResult>();
  /** Folder listings of the last parse (see discoverFiles), while no file is known to be added or removed. */
  private readonly listings = new Map<string, readonly string[]>();
  /** The file entries of the last parse by project folder, then path (see FileReuse.entriesUnder). */
  private readonly entries = new Map<string, Map<string, ProjectSourceFile>>();
  /** The cache of the last parse, kept in memory, and its file (set by openParseCache). */
  cache: ParseCache | undefined;
  file: string | undefined;

  constructor(
    /** Write the cache to target/ after each parse that changed it (so a later CLI command starts warm). */
    readonly persist = true,
  ) {}

  /**
   * Paths relative to the project root (forward slashes) whose contents may have changed. With
   * `complete.root` (the project folder) the caller vouches that these are all the paths changed,
   * added or deleted since the last parse, so folder listings may be kept (see above).
   */
  invalidate(paths: Iterable<string>, complete?: { readonly root: string }): void {
    let keepListings = complete !== undefined;
    for (const raw of paths) {
      const p = raw.replace(/\\/g, '/').replace(/^\.\//, '');
      // Not read before: added, or not a listed file (dbt_project.yml may move the folders).
      if (!this.files.delete(p) || !complete || !isFile(path.join(complete.root, p))) keepListings = false;
    }
    if (!keepListings) this.listings.clear();
  }

  /** Forgets every file read (the next parse reads the whole project again). */
  invalidateAll(): void {
    this.files.clear();
    this.listings.clear();
    this.entries.clear();
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

  listing(key: string): readonly string[] | undefined {
    return this.listings.get(key);
  }

  setListing(key: string, files: readonly string[]): void {
    this.listings.set(key, files);
  }

  entriesUnder(root: string): Map<string, ProjectSourceFile> {
    let m = this.entries.get(root);
    if (!m) this.entries.set(root, (m = new Map()));
    return m;
  }
}

function isFile(abs: string): boolean {
  try {
    return fs.statSync(abs).isFile();
  } catch {
    return false;
  }
}
