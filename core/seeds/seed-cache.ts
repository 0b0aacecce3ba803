// What reading a seed found (column types, row count), remembered in the target folder: a seed
// whose bytes, delimiter and column_types are those of a file kiln read before is not read again.
// Reading a 1,000,000-row seed costs seconds of CPU before its COPY can start. A seed up to dbt's
// size limit is known by the SHA-256 of its bytes, taken when the project was loaded; a larger
// one by its stat stamp (core/seeds/seed-stamp.ts), so an unchanged file is neither read nor
// hashed. A stamp taken just after the file was written does not yet stand for its content
// (racily clean, as git says): such a file is hashed here instead. The key also holds a hash of
// the reading code itself, so a kiln whose inference changed never trusts an old answer. Any
// problem with the file (missing, corrupt, written by another version) only means reading the
// seed again.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SeedInfo } from './read-seed.js';
import { isSeedStamp, stampSettled } from './seed-stamp.js';
import { makeDirs } from '../make-dirs.js';

export const SEED_CACHE_FILE = 'seed-inference.json';
/** Seeds remembered at most (about a kilobyte each). */
const MAX_ENTRIES = 500;

interface CacheFile {
  readonly format: 1;
  readonly entries: Record<string, SeedInfo>;
}

/** The source of the modules whose behaviour decides a SeedInfo, hashed once per process. */
let codeHash: string | null = null;
function readerCodeHash(): string {
  if (codeHash !== null) return codeHash;
  const h = createHash('sha256');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const ext = path.extname(fileURLToPath(import.meta.url));
  for (const name of ['read-seed', 'read-in-pieces', 'scan-csv', 'infer-type', 'decode-utf8', 'line-ends']) {
    try {
      h.update(fs.readFileSync(path.join(here, `${name}${ext}`)));
    } catch {
      // A layout without the sources next to this module: never reuse answers.
      h.update(String(Math.random()));
    }
  }
  codeHash = h.digest('hex');
  return codeHash;
}

export class SeedCache {
  private readonly entries: Record<string, SeedInfo>;
  private changed = false;

  private constructor(
    private readonly file: string | null,
    entries: Record<string, SeedInfo>,
  ) {
    this.entries = entries;
  }

  /** The cache in `dir` (the target folder); null: no cache (nothing is remembered). */
  static open(dir: string | null): SeedCache {
    if (!dir) return new SeedCache(null, {});
    const file = path.join(dir, SEED_CACHE_FILE);
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CacheFile>;
      if (parsed.format === 1 && parsed.entries && typeof parsed.entries === 'object') return new SeedCache(file, { ...parsed.entries });
    } catch {
      // absent or unreadable: start empty
    }
    return new SeedCache(file, {});
  }

  /**
   * The key of a seed read: `checksum` is the node's (a SHA-256 of the file's bytes, or the
   * stamp of a large seed; see above); `since` is a moment before the project was loaded (the
   * invocation's start, ms since the epoch). Null when nothing can be remembered (no cache
   * folder, the file unreadable): then the file is always read.
   */
  key(checksum: string, file: string, opts: { delimiter: string; columnTypes: Readonly<Record<string, string>>; since: number }): string | null {
    if (!this.file) return null;
    let id = checksum;
    if (isSeedStamp(checksum) && !stampSettled(checksum, opts.since)) {
      try {
        id = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
      } catch {
        return null;
      }
    } else if (!isSeedStamp(checksum) && !/^[0-9a-f]{64}$/.test(checksum)) {
      return null;
    }
    const types = Object.entries(opts.columnTypes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return createHash('sha256')
      .update(JSON.stringify([id, opts.delimiter, types, readerCodeHash()]))
      .digest('hex');
  }

  get(key: string | null): SeedInfo | undefined {
    if (key === null) return undefined;
    const hit = Object.hasOwn(this.entries, key) ? this.entries[key] : undefined;
    return hit;
  }

  set(key: string | null, info: SeedInfo): void {
    if (key === null) return;
    // Inserted last: the newest answers are the ones kept.
    delete this.entries[key];
    this.entries[key] = { columns: info.columns.map((c) => ({ ...c })), rowCount: info.rowCount };
    this.changed = true;
  }

  /** Writes the answers down when there are new ones (the newest MAX_ENTRIES kept); best effort. */
  save(): void {
    if (!this.file || !this.changed) return;
    const all = Object.entries(this.entries);
    const body: CacheFile = { format: 1, entries: Object.fromEntries(all.slice(Math.max(0, all.length - MAX_ENTRIES))) };
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      makeDirs(path.dirname(this.file));
      fs.writeFileSync(tmp, JSON.stringify(body));
      fs.renameSync(tmp, this.file);
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  }
}
