// Partial parsing: the results of parsing single files (a model's node, a property file's
// entries, the tests a YAML entry declares), kept by a key made of the contents they came from,
// so the next parse reuses them and re-parses only what changed. Everything a result depends on
// beyond its own key (the project file, the profile target, vars, macros, doc blocks, kiln
// itself) is folded into one project key (cache-key.ts): when that differs, nothing is reused.
//
// A result computed here is kept as an object (a copy the later steps do not change, fresh())
// and encoded only when the cache is saved, in one pass written out in pieces: a cold parse
// makes ~20,000 results (~100 MB encoded at 10,000 models), and encoding each as it was made
// cost a cold compile ~0.8 s and ~150 MB more than parsing without the cache. Results that are
// plain data (nearly all) are kept as JSON, which V8 writes several times faster than
// v8.serialize and reads faster; what JSON loses in them, properties whose value is undefined
// and objects without a prototype (a node's columns), is noted by where it is and put back on
// reading (jsonMarks). Anything else (a boxed number, a Map) is kept with v8.serialize. Entries read from the file keep their bytes,
// written back as they are; a hit hands out a copy that the parse may own (fresh()), and a
// long-lived process (kiln watch) reuses the objects of its last parse instead of decoding
// again, also of results never written to the file (MemoOptions.memoryOnly).
//
// What a cold compile of 10,000 models pays for the cache on its main thread is mostly the
// save's JSON.stringify of the results (~46 MB of text, ~270 ms of ~400 ms): the file's bytes are
// the next invocation's, so that is the floor short of another format. An invocation that parses
// once has the pieces written by libuv's threads (saveInBackground: ~40 ms of system time off
// this thread). jsonMarks walks ~800,000 objects (~85 ms); walking with a linked trail or
// with primitives tested inline was no faster. fresh() costs ~15 ms.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import type { Problems } from '../../errors.js';
import { isSecretEnvName, trackEnvReads } from '../../template/builtins.js';
import { makeDirs } from '../../make-dirs.js';

/** The file partial parsing keeps in the target folder. */
export const CACHE_FILE = 'partial_parse.kiln';

// Version 3: entries as JSON (with objects without a prototype) or v8, the index after them
// (the file is written in one pass).
const MAGIC = Buffer.from('KILNPP3\n', 'latin1');

/** How an entry's bytes encode its result. */
const JSON_VALUE = 0;
/** JSON of [result, its holes, its objects without a prototype] (see jsonMarks). */
const JSON_WITH_MARKS = 1;
const V8_VALUE = 2;
type Format = typeof JSON_VALUE | typeof JSON_WITH_MARKS | typeof V8_VALUE;

/**
 * A property whose value is undefined, which JSON leaves out: the keys and indexes leading to
 * its object, its key, and its place among the object's keys (so it is put back where it was).
 */
type Hole = readonly [trail: readonly (string | number)[], key: string, index: number];
/** The keys and indexes leading to an object without a prototype (Object.create(null)). */
type Trail = readonly (string | number)[];

/** What JSON does not keep of a plain result (see jsonMarks). */
interface Marks {
  readonly holes: Hole[];
  readonly bare: Trail[];
}

interface Entry {
  /** The encoded result: read from the file, or made by memo() for a result kept with v8; null until save() encodes it. */
  readonly bytes: Buffer | null;
  readonly format: Format;
  /** What JSON does not keep of the result (a computed one kept as JSON with marks). */
  readonly marks?: Marks;
  /** env_var() reads made while the result was produced: name → digest of the value (null: unset). */
  readonly env: readonly (readonly [string, string | null])[];
  /**
   * The result as an object, once this process has one: later parses in the same process
   * (kiln watch) get copies of it instead of decoding again (see fresh()).
   */
  value?: unknown;
  /** The parse that last used the entry (ParseCache.parse); entries loaded from disk have none. */
  usedIn?: number;
  /** Never written (MemoOptions.memoryOnly). */
  readonly memoryOnly?: boolean;
  /** What memoBuilt() built from the result, kept in memory only (never written). */
  built?: unknown;
}

