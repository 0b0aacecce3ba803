// The partial-parse cache across parses of one process: what a parse does not use is dropped by
// the next one, a save writes only what the last parse used, and it is dirty only when needed.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { Problems } from '../../../core/errors.js';
import { ParseCache } from '../../../core/parser/partial/parse-cache.js';
import { testdir } from '../../helpers/testdir.js';

it('keeps what each parse used, drops the rest, and saves only that', () => {
  const file = path.join(testdir({}), 'cache.kiln');
  const cache = new ParseCache('k');
  const problems = new Problems();
  let computed = 0;
  const get = (key: string) => cache.memo(key, problems, () => ({ key, n: ++computed }));

  cache.beginParse();
  get('a');
  get('b');
  get('a'); // the same key twice in one parse: one entry
  expect(cache.stats()).toEqual({ hits: 1, misses: 2, entries: 2 });
  expect(cache.save(file)).toBe(true);
  expect(cache.dirty).toBe(false);

  cache.beginParse();
  expect(get('a')).toEqual({ key: 'a', n: 1 });
  cache.retain('b');
  expect(cache.stats()).toEqual({ hits: 1, misses: 0, entries: 2 });
  expect(cache.dirty).toBe(false); // everything used, nothing computed

  cache.beginParse();
  get('a');
  get('c');
  expect(cache.stats()).toEqual({ hits: 1, misses: 1, entries: 2 });
  expect(cache.save(file)).toBe(true);

  // b was not used by the last parse: gone from memory and from the file.
  cache.beginParse();
  expect(get('b')).toEqual({ key: 'b', n: 4 }); // computed again
  const loaded = ParseCache.load(file, 'k');
  loaded.beginParse();
  expect(loaded.memo('a', problems, () => 'recomputed')).toEqual({ key: 'a', n: 1 });
  expect(loaded.memo('c', problems, () => 'recomputed')).toEqual({ key: 'c', n: 3 });
  expect(loaded.memo('b', problems, () => 'recomputed')).toBe('recomputed');
  expect(fs.existsSync(file)).toBe(true);
});

it('a parse that uses fewer entries than it was offered is dirty (the file would shrink)', () => {
  const cache = new ParseCache('k');
  const problems = new Problems();
  cache.beginParse();
  cache.memo('a', problems, () => 1);
  cache.memo('b', problems, () => 2);
  cache.save(path.join(testdir({}), 'cache.kiln'));
  cache.beginParse();
  cache.memo('a', problems, () => 1);
  expect(cache.stats()).toEqual({ hits: 1, misses: 0, entries: 1 });
  expect(cache.dirty).toBe(true);
});

it('keeps the bytes of many results, small and large, exactly as serialized', () => {
  const file = path.join(testdir({}), 'cache.kiln');
  const problems = new Problems();
  const cache = new ParseCache('k');
  cache.beginParse();
  // Enough results to fill several shared buffers, and one larger than a buffer's share.
  const value = (i: number) => ({ i, text: `${i}:`.padEnd(i === 7 ? 1 << 20 : 3000, 'x'), list: [i, -0.5, null, undefined] });
  for (let i = 0; i < 4000; i++) cache.memo(`k${i}`, problems, () => value(i));
  expect(cache.save(file)).toBe(true);
  const loaded = ParseCache.load(file, 'k');
  loaded.beginParse();
  for (let i = 0; i < 4000; i++) expect(loaded.memo(`k${i}`, problems, () => 'recomputed')).toStrictEqual(value(i));
});

it('release() frees the bytes of a cache made or loaded (one parse per process), after which the file still holds them', async () => {
  const file = path.join(testdir({}), 'cache.kiln');
  const problems = new Problems();
  const value = (i: number) => ({ i, text: `${i}:`.padEnd(3000, 'x') });
  const made = new ParseCache('k');
  made.beginParse();
  for (let i = 0; i < 4000; i++) made.memo(`k${i}`, problems, () => value(i));
  expect(made.save(file)).toBe(true);
  const external = process.memoryUsage().external;
  await made.release();
  // ~12 MB of results, in buffers now detached (freed once the port closed).
  expect(external - process.memoryUsage().external).toBeGreaterThan(8 << 20);
  expect(made.dirty).toBe(false);
  expect(made.save(file)).toBe(false); // the file keeps them

  const loaded = ParseCache.load(file, 'k');
  loaded.beginParse();
  expect(loaded.memo('k1', problems, () => 'recomputed')).toStrictEqual(value(1));
  const before = process.memoryUsage().external;
  await loaded.release();
  expect(before - process.memoryUsage().external).toBeGreaterThan(8 << 20);
  // Emptied: a later parse computes again rather than read detached bytes.
  loaded.beginParse();
  expect(loaded.memo('k2', problems, () => 'recomputed')).toBe('recomputed');
  const again = ParseCache.load(file, 'k');
  again.beginParse();
  expect(again.memo('k3', problems, () => 'recomputed')).toStrictEqual(value(3));
});
