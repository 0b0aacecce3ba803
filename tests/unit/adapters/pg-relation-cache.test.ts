// The PostgreSQL adapter's relation cache (relation-cache.ts): one listing per schema, kept
// current from kiln's own changes, look-ups answered per schema whichever schema was asked last.
import { describe, expect, it } from 'vitest';
import type { Relation } from '../../../adapters/adapter.js';
import { RelationCache } from '../../../adapters/postgres/relation-cache.js';

const rel = (schema: string, identifier: string, type: Relation['type'] = 'view'): Relation => ({ database: 'db', schema, identifier, type });
const name = (schema: string, identifier: string) => ({ database: 'db', schema, identifier });

function cacheOf(listings: Record<string, Relation[]>) {
  const listed: string[] = [];
  const cache = new RelationCache(async (database, schema) => {
    listed.push(`${database}.${schema}`);
    return listings[`${database}.${schema}`] ?? [];
  });
  return { cache, listed };
}

describe('RelationCache', () => {
  it('takes a schema kiln just created as listed and empty: no listing, and its own changes kept', async () => {
    const { cache, listed } = cacheOf({ 'db.fresh': [rel('fresh', 'stale listing')] });
    cache.createdEmpty('db', 'fresh');
    expect(cache.peek(name('fresh', 'x'))).toBeNull();
    cache.added(rel('fresh', 'x'));
    expect(await cache.get(name('fresh', 'x'))).toEqual(rel('fresh', 'x'));
    expect(await cache.get(name('fresh', 'stale listing'))).toBeNull();
    expect(listed).toEqual([]);
  });

  it('keeps a listing taken or under way over a created schema (the listing answers for it)', async () => {
    const { cache, listed } = cacheOf({ 'db.a': [rel('a', 'x')] });
    const listing = cache.get(name('a', 'x'));
    cache.createdEmpty('db', 'a');
    expect(await listing).toEqual(rel('a', 'x'));
    expect(await cache.get(name('a', 'x'))).toEqual(rel('a', 'x'));
    expect(listed).toEqual(['db.a']);
  });

  it('answers each schema from its own listing, alternating between schemas', async () => {
    const { cache, listed } = cacheOf({ 'db.a': [rel('a', 'x')], 'db.b': [rel('b', 'y', 'table')], 'other.a': [] });
    expect(await cache.get(name('a', 'x'))).toEqual(rel('a', 'x'));
    expect(await cache.get(name('b', 'x'))).toBeNull();
    expect(await cache.get(name('b', 'y'))).toEqual(rel('b', 'y', 'table'));
    expect(await cache.get(name('a', 'y'))).toBeNull();
    expect(await cache.get(name('a', 'x'))).toEqual(rel('a', 'x'));
    expect(await cache.get({ database: 'other', schema: 'a', identifier: 'x' })).toBeNull();
    expect(listed).toEqual(['db.a', 'db.b', 'other.a']);
  });

  it('sees its own changes in the schema asked last, and lists again after clear()', async () => {
    const { cache, listed } = cacheOf({ 'db.a': [rel('a', 'x')] });
    expect(await cache.get(name('a', 'x'))).not.toBeNull();
    cache.added(rel('a', 'new'));
    cache.renamed(name('a', 'x'), 'x2');
    expect(await cache.get(name('a', 'new'))).toEqual(rel('a', 'new'));
    expect(await cache.get(name('a', 'x'))).toBeNull();
    expect(await cache.get(name('a', 'x2'))).toEqual(rel('a', 'x2'));
    cache.dropped(name('a', 'new'));
    expect(await cache.get(name('a', 'new'))).toBeNull();
    cache.clear();
    expect(await cache.get(name('a', 'x'))).toEqual(rel('a', 'x'));
    expect(await cache.get(name('a', 'new'))).toBeNull();
    expect(listed).toEqual(['db.a', 'db.a']);
  });
});
