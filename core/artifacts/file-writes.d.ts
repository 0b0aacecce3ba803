// Types for file-writes.js (plain JavaScript: a worker thread loads it without a TypeScript loader).
export type WriteOp =
  | { readonly kind: 'write'; readonly file: string; readonly text: string; readonly skipUnchanged: boolean }
  | { readonly kind: 'open'; readonly id: number; readonly file: string }
  | { readonly kind: 'append'; readonly id: number; readonly text: string }
  | { readonly kind: 'close'; readonly id: number }
  | { readonly kind: 'abort'; readonly id: number };

export declare class FileWrites {
  ensureDir(dir: string): 'existing' | 'created';
  write(file: string, text: string, skipUnchanged: boolean): void;
  open(id: number, file: string): void;
  append(id: number, text: string): void;
  close(id: number): void;
  abort(id: number): void;
  apply(op: WriteOp): void;
}
