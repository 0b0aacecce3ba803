// dbt's flags as a team's CI passes them (checked against dbt-core 1.11.16): on either side of the
// command, from the environment (DBT_QUIET, ...) and from `flags:` of dbt_project.yml, in dbt's
// order (command line > environment > flags:). Each test fails if kiln refuses or ignores a flag.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROJECT = 'name: p\nprofile: p\n';

function project(extra: Record<string, string> = {}, projectFile = PROJECT): string {
  const dir = testdir({
    'dbt_project.yml': projectFile,
    'seeds/s.csv': 'id\n1\n2\n',
    'models/a.sql': "select id from {{ ref('s') }}\n",
    'models/b.sql': "select id from {{ ref('a') }}\n",
    'models/schema.yml':
      'version: 2\nmodels:\n  - name: b\n    columns:\n      - name: id\n        data_tests:\n          - not_null\n          - accepted_values:\n              arguments: {values: [1]}\n              config: {severity: warn}\n',
    ...extra,
  });
  const profile = (name: string) => `${name}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ${JSON.stringify(path.join(dir, `${name}.duckdb`))}\n      threads: 1\n`;
  fs.writeFileSync(path.join(dir, 'profiles.yml'), profile('p') + profile('other'));
  return dir;
}

const ENV = ['DBT_QUIET', 'DBT_LOG_LEVEL', 'DBT_LOG_FORMAT', 'DBT_USE_COLORS', 'DBT_WARN_ERROR', 'DBT_WARN_ERROR_OPTIONS', 'DBT_PROFILE', 'DBT_WRITE_JSON', 'DBT_RESOURCE_TYPES', 'DBT_VERSION_CHECK', 'DBT_FAIL_FAST', 'DBT_PRINT', 'DBT_DEFER', 'DBT_DEFER_STATE', 'DBT_LOG_PATH', 'DBT_PROJECT_DIR'];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

const exists = (dir: string, f: string) => fs.existsSync(path.join(dir, f));

