// Compiled SQL and run results as dbt-core 1.11.16 + dbt-duckdb 1.11 write them for the same project
// (checked with `dbt compile` and `dbt build` side by side): hooks and data tests compiled by a bare
// compile, ephemeral models compiled and filed with `extra_ctes` on the nodes inlining them, hooks'
// compiled_code in manifest.json, run_results.json's message / adapter_response / relation_name,
// and metadata.invocation_started_at.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      threads: 1\n';

const project = () =>
  testdir({
    'dbt_project.yml': 'name: p\nprofile: p\non-run-start: ["select 1"]\non-run-end: ["select {{ 1 + 2 }}"]\n',
    'profiles.yml': PROFILE,
    'seeds/codes.csv': 'code,n\na,1\n',
    'models/base.sql': 'select 1 as id',
    'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect id from {{ ref('base') }}",
    'models/eph2.sql': "{{ config(materialized='ephemeral') }}\nselect id from {{ ref('eph') }}",
    'models/child.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('eph2') }}",
    'models/schema.yml': 'version: 2\nmodels:\n  - name: child\n    columns:\n      - name: id\n        data_tests: [unique]\n',
    'tests/failing.sql': "select id from {{ ref('base') }}",
    'tests/warning.sql': "{{ config(severity='warn') }}\nselect id from {{ ref('base') }}",
    'tests/passing.sql': "select id from {{ ref('child') }} where id < 0",
  });

interface Node {
  compiled?: boolean;
  compiled_path: string | null;
  compiled_code?: string | null;
  extra_ctes_injected?: boolean;
  extra_ctes?: { id: string; sql: string }[];
}

function manifest(dir: string): { metadata: Record<string, unknown>; nodes: Record<string, Node>; functions?: unknown } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { metadata: Record<string, unknown>; nodes: Record<string, Node>; functions?: unknown };
}