interface Header {
  readonly key: string;
  /** [key, offset in the file, length, env reads, format] */
  readonly entries: readonly (readonly [string, number, number, Entry['env'], Format])[];
}

/** What the parser asks of a cache (core/parser/parse-project.ts). */
export interface ParseMemo {
  /**
   * The cached result for `key`, else computes it. A result is kept only when computing it
   * added no error or warning to `problems` (those are reported again on every parse) and is
   * not null. `key` null: never cached.
   */
  memo<T>(key: string | null, problems: Problems, compute: () => T, options?: MemoOptions): T;
  /**
   * Like memo(), for a result cheaper to build again from a smaller one than to keep (a node's
   * tests from their declarations): the cache keeps what `declare` gives; `build` makes the
   * result from it on each parse, and a long-lived process keeps the result in memory too.
   * `build` may note on the declaration what it derives from the declaration alone and is costly
   * to make again (a test's id hash): a declaration computed by this parse is encoded when the
   * cache is saved, after the build, so the note is kept with it.
   */
  memoBuilt<D, T>(key: string | null, problems: Problems, declare: () => D, build: (declared: D) => T): T;
  /** Keeps the entry for `key` (if any) for the next parse without reading it. */
  retain(key: string): void;
  /**
   * fileVolatility's answers by file path, kept across parses of one process: each parse would
   * otherwise scan every file's text with two regular expressions again.
   */
  readonly volatility?: Map<string, FileKeyMemo>;
  /**
   * Full cache keys by purpose and by the file or node they belong to, kept across parses of one
   * process (see KeyMemo).
   */
  readonly keys?: Map<string, Map<string, KeyMemo>>;
}

export interface MemoOptions {
  /**
   * Keep the result in this process's memory only, never in the file: for a result that a later
   * invocation seldom reads and that costs much to write (a property file in full, ~20 % of the
   * file at 10,000 models, read back only to parse again a model it describes).
   */
  readonly memoryOnly?: boolean;
}

/** What a file's text makes its cache key: kept while the text (the same string) and the flags are unchanged. */
export interface FileKeyMemo {
  readonly contents: string;
  readonly root: string;
  readonly flags: string;
  /** fileVolatility's answer. */
  readonly value: string | null;
  /** The file's part of cache keys (path, root, checksum, volatility); null: never cached. */
  readonly key: string | null;
}

/**
 * A cache key and the parts it was joined from. While the parts are the same strings the key
 * string is reused as it is: a string V8 has already hashed, and the very string the entry is
 * held under, so looking it up neither builds a long string nor hashes it again (~40 ms per
 * re-parse at 10,000 models).
 */
export interface KeyMemo {
  readonly parts: readonly (string | null)[];
  readonly key: string | null;
}

export interface ParseCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
}

/**
 * A cache of per-file parse results for one project key. Usable across parses in one process
 * (`kiln watch`): call beginParse() before each parse; entries a parse did not use are dropped
 * by the next beginParse(), so the cache never grows beyond one project's worth.
 */
export class ParseCache implements ParseMemo {
  /**
   * Entries read from disk or used by the previous parse, and those the parse in progress
   * created. One map marked with the parse that used each entry (rather than a new map of the
   * used ones per parse: 50,000 insertions on each re-parse in kiln watch).
   */
  private readonly entries: Map<string, Entry>;
  /** The parse in progress (entries with `usedIn` equal to it were used or created by it). */
  private parse = 0;
  /** How many entries the parse in progress used or created. */
  private usedCount = 0;
  private hits = 0;
  private misses = 0;
  readonly volatility = new Map<string, FileKeyMemo>();
  readonly keys = new Map<string, Map<string, KeyMemo>>();
  /** Whether the last parse's entries are what the file holds (nothing to save). */
  private saved = true;
  /**
   * Whether results kept in memory only are kept (MemoOptions.memoryOnly): not by an invocation
   * that parses once (see forOneParse()).
   */
  private keepsMemoryOnly = true;

