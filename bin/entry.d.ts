// Types for bin/entry.js (plain JavaScript: it runs before any TypeScript loader).
export declare const SOURCE_ROOTS: readonly string[];
export declare const STAMP: string;
export declare const BUNDLE: string;
/** What a build reads: the folders under SOURCE_ROOTS and their files, relative to `root`, '/'-separated. */
export interface SourceTree {
  readonly dirs: readonly string[];
  readonly files: readonly string[];
}
export declare function sourceTree(root: string): SourceTree;
/** Writes `dist`'s stamp: a build that started at `startedAt` from `tree`. */
export declare function writeStamp(dist: string, startedAt: number, tree: SourceTree): void;
export declare function distIsFresh(root: string): boolean;
/** When the fresh build in `root`/dist started (its id); null when dist/ is stale or missing. */
export declare function freshBuild(root: string): number | null;