function compiledFiles(dir: string): string[] {
  const root = path.join(dir, 'target/compiled');
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

// (each ephemeral's compiled code as it is, its leading newline kept: dbt-core 1.11.16's text)
const EPH_CTE = ' __dbt__cte__eph as (\n\nselect id from "p"."main"."base"\n)';
const EPH2_CTE = ' __dbt__cte__eph2 as (\n\nselect id from __dbt__cte__eph\n)';

describe('kiln compile as dbt 1.11 compiles', () => {
  it('writes every model (ephemeral ones too), data test and project hook under target/compiled', async () => {
    const dir = project();
    const r = await kiln(['compile', '--no-format'], dir);
    expect(r.code, r.output).toBe(0);
    expect(compiledFiles(dir)).toEqual([
      'p/dbt_project.yml/hooks/p-on-run-end-0.sql',
      'p/dbt_project.yml/hooks/p-on-run-start-0.sql',
      'p/models/base.sql',
      'p/models/child.sql',
      'p/models/eph.sql',
      'p/models/eph2.sql',
    ]);
    const read = (f: string) => fs.readFileSync(path.join(dir, 'target/compiled/p', f), 'utf8');
    expect(read('dbt_project.yml/hooks/p-on-run-end-0.sql')).toBe('select 3');
    expect(read('models/eph2.sql')).toBe('\nwith __dbt__cte__eph as (\n\nselect id from "p"."main"."base"\n) select id from __dbt__cte__eph');
    // dbt-core 1.11.16's compiled_code of the model inlining two
    expect(manifest(dir).nodes['model.p.child']!.compiled_code).toBe('\nwith __dbt__cte__eph as (\n\nselect id from "p"."main"."base"\n),  __dbt__cte__eph2 as (\n\nselect id from __dbt__cte__eph\n) select * from __dbt__cte__eph2');
    const nodes = manifest(dir).nodes;
    expect(nodes['operation.p.p-on-run-end-0']).toMatchObject({
      compiled_path: 'target/compiled/p/./dbt_project.yml/hooks/p-on-run-end-0.sql',
      compiled: true,
      compiled_code: 'select 3',
      extra_ctes_injected: true,
      extra_ctes: [],
    });
    expect(nodes['model.p.child']!.extra_ctes).toEqual([
      { id: 'model.p.eph', sql: EPH_CTE },
      { id: 'model.p.eph2', sql: EPH2_CTE },
    ]);
    // Each CTE is in the compiled code as listed.
    for (const cte of nodes['model.p.child']!.extra_ctes!) expect(nodes['model.p.child']!.compiled_code).toContain(cte.sql.trim());
    expect(nodes['model.p.eph2']).toMatchObject({ compiled: true, compiled_path: 'target/compiled/p/models/eph2.sql', extra_ctes: [{ id: 'model.p.eph', sql: EPH_CTE }] });
    expect(nodes['model.p.eph']!.extra_ctes).toEqual([]);
    expect(nodes['model.p.base']!.extra_ctes).toEqual([]);
    // A bare compile leaves data tests out (README: deliberate differences); any selection compiles them, as dbt.
    const withTests = await kiln(['compile', '--no-format', '--exclude', 'resource_type:seed'], dir);
    expect(withTests.code, withTests.output).toBe(0);
    expect(compiledFiles(dir)).toEqual(expect.arrayContaining(['p/models/schema.yml/unique_child_id.sql', 'p/tests/failing.sql', 'p/tests/passing.sql', 'p/tests/warning.sql']));
    expect(read('models/schema.yml/unique_child_id.sql')).toContain('from "p"."main"."child"');
    expect(manifest(dir).nodes['test.p.passing']).toMatchObject({ compiled: true, compiled_code: 'select id from "p"."main"."child" where id < 0' });
  });

  it('files the ephemeral models a selected node inlines, and compiles no hook with a selection', async () => {
    const dir = project();
    const r = await kiln(['compile', '-s', 'child', '--no-format'], dir);
    expect(r.code, r.output).toBe(0);
    // child's tests come with it (indirect selection); base is not selected
    expect(compiledFiles(dir)).toEqual(['p/models/child.sql', 'p/models/eph.sql', 'p/models/eph2.sql', 'p/models/schema.yml/unique_child_id.sql', 'p/tests/passing.sql']);
    const nodes = manifest(dir).nodes;
    expect(nodes['model.p.eph']!.compiled).toBe(true);
    expect(nodes['operation.p.p-on-run-start-0']).toMatchObject({ compiled_path: null });
    expect(nodes['operation.p.p-on-run-start-0']!.compiled).toBeUndefined();
  });
});

interface RunResult {
  unique_id: string;
  status: string;
  message: string | null;
  adapter_response: Record<string, unknown>;
  relation_name: string | null;
  compiled: boolean | null;
}

describe('kiln build as dbt 1.11 records it', () => {
  it('records ephemeral models and hooks compiled, and run_results.json as dbt-duckdb writes it', async () => {
    const dir = project();
    const r = await kiln(['build'], dir);
    expect(r.code).toBe(1); // tests/failing
    const m = manifest(dir);
    expect(typeof m.metadata.invocation_started_at).toBe('string');
    // dbt 1.11's additions: the quoting in effect, when the run started, the functions section.
    expect(m.metadata.dbt_version).toBe('1.11.16');
    expect(m.metadata.quoting).toEqual({ database: true, schema: true, identifier: true, column: null });
    expect(m.metadata.run_started_at).toBe(m.metadata.invocation_started_at);
    expect(m.functions).toEqual({});
    expect(m.nodes['model.p.eph']).toMatchObject({ compiled: true, compiled_code: '\nselect id from "p"."main"."base"', compiled_path: 'target/compiled/p/models/eph.sql' });
    expect(m.nodes['model.p.child']!.extra_ctes!.map((c) => c.id)).toEqual(['model.p.eph', 'model.p.eph2']);
    expect(m.nodes['operation.p.p-on-run-start-0']).toMatchObject({ compiled: true, compiled_code: 'select 1' });
    expect(m.nodes['operation.p.p-on-run-end-0']).toMatchObject({ compiled: true, compiled_code: 'select 3' });
    expect(fs.existsSync(path.join(dir, 'target/compiled/p/models/eph2.sql'))).toBe(true);

    const rr = JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')) as { metadata: Record<string, unknown>; results: RunResult[] };
    expect(rr.metadata.invocation_started_at).toBe(m.metadata.invocation_started_at);
    const of = (id: string) => rr.results.find((x) => x.unique_id === id)!;
    const ok = { status: 'success', message: 'OK', adapter_response: { _message: 'OK' } };
    expect(of('model.p.base')).toMatchObject({ ...ok, relation_name: '"p"."main"."base"' });
    expect(of('model.p.child')).toMatchObject({ ...ok, relation_name: '"p"."main"."child"' });
    expect(of('model.p.child').adapter_response).toEqual({ _message: 'OK' });
    expect(of('seed.p.codes')).toMatchObject({ message: 'INSERT 1', adapter_response: { _message: 'INSERT 1', code: 'INSERT', rows_affected: 1 }, relation_name: null, compiled: null });
    expect(of('test.p.passing')).toMatchObject({ status: 'pass', message: null, adapter_response: { _message: 'OK' } });
    expect(of('test.p.failing')).toMatchObject({ status: 'fail', message: 'Got 1 result, configured to fail if != 0', adapter_response: { _message: 'OK' } });
    expect(of('test.p.warning')).toMatchObject({ status: 'warn', adapter_response: { _message: 'OK' } });
    expect(of('operation.p.p-on-run-end-0')).toMatchObject({ message: 'p.on-run-end.0 passed', adapter_response: {} });
    // The console keeps kiln's own words.
    expect(r.stdout).toMatch(/OK created sql table model main\.child \.+ \[CREATE 1 in/);
  });

  it('writes {} and no message for errored and skipped nodes', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/bad.sql': 'select * from no_such_table_here',
      'models/after.sql': "select * from {{ ref('bad') }}",
    });
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(1);
    const results = (JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')) as { results: RunResult[] }).results;
    expect(results.find((x) => x.unique_id === 'model.p.bad')).toMatchObject({ status: 'error', adapter_response: {} });
    expect(results.find((x) => x.unique_id === 'model.p.bad')!.message).toContain('no_such_table_here');
    expect(results.find((x) => x.unique_id === 'model.p.after')).toMatchObject({ status: 'skipped', message: null, adapter_response: {} });
    expect(r.stdout).toMatch(/SKIP relation main\.after/);
  });
});