  constructor(
    /** The project key (cache-key.ts) the entries are valid for. */
    readonly key: string,
    entries: Map<string, Entry> = new Map(),
    /** The file's contents the entries were read from (see release()). */
    private loaded: Buffer | null = null,
  ) {
    this.entries = entries;
  }

  /**
   * Hands the cache's memory back, for an invocation that parses once: after save() nothing
   * reads it. The file read (~100 MB at 10,000 models) would stay until the collector reaches
   * it, through compile and the writing of manifest.json: it is detached (transferred to a port
   * closed at once), so it is freed once the port closes; the promise settles after that. The
   * cache is empty afterwards.
   */
  async release(): Promise<void> {
    const b = this.loaded;
    // Only a buffer that owns all of its memory (never a slice of Node's shared pool).
    const buffer = b && b.byteOffset === 0 && b.buffer instanceof ArrayBuffer && b.byteLength === b.buffer.byteLength ? b.buffer : null;
    // Nothing left to save: save() after this writes nothing rather than an empty file.
    this.entries.clear();
    this.loaded = null;
    this.saved = true;
    this.usedCount = 0;
    this.hits = 0;
    this.misses = 0;
    if (buffer !== null) await detach([buffer]);
  }

  /**
   * For an invocation that parses once: results meant for this process's memory only are
   * computed and not kept, since no later parse would read them (copying and holding them
   * would cost a cold compile of 10,000 models ~30,000 test nodes).
   */
  forOneParse(): this {
    this.keepsMemoryOnly = false;
    return this;
  }

  /** Starts a parse (a no-op before the first one): what the last parse used is what is offered. */
  beginParse(): void {
    if (this.hits + this.misses > 0) {
      this.dropUnused();
      this.parse++;
      this.usedCount = 0;
    }
    this.hits = 0;
    this.misses = 0;
  }

  /** Forgets the entries the last parse did not use. */
  private dropUnused(): void {
    if (this.usedCount === this.entries.size) return;
    for (const [k, e] of this.entries) if (e.usedIn !== this.parse) this.entries.delete(k);
  }

  private markUsed(e: Entry): void {
    if (e.usedIn === this.parse) return;
    e.usedIn = this.parse;
    this.usedCount++;
  }

  memo<T>(key: string | null, problems: Problems, compute: () => T, options?: MemoOptions): T {
    if (key === null) return compute();
    if (options?.memoryOnly && !this.keepsMemoryOnly) {
      // Computed all the same (a parse), and nothing the file holds changes.
      this.misses++;
      return compute();
    }
    const found = this.entries.get(key);
    if (found && envUnchanged(found.env)) {
      if (found.value === undefined) {
        try {
          found.value = decode(found);
        } catch {
          // bytes that do not decode (a damaged file): computed again below
          found.value = undefined;
        }
      }
      if (found.value !== undefined) {
        this.hits++;
        this.markUsed(found);
        return fresh(found.value) as T;
      }
    }
    this.misses++;
    this.saved = false;
    const errors = problems.errors.length;
    const warnings = problems.warnings.length;
    const { value, reads } = trackEnvReads(compute);
    if (value === null || value === undefined || problems.errors.length !== errors || problems.warnings.length !== warnings) return value;
    const env = reads.size === 0 ? NO_ENV : envOf(reads);
    if (env === null) return value;
    let entry: Entry;
    if (options?.memoryOnly) entry = { bytes: null, format: JSON_VALUE, env, value: fresh(value), memoryOnly: true };
    else {
      // Plain data is encoded when the cache is saved; anything else is serialized now, both to
      // know it can be kept (a function cannot: simply not cached) and because later steps may
      // change what it holds (a Map), which plain data they never do in place (see fresh()).
      const marks = jsonMarks(value);
      if (marks !== null) {
        const marked = marks.holes.length > 0 || marks.bare.length > 0;
        entry = marked ? { bytes: null, format: JSON_WITH_MARKS, marks, env, value: fresh(value) } : { bytes: null, format: JSON_VALUE, env, value: fresh(value) };
      }
      else {
        try {
          entry = { bytes: v8.serialize(value), format: V8_VALUE, env, value: fresh(value) };
        } catch {
          return value;
        }
      }
    }
    // An entry this parse used already (the same key met twice) is replaced, not counted again.
    if (found?.usedIn === this.parse) this.usedCount--;
    this.entries.set(key, entry);
    this.markUsed(entry);
    return value;
  }

