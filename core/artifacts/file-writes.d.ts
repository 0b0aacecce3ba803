// Types for file-writes.js (plain JavaScript: a worker thread loads it without a TypeScript loader).
export type WriteOp = { readonly kind: 'write'; readonly file: string; readonly text: string; readonly skipUnchanged: boolean };

export declare class FileWrites {
  ensureDir(dir: string): 'existing' | 'created';
  write(file: string, text: string, skipUnchanged: boolean): void;
  apply(op: WriteOp): void;
}
