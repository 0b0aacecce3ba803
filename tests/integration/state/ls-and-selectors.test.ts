// `kiln ls` output formats, --output-keys and --resource-type, and selectors.yml through the CLI
// (--selector, `default: true`, bad names), on a small project with sources, tests and seeds.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 2\n';

function project(extra: Record<string, string> = {}): string {
  return testdir({
    'dbt_project.yml': 'name: p\nprofile: p\nmodels:\n  p:\n    marts:\n      +materialized: table\n      +tags: [nightly]\n',
    'profiles.yml': PROFILE,
    'seeds/raw.csv': 'id\n1\n',
    'models/sources.yml': 'sources:\n  - name: app\n    tables:\n      - name: users\n        columns:\n          - name: id\n            data_tests: [unique]\n',
    'models/staging/stg_users.sql': "select * from {{ source('app', 'users') }}",
    'models/marts/users.sql': "select * from {{ ref('stg_users') }} join {{ ref('raw') }} using (id)",
    'models/marts/schema.yml': 'models:\n  - name: users\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
    ...extra,
  });
}

async function out(dir: string, args: string[]): Promise<string[]> {
  const r = await kiln(['ls', ...args], dir);
  expect(r.code, r.output).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

describe('kiln ls', () => {
  it('lists every resource type by default, sorted by unique id, as selectors', async () => {
    const dir = project();
    expect(await out(dir, [])).toEqual(['p.staging.stg_users', 'p.marts.users', 'p.raw', 'source:p.app.users', 'p.marts.not_null_users_id', 'p.source_unique_app_users_id']);
  });
  it('--resource-type narrows; names and paths', async () => {
    const dir = project();
    expect(await out(dir, ['--resource-type', 'source', 'seed', '--output', 'name'])).toEqual(['raw', 'app.users']);
    expect(await out(dir, ['--resource-type', 'test', '--output', 'path'])).toEqual(['models/marts/schema.yml', 'models/sources.yml']);
    const bad = await kiln(['ls', '--resource-type', 'modle'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/KLN601.*Unknown --resource-type 'modle'/);
  });
  it('--output json with dbt default keys, or --output-keys (dotted keys reach into config)', async () => {
    const dir = project();
    const [line] = await out(dir, ['-s', 'users', '--resource-type', 'model', '--output', 'json']);
    const json = JSON.parse(line!);
    expect(Object.keys(json).sort()).toEqual(['alias', 'config', 'depends_on', 'name', 'original_file_path', 'package_name', 'resource_type', 'tags', 'unique_id']);
    expect(json.depends_on.nodes.sort()).toEqual(['model.p.stg_users', 'seed.p.raw']);
    const keyed = await out(dir, ['-s', 'tag:nightly', 'source:app', '--indirect-selection', 'empty', '--output', 'json', '--output-keys', 'name,resource_type', 'config.materialized']);
    expect(keyed.map((l) => JSON.parse(l))).toEqual([
      { name: 'users', resource_type: 'model', 'config.materialized': 'table' },
      { name: 'users', resource_type: 'source' },
    ]);
    const misuse = await kiln(['ls', '--output-keys', 'name'], dir);
    expect(misuse.code).toBe(2);
  });
  it('a selection that matches nothing warns, prints nothing and exits 0', async () => {
    const dir = project();
    const r = await kiln(['ls', '-s', 'tag:nope'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/KLN309.*'tag:nope'.*matches no node/);
    expect(r.stderr).toMatch(/No nodes selected!/);
  });
});

describe('selectors.yml through the CLI', () => {
  const SELECTORS = 'selectors:\n  - name: marts_only\n    definition:\n      method: path\n      value: models/marts\n  - name: everything_but_sources\n    default: true\n    definition:\n      union:\n        - "fqn:*"\n        - exclude:\n            - "resource_type:test"\n';
  it('--selector runs a named selection; `default: true` applies when nothing is selected', async () => {
    const dir = project({ 'selectors.yml': SELECTORS });
    expect(await out(dir, ['--selector', 'marts_only', '--output', 'name'])).toEqual(['users', 'not_null_users_id']);
    expect(await out(dir, ['--output', 'name'])).toEqual(['stg_users', 'users', 'raw']);
    expect(await out(dir, ['-s', 'stg_users', '--output', 'name'])).toEqual(['stg_users']);
    // The default selector drives run commands too.
    const b = await kiln(['seed'], dir);
    expect(b.code, b.output).toBe(0);
    expect(b.stdout).toMatch(/Done\. PASS=1 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=1/);
    const none = await kiln(['seed', '--selector', 'marts_only'], dir);
    expect(none.code, none.output).toBe(0);
    expect(none.output).toMatch(/Nothing to do/);
    // dbt 1.11.16: a seed with nothing to do still ends with its Done line; a build prints none.
    expect(none.stdout).toMatch(/Nothing to do[^\n]*\n(.*\n)?.*Completed successfully\n(.*\n)?.*Done\. PASS=0 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=0\n$/);
    const noBuild = await kiln(['build', '-s', 'nothing_matches'], dir);
    expect(noBuild.code, noBuild.output).toBe(0);
    expect(noBuild.stdout).toMatch(/Nothing to do[^\n]*\n$/);
    // run_results.json as dbt 1.11 writes it then: this invocation's, with no results.
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'target', 'run_results.json'), 'utf8')) as { results: unknown[]; elapsed_time: number; args: { which: string; select: string[] } };
    expect(results).toMatchObject({ results: [], elapsed_time: 0, args: { which: 'build', select: ['nothing_matches'] } });
    // dbt 1.11 says a criterion matches nothing after its Found line, not before its first line.
    expect(noBuild.stdout).toMatch(/^.*Running with kiln=[^\n]*\n.*Found [^\n]*\n.*warning\[KLN309\] The selection 'nothing_matches'/);
    const strict = await kiln(['--warn-error', 'run', '-s', 'users', 'nothing_matches'], dir);
    expect(strict.code, strict.output).toBe(2);
    expect(strict.stdout).toMatch(/^.*Running with kiln=[^\n]*\n.*Found [^\n]*\n$/);
    expect(strict.stderr).toMatch(/error\[KLN309\]/);
  });
  it('an unknown selector name, or --selector with --select, is an error (exit 2)', async () => {
    const dir = project({ 'selectors.yml': SELECTORS });
    const r = await kiln(['ls', '--selector', 'mart_only'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/KLN306.*No selector named 'mart_only' in selectors\.yml/);
    expect(r.stderr).toMatch(/Did you mean 'marts_only'\?/);
    const both = await kiln(['build', '--selector', 'marts_only', '-s', 'users'], dir);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/KLN601.*--selector cannot be combined/);
  });
  it('a broken selectors.yml points at its line', async () => {
    const dir = project({ 'selectors.yml': 'selectors:\n  - name: a\n    definition:\n      method: tag\n      valu: x\n' });
    const r = await kiln(['ls'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/KLN305.*unknown key 'valu'/);
    expect(r.stderr).toMatch(/selectors\.yml:5/);
  });
});
