// `kiln watch` through the real bin: saves rebuild what they change (and what depends on it,
// unless --no-downstream), tests run, broken files are reported with file:line and watching goes
// on, bursts are one rebuild, Ctrl-C exits 130 leaving every relation whole. Rows are read from
// the DuckDB file after the watch exits (the watch process holds the file's lock while running).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kilnProcess } from '../helpers/cli.js';
import { KilnChild } from '../helpers/kiln-spawn.js';
import { queryDuckDb, relationsOf } from '../helpers/duckdb-query.js';
import { testdir } from '../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 2\n`;
const SCHEMA = `version: 2\nmodels:\n  - name: b\n    columns:\n      - name: v\n        data_tests: [not_null]\n`;

function project(files: Record<string, string>): string {
  return testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': PROFILE,
    'models/a.sql': 'select 1 as id\n',
    'models/b.sql': "{{ config(materialized='table') }}\nselect id * 10 as v from {{ ref('a') }}\n",
    'models/c.sql': "{{ config(materialized='table') }}\nselect v + 1 as w from {{ ref('b') }}\n",
    'models/schema.yml': SCHEMA,
    ...files,
  });
}

const children: KilnChild[] = [];
function watch(dir: string, ...args: string[]): KilnChild {
  const child = new KilnChild(['watch', ...args], dir);
  children.push(child);
  return child;
}
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

const READY = /Watching .*Ctrl-C to stop/;
const REBUILT = /Rebuilt \d+ nodes? in/;
/** A report of problems (on stderr). */
const BROKEN = /nothing was rebuilt/;
/**
 * The n-th report of problems and the line after it that says watching goes on (on stdout: the
 * two pipes reach this process in no set order, so each is counted on its own).
 */
async function brokenThenWatching(w: KilnChild, n: number, rebuilds: number): Promise<void> {
  await w.waitFor(BROKEN, n);
  await w.waitFor(/Watching for changes\./, n + rebuilds);
}
const write = (dir: string, rel: string, text: string) => fs.writeFileSync(path.join(dir, rel), text);

