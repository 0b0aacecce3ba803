// The partial-parse cache across parses of one process: what a parse does not use is dropped by
// the next one, a save writes only what the last parse used, and it is dirty only when needed.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { Codes, KilnError, Problems } from '../../../core/errors.js';
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

it('a cache made by a parse holds no buffers of its results; release() frees the file read by a loaded one', async () => {
  const file = path.join(testdir({}), 'cache.kiln');
  const problems = new Problems();
  const value = (i: number) => ({ i, text: `${i}:`.padEnd(3000, 'x') });
  const made = new ParseCache('k');
  const before = process.memoryUsage().external;
  made.beginParse();
  for (let i = 0; i < 4000; i++) made.memo(`k${i}`, problems, () => value(i));
  // ~12 MB of results, encoded only by save(), through one buffer of a few MB.
  expect(process.memoryUsage().external - before).toBeLessThan(4 << 20);
  expect(made.save(file)).toBe(true);
  await made.release();
  expect(made.dirty).toBe(false);
  expect(made.save(file)).toBe(false); // the file keeps them

  const loaded = ParseCache.load(file, 'k');
  loaded.beginParse();
  expect(loaded.memo('k1', problems, () => 'recomputed')).toStrictEqual(value(1));
  const held = process.memoryUsage().external;
  await loaded.release();
  // The file's bytes, detached (freed once the port closed).
  expect(held - process.memoryUsage().external).toBeGreaterThan(8 << 20);
  // Emptied: a later parse computes again rather than read detached bytes.
  loaded.beginParse();
  expect(loaded.memo('k2', problems, () => 'recomputed')).toBe('recomputed');
  const again = ParseCache.load(file, 'k');
  again.beginParse();
  expect(again.memo('k3', problems, () => 'recomputed')).toStrictEqual(value(3));
});

it('saveInBackground writes the very bytes save() writes, of computed and of loaded entries, across many buffers', async () => {
  const dir = testdir({});
  const problems = new Problems();
  // Several 4 MB buffers, multi-byte text, one result larger than a buffer, and an env read.
  const value = (i: number) => ({ i, text: `${i}:é`.padEnd(i === 7 ? 5 << 20 : 3000, 'x'), list: [i, -0.5, null, undefined] });
  const fill = (c: ParseCache) => {
    c.beginParse();
    for (let i = 0; i < 4000; i++) c.memo(`k${i}`, problems, () => value(i));
  };
  const sync = new ParseCache('k');
  fill(sync);
  expect(sync.save(path.join(dir, 'sync.kiln'))).toBe(true);
  const background = new ParseCache('k');
  fill(background);
  expect(background.dirty).toBe(true);
  expect(await background.saveInBackground(path.join(dir, 'background.kiln'))).toBe(true);
  expect(background.dirty).toBe(false);
  expect(await background.saveInBackground(path.join(dir, 'background.kiln'))).toBe(false); // nothing changed since
  expect(fs.readFileSync(path.join(dir, 'background.kiln')).equals(fs.readFileSync(path.join(dir, 'sync.kiln')))).toBe(true);
  expect(fs.readdirSync(dir).sort()).toEqual(['background.kiln', 'sync.kiln']); // no temp file left

  // Entries read from the file (their bytes as they are) with one computed again.
  const loaded = ParseCache.load(path.join(dir, 'sync.kiln'), 'k');
  loaded.beginParse();
  for (let i = 0; i < 4000; i++) loaded.retain(`k${i}`);
  loaded.memo('extra', problems, () => ({ extra: true }));
  expect(await loaded.saveInBackground(path.join(dir, 'again.kiln'))).toBe(true);
  await loaded.release();
  const again = ParseCache.load(path.join(dir, 'again.kiln'), 'k');
  again.beginParse();
  for (const i of [0, 7, 3999]) expect(again.memo(`k${i}`, problems, () => 'recomputed')).toStrictEqual(value(i));
  expect(again.memo('extra', problems, () => 'recomputed')).toEqual({ extra: true });

  // A file that cannot be written: false, nothing left behind, still dirty.
  const blocked = path.join(dir, 'blocked');
  fs.writeFileSync(blocked, '');
  const failing = new ParseCache('k');
  fill(failing);
  expect(await failing.saveInBackground(path.join(blocked, 'cache.kiln'))).toBe(false);
  expect(failing.dirty).toBe(true);
});

