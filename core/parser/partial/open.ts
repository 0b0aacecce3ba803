// One invocation's partial parsing: the cache file of the target folder, opened for the current
// project key, and written back after the parse when it changed.
import path from 'node:path';
import { projectCacheKey, type CacheKeyInput } from './cache-key.js';
import { CACHE_FILE, ParseCache } from './parse-cache.js';
import { partialParseEnabled } from './settings.js';

export interface PartialParse {
  readonly cache: ParseCache;
  readonly file: string;
  /** Writes the cache when the parse changed it; true when it wrote. */
  save(): boolean;
}

export interface OpenParseCacheOptions extends CacheKeyInput {
  /** false: --no-partial-parse. */
  readonly enabled: boolean | undefined;
  readonly targetDir: string;
}

/** The cache for this invocation, or undefined when partial parsing is off. */
export function openParseCache(opts: OpenParseCacheOptions): PartialParse | undefined {
  if (!partialParseEnabled(opts.enabled, opts.loaded.project)) return undefined;
  const file = path.join(opts.targetDir, CACHE_FILE);
  const cache = ParseCache.load(file, projectCacheKey(opts));
  cache.beginParse();
  return { cache, file, save: () => cache.save(file) };
}
