// What reading a seed found is remembered in target/ by the file's content (core/seeds/
// seed-cache.ts): an unchanged seed is not read again; a changed file, delimiter or column_types
// is. The remembered answer is made visibly different here so the loaded table shows which one
// was used.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEED_CACHE_FILE, SeedCache } from '../../../core/seeds/seed-cache.js';
import { seedStamp } from '../../../core/seeds/seed-stamp.js';
import { kiln } from '../../helpers/cli.js';
import { queryDuckDb } from '../../helpers/duckdb-query.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 1\n`;

const typesOf = async (dir: string) =>
  (await queryDuckDb(path.join(dir, 'dev.duckdb'), "select data_type from information_schema.columns where table_name = 'things' order by ordinal_position")).map((c) => c.data_type);

/** Rewrites every remembered answer to say the `id` column is text. */
function tamper(dir: string): void {
  const file = path.join(dir, 'target', SEED_CACHE_FILE);
  const cache = JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: Record<string, { columns: { name: string; inferred: string }[] }> };
  for (const e of Object.values(cache.entries)) for (const c of e.columns) if (c.name === 'id') c.inferred = 'text';
  fs.writeFileSync(file, JSON.stringify(cache));
}

describe('seed inference cache', () => {
  it('reuses what it found for an unchanged file, and reads a changed file, delimiter or column_types again', async () => {
    const dir = testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': PROFILE, 'seeds/things.csv': 'id,day\n1,2024-01-02\n2,2024-02-03\n' });
    let r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await typesOf(dir)).toEqual(['INTEGER', 'DATE']);
    expect(fs.existsSync(path.join(dir, 'target', SEED_CACHE_FILE))).toBe(true);

    tamper(dir);
    r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    // The remembered answer was used: the file was not read again.
    expect(await typesOf(dir)).toEqual(['VARCHAR', 'DATE']);

    // A changed file is read again.
    fs.writeFileSync(path.join(dir, 'seeds/things.csv'), 'id,day\n1,2024-01-02\n3,2024-02-03\n');
    r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await typesOf(dir)).toEqual(['INTEGER', 'DATE']);

    // So is the same file with other column_types.
    tamper(dir);
    fs.writeFileSync(path.join(dir, 'seeds/props.yml'), 'seeds:\n  - name: things\n    config:\n      column_types:\n        day: varchar\n');
    r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await typesOf(dir)).toEqual(['INTEGER', 'VARCHAR']);
  });

  it('knows a seed over 1 MiB by its stat stamp: not hashed, read again once rewritten, and dbt\'s path checksum in manifest.json', async () => {
    const big = (last: string) => `id,day\n${'1,2024-01-02\n'.repeat(90_000)}${last}\n`;
    const dir = testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': PROFILE, 'seeds/things.csv': big('2,2024-02-03') });
    const csv = path.join(dir, 'seeds/things.csv');
    expect(fs.statSync(csv).size).toBeGreaterThan(1024 * 1024);
    // A stamp taken just after a write does not stand for the content (then it is hashed).
    const settle = () => new Promise((r) => setTimeout(r, 250));
    await settle();
    let r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await typesOf(dir)).toEqual(['INTEGER', 'DATE']);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target', 'manifest.json'), 'utf8')) as { nodes: Record<string, { checksum: unknown }> };
    expect(manifest.nodes['seed.p.things'].checksum).toEqual({ name: 'path', checksum: 'seeds/things.csv' });

    tamper(dir);
    r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await typesOf(dir)).toEqual(['VARCHAR', 'DATE']);

    // The same bytes written again: another stamp, so the file is read again.
    tamper(dir);
    fs.writeFileSync(csv, big('2,2024-02-03'));
    await settle();
    r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await typesOf(dir)).toEqual(['INTEGER', 'DATE']);

    // Changed bytes of the same size, the modification time put back: the change time still differs.
    const st = fs.statSync(csv);
    tamper(dir);
    fs.writeFileSync(csv, big('2,not-a-date'));
    fs.utimesSync(csv, st.atime, st.mtime);
    expect(fs.statSync(csv).size).toBe(st.size);
    await settle();
    r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await typesOf(dir)).toEqual(['INTEGER', 'VARCHAR']);
    const cache = JSON.parse(fs.readFileSync(path.join(dir, 'target', SEED_CACHE_FILE), 'utf8')) as { entries: Record<string, { rowCount: number }> };
    expect(Object.values(cache.entries).map((e) => e.rowCount)).toContain(90_001);
  });

  it('hashes a large seed whose stamp was taken just after it was written (racily clean), and trusts a settled one', () => {
    const dir = testdir({ 'seeds/a.csv': 'id\n1\n' });
    const file = path.join(dir, 'seeds/a.csv');
    const cache = SeedCache.open(path.join(dir, 'target'));
    const opts = (since: number) => ({ delimiter: ',', columnTypes: {}, since });
    const sha = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const byContent = cache.key(sha, file, opts(0));
    const st = fs.statSync(file);
    const stamp = seedStamp(st);
    // Written 10 ms before the run started: its bytes decide.
    expect(cache.key(stamp, file, opts(Math.max(st.mtimeMs, st.ctimeMs) + 10))).toBe(byContent);
    // Long before: the stamp alone, without reading the file (here gone).
    const settled = cache.key(stamp, path.join(dir, 'gone.csv'), opts(Math.max(st.mtimeMs, st.ctimeMs) + 5_000));
    expect(settled).not.toBeNull();
    expect(settled).not.toBe(byContent);
    // Racy and unreadable: nothing to remember it by.
    expect(cache.key(stamp, path.join(dir, 'gone.csv'), opts(st.mtimeMs))).toBeNull();
  });

  it('reads the seed when the remembered answers are unreadable, and a malformed file is still reported', async () => {
    const dir = testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': PROFILE, 'seeds/things.csv': 'id,day\n1,2024-01-02\n' });
    fs.mkdirSync(path.join(dir, 'target'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'target', SEED_CACHE_FILE), '{ not json');
    let r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await typesOf(dir)).toEqual(['INTEGER', 'DATE']);

    fs.writeFileSync(path.join(dir, 'seeds/things.csv'), 'id,day\n1,2024-01-02,extra\n');
    r = await kiln(['seed'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/row has 3 fields, header has 2/);
  });
});