/** `v` as a string that tells apart what deep equality does not: the order of keys, a key whose value is undefined, boxed numbers, -0. */
function shape(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  if (v instanceof Number) return `Number(${v.valueOf()})`;
  if (v instanceof Map) return `Map(${shape([...v])})`;
  if (Array.isArray(v)) return `[${v.map(shape).join(',')}]`;
  if (Object.getPrototypeOf(v) === null) return `bare{${Object.keys(v).map((k) => `${JSON.stringify(k)}:${shape((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return `{${Object.keys(v).map((k) => `${JSON.stringify(k)}:${shape((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

it('gives back from the file exactly what was computed: undefined properties in their places, boxed numbers, Maps, NaN, -0', () => {
  const file = path.join(testdir({}), 'cache.kiln');
  const problems = new Problems();
  const results: Record<string, () => unknown> = {
    // plain data with properties whose value is undefined, first, in the middle and last, nested
    holes: () => ({ a: undefined, b: 1, refs: [{ name: 'x', version: undefined }, { name: 'y', version: 2 }], src: { name: 's', freshness: undefined, tables: [{ freshness: undefined, t: 't' }] }, z: undefined }),
    twoInOne: () => ({ p: 1, q: undefined, r: 2, s: undefined, t: 3 }),
    integerKeys: () => ({ b: 1, 2: undefined, 1: 'one', a: undefined }),
    ownProto: () => JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as unknown,
    wholeFloat: () => ({ args: { min_value: new Number(1), max_value: 2.5 } }),
    map: () => ({ m: new Map([['a', 1]]) }),
    odd: () => ({ nan: NaN, negZero: -0, inf: -Infinity }),
    undefinedInArray: () => ({ list: [1, undefined, null] }),
    unicode: () => ({ text: 'Grüße 日本 \ud83d\ude00 "quoted" \u2028', lone: '\ud800' }),
    node: () => ({ uniqueId: 'model.p.m', dependsOn: { nodes: [], macros: ['macro.x'] }, version: undefined }),
    // a node's columns: an object without a prototype (a column may be named __proto__), nested, with holes
    bare: () => ({ columns: Object.assign(Object.create(null) as object, JSON.parse('{"__proto__": {"name": "__proto__"}, "id": {"name": "id"}}') as object, { x: { name: 'x', type: undefined, meta: Object.assign(Object.create(null) as object, { a: 1 }) } }), after: undefined }),
    bareWithHole: () => Object.assign(Object.create(null) as object, { a: undefined, b: 1 }),
  };
  const cache = new ParseCache('k');
  cache.beginParse();
  for (const [k, f] of Object.entries(results)) cache.memo(k, problems, f);
  expect(cache.save(file)).toBe(true);
  const loaded = ParseCache.load(file, 'k');
  loaded.beginParse();
  for (const [k, f] of Object.entries(results)) expect(shape(loaded.memo(k, problems, () => 'recomputed')), k).toBe(shape(f()));
  expect(loaded.stats()).toEqual({ hits: Object.keys(results).length, misses: 0, entries: Object.keys(results).length });
});

it('does not keep a result that cannot be encoded, in memory or in the file', () => {
  const file = path.join(testdir({}), 'cache.kiln');
  const problems = new Problems();
  const cache = new ParseCache('k');
  let calls = 0;
  const withFunction = () => ({ n: ++calls, f: () => 1 });
  cache.beginParse();
  cache.memo('f', problems, withFunction);
  cache.memo('ok', problems, () => ({ fine: true }));
  expect(cache.save(file)).toBe(true);
  cache.beginParse();
  expect((cache.memo('f', problems, withFunction) as { n: number }).n).toBe(2); // computed again
  const loaded = ParseCache.load(file, 'k');
  loaded.beginParse();
  expect(loaded.memo('f', problems, () => 'recomputed')).toBe('recomputed');
  expect(loaded.memo('ok', problems, () => 'recomputed')).toEqual({ fine: true });
});

it('a damaged file is a cold cache, and an entry whose bytes do not decode is computed again', () => {
  const file = path.join(testdir({}), 'cache.kiln');
  const problems = new Problems();
  const cache = new ParseCache('k');
  cache.beginParse();
  cache.memo('a', problems, () => ({ text: 'aaaaaaaa' }));
  cache.memo('b', problems, () => ({ text: 'bbbbbbbb' }));
  expect(cache.save(file)).toBe(true);
  const bytes = fs.readFileSync(file);
  // One entry's JSON broken: that entry is computed again, the other read.
  const at = bytes.indexOf('aaaaaaaa');
  bytes.write('{', at - 2, 'latin1');
  fs.writeFileSync(file, bytes);
  const loaded = ParseCache.load(file, 'k');
  loaded.beginParse();
  expect(loaded.memo('a', problems, () => 'recomputed')).toBe('recomputed');
  expect(loaded.memo('b', problems, () => 'recomputed')).toEqual({ text: 'bbbbbbbb' });
  // Cut short: nothing read.
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 10));
  const cut = ParseCache.load(file, 'k');
  cut.beginParse();
  expect(cut.memo('b', problems, () => 'recomputed')).toBe('recomputed');
});

it('keeps a memory-only result for the parses of this process, never in the file', () => {
  const file = path.join(testdir({}), 'cache.kiln');
  const problems = new Problems();
  const cache = new ParseCache('k');
  let calls = 0;
  const full = () => ({ path: 'models/p.yml', n: ++calls });
  cache.beginParse();
  cache.memo('full', problems, full, { memoryOnly: true });
  cache.memo('outline', problems, () => ({ path: 'models/p.yml' }));
  expect(cache.save(file)).toBe(true);
  cache.beginParse();
  expect(cache.memo('full', problems, full, { memoryOnly: true })).toEqual({ path: 'models/p.yml', n: 1 }); // reused in this process
  cache.retain('outline');
  expect(cache.dirty).toBe(false);
  const loaded = ParseCache.load(file, 'k');
  loaded.beginParse();
  expect(loaded.memo('full', problems, () => 'recomputed', { memoryOnly: true })).toBe('recomputed');
  expect(loaded.memo('outline', problems, () => 'recomputed')).toEqual({ path: 'models/p.yml' });
  expect(fs.readFileSync(file, 'latin1')).not.toContain('"n":1');
});

it('writes plain results across the writer buffer: multi-byte text at its ends, one result larger than the buffer', () => {
  const file = path.join(testdir({}), 'cache.kiln');
  const problems = new Problems();
  const cache = new ParseCache('k');
  // ~3.3 KB of UTF-8 each (2- and 3-byte characters): several 4 MB buffers, entries at their ends.
  const value = (i: number) => ({ i, text: `${i}é日`.repeat(300 + (i % 7)) });
  const big = { text: 'ü'.repeat(3 << 20) }; // 6 MB of UTF-8 in one result
  cache.beginParse();
  for (let i = 0; i < 4000; i++) cache.memo(`k${i}`, problems, () => value(i));
  cache.memo('big', problems, () => big);
  expect(cache.save(file)).toBe(true);
  const loaded = ParseCache.load(file, 'k');
  loaded.beginParse();
  for (let i = 0; i < 4000; i++) expect(loaded.memo(`k${i}`, problems, () => 'recomputed')).toEqual(value(i));
  expect(loaded.memo('big', problems, () => 'recomputed')).toEqual(big);
});

it('memoBuilt: the file keeps what declares a result; it is built on each parse, and kept built only in a long-lived process', () => {
  const file = path.join(testdir({}), 'cache.kiln');
  const problems = new Problems();
  let declared = 0;
  let built = 0;
  const declare = () => ({ n: ++declared, names: ['a', 'b'] });
  const build = (d: { n: number; names: string[] }) => d.names.map((name) => ({ name, from: d.n, dependsOn: { nodes: [], macros: [] }, build: ++built }));
  const longLived = new ParseCache('k');
  longLived.beginParse();
  expect(longLived.memoBuilt('t', problems, declare, build)).toEqual([expect.objectContaining({ name: 'a', build: 1 }), expect.objectContaining({ name: 'b', build: 2 })]);
  expect(longLived.save(file)).toBe(true);
  longLived.beginParse();
  // Reused as built, a copy the parse may own.
  const again = longLived.memoBuilt('t', problems, declare, build);
  expect(again.map((t) => t.build)).toEqual([1, 2]);
  expect(longLived.stats()).toEqual({ hits: 1, misses: 0, entries: 1 });
  expect(fs.readFileSync(file, 'latin1')).not.toContain('"build"');

  // Another invocation: the declarations from the file, built again on each parse.
  const oneParse = ParseCache.load(file, 'k').forOneParse();
  oneParse.beginParse();
  expect(oneParse.memoBuilt('t', problems, () => ({ n: -1, names: [] }), build)).toEqual([expect.objectContaining({ name: 'a', from: 1, build: 3 }), expect.objectContaining({ name: 'b', from: 1, build: 4 })]);
  expect(oneParse.stats()).toEqual({ hits: 1, misses: 0, entries: 1 });
  expect(declared).toBe(1);

  // A build that warns is not kept built: its warning comes again on every parse.
  const warns = new ParseCache('k');
  warns.beginParse();
  const warning = () => {
    problems.warn(new KilnError(Codes.USAGE, 'deprecated'));
    return build({ n: 0, names: ['w'] });
  };
  warns.memoBuilt('w', problems, declare, warning);
  warns.beginParse();
  const before = problems.warnings.length;
  warns.memoBuilt('w', problems, declare, warning);
  expect(problems.warnings.length).toBe(before + 1);
});
