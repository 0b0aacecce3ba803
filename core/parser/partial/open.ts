// One invocation's partial parsing: the cache file of the target folder, opened for the current
// project key, and written back after the parse when it changed.
import path from 'node:path';
import { projectCacheKey, type CacheKeyInput } from './cache-key.js';
import { CACHE_FILE, ParseCache } from './parse-cache.js';
import { partialParseEnabled } from './settings.js';
import type { PartialParseState } from './state.js';

export interface PartialParse {
  readonly cache: ParseCache;
  readonly file: string;
  /** Writes the cache when the parse changed it; true when it wrote. */
  save(): boolean;
  /**
   * Frees the cache's memory when nothing will read it again (one parse per process; a
   * long-lived process keeps it for its next parse). Call after save().
   */
  release(): Promise<void>;
}

export interface OpenParseCacheOptions extends CacheKeyInput {
  /** false: --no-partial-parse. */
  readonly enabled: boolean | undefined;
  readonly targetDir: string;
  /** A long-lived process's state: its in-memory cache is used while the project key holds. */
  readonly state?: PartialParseState;
}

/** The cache for this invocation, or undefined when partial parsing is off. */
export function openParseCache(opts: OpenParseCacheOptions): PartialParse | undefined {
  if (!partialParseEnabled(opts.enabled, opts.loaded.project)) return undefined;
  const file = path.join(opts.targetDir, CACHE_FILE);
  const key = projectCacheKey(opts);
  const state = opts.state;
  const cache = state?.cache?.key === key ? state.cache : state ? ParseCache.load(file, key) : ParseCache.load(file, key).forOneParse();
  if (state) {
    state.cache = cache;
    state.file = file;
  }
  cache.beginParse();
  const persist = state?.persist ?? true;
  return { cache, file, save: () => persist && cache.save(file), release: async () => (state ? undefined : cache.release()) };
}
