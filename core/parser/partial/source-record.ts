// Partial parsing's record of the project's files: of each file read, its stat (size, mtime,
// ctime, inode, device), its checksums and its bytes, kept in the target folder beside the parse
// cache. The next invocation stats each listed file and, when the stat is as recorded, takes the
// file's text and checksums from the record instead of opening, reading and hashing it (1,000
// models: ~20 ms of opens, reads and hashes become ~12 ms of stat calls). Folders are listed
// every time, so added, removed and renamed files are seen as before.
//
// Recording costs a cold invocation (10,000 files: ~60 ms more on the main thread, a 18 MB
// file to write): an invocation that finds no record reads as without it and writes an empty
// one, and the next one records. A one-off invocation (CI from a fresh checkout) pays nothing.
//
// Exactness (git's index and compile-state.ts trust a stat the same way):
// - Writing a file sets its ctime to the current time, and no program can set a ctime (short of
//   setting the system clock back): a file edited since it was recorded has another ctime, even
//   with the same size and its mtime put back (touch -d, cp -p, an editor that keeps times).
//   A file replaced by another (an editor's save by rename, a checkout) has another inode too.
// - The stat is taken on the open file before its bytes are read: a write after the read has
//   later times than those recorded.
// - A file whose times are within the timestamp granularity of the moment it was read (git's
//   "racily clean" case: 0.1 s, or 2.1 s where times are whole seconds) may be written again
//   without its times changing: it is not recorded, and so read again next time.
// - Not seen: a change that leaves size, mtime, ctime, inode and device as they were, which
//   takes a clock set back or a file system that keeps no such times (some FUSE and network
//   mounts). `--no-partial-parse` (or KILN_NO_PARTIAL_PARSE=1) reads every file.
// - A record written by another kiln build (codeFingerprint) is not used: checksums and text
//   mean what this build's readSourceFile makes of the bytes.
import fs from 'node:fs';
import path from 'node:path';
import { joinerUnder, readSourceFile, readSourceFileStat, sourceText, type FileReuse, type ReadResult } from '../../project/discover.js';
import type { ProjectFile } from '../../project/types.js';
import { timesSettled } from '../../seeds/seed-stamp.js';
import { codeFingerprint } from './cache-key.js';
import { partialParseEnabled } from './settings.js';

/** The record, in the target folder. */
export const SOURCE_RECORD_FILE = 'partial_parse_files.kiln';

const MAGIC = Buffer.from('KILNSR1\n', 'latin1');
/** Numbers per row: size, mtimeMs, ctimeMs, ino, dev, textless (1) or not (0), length of its bytes. */
const COLS = 7;
/** MAGIC, then 4 lengths (u32): rows, fingerprint, paths, sums. */
const PREFIX = MAGIC.length + 16;

/** The record read from the file, by column. */
interface Stored {
  readonly buf: Buffer;
  readonly nums: Float64Array;
  readonly sums: string[];
  /** Where each row's bytes start in `buf`. */
  readonly starts: Float64Array;
  /** Rows by absolute path. */
  readonly byPath: Map<string, number>;
}

export class SourceRecord {
  /** A moment before any file of this invocation was stat'ed or read (see racy files above). */
  private readonly since = Date.now();
  /** Rows met by this invocation (hits and settled reads), in order, by column (few objects: 10,000s of files). */
  private rows = new Rows();
  private hits = 0;
  private reads = 0;
  private writing: Promise<boolean> | null = null;

  private constructor(
    readonly file: string,
    private stored: Stored | null,
  ) {}

  /** The record in `targetDir`, or an empty one (none, another build's, damaged). */
  static open(targetDir: string): SourceRecord {
    const file = path.join(targetDir, SOURCE_RECORD_FILE);
    let stored: Stored | null = null;
    try {
      stored = decode(fs.readFileSync(file));
    } catch {
      stored = null;
    }
    return new SourceRecord(file, stored);
  }

  /** Whether the file should be written again: a file was read, or a recorded one was not met. */
  get dirty(): boolean {
    return this.reads > 0 || this.hits !== (this.stored?.byPath.size ?? 0);
  }

  /** Discovery's reuse for the files of the project (or installed package) at `root`. */
  under(root: string): FileReuse {
    const join = joinerUnder(root);
    return {
      // (no record: nothing to look up, a first invocation's every file)
      get: (rel, textless) => (this.stored === null ? undefined : this.get(join(rel), textless)),
      set: () => undefined,
      read: (abs, rel, textless) => this.read(abs, rel, textless),
    };
  }

