// Types for bin/entry.js (plain JavaScript: it runs before any TypeScript loader).
export declare const SOURCE_ROOTS: readonly string[];
export declare const STAMP: string;
export declare function distIsFresh(root: string): boolean;
export declare const BUNDLE: string;
/** When the fresh build in `root`/dist started (its id); null when dist/ is stale or missing. */
export declare function freshBuild(root: string): number | null;
