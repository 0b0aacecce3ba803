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
  /**
   * Writes the cache when the parse changed it; true when it wrote (one parse per process:
   * when it began writing, the file being put in place by release()).
   */
  save(): boolean;
  /**
   * Waits for the file save() began, then frees the cache's memory when nothing will read it
   * again (one parse per process; a long-lived process keeps it for its next parse). Call after save().
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
  if (state) return { cache, file, save: () => state.persist && cache.save(file), release: async () => undefined };
  // Parsed once: the file is written while this thread encodes it (saveInBackground), awaited by release().
  let saving: Promise<boolean> | null = null;
  return {
    cache,
    file,
    save: () => {
      if (!cache.dirty) return false;
      saving = cache.saveInBackground(file);
      return true;
    },
    release: async () => {
      await saving;
      await cache.release();
    },
  };
}
