// `kiln compile` lays out the compiled SQL files with sql-formatter in the adapter's dialect;
// --no-format keeps them as rendered; SQL the formatter cannot read is written as rendered; what
// runs (and manifest.json's compiled_code) is never reformatted; large selections stay raw unless
// --format asks.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { queryDuckDb } from '../../helpers/duckdb-query.js';
import { testdir } from '../../helpers/testdir.js';
import { FORMAT_LIMIT } from '../../../core/cli/commands/compile.js';

const DUCKDB = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 1\n`;
// compile never connects: the server need not exist.
const POSTGRES = `p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: 127.0.0.1\n      port: 1\n      user: u\n      dbname: d\n      schema: s\n      threads: 1\n`;
const project = (profile: string, files: Record<string, string>) => testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': profile, ...files });
const compiled = (dir: string, name: string) => fs.readFileSync(path.join(dir, 'target/compiled/p/models', `${name}.sql`), 'utf8');

describe('kiln compile: formatted SQL', () => {
  it('lays out compiled files in the DuckDB dialect, keeps what runs as rendered, and --no-format writes them raw', async () => {
    const dir = project(DUCKDB, {
      'models/a.sql': 'select 1 as id, {\'k\': 2} as s',
      'models/b.sql': "{{ config(materialized='table') }} select id, s.k as k from {{ ref('a') }} where id > 0",
      // The formatter cannot read `@@` (DuckDB can't either, but compile never runs it).
      'models/odd.sql': "select 1 as x where 'a' @@ 'b'",
    });
    const r = await kiln(['compile'], dir);
    expect(r.code, r.output).toBe(0);
    // A struct literal only the DuckDB dialect of sql-formatter reads.
    expect(compiled(dir, 'a')).toBe("select\n  1 as id,\n  {'k': 2} as s\n");
    expect(compiled(dir, 'b')).toBe('select\n  id,\n  s.k as k\nfrom\n  "dev"."main"."a"\nwhere\n  id > 0\n');
    expect(compiled(dir, 'odd')).toBe("select 1 as x where 'a' @@ 'b'");
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { compiled_code: string | null }> };
    expect(manifest.nodes['model.p.b'].compiled_code).toBe(' select id, s.k as k from "dev"."main"."a" where id > 0');

    const raw = await kiln(['compile', '--no-format'], dir);
    expect(raw.code, raw.output).toBe(0);
    expect(compiled(dir, 'b')).toBe(' select id, s.k as k from "dev"."main"."a" where id > 0');

    // What runs is the rendered SQL: target/run holds it unformatted, and the rows are right.
    fs.rmSync(path.join(dir, 'models/odd.sql'));
    const run = await kiln(['run'], dir);
    expect(run.code, run.output).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'target/run/p/models/b.sql'), 'utf8')).toContain(' select id, s.k as k from "dev"."main"."a" where id > 0');
    expect(await queryDuckDb(path.join(dir, 'dev.duckdb'), 'select id, k from b')).toEqual([{ id: 1, k: 2 }]);
  });

  it("uses the adapter's dialect: PostgreSQL's formatter does not read DuckDB's struct literal, so that file stays raw", async () => {
    const dir = project(POSTGRES, { 'models/a.sql': 'select 1 as id', 'models/s.sql': "select {'k': 2} as s" });
    const r = await kiln(['compile'], dir);
    expect(r.code, r.output).toBe(0);
    expect(compiled(dir, 'a')).toBe('select\n  1 as id\n');
    expect(compiled(dir, 's')).toBe("select {'k': 2} as s");
  });

  it(`writes more than ${FORMAT_LIMIT} nodes as rendered unless --format asks`, async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i <= FORMAT_LIMIT; i++) files[`models/m${i}.sql`] = `select ${i} as id`;
    const dir = project(DUCKDB, files);
    const r = await kiln(['compile'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/as rendered \(more than 500\); --format lays it out/);
    expect(compiled(dir, 'm7')).toBe('select 7 as id');
    const small = await kiln(['compile', '-s', 'm7', 'm8'], dir);
    expect(small.code, small.output).toBe(0);
    expect(compiled(dir, 'm7')).toBe('select\n  7 as id\n');
    const all = await kiln(['compile', '--format'], dir);
    expect(all.code, all.output).toBe(0);
    expect(compiled(dir, 'm400')).toBe('select\n  400 as id\n');
  }, 60_000);
});
