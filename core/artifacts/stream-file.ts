// A large artifact (manifest.json: ~105 MB at 10,000 models) written from pieces of text as they
// are made, on the calling thread: each piece is encoded straight into one reused buffer, so the
// file is never one string, no piece is copied to another thread, and the bytes written so far
// come for free (callers note where entries lie without measuring every piece again).
import fs from 'node:fs';
import path from 'node:path';
import { makeDirs } from '../make-dirs.js';

/** Bytes gathered before a write: large enough that syscalls cost nothing next to encoding. */
const BUFFER_BYTES = 1 << 20;

/**
 * Another thread that may take a full buffer's write (ArtifactWriter's worker, when idle): the
 * bytes go at their own offset, so writes made here and there need no order between them.
 */
export interface StreamOffload {
  /** Takes `bytes` to write at `position` of `fd` (copying them: the buffer stays the caller's), or declines (false). */
  write(fd: number, bytes: Buffer, position: number): boolean;
  /** Once `write` took some bytes: after those writes, closes `fd` and puts `tmp` in place as `file` (keep) or removes it. */
  close(fd: number, tmp: string, file: string, keep: boolean): void;
}

export class StreamFile {
  private readonly tmp: string;
  /** Opened by the first write to disk: a file made during a whole run exists on disk only once it has 1 MB. */
  private fd: number | null = null;
  /** Closed or aborted. */
  private done = false;
  private readonly buf = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  private flushed = 0;
  /** Whether `offload` took a write: closing is then its to do. */
  private handedOff = false;

  constructor(
    readonly file: string,
    id: number,
    private readonly offload?: StreamOffload,
  ) {
    makeDirs(path.dirname(file));
    this.tmp = `${file}.${process.pid}.${id}.tmp`;
  }

  /** Bytes of the file so far (written or buffered). */
  get position(): number {
    return this.flushed + this.used;
  }

  write(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8: with that much room the piece fits whole.
    const most = text.length * 3;
    if (this.used + most > this.buf.length) {
      this.flush();
      if (most > this.buf.length) {
        const bytes = Buffer.from(text, 'utf8');
        this.writeAll(bytes, this.flushed);
        this.flushed += bytes.length;
        return;
      }
    }
    this.used += this.buf.write(text, this.used, 'utf8');
  }

  /**
   * Puts the file in place without renaming it over the old one (putInPlace): the old one's path,
   * moved aside, is returned for the caller to remove later (null when there was none). Renamed
   * over, a file of a few MB that has been on disk a while is freed inside the rename (its
   * blocks, and on this machine's ext4 a discard): 5-14 ms at a run's end for a 2 MB
   * manifest.json, against ~0.05 ms for the two renames. Readers still never see part of a file
   * (for an instant, none).
   */
  close(): string | null {
    this.flush();
    const fd = this.open();
    this.fd = null;
    this.done = true;
    if (this.handedOff) {
      this.offload!.close(fd, this.tmp, this.file, true);
      return null;
    }
    try {
      fs.closeSync(fd);
      return putInPlace(this.tmp, this.file);
    } catch (e) {
      fs.rmSync(this.tmp, { force: true });
      throw e;
    }
  }

  /** Removes the partial file; the old one (if any) stays. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    const fd = this.fd;
    this.fd = null;
    try {
      if (fd !== null && this.handedOff) return this.offload!.close(fd, this.tmp, this.file, false);
      if (fd !== null) fs.closeSync(fd);
      fs.rmSync(this.tmp, { force: true });
    } catch {
      // best effort: the final file was never replaced
    }
  }

  private open(): number {
    this.fd ??= fs.openSync(this.tmp, 'w');
    return this.fd;
  }

  private flush(): void {
    if (this.used === 0) return;
    const bytes = this.buf.subarray(0, this.used);
    if (this.offload?.write(this.open(), bytes, this.flushed)) this.handedOff = true;
    else this.writeAll(bytes, this.flushed);
    this.flushed += this.used;
    this.used = 0;
  }

  private writeAll(bytes: Uint8Array, position: number): void {
    const fd = this.open();
    for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off, position + off);
  }
}

/**
 * Renames `tmp` to `file`, moving an existing `file` aside first (see StreamFile.close):
 * the path it was moved to, or null. Should the second rename fail, the old file goes back.
 */
export function putInPlace(tmp: string, file: string): string | null {
  const aside = `${file}.${process.pid}.old`;
  // (A folder in the way is left there: the rename below then fails as a rename over it would.)
  const moved = fs.lstatSync(file, { throwIfNoEntry: false })?.isDirectory() === false;
  if (moved) fs.renameSync(file, aside);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    if (moved) fs.renameSync(aside, file);
    throw e;
  }
  return moved ? aside : null;
}