describe('kiln watch', () => {
  it('rebuilds a saved model and its dependents with their tests, reports broken files and goes on, exits 130 on Ctrl-C', async () => {
    const dir = project({});
    const w = watch(dir);
    await w.waitFor(READY);
    // No selection: every model and test (3 + 1).
    expect(w.output).toMatch(/; 4 selected\./);

    write(dir, 'models/a.sql', 'select 2 as id\n');
    await w.waitFor(REBUILT, 1);
    expect(w.output).toMatch(/OK\s+a\s+view/);
    expect(w.output).toMatch(/OK\s+b\s+table/);
    expect(w.output).toMatch(/PASS\s+not_null_b_v\s+test/);
    expect(w.output).toMatch(/OK\s+c\s+table/);
    expect(w.output).toMatch(/Rebuilt 4 nodes in .*PASS=4 WARN=0 ERROR=0 SKIP=0/);

    // Bad Jinja: reported at its line, nothing rebuilt, still watching.
    write(dir, 'models/a.sql', 'select 1 as id\n{{ config( }}\n');
    await brokenThenWatching(w, 1, 1);
    expect(w.output).toMatch(/models\/a\.sql:2/);

    // An unknown ref, then broken YAML.
    write(dir, 'models/a.sql', "select * from {{ ref('nope') }}\n");
    await brokenThenWatching(w, 2, 1);
    expect(w.output).toMatch(/KLN\d+\] .*'nope'[\s\S]*models\/a\.sql:1/);
    write(dir, 'models/schema.yml', 'version: 2\nmodels:\n  - name: b\n   columns: [\n');
    await brokenThenWatching(w, 3, 1);
    expect(w.output).toMatch(/models\/schema\.yml:\d+/);

    // Fixed: everything saved while broken is rebuilt once the project parses again.
    write(dir, 'models/schema.yml', SCHEMA);
    write(dir, 'models/a.sql', 'select 3 as id\n');
    await w.waitFor(REBUILT, 2);

    expect(await w.interrupt()).toBe(130);
    expect(await queryDuckDb(path.join(dir, 'dev.duckdb'), 'select w from c')).toEqual([{ w: 31 }]);
    expect((await relationsOf(path.join(dir, 'dev.duckdb'))).map((r) => r.name)).toEqual(['a', 'b', 'c']);
  }, 120_000);

  it('--no-downstream rebuilds only the saved model and its tests; a burst of saves is one rebuild', async () => {
    const dir = project({});
    expect(kilnProcess(['build'], dir).code).toBe(0);
    const w = watch(dir, '--no-downstream');
    await w.waitFor(READY);

    write(dir, 'models/b.sql', "{{ config(materialized='table') }}\nselect id * 100 as v from {{ ref('a') }}\n");
    await w.waitFor(REBUILT, 1);
    expect(w.output).toMatch(/OK\s+b\s+table/);
    expect(w.output).toMatch(/PASS\s+not_null_b_v/);
    expect(w.output).not.toMatch(/OK\s+c\s/);
    expect(w.output).toMatch(/Rebuilt 2 nodes/);

    // Two files saved at once: one re-parse, one rebuild.
    write(dir, 'models/a.sql', 'select 5 as id\n');
    write(dir, 'models/c.sql', "{{ config(materialized='table') }}\nselect v + 2 as w from {{ ref('b') }}\n");
    await w.waitFor(REBUILT, 2);
    expect(w.output).toMatch(/Saved models\/a\.sql, models\/c\.sql/);
    expect(w.output.match(/Saved /g)).toHaveLength(2);

    expect(await w.interrupt()).toBe(130);
    const db = path.join(dir, 'dev.duckdb');
    // b was rebuilt from a = 1; c from b afterwards (b is not rebuilt again: no downstream of a).
    expect(await queryDuckDb(db, 'select v from b')).toEqual([{ v: 100 }]);
    expect(await queryDuckDb(db, 'select w from c')).toEqual([{ w: 102 }]);
    expect(await queryDuckDb(db, 'select id from a')).toEqual([{ id: 5 }]);
  }, 120_000);

  it('--select limits the rebuild to the selection', async () => {
    const dir = project({});
    const w = watch(dir, '--select', 'a', 'b');
    await w.waitFor(READY);
    write(dir, 'models/a.sql', 'select 7 as id\n');
    await w.waitFor(REBUILT, 1);
    expect(w.output).toMatch(/Rebuilt 3 nodes/);
    expect(await w.interrupt()).toBe(130);
    const db = path.join(dir, 'dev.duckdb');
    expect(await queryDuckDb(db, 'select v from b')).toEqual([{ v: 70 }]);
    // c depends on b but is not selected: never built.
    expect((await relationsOf(db)).map((r) => r.name)).toEqual(['a', 'b']);
  }, 120_000);

  it('a profiles.yml outside the project (--profiles-dir) is watched: editing its schema rebuilds every node there', async () => {
    const dir = project({ 'profiles.yml': '' });
    fs.rmSync(path.join(dir, 'profiles.yml'));
    const profiles = testdir({ 'profiles.yml': PROFILE });
    const w = watch(dir, '--profiles-dir', profiles, '--select', 'a', 'b');
    await w.waitFor(READY);
    write(profiles, 'profiles.yml', PROFILE.replace('schema: main', 'schema: s2'));
    await w.waitFor(REBUILT, 1);
    expect(w.output).toMatch(/Saved .*profiles\.yml/);
    expect(await w.interrupt()).toBe(130);
    const rows = await queryDuckDb(path.join(dir, 'dev.duckdb'), "select table_name as t from information_schema.tables where table_schema = 's2' order by 1");
    expect(rows).toEqual([{ t: 'a' }, { t: 'b' }]);
  }, 120_000);

  it('--full-refresh rebuilds an incremental model from scratch on each save, where a plain watch appends', async () => {
    const inc = (n: number) => `{{ config(materialized='incremental') }}\nselect ${n} as id\n`;
    const dir = project({ 'models/inc.sql': inc(1) });
    expect(kilnProcess(['build', '-s', 'inc'], dir).code).toBe(0);
    const db = path.join(dir, 'dev.duckdb');

    const plain = watch(dir, '--select', 'inc');
    await plain.waitFor(READY);
    write(dir, 'models/inc.sql', inc(2));
    await plain.waitFor(REBUILT, 1);
    expect(await plain.interrupt()).toBe(130);
    expect(await queryDuckDb(db, 'select id from inc order by id')).toEqual([{ id: 1 }, { id: 2 }]);

    const full = watch(dir, '--select', 'inc', '--full-refresh');
    await full.waitFor(READY);
    write(dir, 'models/inc.sql', inc(3));
    await full.waitFor(REBUILT, 1);
    expect(await full.interrupt()).toBe(130);
    expect(await queryDuckDb(db, 'select id from inc order by id')).toEqual([{ id: 3 }]);
  }, 120_000);

  it('a macro edit rebuilds the models calling it; a new model file is built; a renamed one too', async () => {
    const dir = project({
      'macros/times.sql': '{% macro times(x) %}{{ x }} * 10{% endmacro %}',
      'models/b.sql': "{{ config(materialized='table') }}\nselect {{ times('id') }} as v from {{ ref('a') }}\n",
    });
    expect(kilnProcess(['build'], dir).code).toBe(0);
    const w = watch(dir);
    await w.waitFor(READY);
    write(dir, 'macros/times.sql', '{% macro times(x) %}{{ x }} * 1000{% endmacro %}');
    await w.waitFor(REBUILT, 1);
    expect(w.output).toMatch(/Rebuilt 3 nodes/); // b, its test, c
    write(dir, 'models/e.sql', "select w * 2 as z from {{ ref('c') }}\n");
    await w.waitFor(REBUILT, 2);
    fs.renameSync(path.join(dir, 'models/e.sql'), path.join(dir, 'models/f.sql'));
    await w.waitFor(REBUILT, 3);
    expect(await w.interrupt()).toBe(130);
    const db = path.join(dir, 'dev.duckdb');
    expect(await queryDuckDb(db, 'select w from c')).toEqual([{ w: 1001 }]);
    expect(await queryDuckDb(db, 'select z from f')).toEqual([{ z: 2002 }]);
  }, 120_000);

  it('Ctrl-C during a rebuild rolls it back: the previous table stays whole', async () => {
    const dir = project({ 'models/slow.sql': "{{ config(materialized='table') }}\nselect 1 as x\n" });
    expect(kilnProcess(['build', '-s', 'slow'], dir).code).toBe(0);
    const w = watch(dir);
    await w.waitFor(READY);
    // Seconds of work in DuckDB: still running when the interrupt comes.
    write(dir, 'models/slow.sql', "{{ config(materialized='table') }}\nselect sum(i) as x from range(50000000000) t(i)\n");
    await w.waitFor(/Rebuilding 1 node/);
    expect(await w.interrupt()).toBe(130);
    const db = path.join(dir, 'dev.duckdb');
    expect(await queryDuckDb(db, 'select x from slow')).toEqual([{ x: 1 }]);
    expect((await relationsOf(db)).map((r) => r.name)).toEqual(['slow']);
  }, 120_000);
});
