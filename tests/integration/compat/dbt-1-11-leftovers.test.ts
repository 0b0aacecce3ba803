// Fields and files as dbt-core 1.11 + dbt-duckdb 1.11 write them for the same projects (checked
// with `dbt parse --no-partial-parse`, `dbt compile` and `dbt build`): is_incremental in a model's
// depends_on.macros, an analysis' fqn and path, on-run-start / on-run-end hooks as `operation`
// nodes (manifest.json, run_results.json, the console, target/compiled).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      threads: 1\n';

interface ManifestNode {
  fqn: string[];
  path: string;
  original_file_path: string;
  compiled_path: string | null;
  tags: string[];
  depends_on: { macros: string[]; nodes: string[] };
}

function manifestNodes(dir: string): Record<string, ManifestNode> {
  return (JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, ManifestNode> }).nodes;
}

describe('manifest.json nodes as dbt 1.11 writes them', () => {
  it('lists is_incremental among the macros a model calls, in call order', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      // dbt: ['macro.dbt.current_timestamp', 'macro.dbt.is_incremental', 'macro.dbt.should_full_refresh']
      'models/inc.sql': "{{ config(materialized='incremental') }}\nselect {{ dbt.current_timestamp() }} as ts\n{% if is_incremental() %} where 1 = 1 {% endif %}\n{% if should_full_refresh() %}{% endif %}",
      // dbt records the call whatever the materialization: ['macro.dbt.is_incremental']
      'models/plain.sql': 'select 1 as x {% if is_incremental() %}{% endif %}',
      'models/static.sql': 'select 1 as x',
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const nodes = manifestNodes(dir);
    expect(nodes['model.p.inc']!.depends_on.macros).toEqual(['macro.dbt.current_timestamp', 'macro.dbt.is_incremental', 'macro.dbt.should_full_refresh']);
    expect(nodes['model.p.plain']!.depends_on.macros).toEqual(['macro.dbt.is_incremental']);
    expect(nodes['model.p.static']!.depends_on.macros).toEqual([]);
  });

  it("files an analysis under 'analysis' in its fqn and path, and compiles it under analyses/", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\nanalyses:\n  p:\n    deep:\n      +tags: [deep]\n',
      'profiles.yml': PROFILE,
      'models/m.sql': 'select 1 as id',
      'analyses/top.sql': "select count(*) from {{ ref('m') }}",
      'analyses/deep/nested.sql': 'select 1 as x',
    });
    const r = await kiln(['compile'], dir);
    expect(r.code, r.output).toBe(0);
    const nodes = manifestNodes(dir);
    expect(nodes['analysis.p.top']).toMatchObject({ fqn: ['p', 'analysis', 'top'], path: 'analysis/top.sql', original_file_path: 'analyses/top.sql', compiled_path: 'target/compiled/p/analyses/top.sql' });
    expect(nodes['analysis.p.nested']).toMatchObject({ fqn: ['p', 'analysis', 'deep', 'nested'], path: 'analysis/deep/nested.sql', original_file_path: 'analyses/deep/nested.sql' });
    // kiln's folder configs for analyses keep matching the folders as written
    expect(nodes['analysis.p.nested']!.tags).toEqual(['deep']);
    expect(fs.existsSync(path.join(dir, 'target/compiled/p/analyses/deep/nested.sql'))).toBe(true);
    const ls = await kiln(['ls', '--resource-type', 'analysis'], dir);
    expect(ls.stdout).toContain('p.analysis.deep.nested');
  });
});

interface RunResult {
  unique_id: string;
  status: string;
  message: string | null;
  failures: number | null;
  adapter_response: Record<string, unknown>;
  compiled: boolean | null;
  compiled_code: string | null;
  relation_name: string | null;
  thread_id: string;
  timing: { name: string }[];
}