  memoBuilt<D, T>(key: string | null, problems: Problems, declare: () => D, build: (declared: D) => T): T {
    const declared = this.memo(key, problems, declare);
    // The entry this parse used or made for `key` (a result computed again makes a new one; one
    // left in the map unused, as when an env var it read changed, is not it).
    const found = key === null ? undefined : this.entries.get(key);
    const entry = found?.usedIn === this.parse ? found : undefined;
    if (entry?.built !== undefined) return fresh(entry.built) as T;
    const errors = problems.errors.length;
    const warnings = problems.warnings.length;
    const { value, reads } = trackEnvReads(() => build(declared));
    // Kept under the rules of memo(), and only when building read no env var (its own key does not say which).
    if (entry && this.keepsMemoryOnly && reads.size === 0 && value !== null && value !== undefined && problems.errors.length === errors && problems.warnings.length === warnings) entry.built = fresh(value);
    return value;
  }

  retain(key: string): void {
    const found = this.entries.get(key);
    if (found) this.markUsed(found);
  }

  /** The last parse's figures: results reused, results computed, entries now held. */
  stats(): ParseCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.usedCount };
  }

  /** Whether save() would write anything: the last parse computed something or left entries unused. */
  get dirty(): boolean {
    if (this.hits + this.misses === 0) return false;
    return !this.saved || this.usedCount !== this.entries.size;
  }

  /**
   * Writes the entries the last parse used to `file` (atomically: a temp file renamed) when
   * they differ from what was read: the bytes of entries read from the file as they are, the
   * others encoded now, into one buffer written out each time it fills (never the whole cache
   * in memory at once). Failing to write is not an error: the next parse is cold.
   */
  save(file: string): boolean {
    if (!this.dirty) return false;
    const tmp = `${file}.${process.pid}.tmp`;
    let fd: number | null = null;
    try {
      makeDirs(path.dirname(file));
      fd = fs.openSync(tmp, 'w');
      this.encode(new PieceWriter(fd, null));
      fs.closeSync(fd);
      fd = null;
      fs.renameSync(tmp, file);
    } catch {
      if (fd !== null) fs.closeSync(fd);
      removeQuietly(tmp);
      return false;
    }
    this.markSaved();
    return true;
  }

  /**
   * save() for an invocation that parses once: each full buffer is written by libuv's threads
   * while this thread encodes the next (the writes' system time, ~50 ms of 52 MB at 10,000
   * models, and any wait on the disk leave this thread). Settles once the file is in place
   * (true) or was not written (false); nothing else may be done with the cache meanwhile.
   */
  async saveInBackground(file: string): Promise<boolean> {
    if (!this.dirty) return false;
    const tmp = `${file}.${process.pid}.tmp`;
    let fd: number | null = null;
    const writes: Promise<void>[] = [];
    const pieces: Buffer[] = [];
    let written = false;
    // A process that exits while the writes run (Ctrl-C) leaves no temp file behind.
    const leftOver = () => removeQuietly(tmp);
    process.once('exit', leftOver);
    try {
      makeDirs(path.dirname(file));
      fd = fs.openSync(tmp, 'w');
      this.encode(new PieceWriter(fd, { writes, pieces }));
      written = true;
    } catch {
      // not written (below)
    }
    // Every write settles before the file is closed or a buffer freed.
    if ((await Promise.allSettled(writes)).some((w) => w.status === 'rejected')) written = false;
    try {
      if (fd !== null) fs.closeSync(fd);
      if (written) fs.renameSync(tmp, file);
    } catch {
      written = false;
    }
    process.removeListener('exit', leftOver);
    if (!written) removeQuietly(tmp);
    // ~52 MB of filled buffers at 10,000 models, freed now rather than when the collector reaches them.
    await detach(pieces.map((b) => b.buffer));
    if (written) this.markSaved();
    return written;
  }

  /** The file's contents, given to `out` in order. */
  private encode(out: PieceWriter): void {
    out.bytes(MAGIC);
    const index: Header['entries'][number][] = [];
    for (const [k, e] of this.entries) {
      if (e.usedIn !== this.parse || e.memoryOnly) continue;
      const offset = out.offset;
      if (e.bytes !== null) out.bytes(e.bytes);
      else out.text(JSON.stringify(e.format === JSON_WITH_MARKS ? [e.value, e.marks?.holes ?? [], e.marks?.bare ?? []] : e.value));
      index.push([k, offset, out.offset - offset, e.env, e.format]);
    }
    const header = Buffer.from(JSON.stringify({ key: this.key, entries: index } satisfies Header), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    out.bytes(header);
    out.bytes(len);
    out.end();
  }

  private markSaved(): void {
    this.saved = true;
    this.dropUnused();
  }

  /**
   * The cache kept in `file` when it was written for `key`; an empty one otherwise (no file,
   * another project key, another format, a damaged file).
   */
  static load(file: string, key: string): ParseCache {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch {
      return new ParseCache(key);
    }
    try {
      if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return new ParseCache(key);
      const end = buf.length - 4;
      const start = end - buf.readUInt32LE(end);
      if (start < MAGIC.length) return new ParseCache(key);
      const header = JSON.parse(buf.toString('utf8', start, end)) as Header;
      if (header.key !== key) return new ParseCache(key);
      const entries = new Map<string, Entry>();
      for (const [k, off, len, env, format] of header.entries) {
        if (off < MAGIC.length || off + len > start || (format !== JSON_VALUE && format !== JSON_WITH_MARKS && format !== V8_VALUE)) return new ParseCache(key);
        entries.set(k, { bytes: buf.subarray(off, off + len), format, env });
      }
      return new ParseCache(key, entries, buf);
    } catch {
      return new ParseCache(key);
    }
  }
}

