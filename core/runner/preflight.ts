// Before anything touches the warehouse: read and validate the CSV of every selected seed, so a
// ragged row is a load error (exit 2) and not a half-run build.
import type { SeedLoad, SqlDialect } from '../../adapters/adapter.js';
import { Problems } from '../errors.js';
import type { Manifest } from '../nodes.js';
import { readSeed } from '../seeds/read-seed.js';
import { SeedCache } from '../seeds/seed-cache.js';

/**
 * `cacheDir` (the target folder): where what reading each seed found is remembered by the file's
 * content, so an unchanged seed is not read again (core/seeds/seed-cache.ts); null reads every seed.
 */
export function prepareSeeds(manifest: Manifest, selected: ReadonlySet<string>, dialect: SqlDialect, problems: Problems, cacheDir: string | null = null): Map<string, SeedLoad> {
  const out = new Map<string, SeedLoad>();
  const cache = SeedCache.open(cacheDir);
  for (const id of selected) {
    const node = manifest.nodes.get(id);
    if (!node || node.resourceType !== 'seed' || !node.seedFile) continue;
    const columnTypes = node.config.column_types ?? {};
    const delimiter = node.config.delimiter ?? ',';
    try {
      const key = cache.key(node.checksum, { delimiter, columnTypes });
      let info = cache.get(key);
      if (!info) {
        info = readSeed(node.seedFile, node.originalFilePath, { delimiter, columnTypes });
        cache.set(key, info);
      }
      out.set(id, {
        file: node.seedFile,
        delimiter,
        quoteColumns: node.config.quote_columns ?? true,
        rowCount: info.rowCount,
        columns: info.columns.map((c) => ({ name: c.name, sqlType: columnTypes[c.name] ?? dialect.seedType(c.inferred) })),
      });
    } catch (e) {
      problems.capture(e);
    }
  }
  cache.save();
  return out;
}
