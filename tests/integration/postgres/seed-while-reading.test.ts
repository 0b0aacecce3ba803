// `kiln seed` on PostgreSQL loads a large seed while reading it (core/runner/preflight.ts): the
// COPY starts with the types of the file's first and last rows. Whatever the middle holds, the
// table ends up exactly as if the file had been read first: a value the guess did not foresee
// (COPY refused it, or accepted it into the wrong type) loads the file again with the right
// types; a malformed file exits 2 at its line and leaves the old table as it was.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { adminClient, freshDatabase, pgServer, type FreshDatabase } from '../../helpers/postgres.js';
import { testdir } from '../../helpers/testdir.js';

let db: FreshDatabase;
let dir: string;
beforeAll(async () => {
  db = await freshDatabase('seedread');
  const s = pgServer();
  const profile = { host: s.host, port: s.port, user: s.user, ...(s.password ? { password: s.password } : {}), dbname: db.database, schema: 'analytics', threads: 2, sslmode: 'disable' };
  dir = testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': `p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n${Object.entries(profile).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`).join('\n')}\n`,
  });
  fs.mkdirSync(path.join(dir, 'seeds'), { recursive: true });
});
afterAll(async () => {
  await db?.drop();
});

const ROWS = 500_000;
/** A seed over the 8 MB from which it is loaded while read; `middle` replaces row ROWS/2. */
function writeSeed(name: string, middle?: string): void {
  const rows = ['id,v,note'];
  for (let i = 1; i <= ROWS; i++) rows.push(i === ROWS / 2 && middle !== undefined ? middle : `${i},${(i % 1000) / 4},note number ${i}`);
  fs.writeFileSync(path.join(dir, 'seeds', `${name}.csv`), `${rows.join('\n')}\n`);
}

async function query(sql: string): Promise<unknown[][]> {
  const c = await adminClient(db.database);
  try {
    return (await c.query({ text: sql, rowMode: 'array' })).rows as unknown[][];
  } finally {
    await c.end();
  }
}

const typesOf = (table: string) =>
  query(`select column_name::text, data_type::text from information_schema.columns where table_schema = 'analytics' and table_name = '${table}' order by ordinal_position`);

describe('kiln seed of a large file on PostgreSQL', () => {
  it('loads with the guessed types when the whole file agrees, and remembers the reading', async () => {
    writeSeed('s');
    const r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await typesOf('s')).toEqual([['id', 'integer'], ['v', 'numeric'], ['note', 'text']]);
    // It was loaded while read (not read first).
    const run = (fs.readdirSync(path.join(dir, 'target', 'run'), { recursive: true }) as string[]).map((f) => path.join(dir, 'target', 'run', f)).filter((f) => fs.statSync(f).isFile());
    expect(run.map((f) => fs.readFileSync(f, 'utf8')).join('\n')).toContain('(read while loading)');
    expect(await query('select count(*)::int, sum(id)::bigint::text from analytics.s')).toEqual([[ROWS, String((ROWS * (ROWS + 1)) / 2)]]);
    const cache = JSON.parse(fs.readFileSync(path.join(dir, 'target', 'seed-inference.json'), 'utf8'));
    expect(Object.values(cache.entries)).toContainEqual({ columns: [{ name: 'id', inferred: 'integer' }, { name: 'v', inferred: 'numeric' }, { name: 'note', inferred: 'text' }], rowCount: ROWS });
  });

  it.each([
    ['a value COPY refuses in the guessed type (a late bigint)', '3000000000,1,x', [['id', 'bigint'], ['v', 'numeric'], ['note', 'text']], 'select count(*)::int from analytics.s where id = 3000000000'],
    ['a value COPY refuses in the guessed type (text in numbers)', `${ROWS / 2},abc,x`, [['id', 'integer'], ['v', 'text'], ['note', 'text']], "select count(*)::int from analytics.s where v = 'abc'"],
    ['a value COPY accepts in the guessed type that makes the column text', `${ROWS / 2},NaN,x`, [['id', 'integer'], ['v', 'text'], ['note', 'text']], "select count(*)::int from analytics.s where v in ('NaN', '0.25')"],
  ])('loads again with the file\'s types after %s', async (_what, middle, types, check) => {
    writeSeed('s', middle);
    const r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await typesOf('s')).toEqual(types);
    expect(await query('select count(*)::int from analytics.s')).toEqual([[ROWS]]);
    expect((await query(check))[0][0]).toBeGreaterThan(0);
    expect(await query("select count(*)::int from pg_tables where schemaname = 'analytics'")).toEqual([[1]]);
  });

  it('exits 2 at the line of a malformed row, leaving every table of the run as it was', async () => {
    writeSeed('s');
    writeSeed('t');
    // A small seed, read before the run as always, in the same run.
    fs.writeFileSync(path.join(dir, 'seeds', 'u.csv'), 'id\n1\n');
    expect((await kiln(['seed'], dir)).code).toBe(0);
    writeSeed('s', '1,2,3,4');
    writeSeed('t', '7,8,changed');
    fs.writeFileSync(path.join(dir, 'seeds', 'u.csv'), 'id\n1\n2\n');
    const r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toMatch(/KLN401/);
    expect(r.output).toContain(`seeds/s.csv:${ROWS / 2 + 1}`);
    expect(r.output).toMatch(/row has 4 fields, header has 3/);
    expect(r.output).not.toMatch(/\n\s+at /);
    // Neither seed changed: not the bad one, nor the good one of the same run.
    expect(await query('select count(*)::int from analytics.s')).toEqual([[ROWS]]);
    expect(await query("select count(*)::int from analytics.t where note = 'changed'")).toEqual([[0]]);
    expect(await query('select count(*)::int from analytics.u')).toEqual([[1]]);
    expect(await query("select count(*)::int from pg_tables where schemaname = 'analytics'")).toEqual([[3]]);
  });
});
