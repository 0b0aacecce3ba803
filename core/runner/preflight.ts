// Before anything touches the warehouse: read and validate the CSV of every selected seed, so a
// ragged row is a load error (exit 2) and not a half-run build.
//
// With an adapter that loads while reading (PostgreSQL's COPY) and a run of seeds only, a large
// seed is not read here: its load starts with the column types of its first and last rows while
// kiln reads the file meanwhile (core/seeds/read-in-pieces.ts). No such load commits before
// every seed file of the run is read and found good; a bad file fails the loads (rolled back),
// and the run exits 2 as it would have here (seedReadingFailed).
import fs from 'node:fs';
import type { SeedColumn, SeedLoad, SeedLoadReading, SqlDialect } from '../../adapters/adapter.js';
import { Codes, KilnError, Problems } from '../errors.js';
import type { Manifest } from '../nodes.js';
import { readSeed, SeedReading, type SeedInfo } from '../seeds/read-seed.js';
import { SeedReadingInPieces } from '../seeds/read-in-pieces.js';
import { SeedCache } from '../seeds/seed-cache.js';

/** Files at least this large are loaded while they are read (smaller ones read in milliseconds). */
const LOAD_WHILE_READING_BYTES = 8 << 20;

/** Readings of the run that found their file bad. */
const failedReadings = new WeakSet<SeedLoadReading>();

/**
 * `cacheDir` (the target folder): where what reading each seed found is remembered by the file's
 * content, so an unchanged seed is not read again (core/seeds/seed-cache.ts); null reads every seed.
 * `loadWhileReading`: large seeds not remembered are read during their load (see above); only
 * for an adapter with `loadsSeedsWhileReading`. `since`: when the invocation started, before
 * the project was loaded (ms since the epoch; see SeedCache.key); 0 hashes every large seed.
 */
export function prepareSeeds(
  manifest: Manifest,
  selected: ReadonlySet<string>,
  dialect: SqlDialect,
  problems: Problems,
  cacheDir: string | null = null,
  loadWhileReading = false,
  since = 0,
): Map<string, SeedLoad> {
  const out = new Map<string, SeedLoad>();
  const cache = SeedCache.open(cacheDir);
  const group: { readonly relPath: string; readonly pieces: SeedReadingInPieces; reading?: SeedLoadReading }[] = [];
  for (const id of selected) {
    const node = manifest.nodes.get(id);
    if (!node || node.resourceType !== 'seed' || !node.seedFile) continue;
    const columnTypes = node.config.column_types ?? {};
    const delimiter = node.config.delimiter ?? ',';
    const toColumns = (info: SeedInfo): SeedColumn[] => info.columns.map((c) => ({ name: c.name, sqlType: columnTypes[c.name] ?? dialect.seedType(c.inferred) }));
    const base = { file: node.seedFile, delimiter, quoteColumns: node.config.quote_columns ?? true };
    try {
      const key = cache.key(node.fileChecksum ?? node.checksum, node.seedFile, { delimiter, columnTypes, since });
      let info = cache.get(key);
      if (!info && loadWhileReading && fileSize(node.seedFile) >= LOAD_WHILE_READING_BYTES) {
        const guess = SeedReading.guess(node.seedFile, node.originalFilePath, { delimiter, columnTypes });
        if (guess) {
          const me: (typeof group)[number] = { relPath: node.originalFilePath, pieces: new SeedReadingInPieces(node.seedFile, node.originalFilePath, { delimiter, columnTypes }) };
          group.push(me);
          const reading: SeedLoadReading = {
            read: () => me.pieces.read(),
            finish: async () => {
              await Promise.all(group.map((g) => g.pieces.read()));
              let answer: SeedInfo;
              try {
                answer = me.pieces.finish();
              } catch (e) {
                failedReadings.add(reading);
                throw e;
              }
              checkOthers(me.relPath);
              cache.set(key, answer);
              cache.save();
              return { columns: toColumns(answer), rowCount: answer.rowCount };
            },
          };
          me.reading = reading;
          out.set(id, { ...base, rowCount: -1, columns: toColumns(guess), reading });
          continue;
        }
      }
      if (!info) {
        info = readSeed(node.seedFile, node.originalFilePath, { delimiter, columnTypes });
        cache.set(key, info);
      }
      out.set(id, { ...base, rowCount: info.rowCount, columns: toColumns(info) });
    } catch (e) {
      problems.capture(e);
    }
  }
  cache.save();
  if (group.length === 0) return out;
  // Seeds read already wait too: none of the run commits while a file being read may be bad.
  const checkOthers = (relPath: string): void => {
    for (const other of group) {
      try {
        other.pieces.finish();
      } catch {
        if (other.reading) failedReadings.add(other.reading);
        throw new KilnError(Codes.CSV_MALFORMED, `not loaded: seed file ${other.relPath} is malformed (see its error), and no seed of this run is loaded while one is`, { loc: { file: relPath } });
      }
    }
  };
  for (const [id, load] of out) {
    if (load.reading) continue;
    const node = manifest.nodes.get(id)!;
    const known = { columns: load.columns, rowCount: load.rowCount };
    const reading: SeedLoadReading = {
      read: () => Promise.resolve(),
      finish: async () => {
        await Promise.all(group.map((g) => g.pieces.read()));
        checkOthers(node.originalFilePath);
        return known;
      },
    };
    out.set(id, { ...load, reading });
  }
  return out;
}

/** Whether a seed read during its load (see above) found its file bad: the run exits 2. */
export function seedReadingFailed(seeds: ReadonlyMap<string, SeedLoad>): boolean {
  for (const load of seeds.values()) if (load.reading && failedReadings.has(load.reading)) return true;
  return false;
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