/** An entry's result from its bytes. */
function decode(e: Entry): unknown {
  const bytes = e.bytes;
  if (bytes === null) return undefined;
  if (e.format === V8_VALUE) return v8.deserialize(bytes);
  const parsed: unknown = JSON.parse(bytes.toString('utf8'));
  if (e.format === JSON_VALUE) return parsed;
  const [value, holes, bare] = parsed as [unknown, Hole[], Trail[]];
  return putBare(putHoles(value, holes), bare);
}

/** Deeper than this, a result is taken for a cycle (kept with v8, which keeps cycles). */
const MAX_DEPTH = 200;

/**
 * Whether JSON keeps `value` exactly once its marks are put back (then those marks: properties
 * whose value is undefined, which JSON leaves out, and objects without a prototype, which it
 * reads back as plain objects), or null: only v8.serialize does (a boxed number such as
 * yaml-floats' whole floats, a Map, NaN, -0, undefined in an array, a cycle) or nothing does (a
 * function). Arrays are taken as parsing makes them: without properties besides their elements.
 */
function jsonMarks(value: unknown): Marks | null {
  const holes: Hole[] = [];
  const bare: Trail[] = [];
  const trail: (string | number)[] = [];
  const visit = (v: unknown, depth: number): boolean => {
    if (typeof v === 'string' || typeof v === 'boolean' || v === null) return true;
    if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
    if (typeof v !== 'object' || depth > MAX_DEPTH) return false;
    if (Array.isArray(v)) {
      if (Object.getPrototypeOf(v) !== Array.prototype) return false;
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'string') continue;
        if (x === undefined) return false;
        trail.push(i);
        const ok = visit(x, depth + 1);
        trail.pop();
        if (!ok) return false;
      }
      return true;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto === null) bare.push(trail.slice());
    else if (proto !== Object.prototype) return false;
    let index = 0;
    for (const k in v) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined) holes.push([trail.slice(), k, index]);
      else if (typeof x !== 'string') {
        trail.push(k);
        const ok = visit(x, depth + 1);
        trail.pop();
        if (!ok) return false;
      }
      index++;
    }
    return true;
  };
  return visit(value, 0) ? { holes, bare } : null;
}

