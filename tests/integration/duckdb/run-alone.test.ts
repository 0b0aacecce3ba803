// DuckDB views run alone without an await until their statement runs (Runner.prepareAlone):
// static templates (refs, sources, var) and templates that wait on nothing (a for loop) compile
// there; a template that queries the warehouse, and a template's error, go as before.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { Compiler } from '../../../core/compiler/compile.js';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 1\n`;

afterEach(() => {
  vi.restoreAllMocks();
});

interface Result {
  unique_id: string;
  status: string;
  message: string;
  compiled_code: string | null;
  timing: { name: string }[];
}

it('views of static and loop templates compile without compileAsync; a query, a template error and a SQL error as before', async () => {
  const dir = testdir({
    'dbt_project.yml': 'name: p\nprofile: p\nvars:\n  cutoff: 3\nmodels:\n  p:\n    +materialized: view\n',
    'profiles.yml': PROFILE,
    'models/a.sql': 'select 1 as id union all select 5',
    'models/b_var.sql': "select id from {{ ref('a') }} where id < {{ var('cutoff') }}",
    'models/c_loop.sql': "select {% for k in [1, 2] %}id * {{ k }} as x{{ k }}{{ ',' if not loop.last }} {% endfor %}from {{ ref('b_var') }}\n{{ log('loop rendered', info=True) }}",
    'models/d_query.sql': "{% set n = run_query('select 7').columns[0].values()[0] if execute else 0 %}select {{ n }} as n from {{ ref('c_loop') }}",
    'models/e_bad_template.sql': "select {{ exceptions.raise_compiler_error('boom at run time') if execute }} from {{ ref('a') }}",
    'models/f_bad_sql.sql': "select no_such_column from {{ ref('a') }}",
    'models/g_after.sql': "select * from {{ ref('f_bad_sql') }}",
  });
  const compiledAsync: string[] = [];
  const original = Compiler.prototype.compileAsync;
  vi.spyOn(Compiler.prototype, 'compileAsync').mockImplementation(function (this: Compiler, ...args: Parameters<Compiler['compileAsync']>) {
    compiledAsync.push(args[0].name);
    return original.apply(this, args);
  });
  const res = await kiln(['run'], dir);
  expect(res.code, res.output).toBe(1);
  // One thread: the first node may start before the schema is listed; the query needs the async path.
  expect(compiledAsync.filter((n) => n !== 'a').sort()).toEqual(['d_query']);
  // A template's log() prints once.
  expect(res.output.split('loop rendered').length - 1).toBe(1);
  const results = new Map(
    (JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as { results: Result[] }).results.map((r) => [r.unique_id.split('.').pop()!, r]),
  );
  const status = Object.fromEntries([...results].map(([k, r]) => [k, r.status]));
  expect(status).toEqual({ a: 'success', b_var: 'success', c_loop: 'success', d_query: 'success', e_bad_template: 'error', f_bad_sql: 'error', g_after: 'skipped' });
  expect(results.get('b_var')!.compiled_code).toBe('select id from "dev"."main"."a" where id < 3');
  expect(results.get('c_loop')!.compiled_code).toContain('id * 2 as x2 from "dev"."main"."b_var"');
  expect(results.get('c_loop')!.timing.map((t) => t.name)).toEqual(['compile', 'execute']);
  // A template's error: no compiled code, no timing, as the general path reports it.
  const bad = results.get('e_bad_template')!;
  expect(bad.message).toMatch(/boom at run time/);
  expect(bad.compiled_code).toBeNull();
  expect(bad.timing).toEqual([]);
  expect(results.get('f_bad_sql')!.message).toMatch(/no_such_column/);
  expect(results.get('f_bad_sql')!.compiled_code).toBe('select no_such_column from "dev"."main"."a"');
  // target/run and target/compiled as through the general path.
  expect(readFileSync(join(dir, 'target/run/p/models/b_var.sql'), 'utf8')).toBe('create or replace view "dev"."main"."b_var" as (\nselect id from "dev"."main"."a" where id < 3\n);\n');
  expect(readFileSync(join(dir, 'target/run/p/models/f_bad_sql.sql'), 'utf8')).toContain('no_such_column');
  expect(readFileSync(join(dir, 'target/compiled/p/models/c_loop.sql'), 'utf8')).toBe(results.get('c_loop')!.compiled_code);
});
