// manifest.json and run_results.json as dbt-core 1.11.16 + dbt-duckdb 1.11 write them for the same
// project (checked with `dbt compile`, `dbt build` and `dbt run` side by side): a skipped node's
// result names its relation and says `compiled: false`; a project hook's `index` is its place in
// its list from 0 as parsed and its place in the run from 1 after hooks ran (dbt's
// RunTask.safe_run_hooks sets it); data tests' configs have no hooks; a compiled generic test
// lists get_where_subquery, an executed test the macros of the test materialization. And `kiln watch` files the ephemeral models it inlines, as `run`.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { KilnChild } from '../../helpers/kiln-spawn.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      threads: 1\n';

const SCHEMA = `version: 2
models:
  - name: base
    columns:
      - name: id
        data_tests:
          - not_null
          - unique
          - accepted_values:
              values: [1]
          - relationships:
              to: ref('base')
              field: id
  - name: after_bad
    columns:
      - name: id
        data_tests: [not_null]
`;

const project = (extra: Record<string, string> = {}) =>
  testdir({
    'dbt_project.yml': 'name: p\nprofile: p\non-run-start: ["select 1", "select 2"]\non-run-end: ["select {{ 1 + 2 }}"]\n',
    'profiles.yml': PROFILE,
    'models/base.sql': 'select 1 as id',
    'models/bad.sql': 'select * from no_such_table_here',
    'models/after_bad.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('bad') }}",
    'models/schema.yml': SCHEMA,
    'tests/passing.sql': "select id from {{ ref('base') }} where id < 0",
    ...extra,
  });

interface Node {
  resource_type: string;
  index?: number;
  compiled?: boolean;
  config: Record<string, unknown>;
  depends_on: { macros: string[]; nodes: string[] };
}

const nodesOf = (dir: string) => (JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, Node> }).nodes;
const byPrefix = (nodes: Record<string, Node>, prefix: string) => Object.entries(nodes).find(([id]) => id.startsWith(prefix))![1];