describe("dbt's flags", () => {
  it('are taken before the command as after it (dbt accepts both), docs generate and source freshness included', async () => {
    const dir = project();
    for (const args of [['--no-color', 'build'], ['--log-format', 'json', 'run'], ['--warn-error', 'parse'], ['--debug', 'compile'], ['--no-partial-parse', 'parse'], ['-q', 'ls'], ['--no-use-colors', '--quiet', 'docs', 'generate', '--empty-catalog']]) {
      const r = await kiln(args, dir);
      expect(r.code, `${args.join(' ')}\n${r.output}`).toBe(0);
    }
    const json = await kiln(['--log-format', 'json', 'parse'], dir);
    expect(json.stdout.trim().split('\n').every((l) => JSON.parse(l) !== null)).toBe(true);
  });

  it('refuse a flag given on both sides of the command, as dbt does', async () => {
    const r = await kiln(['--log-format', 'json', 'parse', '--log-format', 'text'], project());
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/KLN601.*--log-format was given both before and after/);
  });

  it('keep --version and --help', async () => {
    expect((await kiln(['--version'], project())).stdout).toMatch(/\d+\.\d+\.\d+/);
    const help = await kiln(['--help'], project());
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/may also come before it/);
  });

  it('-q/--quiet prints only errors, while ls still lists; DBT_QUIET likewise; --log-level none prints nothing', async () => {
    const dir = project();
    const q = await kiln(['-q', 'build'], dir);
    expect(q.code, q.output).toBe(0);
    expect(q.output).toBe('');
    const ls = await kiln(['--quiet', 'ls', '--resource-type', 'model'], dir);
    expect(ls.stdout).toBe('p.a\np.b\n');
    expect(ls.stderr).toBe('');
    process.env.DBT_QUIET = 'true';
    const bad = await kiln(['run', '-s', 'nothing_named_so'], dir);
    expect(bad.output).toBe('');
    const failing = project({ 'models/c.sql': 'select * from nowhere_at_all\n' });
    const f = await kiln(['run'], failing);
    expect(f.code).toBe(1);
    expect(f.output).toMatch(/nowhere_at_all/);
    expect(f.output).not.toMatch(/START|Done\. PASS/);
    // the failed node's result line is an error, as dbt's: -q shows it
    expect(f.output).toMatch(/ERROR creating sql view model main\.c/);
    delete process.env.DBT_QUIET;
    const none = await kiln(['run', '--log-level', 'none'], failing);
    expect(none.code).toBe(1);
    expect(none.output).toBe('');
    const warn = await kiln(['run', '--log-level', 'warn', '-s', 'nothing_named_so'], dir);
    expect(warn.output).toMatch(/KLN309/);
    expect(warn.output).not.toMatch(/Running with/);
  });

  it("-q keeps the output of {{ print() }}, as dbt's does; --no-print and DBT_PRINT=false drop it", async () => {
    const dir = project({ 'models/printer.sql': "{% if execute %}{% do print('PRINTED ' ~ this.name) %}{% endif %}select 1 as id\n" });
    const q = await kiln(['-q', 'run', '-s', 'printer'], dir);
    expect(q.code, q.output).toBe(0);
    expect(q.output).toMatch(/PRINTED printer/);
    expect(q.output).not.toMatch(/START/);
    expect((await kiln(['run', '-s', 'printer', '--no-print'], dir)).output).not.toMatch(/PRINTED/);
    process.env.DBT_PRINT = 'false';
    expect((await kiln(['run', '-s', 'printer'], dir)).output).not.toMatch(/PRINTED/);
  });

  it('-q compile --select x prints the SQL alone, as dbt does', async () => {
    const r = await kiln(['-q', 'compile', '--select', 'b'], project());
    expect(r.code, r.output).toBe(0);
    // (the SQL as laid out by --format, the default for a small project)
    expect(r.stdout.replace(/\s+/g, ' ').trim()).toMatch(/^select id from "p"\."main"\."a"$/);
    expect(r.stderr).toBe('');
  });

  it('--use-colors colours output that is not a terminal; --no-use-colors and DBT_USE_COLORS=false do not', async () => {
    const dir = project();
    expect((await kiln(['parse', '--use-colors'], dir)).output).toMatch(/\x1b\[/);
    process.env.DBT_USE_COLORS = 'true';
    expect((await kiln(['parse'], dir)).output).toMatch(/\x1b\[/);
    expect((await kiln(['parse', '--no-use-colors'], dir)).output).not.toMatch(/\x1b\[/);
    expect((await kiln(['parse', '--no-color'], dir)).output).not.toMatch(/\x1b\[/);
    process.env.DBT_USE_COLORS = 'false';
    expect((await kiln(['parse'], dir)).output).not.toMatch(/\x1b\[/);
  });

  it('--profile and DBT_PROFILE choose the profiles.yml entry over profile: of dbt_project.yml', async () => {
    const dir = project();
    expect((await kiln(['seed', '--profile', 'other'], dir)).code).toBe(0);
    expect(exists(dir, 'other.duckdb')).toBe(true);
    expect(exists(dir, 'p.duckdb')).toBe(false);
    process.env.DBT_PROFILE = 'nope';
    const r = await kiln(['parse'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/KLN105[\s\S]*--profile/);
    expect((await kiln(['parse', '--profile', 'p'], dir)).code).toBe(0);
  });

  it('--no-write-json (and DBT_WRITE_JSON=false) writes no manifest.json, run_results.json or semantic_manifest.json, as dbt', async () => {
    const dir = project();
    const r = await kiln(['build', '--no-write-json'], dir);
    expect(r.code, r.output).toBe(0);
    for (const f of ['manifest.json', 'run_results.json', 'semantic_manifest.json']) expect(exists(dir, `target/${f}`), f).toBe(false);
    expect(exists(dir, 'target/compiled/p/models/b.sql')).toBe(true);
    process.env.DBT_WRITE_JSON = '0';
    expect((await kiln(['compile'], dir)).code).toBe(0);
    expect(exists(dir, 'target/manifest.json')).toBe(false);
    expect((await kiln(['compile', '--write-json'], dir)).code).toBe(0);
    expect(exists(dir, 'target/manifest.json')).toBe(true);
  });

  it('--resource-type and --exclude-resource-type narrow build, test and ls', async () => {
    const dir = project();
    const models = await kiln(['build', '--resource-type', 'model', 'seed'], dir);
    expect(models.code, models.output).toBe(0);
    expect(models.stdout).toMatch(/PASS=3 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=3/);
    const noTests = await kiln(['build', '--exclude-resource-type', 'test'], dir);
    expect(noTests.stdout).toMatch(/TOTAL=3/);
    const tests = await kiln(['test', '--exclude-resource-type', 'unit_test'], dir);
    expect(tests.stdout).toMatch(/TOTAL=2/);
    const ls = await kiln(['ls', '--resource-types', 'model', 'seed', '--exclude-resource-types', 'seed'], dir);
    expect(ls.stdout).toBe('p.a\np.b\n');
    process.env.DBT_RESOURCE_TYPES = 'seed';
    expect((await kiln(['ls'], dir)).stdout).toBe('p.s\n');
    process.env.DBT_RESOURCE_TYPES = 'modle';
    const bad = await kiln(['ls'], dir);
    expect(bad.code).toBe(2);
    expect(bad.output).toMatch(/KLN601.*modle/);
  });

  it('--defer-state (and DBT_DEFER, DBT_DEFER_STATE) is the state --defer reads, without --state', async () => {
    const dir = project();
    // The "production" artifacts: the same project compiled against the other profile's database.
    expect((await kiln(['compile', '--profile', 'other', '--target-path', 'prod-state'], dir)).code).toBe(0);
    const r = await kiln(['compile', '-s', 'b', '--defer', '--defer-state', 'prod-state', '--favor-state'], dir);
    expect(r.code, r.output).toBe(0);
    const compiled = () => fs.readFileSync(path.join(dir, 'target/compiled/p/models/b.sql'), 'utf8');
    expect(compiled()).toMatch(/"other"\."main"\."a"/);
    process.env.DBT_DEFER = '1';
    process.env.DBT_DEFER_STATE = 'prod-state';
    expect((await kiln(['compile', '-s', 'b', '--favor-state'], dir)).code).toBe(0);
    expect(compiled()).toMatch(/"other"\."main"\."a"/);
    expect((await kiln(['compile', '-s', 'b', '--no-defer'], dir)).code).toBe(0);
    expect(compiled()).toMatch(/"p"\."main"\."a"/);
  });

  it('--warn-error makes warnings errors (exit 2) and a test that warns fail', async () => {
    const dir = project();
    const empty = await kiln(['--warn-error', 'run', '-s', 'nothing_named_so'], dir);
    expect(empty.code).toBe(2);
    expect(empty.output).toMatch(/error\[KLN309\]/);
    expect((await kiln(['build'], dir)).stdout).toMatch(/WARN=1/);
    const strict = await kiln(['build', '--warn-error'], dir);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/FAIL 1 accepted_values/);
  });

  it("--warn-error-options takes dbt's event names and kiln's codes: error, warn, silence, include/exclude, all/*", async () => {
    const dir = project();
    const run = (opts: string) => kiln(['run', '-s', 'nothing_named_so', '--warn-error-options', opts], dir);
    expect((await run('{"error": ["NoNodesForSelectionCriteria"]}')).code).toBe(2);
    expect((await run('{"include": ["KLN309"]}')).code).toBe(2);
    expect((await run('{"error": "*"}')).code).toBe(2);
    const narrowed = await run('{"error": "all", "warn": ["NoNodesForSelectionCriteria"]}');
    expect(narrowed.code).toBe(0);
    expect(narrowed.output).toMatch(/warning\[KLN309\]/);
    const silenced = await run('{"silence": ["NoNodesForSelectionCriteria"]}');
    expect(silenced.code).toBe(0);
    expect(silenced.output).not.toMatch(/KLN309/);
    const tests = await kiln(['build', '--warn-error-options', '{"error": ["LogTestResult"]}'], dir);
    expect(tests.code).toBe(1);
    for (const bad of ['{"error": ["NoSuchEvent"]}', '{"warn": ["NoNodesForSelectionCriteria"]}', '{"error": "some"}', '[1, 2']) {
      const r = await run(bad);
      expect(r.code, bad).toBe(2);
      expect(r.output, bad).toMatch(/KLN601.*--warn-error-options/);
    }
    const both = await kiln(['parse', '--warn-error', '--warn-error-options', '{"error": "all"}'], dir);
    expect(both.code).toBe(2);
    process.env.DBT_WARN_ERROR_OPTIONS = '{"error": ["NoNodesForSelectionCriteria"]}';
    expect((await kiln(['run', '-s', 'nothing_named_so'], dir)).code).toBe(2);
  });

  it('take the environment over flags: of dbt_project.yml, and the command line over both', async () => {
    const dir = project({}, `${PROJECT}flags:\n  log_format: json\n  warn_error_options: {error: [NoNodesForSelectionCriteria]}\n  send_anonymous_usage_stats: false\n`);
    const fromProject = await kiln(['run', '-s', 'nothing_named_so'], dir);
    expect(fromProject.code).toBe(2);
    // (after the header's two lines, as dbt 1.11 prints NoNodesForSelectionCriteria)
    expect(fromProject.stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; code?: string }).map((l) => l.code ?? l.msg)).toEqual([expect.stringMatching(/^Running with kiln=/), expect.stringMatching(/^Found /), 'KLN309']);
    process.env.DBT_LOG_FORMAT = 'text';
    expect((await kiln(['parse'], dir)).stdout).toMatch(/^\d\d:\d\d:\d\d {2}/);
    expect((await kiln(['parse', '--log-format', 'json'], dir)).stdout).toMatch(/^\{"ts"/);
    process.env.DBT_WARN_ERROR_OPTIONS = '{"silence": ["NoNodesForSelectionCriteria"]}';
    expect((await kiln(['run', '-s', 'nothing_named_so'], dir)).code).toBe(0);
  });

  it('DBT_PROJECT_DIR names the project when --project-dir does not', async () => {
    const dir = project();
    process.env.DBT_PROJECT_DIR = dir;
    const r = await kiln(['ls', '--resource-type', 'seed'], path.dirname(dir));
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toBe('p.s\n');
  });

  it('refuse bad values with a code and a hint (exit 2)', async () => {
    const dir = project();
    process.env.DBT_FAIL_FAST = 'sometimes';
    const env = await kiln(['run'], dir);
    expect(env.code).toBe(2);
    expect(env.output).toMatch(/KLN601.*DBT_FAIL_FAST[\s\S]*hint/);
    delete process.env.DBT_FAIL_FAST;
    const flagsDir = project({}, `${PROJECT}flags:\n  log_level: loud\n`);
    const proj = await kiln(['parse'], flagsDir);
    expect(proj.code).toBe(2);
    expect(proj.output).toMatch(/KLN103.*flags\.log_level/);
    expect((await kiln(['parse', '--log-level', 'loud'], dir)).code).toBe(2);
  });

  it('check require-dbt-version unless --no-version-check (dbt refuses a project whose range excludes it)', async () => {
    const dir = project({}, `${PROJECT}require-dbt-version: [">=2.0.0", "<3.0.0"]\n`);
    const r = await kiln(['parse'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/KLN110[\s\S]*--no-version-check/);
    expect((await kiln(['--no-version-check', 'parse'], dir)).code).toBe(0);
    process.env.DBT_VERSION_CHECK = 'false';
    expect((await kiln(['parse'], dir)).code).toBe(0);
    delete process.env.DBT_VERSION_CHECK;
    const fine = project({}, `${PROJECT}require-dbt-version: ">=1.5.0,<2.0.0"\n`);
    expect((await kiln(['parse', '--version-check'], fine)).code).toBe(0);
    // checked against the dbt kiln follows (1.11.16)
    const pinned = project({}, `${PROJECT}require-dbt-version: [">=1.11.0", "<1.12.0"]\n`);
    expect((await kiln(['parse'], pinned)).code).toBe(0);
    const older = project({}, `${PROJECT}require-dbt-version: "<1.11.0"\n`);
    expect((await kiln(['parse'], older)).output).toMatch(/KLN110.*kiln follows dbt 1\.11\.16/);
  });

  it('--log-path (and DBT_LOG_PATH) writes dbt.log there, every line whatever the console shows; none without it', async () => {
    const dir = project();
    expect((await kiln(['-q', 'build', '--log-path', 'ci-logs'], dir)).output).toBe('');
    const log = fs.readFileSync(path.join(dir, 'ci-logs', 'dbt.log'), 'utf8');
    expect(log).toMatch(/\| kiln build =+\n/);
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \[info \]: Done\. PASS=4 WARN=1/m);
    expect(log).not.toMatch(/\x1b\[/);
    process.env.DBT_LOG_PATH = 'env-logs';
    expect((await kiln(['parse', '--log-format-file', 'json'], dir)).code).toBe(0);
    const lines = fs.readFileSync(path.join(dir, 'env-logs', 'dbt.log'), 'utf8').trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1]).msg).toMatch(/^Parsed in/);
    delete process.env.DBT_LOG_PATH;
    expect((await kiln(['parse'], dir)).code).toBe(0);
    expect(exists(dir, 'logs')).toBe(false);
  });

  it('accept the flags kiln has nothing to switch for', async () => {
    const r = await kiln(['build', '--send-anonymous-usage-stats', '--printer-width', '120', '--no-populate-cache', '--static-parser', '--no-introspect', '--partial-parse', '--log-path', 'logs', '--log-level-file', 'debug', '--log-format-file', 'json', '--cache-selected-only'], project());
    expect(r.code, r.output).toBe(0);
    // listed once after the options, not one option line each
    const help = await kiln(['build', '--help'], project());
    expect(help.stdout).toContain('Accepted for dbt and without effect in kiln');
    expect(help.stdout).toContain('--printer-width <n>, --[no-]send-anonymous-usage-stats');
    expect(help.stdout).not.toMatch(/^\s+--no-populate-cache/m);
  });
});
