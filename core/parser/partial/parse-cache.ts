// Partial parsing: the results of parsing single files (a model's node, a property file's
// entries, the tests a YAML entry declares), kept by a key made of the contents they came from,
// so the next parse reuses them and re-parses only what changed. Everything a result depends on
// beyond its own key (the project file, the profile target, vars, macros, doc blocks, kiln
// itself) is folded into one project key (cache-key.ts): when that differs, nothing is reused.
//
// Entries are kept serialized (v8), so saving writes the bytes read from disk back without
// serializing them again. Results computed here are copied into large shared buffers
// (ByteSlabs) rather than kept as v8.serialize made them: 20,000 small buffers of malloc'd memory
// (~90 MB at 10,000 models) would outlive the cache in the process's memory, fragmented. A hit hands out a copy that the parse may own (fresh()): later steps
// that change nodes (dependency resolution, compile) never touch what the cache holds, and a
// long-lived process (kiln watch) reuses the objects of its last parse instead of deserializing.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { MessageChannel } from 'node:worker_threads';
import type { Problems } from '../../errors.js';
import { isSecretEnvName, trackEnvReads } from '../../template/builtins.js';

/** The file partial parsing keeps in the target folder. */
export const CACHE_FILE = 'partial_parse.kiln';

const MAGIC = Buffer.from('KILNPP1\n', 'latin1');

interface Entry {
  readonly bytes: Uint8Array;
  /** env_var() reads made while the result was produced: name → digest of the value (null: unset). */
  readonly env: readonly (readonly [string, string | null])[];
  /**
   * The result as an object, once this process has one: later parses in the same process
   * (kiln watch) get copies of it instead of deserializing again (see fresh()).
   */
  value?: unknown;
  /** The parse that last used the entry (ParseCache.parse); entries loaded from disk have none. */
  usedIn?: number;
}

interface Header {
  readonly key: string;
  /** [key, offset in the blob, length, env reads] */
  readonly entries: readonly (readonly [string, number, number, Entry['env']])[];
}

/** What the parser asks of a cache (core/parser/parse-project.ts). */
export interface ParseMemo {
  /**
   * The cached result for `key`, else computes it. A result is kept only when computing it
   * added no error or warning to `problems` (those are reported again on every parse) and is
   * not null. `key` null: never cached.
   */
  memo<T>(key: string | null, problems: Problems, compute: () => T): T;
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
  /** Where the bytes of results computed here are kept. */
  private readonly slabs = new ByteSlabs();

  constructor(
    /** The project key (cache-key.ts) the entries are valid for. */
    readonly key: string,
    entries: Map<string, Entry> = new Map(),
    /** The file's contents the entries were read from (see release()). */
    private readonly loaded: Buffer | null = null,
  ) {
    this.entries = entries;
  }

