// Types for bin/entry.js (plain JavaScript: it runs before any TypeScript loader).
export declare const SOURCE_ROOTS: readonly string[];
export declare const STAMP: string;
export declare function distIsFresh(root: string): boolean;