/** `value` (as JSON.parse made it) with its holes' properties put back, each in its place. */
function putHoles(value: unknown, holes: readonly Hole[]): unknown {
  let root = value;
  for (const [trail, key, index] of holes) {
    let parent: Record<string | number, unknown> | null = null;
    let o = root as Record<string | number, unknown>;
    for (const step of trail) {
      parent = o;
      o = o[step] as Record<string | number, unknown>;
    }
    if (index >= Object.keys(o).length) {
      // defineProperty, not assignment: `__proto__` too becomes a property of its own.
      Object.defineProperty(o, key, { value: undefined, writable: true, enumerable: true, configurable: true });
      continue;
    }
    const entries: [string, unknown][] = Object.entries(o);
    entries.splice(index, 0, [key, undefined]);
    const rebuilt = Object.fromEntries(entries);
    if (parent === null) root = rebuilt;
    else parent[trail[trail.length - 1]] = rebuilt;
  }
  return root;
}

/** `value` with the objects at `bare` made objects without a prototype again (after putHoles: it may rebuild them). */
function putBare(value: unknown, bare: readonly Trail[]): unknown {
  for (const trail of bare) {
    let o = value as Record<string | number, unknown>;
    for (const step of trail) o = o[step] as Record<string | number, unknown>;
    // Their own properties stay as JSON.parse made them (`__proto__` among them).
    Object.setPrototypeOf(o, null);
  }
  return value;
}

/** Where PieceWriter's pieces go when they are written by libuv's threads (see saveInBackground). */
interface Background {
  /** The writes in flight. */
  readonly writes: Promise<void>[];
  /** The buffers filled and handed over (to be freed once written). */
  readonly pieces: Buffer[];
}

/**
 * Writes a file in pieces through a buffer of a few megabytes, written out each time it fills:
 * the cache file (~100 MB at 10,000 models) is never in memory whole. In the background, each
 * full buffer is written at its place by libuv's threads and the next piece goes to a new one.
 */
class PieceWriter {
  private static readonly SIZE = 4 << 20;
  private buf = Buffer.allocUnsafeSlow(PieceWriter.SIZE);
  private used = 0;
  /** Bytes given so far (the offset in the file of the next piece). */
  offset = 0;
  /** Bytes handed to the file so far. */
  private flushed = 0;

  constructor(
    private readonly fd: number,
    private readonly background: Background | null,
  ) {
    background?.pieces.push(this.buf);
  }

  bytes(b: Uint8Array): void {
    if (b.length > PieceWriter.SIZE - this.used) {
      this.flush();
      if (b.length > PieceWriter.SIZE) {
        // Not copied: `b` (a result's bytes, the index) is not changed until the file is written.
        this.put(b);
        this.offset += b.length;
        return;
      }
    }
    this.buf.set(b, this.used);
    this.used += b.length;
    this.offset += b.length;
  }

  /** `s` as UTF-8. */
  text(s: string): void {
    const room = PieceWriter.SIZE - this.used;
    // A UTF-16 unit is at most 3 UTF-8 bytes: the exact length is counted only near the end of the buffer.
    if (s.length * 3 > room && Buffer.byteLength(s, 'utf8') > room) {
      this.flush();
      if (s.length * 3 > PieceWriter.SIZE && Buffer.byteLength(s, 'utf8') > PieceWriter.SIZE) {
        this.bytes(Buffer.from(s, 'utf8'));
        return;
      }
    }
    const n = this.buf.write(s, this.used, 'utf8');
    this.used += n;
    this.offset += n;
  }

  end(): void {
    this.flush(false);
  }