describe('manifest.json configs as dbt 1.11 writes them', () => {
  it("writes the keys dbt writes at their defaults, a node's own values kept, and state:modified sees no change", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'seeds/codes.csv': 'code\na\n',
      'models/m.sql': "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id",
      'models/v.sql': 'select 1 as id',
      'models/schema.yml': 'version: 2\nmodels:\n  - name: v\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const nodes = (JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { config: Record<string, unknown> }> }).nodes;
    expect(nodes['model.p.v']!.config).toMatchObject({
      alias: null,
      schema: null,
      unique_key: null,
      lookback: 1,
      on_configuration_change: 'apply',
      grants: {},
      packages: [],
      docs: { show: true, node_color: null },
      contract: { enforced: false, alias_types: true },
      access: 'protected',
      freshness: null,
    });
    expect(nodes['model.p.m']!.config).toMatchObject({ materialized: 'incremental', unique_key: 'id', access: 'protected' });
    expect(nodes['seed.p.codes']!.config).toMatchObject({ persist_docs: {}, quoting: {}, lookback: 1 });
    expect(nodes['seed.p.codes']!.config).not.toHaveProperty('access');
    const test = Object.entries(nodes).find(([id]) => id.startsWith('test.p.not_null_v_id'))![1];
    expect(test.config).toMatchObject({ alias: null, database: null, store_failures_as: null, severity: 'ERROR' });
    expect(test.config).not.toHaveProperty('contract');
    // A manifest with the defaults written out compares equal to the project it came from.
    fs.mkdirSync(path.join(dir, 'prod'));
    fs.copyFileSync(path.join(dir, 'target/manifest.json'), path.join(dir, 'prod/manifest.json'));
    const ls = await kiln(['ls', '-s', 'state:modified', '--state', 'prod'], dir);
    expect(ls.code, ls.output).toBe(0);
    expect(ls.stdout).not.toMatch(/p\.(m|v|codes)\b/);
  });
});

describe('columns and macros in manifest.json as dbt 1.11 writes them', () => {
  it('gives a column its config (its meta and tags) and granularity, and a macro its config', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/m.sql': 'select 1 as id',
      'models/schema.yml': 'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        meta: {a: 1}\n        tags: [x]\n',
      'macros/twice.sql': '{% macro twice(x) %}{{ x }} * 2{% endmacro %}',
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { columns: Record<string, unknown> }>; macros: Record<string, Record<string, unknown>> };
    expect(m.nodes['model.p.m']!.columns.id).toEqual({ name: 'id', description: '', meta: { a: 1 }, data_type: null, constraints: [], quote: null, config: { meta: { a: 1 }, tags: ['x'] }, tags: ['x'], granularity: null, doc_blocks: [] });
    expect(m.macros['macro.p.twice']!.config).toEqual({ meta: {}, docs: { show: true, node_color: null } });
    expect(Object.keys(m.macros['macro.p.twice']!).slice(8, 13)).toEqual(['description', 'meta', 'docs', 'config', 'patch_path']);
  });
});