describe('dbt 1.11 shapes of skipped results, hooks and data tests', () => {
  it('names a skipped node its relation and compiled: false in run_results.json', async () => {
    const dir = project();
    const r = await kiln(['build'], dir);
    expect(r.code).toBe(1);
    const results = (JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')) as { results: Record<string, unknown>[] }).results;
    const of = (id: string) => results.find((x) => (x.unique_id as string).startsWith(id))!;
    expect(of('model.p.after_bad')).toMatchObject({ status: 'skipped', compiled: false, compiled_code: null, relation_name: '"p"."main"."after_bad"', message: null });
    // A test has no relation, skipped or not.
    expect(of('test.p.not_null_after_bad_id')).toMatchObject({ status: 'skipped', compiled: false, relation_name: null });
    // What ran keeps its fields.
    expect(of('model.p.bad')).toMatchObject({ status: 'error', compiled: true, relation_name: '"p"."main"."bad"' });
    expect(of('model.p.base')).toMatchObject({ status: 'success', compiled: true });
    // A test that ran (pass or fail alike) lists the macros of dbt's test materialization; a skipped one as parsed.
    const nodes = nodesOf(dir);
    const ran = ['macro.dbt.get_limit_subquery_sql', 'macro.dbt.should_store_failures', 'macro.dbt.statement'];
    expect(byPrefix(nodes, 'test.p.not_null_base_id').depends_on.macros).toEqual(['macro.dbt.test_not_null', 'macro.dbt.get_where_subquery', ...ran]);
    expect(byPrefix(nodes, 'test.p.relationships_base_id').depends_on.macros).toEqual(['macro.dbt.test_relationships', 'macro.dbt.get_where_subquery', ...ran]);
    expect(nodes['test.p.passing']!.depends_on.macros).toEqual(ran);
    expect(byPrefix(nodes, 'test.p.not_null_after_bad_id').depends_on.macros).toEqual(['macro.dbt.test_not_null']);
    // Models list no macros of their materialization.
    expect(nodes['model.p.base']!.depends_on.macros).toEqual([]);
  });

  it('skips every node and later hook after a failed on-run-start hook (skip_nodes_if_on_run_start_fails), with relation_name and compiled: false', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\nflags:\n  skip_nodes_if_on_run_start_fails: true\non-run-start: ["select * from no_such_table_here", "select 2"]\n',
      'profiles.yml': PROFILE,
      'models/base.sql': 'select 1 as id',
    });
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(1);
    const results = (JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')) as { results: Record<string, unknown>[] }).results;
    const of = (id: string) => results.find((x) => x.unique_id === id)!;
    expect(of('operation.p.p-on-run-start-1')).toMatchObject({ status: 'skipped', compiled: false, relation_name: null, message: 'p.on-run-start.1 skipped' });
    expect(of('model.p.base')).toMatchObject({ status: 'skipped', compiled: false, relation_name: '"p"."main"."base"' });
  });

  it("writes a hook's index from 0 in a compile's manifest, its place in the run from 1 after a run", async () => {
    const dir = project();
    expect((await kiln(['compile', '--no-format'], dir)).code).toBe(0);
    let nodes = nodesOf(dir);
    expect([nodes['operation.p.p-on-run-start-0']!.index, nodes['operation.p.p-on-run-start-1']!.index, nodes['operation.p.p-on-run-end-0']!.index]).toEqual([0, 1, 0]);
    expect((await kiln(['run', '-s', 'base'], dir)).code).toBe(0);
    nodes = nodesOf(dir);
    expect([nodes['operation.p.p-on-run-start-0']!.index, nodes['operation.p.p-on-run-start-1']!.index, nodes['operation.p.p-on-run-end-0']!.index]).toEqual([1, 2, 1]);
  });

  it('writes data tests without hooks in their config, and get_where_subquery for compiled built-in generic tests', async () => {
    const dir = project();
    expect((await kiln(['parse'], dir)).code).toBe(0);
    let nodes = nodesOf(dir);
    const tests = Object.values(nodes).filter((n) => n.resource_type === 'test');
    expect(tests).toHaveLength(6);
    for (const t of tests) {
      expect(t.config).not.toHaveProperty('pre-hook');
      expect(t.config).not.toHaveProperty('post-hook');
      expect(t.config).toMatchObject({ severity: 'ERROR', store_failures_as: null });
    }
    // Models keep theirs.
    expect(nodes['model.p.base']!.config).toMatchObject({ 'pre-hook': [], 'post-hook': [] });
    // As parsed: dbt renders neither unique nor not_null then.
    expect(byPrefix(nodes, 'test.p.not_null_base_id').depends_on.macros).toEqual(['macro.dbt.test_not_null']);
    expect(byPrefix(nodes, 'test.p.accepted_values_base_id').depends_on.macros).toEqual(['macro.dbt.test_accepted_values', 'macro.dbt.get_where_subquery']);

    expect((await kiln(['compile', '--no-format', '-s', 'base'], dir)).code).toBe(0);
    nodes = nodesOf(dir);
    expect(byPrefix(nodes, 'test.p.not_null_base_id').depends_on.macros).toEqual(['macro.dbt.test_not_null', 'macro.dbt.get_where_subquery']);
    expect(byPrefix(nodes, 'test.p.unique_base_id').depends_on.macros).toEqual(['macro.dbt.test_unique', 'macro.dbt.get_where_subquery']);
    expect(byPrefix(nodes, 'test.p.accepted_values_base_id').depends_on.macros).toEqual(['macro.dbt.test_accepted_values', 'macro.dbt.get_where_subquery']);
    expect(byPrefix(nodes, 'test.p.relationships_base_id').depends_on.macros).toEqual(['macro.dbt.test_relationships', 'macro.dbt.get_where_subquery']);
    // Not compiled (not selected): as parsed. A singular test calls no macro.
    expect(byPrefix(nodes, 'test.p.not_null_after_bad_id')).toMatchObject({ compiled: false, depends_on: { macros: ['macro.dbt.test_not_null'] } });
    expect(nodes['test.p.passing']!.depends_on.macros).toEqual([]);
  });
});

describe('kiln watch', () => {
  const children: KilnChild[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill();
  });

  it('writes the compiled file of an ephemeral model a rebuilt node inlines, as kiln run does', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/base.sql': 'select 1 as id',
      'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect id from {{ ref('base') }}",
      'models/child.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('eph') }}",
    });
    const w = new KilnChild(['watch'], dir);
    children.push(w);
    await w.waitFor(/Watching .*Ctrl-C to stop/);
    fs.writeFileSync(path.join(dir, 'models/base.sql'), 'select 2 as id');
    await w.waitFor(/Rebuilt \d+ nodes? in .*ERROR=0/);
    expect(fs.readFileSync(path.join(dir, 'target/compiled/p/models/eph.sql'), 'utf8')).toBe('\nselect id from "p"."main"."base"');
    expect(fs.readFileSync(path.join(dir, 'target/compiled/p/models/child.sql'), 'utf8')).toContain('__dbt__cte__eph as (');
    expect(await w.interrupt()).toBe(130);
  }, 60_000);
});
