// Types for file-writes.js (plain JavaScript: a worker thread loads it without a TypeScript loader).
export type WriteOp =
  | { readonly kind: 'write'; readonly file: string; readonly text: string; readonly skipUnchanged: boolean }
  /** Bytes of a file StreamFile streams, to write at `position` of its descriptor; in shared memory, whose slot is freed (slots[slot] = 0) once written. */
  | { readonly kind: 'append'; readonly fd: number; readonly bytes: Uint8Array; readonly position: number; readonly slots: Int32Array; readonly slot: number }
  /** After its appends: closes a streamed file and puts it in place (keep, unless a write failed) or removes it. */
  | { readonly kind: 'closeStream'; readonly fd: number; readonly tmp: string; readonly file: string; readonly keep: boolean }
  /** Stats of these files for the caller (kept as stats of files written are; absent: size -1). */
  | { readonly kind: 'stat'; readonly files: readonly string[] };

/** A file's stat as written: size, mtimeMs, ctimeMs, ino. */
export type WrittenStat = readonly [number, number, number, number];

export declare class FileWrites {
  constructor(stats?: Map<string, WrittenStat> | null);
  stats: Map<string, WrittenStat> | null;
  ensureDir(dir: string): 'existing' | 'created';
  write(file: string, text: string, skipUnchanged: boolean): void;
  takeStats(): { files: string[]; nums: Float64Array };
  apply(op: WriteOp): void;
}