  private get(abs: string, textless: boolean): ReadResult | undefined {
    const s = this.stored;
    const i = s?.byPath.get(abs);
    // (met already: a file under two roots, an installed package inside a project folder)
    if (s === null || i === undefined || this.rows.has(abs)) return undefined;
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    const n = s.nums;
    const b = i * COLS;
    if (!st || n[b] !== st.size || n[b + 1] !== st.mtimeMs || n[b + 2] !== st.ctimeMs || n[b + 3] !== st.ino || n[b + 4] !== st.dev || n[b + 5] !== (textless ? 1 : 0) || !st.isFile()) return undefined;
    const start = s.starts[i];
    const bytes = s.buf.subarray(start, start + n[b + 6]);
    const sums = s.sums[i];
    const slash = sums.indexOf('/');
    this.hits++;
    this.rows.add(abs, n.subarray(b, b + COLS), sums, bytes);
    return { contents: textless ? '' : sourceText(bytes), checksum: slash === -1 ? sums : sums.slice(0, slash), dbtChecksum: slash === -1 ? sums : sums.slice(slash + 1) };
  }

  private read(abs: string, rel: string, textless: boolean): ReadResult {
    // (a file met twice, under two roots, is recorded once)
    if (!this.rows.has(abs)) this.reads++;
    // Without a record (a first invocation, after `kiln clean`, another kiln build) files are read
    // as without partial parsing, and an empty record written: a one-off invocation (CI from a
    // fresh checkout) pays nothing for what only later ones use; the next one records them.
    if (this.stored === null) return readSourceFile(abs, rel, textless);
    const { read, stat, bytes } = readSourceFileStat(abs, rel, textless, true);
    // A file written just before it was read may change again within the same clock tick: not recorded.
    if (stat && bytes && stat.isFile() && timesSettled(stat.mtimeMs, stat.ctimeMs, this.since) && !this.rows.has(abs)) {
      const sums = read.checksum === read.dbtChecksum ? read.checksum : `${read.checksum}/${read.dbtChecksum}`;
      this.rows.add(abs, [stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino, stat.dev, textless ? 1 : 0, bytes.length], sums, bytes, true);
    }
    return read;
  }

  /**
   * Writes the record when dirty (a temp file renamed into place, by libuv's threads); wait()
   * settles once it is written or given up. Failing to write is not an error: the next
   * invocation reads the files.
   */
  save(): void {
    if (this.writing || !this.dirty) return;
    const pieces = this.rows.encode();
    // Nothing of the old file is needed once its pieces are handed over.
    this.rows = new Rows();
    this.writing = writeFileInPieces(this.file, pieces).then((ok) => {
      this.stored = null;
      this.hits = 0;
      this.reads = 0;
      return ok;
    });
  }

  /** Settles when the write save() began is done (true: written). */
  async wait(): Promise<boolean> {
    return (await this.writing) ?? false;
  }
}

/**
 * An invocation's rows, by column. The bytes of files read are copied into one buffer as they
 * come (no buffer per file kept alive until the save: a tenth more collector time at 10,000
 * files); those of recorded files stay where the old record has them.
 */
class Rows {
  private readonly index = new Map<string, number>();
  private readonly paths: string[] = [];
  private readonly sums: string[] = [];
  private nums = new Float64Array(COLS * 256);
  /** Per row: the bytes in the old record (a Buffer) or where they start in `copied` (a number). */
  private readonly bytes: (Buffer | number)[] = [];
  private copied = Buffer.allocUnsafeSlow(64 * 1024);
  private used = 0;

  has(abs: string): boolean {
    return this.index.has(abs);
  }

  /** `copy`: the bytes are a read's, copied now; else the old record's, kept as they are. */
  add(abs: string, nums: ArrayLike<number>, sums: string, bytes: Buffer, copy = false): void {
    const row = this.paths.length;
    this.index.set(abs, row);
    this.paths.push(abs);
    this.sums.push(sums);
    if ((row + 1) * COLS > this.nums.length) {
      const more = new Float64Array(this.nums.length * 2);
      more.set(this.nums);
      this.nums = more;
    }
    this.nums.set(nums, row * COLS);
    if (!copy) {
      this.bytes.push(bytes);
      return;
    }
    if (this.used + bytes.length > this.copied.length) {
      const more = Buffer.allocUnsafeSlow(Math.max(this.copied.length * 2, this.used + bytes.length));
      this.copied.copy(more, 0, 0, this.used);
      this.copied = more;
    }
    bytes.copy(this.copied, this.used);
    this.bytes.push(this.used);
    this.used += bytes.length;
  }