  /**
   * Hands the cache's bytes back to the system, for an invocation that parses once: after
   * save() nothing reads them, but as buffers they would stay until the collector reaches them,
   * which at 10,000 models is ~100 MB through compile and the writing of manifest.json. The
   * buffers are detached (transferred to a port closed at once), so they are freed once the
   * port closes; the promise settles after that. The cache is empty afterwards.
   */
  async release(): Promise<void> {
    const buffers = [...this.slabs.all, ...(this.loaded ? [this.loaded] : [])]
      // Only buffers that own all of their memory (never a slice of Node's shared pool).
      .map((b) => (b.byteOffset === 0 && b.buffer instanceof ArrayBuffer && b.byteLength === b.buffer.byteLength ? b.buffer : null))
      .filter((b) => b !== null);
    // Nothing left to save: save() after this writes nothing rather than an empty file.
    this.entries.clear();
    this.slabs.all.length = 0;
    this.saved = true;
    this.usedCount = 0;
    this.hits = 0;
    this.misses = 0;
    if (buffers.length === 0) return;
    const { port1, port2 } = new MessageChannel();
    try {
      port1.postMessage(null, buffers);
    } catch {
      // not transferable after all: left to the collector
    }
    port1.close();
    port2.close();
    // The ports' memory goes in the loop's close phase, which follows the check phase.
    for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
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

  memo<T>(key: string | null, problems: Problems, compute: () => T): T {
    if (key === null) return compute();
    const found = this.entries.get(key);
    if (found && envUnchanged(found.env)) {
      this.hits++;
      this.markUsed(found);
      found.value ??= v8.deserialize(found.bytes);
      return fresh(found.value) as T;
    }
    this.misses++;
    this.saved = false;
    const errors = problems.errors.length;
    const warnings = problems.warnings.length;
    const { value, reads } = trackEnvReads(compute);
    if (value === null || value === undefined || problems.errors.length !== errors || problems.warnings.length !== warnings) return value;
    // A result made from a secret env var may hold its value: never written to target/.
    for (const name of reads.keys()) if (isSecretEnvName(name)) return value;
    let bytes: Uint8Array;
    try {
      bytes = v8.serialize(value);
      // The first parse (a cold one makes every result) packs them; the few a later parse of a
      // long-lived process makes keep buffers of their own, freed with them (a shared buffer
      // lives as long as any result in it).
      if (this.parse === 0) bytes = this.slabs.keep(bytes);
    } catch {
      return value; // something that does not serialize (a function): simply not cached
    }
    // An entry this parse used already (the same key met twice) is replaced, not counted again.
    if (found?.usedIn === this.parse) this.usedCount--;
    const entry: Entry = { bytes, env: [...reads].map(([k, v]) => [k, envDigest(v)] as const), value: fresh(value) };
    this.entries.set(key, entry);
    this.markUsed(entry);
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
   * they differ from what was read. Failing to write is not an error: the next parse is cold.
   */
  save(file: string): boolean {
    if (!this.dirty) return false;
    const parts: Uint8Array[] = [];
    const index: [string, number, number, Entry['env']][] = [];
    let offset = 0;
    for (const [k, e] of this.entries) {
      if (e.usedIn !== this.parse) continue;
      index.push([k, offset, e.bytes.length, e.env]);
      parts.push(e.bytes);
      offset += e.bytes.length;
    }
    const header = Buffer.from(JSON.stringify({ key: this.key, entries: index } satisfies Header), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeAll(tmp, [MAGIC, len, header, ...parts]);
      fs.renameSync(tmp, file);
    } catch {
      fs.rmSync(tmp, { force: true });
      return false;
    }
    this.saved = true;
    this.dropUnused();
    return true;
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
      const headerLen = buf.readUInt32LE(MAGIC.length);
      const start = MAGIC.length + 4;
      const header = JSON.parse(buf.toString('utf8', start, start + headerLen)) as Header;
      if (header.key !== key) return new ParseCache(key);
      const blob = start + headerLen;
      const entries = new Map<string, Entry>();
      for (const [k, off, len, env] of header.entries) {
        if (blob + off + len > buf.length) return new ParseCache(key);
        entries.set(k, { bytes: buf.subarray(blob + off, blob + off + len), env });
      }
      return new ParseCache(key, entries, buf);
    } catch {
      return new ParseCache(key);
    }
  }
}

/**
 * Copies of small byte arrays packed into buffers of a few megabytes. v8.serialize's result is
 * malloc'd memory of its own, freed only when the collector reaches it: copied here at once,
 * it is garbage while still young (freed by the next scavenge, its memory reused by the next
 * result), and what is kept is a few large blocks that leave the process whole once unused.
 */
class ByteSlabs {
  private static readonly SIZE = 4 << 20;
  private slab: Buffer | null = null;
  private used = 0;
  /** Every slab made (ParseCache.release()). */
  readonly all: Buffer[] = [];

  keep(bytes: Uint8Array): Uint8Array {
    if (bytes.length > ByteSlabs.SIZE / 8) return Buffer.from(bytes);
    if (!this.slab || this.used + bytes.length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(ByteSlabs.SIZE);
      this.all.push(this.slab);
      this.used = 0;
    }
    const start = this.used;
    this.slab.set(bytes, start);
    this.used += bytes.length;
    return this.slab.subarray(start, this.used);
  }
}

/** Writes the pieces in order without first copying them into one buffer (the cache can be ~100 MB). */
function writeAll(file: string, pieces: readonly Uint8Array[]): void {
  const fd = fs.openSync(file, 'w');
  try {
    // writev takes at most IOV_MAX (1,024 on Linux) buffers at once.
    for (let i = 0; i < pieces.length; i += 1024) {
      const batch = pieces.slice(i, i + 1024);
      let skip = fs.writevSync(fd, batch);
      // After a short write (rare), the rest goes piece by piece.
      for (const b of batch) {
        if (skip >= b.length) {
          skip -= b.length;
          continue;
        }
        for (let off = skip; off < b.length; ) off += fs.writeSync(fd, b, off);
        skip = 0;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A copy of a cached result that the parse may own. After parsing, nodes change in one place
 * only: dependency resolution assigns `dependsOn.nodes` a new array (and compile sets
 * `compiledCode` on the node itself), so nodes are copied one level deep with their own
 * `dependsOn` object; its arrays, like everything else (configs, columns, property files), are
 * shared, read-only, between parses of one process (no array is changed in place: two fewer
 * arrays per node on each re-parse in kiln watch).
 */
function fresh(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fresh);
  if (value !== null && typeof value === 'object' && 'dependsOn' in value) {
    const d = (value as { dependsOn: { nodes: string[]; macros: string[] } }).dependsOn;
    return { ...value, dependsOn: { ...d } };
  }
  return value;
}

function envUnchanged(env: Entry['env']): boolean {
  for (const [name, digest] of env) if (envDigest(process.env[name]) !== digest) return false;
  return true;
}

/** Env var values are kept as digests: the cache file never holds them. */
function envDigest(value: string | undefined): string | null {
  return value === undefined ? null : createHash('sha1').update(value).digest('hex');
}
