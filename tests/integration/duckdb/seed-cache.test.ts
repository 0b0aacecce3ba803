// What reading a seed found is remembered in target/ by the file's content (core/seeds/
// seed-cache.ts): an unchanged seed is not read again; a changed file, delimiter or column_types
// is. The remembered answer is made visibly different here so the loaded table shows which one
// was used.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEED_CACHE_FILE } from '../../../core/seeds/seed-cache.js';
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