  /** The record file's contents, in pieces. */
  encode(): Buffer[] {
    const count = this.paths.length;
    const fingerprint = Buffer.from(codeFingerprint(), 'utf8');
    const paths = Buffer.from(this.paths.join('\0'), 'utf8');
    const sums = Buffer.from(this.sums.join(','), 'latin1');
    const lens = Buffer.alloc(16);
    lens.writeUInt32LE(count, 0);
    lens.writeUInt32LE(fingerprint.length, 4);
    lens.writeUInt32LE(paths.length, 8);
    lens.writeUInt32LE(sums.length, 12);
    const pieces: Buffer[] = [MAGIC, lens, Buffer.from(this.nums.buffer, 0, count * COLS * 8), fingerprint, paths, sums];
    for (let i = 0; i < count; i++) {
      const b = this.bytes[i];
      const piece = typeof b === 'number' ? this.copied.subarray(b, b + this.nums[i * COLS + 6]) : b;
      // Neighbours in one buffer (files read one after another) go as one piece.
      const last = pieces[pieces.length - 1];
      if (last.buffer === piece.buffer && last.byteOffset + last.length === piece.byteOffset && pieces.length > 6) pieces[pieces.length - 1] = Buffer.from(piece.buffer, last.byteOffset, last.length + piece.length);
      else pieces.push(piece);
    }
    return pieces;
  }
}

/** The record of a project whose partial parsing is on; undefined when it is off. */
export function openSourceRecord(enabled: boolean | undefined, root: string, project: ProjectFile): SourceRecord | undefined {
  if (!partialParseEnabled(enabled, project)) return undefined;
  return SourceRecord.open(path.resolve(root, project.targetPath));
}

function decode(buf: Buffer): Stored | null {
  if (buf.length < PREFIX || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const count = buf.readUInt32LE(MAGIC.length);
  const fingerprintLen = buf.readUInt32LE(MAGIC.length + 4);
  const pathsLen = buf.readUInt32LE(MAGIC.length + 8);
  const sumsLen = buf.readUInt32LE(MAGIC.length + 12);
  let off = PREFIX;
  if (buf.length < off + count * COLS * 8 + fingerprintLen + pathsLen + sumsLen) return null;
  const nums = new Float64Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + count * COLS * 8));
  off += count * COLS * 8;
  if (buf.toString('utf8', off, (off += fingerprintLen)) !== codeFingerprint()) return null;
  const paths = count === 0 ? [] : buf.toString('utf8', off, (off += pathsLen)).split('\0');
  const sums = count === 0 ? [] : buf.toString('latin1', off, (off += sumsLen)).split(',');
  if (paths.length !== count || sums.length !== count) return null;
  const starts = new Float64Array(count);
  const byPath = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    starts[i] = off;
    off += nums[i * COLS + 6];
    byPath.set(paths[i], i);
  }
  if (off !== buf.length) return null;
  return { buf, nums, sums, starts, byPath };
}

/** Writes `pieces` to `file` (a temp file, renamed into place) on libuv's threads; false when not written. */
function writeFileInPieces(file: string, pieces: readonly Buffer[]): Promise<boolean> {
  const tmp = `${file}.${process.pid}.tmp`;
  const total = pieces.reduce((n, p) => n + p.length, 0);
  const gone = () => {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing there to remove
    }
  };
  // A process that exits while the write runs leaves no temp file behind.
  process.once('exit', gone);
  return new Promise<boolean>((resolve) => {
    const fail = (fd: number | null) => {
      const done = () => {
        gone();
        resolve(false);
      };
      if (fd === null) done();
      else fs.close(fd, done);
    };
    fs.open(tmp, 'w', (err, fd) => {
      if (err) return fail(null);
      // (libuv writes every piece, however many, before calling back)
      fs.writev(fd, pieces, 0, (err2, written) => {
        if (err2 || written !== total) return fail(fd);
        fs.close(fd, (err3) => {
          if (err3) return fail(null);
          fs.rename(tmp, file, (err4) => (err4 ? fail(null) : resolve(true)));
        });
      });
    });
  }).finally(() => process.removeListener('exit', gone));
}