function runResults(dir: string): RunResult[] {
  return (JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')) as { results: RunResult[] }).results;
}

describe('on-run-start / on-run-end hooks as dbt 1.11 reports them', () => {
  const hooked = (start: string[]) =>
    testdir({
      'dbt_project.yml': `name: p\nprofile: p\non-run-start: ${JSON.stringify(start)}\non-run-end: ['select 3']\n`,
      'profiles.yml': PROFILE,
      'models/m.sql': 'select 1 as id',
    });

  it('lists each hook as an operation in run_results.json, the console and manifest.json', async () => {
    const dir = hooked(['select 1']);
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    const results = runResults(dir);
    expect(results.map((x) => x.unique_id)).toEqual(['operation.p.p-on-run-start-0', 'model.p.m', 'operation.p.p-on-run-end-0']);
    expect(results[0]).toMatchObject({
      status: 'success',
      message: 'p.on-run-start.0 passed',
      failures: 0,
      adapter_response: {},
      compiled: true,
      compiled_code: 'select 1',
      relation_name: null,
      thread_id: 'main',
    });
    expect(results[0]!.timing.map((t) => t.name)).toEqual(['compile', 'execute']);
    expect(r.stdout).toContain('Found 1 model, 2 operations');
    expect(r.stdout).toMatch(/1 of 1 START hook: p\.on-run-start\.0 \.+ \[RUN\]/);
    expect(r.stdout).toMatch(/1 of 1 OK hook: p\.on-run-end\.0 \.+ \[OK in \d+\.\d\ds\]/);
    expect(r.stdout).toContain('Finished running 2 project hooks, 1 view model in');
    expect(r.stdout).toContain('Done. PASS=3 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=3');
    expect(fs.readFileSync(path.join(dir, 'target/compiled/p/dbt_project.yml/hooks/p-on-run-end-0.sql'), 'utf8')).toBe('select 3');
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, Record<string, unknown>>; parent_map: Record<string, string[]>; child_map: Record<string, string[]> };
    expect(manifest.nodes['operation.p.p-on-run-end-0']).toMatchObject({
      resource_type: 'operation',
      name: 'p-on-run-end-0',
      path: 'hooks/p-on-run-end-0.sql',
      original_file_path: './dbt_project.yml',
      fqn: ['p', 'hooks', 'p-on-run-end-0'],
      tags: ['on-run-end'],
      raw_code: 'select 3',
      index: 1,
      depends_on: { macros: [], nodes: [] },
    });
    expect(manifest.parent_map['operation.p.p-on-run-start-0']).toEqual([]);
    expect(manifest.child_map['operation.p.p-on-run-start-0']).toEqual([]);
  });

  it('records a failed on-run-start hook and skips the hooks after it; the nodes and on-run-end run all the same (dbt 1.11 by default)', async () => {
    const dir = hooked(['select 1', 'select * from no_such_table_here', 'select 2']);
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(1);
    const results = runResults(dir);
    expect(results.map((x) => [x.unique_id, x.status])).toEqual([
      ['operation.p.p-on-run-start-0', 'success'],
      ['operation.p.p-on-run-start-1', 'error'],
      ['operation.p.p-on-run-start-2', 'skipped'],
      ['model.p.m', 'success'],
      ['operation.p.p-on-run-end-0', 'success'],
    ]);
    expect(results[1]!.message).toMatch(/^p\.on-run-start\.1 failed, error:\n .*no_such_table_here/);
    expect(results[1]).toMatchObject({ failures: 1, compiled_code: 'select * from no_such_table_here', adapter_response: {} });
    expect(results[2]).toMatchObject({ message: 'p.on-run-start.2 skipped', compiled_code: null, timing: [] });
    expect(r.stdout).toMatch(/2 of 3 ERROR hook: p\.on-run-start\.1 \.+ \[ERROR in/);
    expect(r.stdout).toMatch(/3 of 3 SKIP hook: p\.on-run-start\.2 \.+ \[SKIP in/);
    expect(r.output).toContain('Failure in operation p-on-run-start-1 (dbt_project.yml)');
    expect(r.output).toContain('compiled code at target/compiled/p/dbt_project.yml/hooks/p-on-run-start-1.sql');
    expect(r.stdout).toMatch(/1 of 1 OK created sql view model main\.m/);
    expect(r.stdout).toMatch(/1 of 1 OK hook: p\.on-run-end\.0/);
    expect(r.stdout).toContain('Done. PASS=3 WARN=0 ERROR=1 SKIP=1 NO-OP=0 TOTAL=5');
  });

  it('skips every node after a failed on-run-start hook with flags: skip_nodes_if_on_run_start_fails, and still runs on-run-end', async () => {
    const dir = testdir({
      'dbt_project.yml': "name: p\nprofile: p\nflags:\n  skip_nodes_if_on_run_start_fails: true\non-run-start: ['select * from no_such_table_here', 'select 2']\non-run-end: [\"{% if results | length > 0 %}select * from no_such_table_either{% else %}select 3{% endif %}\"]\n",
      'profiles.yml': PROFILE,
      'models/m.sql': 'select 1 as id',
    });
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(1);
    const results = runResults(dir);
    expect(results.map((x) => [x.unique_id, x.status])).toEqual([
      ['operation.p.p-on-run-start-0', 'error'],
      ['operation.p.p-on-run-start-1', 'skipped'],
      ['model.p.m', 'skipped'],
      // dbt hands on-run-end no results then
      ['operation.p.p-on-run-end-0', 'success'],
    ]);
    // as dbt's RunResult.from_node makes them
    expect(results[2]).toMatchObject({ message: null, failures: null, thread_id: 'MainThread', timing: [], adapter_response: {}, compiled_code: null, relation_name: '"p"."main"."m"' });
    expect(r.stdout).toMatch(/1 of 1 SKIP relation main\.m \.+ \[SKIP\]/);
    expect(r.stdout).not.toContain('START sql view model');
    expect(r.stdout).toContain('Done. PASS=1 WARN=0 ERROR=1 SKIP=2 NO-OP=0 TOTAL=4');
  });

  it("runs the project's hooks before the packages' (by package name), naming each run by its place in the run", async () => {
    const dir = testdir({
      'dbt_project.yml': "name: root\nprofile: p\non-run-start: ['select 1', 'select 2']\non-run-end: ['select 3']\n",
      'profiles.yml': PROFILE,
      'models/m.sql': 'select 1 as id',
      // installed in the opposite order of their names
      'dbt_packages/a_folder/dbt_project.yml': "name: zpkg\nversion: '1.0'\non-run-start: ['select 4']\n",
      'dbt_packages/b_folder/dbt_project.yml': "name: apkg\nversion: '1.0'\non-run-start: ['select 5']\non-run-end: ['select 6', 'select 7']\n",
    });
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    const hooks = runResults(dir).filter((x) => x.unique_id.startsWith('operation.'));
    // dbt-core 1.11: root.on-run-start.0, root.on-run-start.1, <package>.on-run-start.2, ...
    expect(hooks.map((x) => [x.unique_id, x.message])).toEqual([
      ['operation.root.root-on-run-start-0', 'root.on-run-start.0 passed'],
      ['operation.root.root-on-run-start-1', 'root.on-run-start.1 passed'],
      ['operation.apkg.apkg-on-run-start-0', 'apkg.on-run-start.2 passed'],
      ['operation.zpkg.zpkg-on-run-start-0', 'zpkg.on-run-start.3 passed'],
      ['operation.root.root-on-run-end-0', 'root.on-run-end.0 passed'],
      ['operation.apkg.apkg-on-run-end-0', 'apkg.on-run-end.1 passed'],
      ['operation.apkg.apkg-on-run-end-1', 'apkg.on-run-end.2 passed'],
    ]);
    expect(r.stdout).toMatch(/3 of 4 START hook: apkg\.on-run-start\.2 \.+ \[RUN\]/);
    const nodes = manifestNodes(dir) as unknown as Record<string, { index: number }>;
    // the manifest lists them project by project, each project's start hooks then its end hooks;
    // `index` is the place in the run, from 1
    expect(Object.keys(nodes).filter((id) => id.startsWith('operation.'))).toEqual([
      'operation.root.root-on-run-start-0',
      'operation.root.root-on-run-start-1',
      'operation.root.root-on-run-end-0',
      'operation.apkg.apkg-on-run-start-0',
      'operation.apkg.apkg-on-run-end-0',
      'operation.apkg.apkg-on-run-end-1',
      'operation.zpkg.zpkg-on-run-start-0',
    ]);
    expect(nodes['operation.apkg.apkg-on-run-start-0']!.index).toBe(3);
    expect(nodes['operation.apkg.apkg-on-run-end-1']!.index).toBe(3);
  });

  it('writes no operation into manifest.json of a project without hooks', async () => {
    const dir = testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': PROFILE, 'models/m.sql': 'select 1 as id' });
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    expect(Object.keys(manifestNodes(dir))).toEqual(['model.p.m']);
    expect(runResults(dir).map((x) => x.unique_id)).toEqual(['model.p.m']);
    expect(r.stdout).not.toContain('operation');
  });
});

describe('target/compiled and target/run laid out as dbt 1.11 lays them out', () => {
  it("puts a package's nodes under <package>/<path inside the package>, and no seed under compiled/", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'seeds/codes.csv': 'code\na\n',
      'models/m.sql': "select * from {{ ref('pm') }}",
      'models/schema.yml': 'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        data_tests: [unique]\n',
      // installed under a folder named otherwise than the package, as `kiln deps` may leave it
      'dbt_packages/pkg_folder/dbt_project.yml': 'name: pkg\nversion: "1.0.0"\n',
      'dbt_packages/pkg_folder/models/sub/pm.sql': 'select 1 as id',
      'dbt_packages/pkg_folder/models/sub/schema.yml': 'version: 2\nmodels:\n  - name: pm\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    const files = (sub: string) => (fs.readdirSync(path.join(dir, 'target', sub), { recursive: true }) as string[]).filter((f) => f.endsWith('.sql') || f.endsWith('.csv')).map((f) => f.split(path.sep).join('/')).sort();
    expect(files('compiled')).toEqual(['p/models/m.sql', 'p/models/schema.yml/unique_m_id.sql', 'pkg/models/sub/pm.sql', 'pkg/models/sub/schema.yml/not_null_pm_id.sql']);
    expect(files('run')).toEqual(['p/models/m.sql', 'p/models/schema.yml/unique_m_id.sql', 'p/seeds/codes.csv', 'pkg/models/sub/pm.sql', 'pkg/models/sub/schema.yml/not_null_pm_id.sql']);
    const nodes = manifestNodes(dir);
    expect(nodes['model.pkg.pm']!.compiled_path).toBe('target/compiled/pkg/models/sub/pm.sql');
    expect(nodes['model.pkg.pm']!.original_file_path).toBe('models/sub/pm.sql');
    const test = Object.entries(nodes).find(([id]) => id.startsWith('test.pkg.not_null_pm_id'))![1];
    expect(test.compiled_path).toBe('target/compiled/pkg/models/sub/schema.yml/not_null_pm_id.sql');
  });
});

describe('a node skipped because an ephemeral model it inlines failed to compile, as dbt 1.11 reports it', () => {
  const project = () =>
    testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/e.sql': "{{ config(materialized='ephemeral') }}\nselect {{ exceptions.raise_compiler_error('boom in e') if execute else '1' }} as id",
      'models/m.sql': "select * from {{ ref('e') }}",
      'models/n.sql': "select * from {{ ref('m') }}",
      'models/ok.sql': 'select 1 as id',
      'models/s.yml': 'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
    });
  const message = (id: string) => `Compilation Error in ${id}, caused by compilation error in referenced ephemeral model model.p.e`;

  it('build: the direct dependent is skipped with dbt\'s message (ERROR SKIP), what is downstream of it plainly; the run fails', async () => {
    const dir = project();
    const r = await kiln(['build'], dir);
    expect(r.code).toBe(1);
    const of = (id: string) => runResults(dir).find((x) => x.unique_id === id)!;
    expect(of('model.p.m')).toMatchObject({ status: 'skipped', message: message('model.p.m'), compiled: false, compiled_code: null, timing: [], adapter_response: {}, relation_name: '"p"."main"."m"' });
    expect(of('model.p.n')).toMatchObject({ status: 'skipped', message: null });
    expect(runResults(dir).find((x) => x.unique_id.startsWith('test.p.not_null_m_id'))).toMatchObject({ status: 'skipped', message: null });
    expect(of('model.p.ok')).toMatchObject({ status: 'success' });
    expect(r.stdout).toMatch(/SKIP relation main\.m due to ephemeral model status 'error' \.+ \[ERROR SKIP\]/);
    expect(r.output).toContain('Completed with 1 error, 0 partial successes, and 0 warnings:');
    expect(r.output).toContain('Failure in model e (models/e.sql)');
    expect(r.output).toContain('boom in e');
    expect(r.stdout).toContain('Done. PASS=1 WARN=0 ERROR=0 SKIP=3 NO-OP=0 TOTAL=4');
    // dbt: "Found 4 models, 1 test, ..." and "Finished running 1 test, 3 view models in ..."
    expect(r.stdout).toContain('Found 4 models, 1 test');
    expect(r.stdout).toContain('Finished running 1 test, 3 view models in');
  });

  it('run: every node downstream of the ephemeral model gets the message', async () => {
    const dir = project();
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(1);
    const results = runResults(dir);
    expect(results.find((x) => x.unique_id === 'model.p.m')).toMatchObject({ status: 'skipped', message: message('model.p.m') });
    expect(results.find((x) => x.unique_id === 'model.p.n')).toMatchObject({ status: 'skipped', message: message('model.p.n') });
    expect(r.stdout).toMatch(/SKIP relation main\.n due to ephemeral model status 'error' \.+ \[ERROR SKIP\]/);
    expect(r.output).toContain('Completed with 2 errors, 0 partial successes, and 0 warnings:');
    expect(r.stdout).toContain('Done. PASS=1 WARN=0 ERROR=0 SKIP=2 NO-OP=0 TOTAL=3');
  });

  it('the ephemeral model left out of the selection: compiled as part of its dependent, whose error it is', async () => {
    const dir = project();
    const r = await kiln(['run', '-s', 'm'], dir);
    expect(r.code).toBe(1);
    expect(runResults(dir).map((x) => [x.unique_id, x.status])).toEqual([['model.p.m', 'error']]);
  });
});

