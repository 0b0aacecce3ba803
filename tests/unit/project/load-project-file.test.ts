import { describe, expect, it } from 'vitest';
import { Codes, KilnError, KilnErrors, Problems } from '../../../core/errors.js';
import { configForPath } from '../../../core/project/config-tree.js';
import { loadProjectFile, parseProjectFile } from '../../../core/project/load-project-file.js';
import { testdir } from '../../helpers/testdir.js';
import { envRenderer } from './render-env.js';

function errorsOf(fn: () => unknown): KilnError[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof KilnErrors) return [...e.errors];
    if (e instanceof KilnError) return [e];
    throw e;
  }
  throw new Error('expected an error');
}

describe('parseProjectFile', () => {
  it('applies dbt defaults', () => {
    const p = parseProjectFile('name: jaffle\n', 'dbt_project.yml');
    expect(p).toMatchObject({
      name: 'jaffle',
      profile: 'jaffle',
      modelPaths: ['models'],
      seedPaths: ['seeds'],
      snapshotPaths: ['snapshots'],
      testPaths: ['tests'],
      macroPaths: ['macros'],
      analysisPaths: ['analyses'],
      targetPath: 'target',
      cleanTargets: ['target'],
      packagesInstallPath: 'dbt_packages',
      vars: {},
      models: {},
      onRunStart: [],
      onRunEnd: [],
      file: 'dbt_project.yml',
    });
    expect(p.docsPaths).toEqual(['models', 'seeds', 'tests', 'analyses', 'macros', 'snapshots']);
  });

  it('reads a full project file', () => {
    const p = parseProjectFile(
      [
        'name: "shop"',
        'version: 1.0',
        'config-version: 2',
        'profile: warehouse',
        'model-paths: [src]',
        'seed-paths: ["data"]',
        'target-path: out',
        'clean-targets: [out, dbt_packages]',
        'require-dbt-version: ">=1.5.0"',
        'on-run-start: "create schema if not exists x"',
        'on-run-end:',
        '  - "grant usage on schema {{ target.schema }} to r"',
        'dispatch:',
        '  - macro_namespace: dbt_utils',
        '    search_order: [shop, dbt_utils]',
        'vars:',
        '  start: 2024-01-01',
        '  dbt_utils: {x: 1}',
        'flags: {send_anonymous_usage_stats: false}',
        'query-comment: null',
        'models:',
        '  shop:',
        '    +materialized: table',
        'tests:',
        '  +severity: warn',
      ].join('\n'),
      'dbt_project.yml',
    );
    expect(p.version).toBe('1.0');
    expect(p.profile).toBe('warehouse');
    expect(p.modelPaths).toEqual(['src']);
    expect(p.docsPaths).toContain('src');
    expect(p.targetPath).toBe('out');
    expect(p.cleanTargets).toEqual(['out', 'dbt_packages']);
    expect(p.requireDbtVersion).toEqual(['>=1.5.0']);
    expect(p.onRunStart).toEqual(['create schema if not exists x']);
    expect(p.onRunEnd).toEqual(['grant usage on schema {{ target.schema }} to r']);
    expect(p.dispatch).toEqual([{ macro_namespace: 'dbt_utils', search_order: ['shop', 'dbt_utils'] }]);
    expect(p.vars).toEqual({ start: '2024-01-01', dbt_utils: { x: 1 } });
    expect(p.dataTests).toEqual({ '+severity': 'warn' });
    expect(p.models).toEqual({ shop: { '+materialized': 'table' } });
  });

  it('normalizes config trees to +keys', () => {
    const p = parseProjectFile(
      'name: p\nmodels:\n  p:\n    materialized: view\n    tags: a\n    staging:\n      +post-hook: "select 1"\n      +enabled: "{{ env_var(\'ON\', \'false\') }}"\n',
      'dbt_project.yml',
      { render: envRenderer({}) },
    );
    expect(p.models).toEqual({ p: { '+materialized': 'view', '+tags': ['a'], staging: { '+post_hook': ['select 1'], '+enabled': false } } });
    expect(configForPath(p.models, ['p', 'staging', 'm'])).toEqual({ materialized: 'view', tags: ['a'], post_hook: ['select 1'], enabled: false });
  });

  it('renders values but not hooks or vars', () => {
    const render = envRenderer({ SCHEMA: 'analytics' });
    const p = parseProjectFile(
      [
        'name: p',
        'vars:',
        '  v: "{{ env_var(\'NOPE\') }}"',
        'on-run-end: "{{ env_var(\'NOPE\') }}"',
        'models:',
        '  +pre-hook: "{{ env_var(\'NOPE\') }}"',
        '  p:',
        '    +schema: "{{ env_var(\'SCHEMA\') }}"',
      ].join('\n'),
      'dbt_project.yml',
      { render },
    );
    expect(p.models).toMatchObject({ '+pre_hook': ["{{ env_var('NOPE') }}"], p: { '+schema': 'analytics' } });
    expect(p.vars).toEqual({ v: "{{ env_var('NOPE') }}" });
    expect(render.calls).toEqual(["{{ env_var('SCHEMA') }}"]);
  });

  it('reports a render failure at the value', () => {
    const [e] = errorsOf(() => parseProjectFile('name: p\nmodels:\n  p:\n    +schema: "{{ env_var(\'MISSING\') }}"\n', 'dbt_project.yml', { render: envRenderer({}) }));
    expect(e!.code).toBe(Codes.ENV_VAR_UNSET);
    expect(e!.loc).toMatchObject({ file: 'dbt_project.yml', line: 4 });
  });

  it('requires a name that is an identifier', () => {
    const [missing] = errorsOf(() => parseProjectFile('profile: x\n', 'dbt_project.yml'));
    expect(missing!.code).toBe(Codes.CONFIG_INVALID);
    expect(missing!.message).toContain('`name`');
    const [bad] = errorsOf(() => parseProjectFile('version: 1\nname: my-project\n', 'dbt_project.yml'));
    expect(bad!.code).toBe(Codes.CONFIG_INVALID);
    expect(bad!.loc?.line).toBe(2);
    expect(bad!.hint).toContain('my_project');
  });

  it('reports a wrong config type in a tree at its line', () => {
    const errors = errorsOf(() =>
      parseProjectFile('name: p\nmodels:\n  p:\n    staging:\n      +materialized: [table]\n      +enabled: 3\n', 'dbt_project.yml'),
    );
    expect(errors.map((e) => [e.code, e.loc?.file, e.loc?.line, e.message])).toEqual([
      [Codes.CONFIG_INVALID, 'dbt_project.yml', 5, '`+materialized` must be a string, got a list'],
      [Codes.CONFIG_INVALID, 'dbt_project.yml', 6, '`+enabled` must be true or false, got a number (3)'],
    ]);
  });

  it('reports wrong top-level types naming key, line and type', () => {
    const [e] = errorsOf(() => parseProjectFile('name: p\nmodel-paths: {a: 1}\n', 'dbt_project.yml'));
    expect(e!.message).toBe('`model-paths` must be a list of strings, got a mapping');
    expect(e!.loc?.line).toBe(2);
    const [v] = errorsOf(() => parseProjectFile('name: p\nvars: [a]\n', 'dbt_project.yml'));
    expect(v!.message).toContain('`vars` must be a mapping');
  });

  it('warns about an unknown config key in a tree with a suggestion', () => {
    const problems = new Problems();
    parseProjectFile('name: p\nmodels:\n  p:\n    +materalized: table\n', 'dbt_project.yml', { problems });
    expect(problems.warnings).toHaveLength(1);
    expect(problems.warnings[0]).toMatchObject({ code: Codes.CONFIG_UNKNOWN_KEY, loc: { file: 'dbt_project.yml', line: 4 } });
    expect(problems.warnings[0]!.message).toContain('did you mean `+materialized`');
  });

  it('warns about likely typos of top-level keys only', () => {
    const problems = new Problems();
    parseProjectFile('name: p\nmodel:\n  p: {}\nmy-company-setting: 1\n', 'dbt_project.yml', { problems });
    expect(problems.warnings.map((w) => [w.loc?.line, w.message])).toEqual([[2, 'Unknown key `model` in dbt_project.yml; did you mean `models`?']]);
  });

  it('flags a dict config written without + (dbt reads it as a folder)', () => {
    const problems = new Problems();
    const p = parseProjectFile('name: p\nmodels:\n  p:\n    persist_docs:\n      relation: true\n', 'dbt_project.yml', { problems });
    expect(problems.warnings[0]!.message).toContain('read as a folder');
    expect(problems.warnings[0]!.hint).toContain('+persist_docs');
    expect(configForPath(p.models, ['p', 'm'])).toEqual({});
  });

  it('accepts legacy path names with a warning', () => {
    const problems = new Problems();
    const p = parseProjectFile('name: p\nsource-paths: [src]\ndata-paths: [data]\n', 'dbt_project.yml', { problems });
    expect(p.modelPaths).toEqual(['src']);
    expect(p.seedPaths).toEqual(['data']);
    expect(problems.warnings.map((w) => w.code)).toEqual([Codes.CONFIG_UNKNOWN_KEY, Codes.CONFIG_UNKNOWN_KEY]);
  });

  it('rejects both tests: and data_tests:', () => {
    const [e] = errorsOf(() => parseProjectFile('name: p\ntests:\n  +severity: warn\ndata_tests:\n  +severity: error\n', 'dbt_project.yml'));
    expect(e!.code).toBe(Codes.CONFIG_INVALID);
    expect(e!.loc?.line).toBe(2);
  });

  it('reports malformed YAML with its line', () => {
    const [e] = errorsOf(() => parseProjectFile('name: p\nmodels:\n  p:\n    +materialized: [table\n', 'dbt_project.yml'));
    expect(e!.code).toBe(Codes.YAML_SYNTAX);
    expect(e!.loc?.file).toBe('dbt_project.yml');
    expect(e!.loc?.line).toBeGreaterThanOrEqual(4);
  });

  it('rejects a file that is not a mapping', () => {
    const [e] = errorsOf(() => parseProjectFile('- a\n- b\n', 'dbt_project.yml'));
    expect(e!.code).toBe(Codes.CONFIG_INVALID);
  });
});

describe('loadProjectFile', () => {
  it('reads dbt_project.yml from the folder', () => {
    const dir = testdir({ 'dbt_project.yml': 'name: p\n' });
    expect(loadProjectFile(dir).name).toBe('p');
  });

  it('says how to fix a missing project file', () => {
    const dir = testdir({ 'models/a.sql': 'select 1' });
    const [e] = errorsOf(() => loadProjectFile(dir));
    expect(e!.code).toBe(Codes.PROJECT_NOT_FOUND);
    expect(e!.message).toBe(`No dbt_project.yml found in ${dir}`);
    expect(e!.hint).toContain('--project-dir');
    expect(e!.hint).toContain('kiln init');
  });

  it('points at the right name when the file is called .yaml', () => {
    const dir = testdir({ 'dbt_project.yaml': 'name: p\n' });
    expect(errorsOf(() => loadProjectFile(dir))[0]!.hint).toContain('dbt_project.yml');
  });
});
