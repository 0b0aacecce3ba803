// Types for file-writes.js (plain JavaScript: a worker thread loads it without a TypeScript loader).
export type WriteOp = { readonly kind: 'write'; readonly file: string; readonly text: string; readonly skipUnchanged: boolean };

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
