// The target folder chosen outside dbt_project.yml, as dbt (1.5+) allows and now prefers:
// `--target-path` over DBT_TARGET_PATH over `target-path:` of dbt_project.yml over `target`.
// Every artifact goes there, the warm compile finds its record there, discovery never reads it
// as project files (even when it lies under a model folder and is given as an absolute path),
// and clean and retry use it.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

function project(extra: Record<string, string> = {}): string {
  return testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'models/a.sql': 'select 1 as id\n',
    'models/b.sql': "select id from {{ ref('a') }}\n",
    'models/schema.yml': 'version: 2\nmodels:\n  - name: b\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
    ...extra,
  });
}

function withProfile(dir: string): string {
  fs.writeFileSync(path.join(dir, 'profiles.yml'), `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ${JSON.stringify(path.join(dir, 'db.duckdb'))}\n`);
  return dir;
}

const savedEnv = process.env.DBT_TARGET_PATH;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.DBT_TARGET_PATH;
  else process.env.DBT_TARGET_PATH = savedEnv;
});

describe('--target-path and DBT_TARGET_PATH', () => {
  it('put every artifact of a build in the folder given, and none in target/', async () => {
    const dir = withProfile(project());
    const r = await kiln(['build', '--target-path', 'ci-out'], dir);
    expect(r.code, r.output).toBe(0);
    for (const f of ['manifest.json', 'run_results.json', 'compiled/p/models/b.sql', 'run/p/models/b.sql']) expect(fs.existsSync(path.join(dir, 'ci-out', f)), f).toBe(true);
    expect(fs.existsSync(path.join(dir, 'target'))).toBe(false);
  });

  it('take the order dbt gives them: the flag, then the environment, then dbt_project.yml', async () => {
    const dir = withProfile(project());
    fs.writeFileSync(path.join(dir, 'dbt_project.yml'), 'name: p\nprofile: p\ntarget-path: from-project\n');
    expect((await kiln(['parse'], dir)).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'from-project', 'manifest.json'))).toBe(true);
    process.env.DBT_TARGET_PATH = 'from-env';
    expect((await kiln(['parse'], dir)).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'from-env', 'manifest.json'))).toBe(true);
    expect((await kiln(['parse', '--target-path', 'from-flag'], dir)).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'from-flag', 'manifest.json'))).toBe(true);
  });

  it('keep the warm compile: a second compile into the same folder reuses the first', async () => {
    const dir = withProfile(project());
    // Files written within the record's clock tick are taken as possibly changed: let them settle.
    await new Promise((r) => setTimeout(r, 150));
    const first = await kiln(['compile', '--target-path', 'out'], dir);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('into out/compiled');
    const second = await kiln(['compile', '--target-path', 'out', '--log-format', 'json'], dir);
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain('"reuse":"all"');
  });

  it('never read an absolute target under a model folder as models', async () => {
    const dir = withProfile(project());
    const out = path.join(dir, 'models', 'generated');
    for (let i = 0; i < 2; i++) {
      const r = await kiln(['compile', '--target-path', out, '--no-partial-parse'], dir);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain('Found 2 models, 1 test');
    }
    expect(fs.existsSync(path.join(out, 'compiled', 'p', 'models', 'a.sql'))).toBe(true);
  });

  it('are where clean and retry look', async () => {
    const dir = withProfile(project({ 'models/c.sql': "select broken syntax here from {{ ref('a') }}\n" }));
    const failed = await kiln(['run', '--target-path', 'out'], dir);
    expect(failed.code).toBe(1);
    fs.writeFileSync(path.join(dir, 'models', 'c.sql'), "select id from {{ ref('a') }}\n");
    const retried = await kiln(['retry', '--target-path', 'out'], dir);
    expect(retried.code, retried.output).toBe(0);
    expect(retried.output).toContain('Retrying 1 node');
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'run_results.json'), 'utf8')) as { results: { unique_id: string; status: string }[] };
    expect(results.results.map((x) => [x.unique_id, x.status])).toEqual([['model.p.c', 'success']]);
    expect((await kiln(['clean', '--target-path', 'out'], dir)).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });
});
