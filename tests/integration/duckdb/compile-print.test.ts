// `kiln compile` as dbt's: data tests are compiled with a selection (target/compiled/<p>/<yml>/<test>.sql);
// nodes named in --select have their SQL printed (also when the compile is up to date);
// --inline compiles a query against the project, prints it and writes nothing.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { namedInSelection } from '../../../core/cli/commands/compile.js';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 1\n`;
const files = {
  'dbt_project.yml': 'name: p\nprofile: p\n',
  'profiles.yml': PROFILE,
  'models/a.sql': 'select 1 as id',
  'models/b.sql': "select id from {{ ref('a') }} where id > 0",
  'models/e.sql': "{{ config(materialized='ephemeral') }} select id from {{ ref('a') }}",
  'models/schema.yml': 'version: 2\nmodels:\n  - name: b\n    columns:\n      - name: id\n        data_tests: [not_null, {relationships: {to: ref(\'a\'), field: id}}]\n',
  'tests/no_negative.sql': "select * from {{ ref('b') }} where id < 0",
};

const read = (dir: string, rel: string) => fs.readFileSync(path.join(dir, 'target/compiled/p', rel), 'utf8');

describe('kiln compile: tests, printed nodes, --inline', () => {
  it('compiles generic and singular data tests when the command selects; a bare compile leaves them out', async () => {
    const dir = testdir(files);
    const bare = await kiln(['compile', '--no-format'], dir);
    expect(bare.code, bare.output).toBe(0);
    expect(bare.output).toContain('Compiled 3 nodes');
    expect(fs.existsSync(path.join(dir, 'target/compiled/p/models/schema.yml'))).toBe(false);
    const r = await kiln(['compile', '--no-format', '--exclude', 'e'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('Compiled 5 nodes');
    expect(read(dir, 'models/schema.yml/not_null_b_id.sql')).toContain('from "dev"."main"."b"');
    expect(read(dir, 'models/schema.yml/relationships_b_id__id__ref_a_.sql')).toContain('"dev"."main"."a"');
    expect(read(dir, 'tests/no_negative.sql')).toBe('select * from "dev"."main"."b" where id < 0');
    // No SQL is printed without a node named in --select.
    expect(r.output).not.toContain('Compiled node');
  });

  it('prints the SQL of the nodes named in --select, from the record when nothing changed', async () => {
    const dir = testdir(files);
    const first = await kiln(['compile', '-s', 'b', '--no-format'], dir);
    expect(first.code, first.output).toBe(0);
    const sql = `Compiled node 'b' is:\nselect id from "dev"."main"."a" where id > 0\n`;
    expect(first.stdout).toContain(sql);
    // The three tests on b are selected (indirect selection) and compiled, but not named: not printed.
    expect(first.output).toContain('Compiled 4 nodes');
    expect(first.stdout).not.toContain("Compiled node 'not_null_b_id'");
    const again = await kiln(['compile', '-s', 'b', '--no-format'], dir);
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toContain(sql);
    // An edit outside the Jinja recompiles from the record: the new SQL is printed.
    fs.writeFileSync(path.join(dir, 'models/b.sql'), "select id from {{ ref('a') }} where id > 1");
    const edited = await kiln(['compile', '-s', 'b', '--no-format'], dir);
    expect(edited.stdout).toContain(`Compiled node 'b' is:\nselect id from "dev"."main"."a" where id > 1\n`);

    const json = await kiln(['compile', '-s', '+b', '--output', 'json', '--no-format'], dir);
    expect(json.code, json.output).toBe(0);
    expect(json.stdout).toContain(JSON.stringify({ node: 'b', compiled: 'select id from "dev"."main"."a" where id > 1' }, null, 2));
    // An ephemeral model has its compiled file too (as in dbt 1.11); its SQL is printed as filed, on every compile.
    for (let i = 0; i < 2; i++) {
      const eph = await kiln(['compile', '-s', 'e', '--no-format'], dir);
      expect(eph.stdout).toContain(`Compiled node 'e' is:\n select id from "dev"."main"."a"\n`);
      expect(fs.readFileSync(path.join(dir, 'target/compiled/p/models/e.sql'), 'utf8')).toBe(' select id from "dev"."main"."a"');
    }
  });

  it('--inline compiles a query with refs and prints it, writing no compiled file', async () => {
    const dir = testdir(files);
    const r = await kiln(['compile', '--inline', "select count(*) from {{ ref('b') }}"], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain('Compiled inline node is:\nselect count(*) from "dev"."main"."b"\n');
    expect(fs.existsSync(path.join(dir, 'target/compiled'))).toBe(false);
    const json = await kiln(['compile', '--inline', 'select 1', '--output', 'json'], dir);
    expect(json.stdout).toContain(JSON.stringify({ compiled: 'select 1' }, null, 2));
    const bad = await kiln(['compile', '--inline', "select * from {{ ref('nope') }}"], dir);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('nope');
  });

  it('reads node names out of selection terms, leaving methods and wildcards out', () => {
    expect([...namedInSelection(['+orders+', '2+a b+3', '@c', 'd,tag:x', 'path:models', 'stg_*'])]).toEqual(['orders', 'a', 'b', 'c', 'd']);
    expect(namedInSelection(undefined).size).toBe(0);
  });
});