  /** `more`: more pieces follow (in the background, they need another buffer). */
  private flush(more = true): void {
    if (this.used === 0) return;
    this.put(this.buf.subarray(0, this.used));
    this.used = 0;
    if (this.background && more) {
      // The full one is being written: the next piece goes to another.
      this.buf = Buffer.allocUnsafeSlow(PieceWriter.SIZE);
      this.background.pieces.push(this.buf);
    }
  }

  /** Hands `b` to the file, after everything handed before it. */
  private put(b: Uint8Array): void {
    if (this.background) this.background.writes.push(writeAt(this.fd, b, this.flushed));
    else writeFully(this.fd, b);
    this.flushed += b.length;
  }
}

/** Removes a temp file if there is one; failing to is not an error either (no folder, not a folder). */
function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // nothing there to remove
  }
}

function writeFully(fd: number, b: Uint8Array): void {
  for (let off = 0; off < b.length; ) off += fs.writeSync(fd, b, off);
}

/** Writes `b` at `position` of the file on libuv's threads (several such writes may run at once). */
function writeAt(fd: number, b: Uint8Array, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const from = (off: number): void => {
      fs.write(fd, b, off, b.length - off, position + off, (err, n) => {
        if (err) reject(err);
        else if (off + n < b.length) from(off + n);
        else resolve();
      });
    };
    from(0);
  });
}

/** Below this, detach() leaves buffers to the collector. */
const DETACH_FROM_BYTES = 8 << 20;

/**
 * Frees the memory of `buffers` now rather than when the collector reaches them: they are
 * detached (transferred to a port closed at once), so they go once the port closes; the promise
 * settles after that. Only buffers that own all of their memory (never a slice of Node's shared
 * pool) are given; nothing may use them afterwards.
 */
async function detach(buffers: readonly ArrayBufferLike[]): Promise<void> {
  const own = buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
  // A few MB (1,000 models: ~1 MB) are left to the collector: a first MessageChannel costs
  // ~1.7 ms of CPU (Node loads its worker machinery), more than freeing them early saves.
  if (own.reduce((n, b) => n + b.byteLength, 0) < DETACH_FROM_BYTES) return;
  // The global MessageChannel, not node:worker_threads' (which loads the worker machinery: ~1.7 ms of start-up CPU).
  const { port1, port2 } = new MessageChannel();
  try {
    port1.postMessage(null, own);
  } catch {
    // not transferable after all: left to the collector
  }
  port1.close();
  port2.close();
  // The ports' memory goes in the loop's close phase, which follows the check phase.
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A copy of a cached result that the parse may own. After parsing, nodes change in one place
 * only: dependency resolution assigns `dependsOn.nodes` a new array (and compile sets
 * `compiledCode` on the node itself), so nodes are copied one level deep with their own
 * `dependsOn` object; its arrays, like everything else (configs, columns, property files), are
 * shared, read-only, between parses of one process (no array is changed in place: two fewer
 * arrays per node on each re-parse in kiln watch). The same holds between a result's parse
 * and the save() that encodes it.
 */
function fresh(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fresh);
  if (value !== null && typeof value === 'object' && 'dependsOn' in value) {
    const d = (value as { dependsOn: { nodes: string[]; macros: string[] } }).dependsOn;
    return { ...value, dependsOn: { ...d } };
  }
  return value;
}

/** The env reads of a result that read none (nearly all): one array for all of them. */
const NO_ENV: Entry['env'] = [];

/** `reads` as an entry keeps them; null when one is a secret (the result is not kept). */
function envOf(reads: ReadonlyMap<string, string | undefined>): Entry['env'] | null {
  const env: (readonly [string, string | null])[] = [];
  for (const [name, value] of reads) {
    // A result made from a secret env var may hold its value: never written to target/.
    if (isSecretEnvName(name)) return null;
    env.push([name, envDigest(value)]);
  }
  return env;
}

function envUnchanged(env: Entry['env']): boolean {
  for (const [name, digest] of env) if (envDigest(process.env[name]) !== digest) return false;
  return true;
}

/** Env var values are kept as digests: the cache file never holds them. */
function envDigest(value: string | undefined): string | null {
  return value === undefined ? null : createHash('sha1').update(value).digest('hex');
}