describe("the 'Found' line as dbt 1.11 prints it", () => {
  it('counts analyses and exposures, in the order dbt meets each kind', async () => {
    const files = {
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/m.sql': 'select 1 as id',
      'models/s.yml': "version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        data_tests: [unique]\nexposures:\n  - name: dash\n    type: dashboard\n    owner: {name: A}\n    depends_on: [ref('m')]\n",
      'seeds/codes.csv': 'code\na\n',
      'snapshots/snap.sql': "{% snapshot snap %}\n{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols='all') }}\nselect * from {{ ref('m') }}\n{% endsnapshot %}\n",
      'analyses/a1.sql': 'select 1',
      'analyses/a2.sql': 'select 2',
    };
    // dbt-core 1.11.16: "Found 1 model, 1 snapshot, 2 analyses, 1 seed, 1 test, 1 exposure, 511 macros" (one test is `test`, more are `data tests`)
    let r = await kiln(['parse'], testdir(files));
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain('Found 1 model, 1 snapshot, 2 analyses, 1 seed, 1 test, 1 exposure');
    // a singular test is met before the seeds: "Found 1 model, 1 snapshot, 2 analyses, 2 data tests, 1 seed, 1 exposure, ..."
    r = await kiln(['parse'], testdir({ ...files, 'tests/t.sql': "select * from {{ ref('m') }} where false" }));
    expect(r.stdout).toContain('Found 1 model, 1 snapshot, 2 analyses, 2 data tests, 1 seed, 1 exposure');
  });
});
