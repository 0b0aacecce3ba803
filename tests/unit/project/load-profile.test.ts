import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Codes, KilnError, KilnErrors } from '../../../core/errors.js';
import { duckdbDatabaseName, findProfilesFile, loadProfile, type LoadProfileOptions } from '../../../core/project/load-profile.js';
import { testdir } from '../../helpers/testdir.js';
import { envRenderer } from './render-env.js';

const PROFILES = `
config:
  send_anonymous_usage_stats: false
shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: data/shop.duckdb
      threads: 4
    pg:
      type: postgres
      host: "{{ env_var('PGHOST', 'localhost') }}"
      port: "{{ env_var('PGPORT', '5432') }}"
      user: kiln
      pass: "{{ env_var('PGPASSWORD') }}"
      dbname: warehouse
      schema: analytics
      keepalives_idle: "0"
      sslmode: disable
      api_token: abc
    mem:
      type: duckdb
      path: ":memory:"
      schema: raw
    broken:
      path: x.duckdb
`;

const noHome = testdir({});

function load(dir: string, over: Partial<LoadProfileOptions> = {}, env: Record<string, string> = {}) {
  return loadProfile({ projectDir: dir, profileName: 'shop', render: envRenderer(env), env, homeDir: noHome, ...over });
}

function errorOf(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KilnErrors) return e.errors[0]!;
    if (e instanceof KilnError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('loadProfile', () => {
  const dir = testdir({ 'profiles.yml': PROFILES });

  it('selects the profile target with defaults (duckdb)', () => {
    const sel = load(dir);
    expect(sel.profileName).toBe('shop');
    expect(sel.file).toBe(path.join(dir, 'profiles.yml'));
    expect(sel.target).toMatchObject({ name: 'dev', type: 'duckdb', schema: 'main', database: 'shop', threads: 4 });
    expect(sel.target.secretFields).toEqual([]);
  });

  it('renders env_var and converts types (postgres)', () => {
    const sel = load(dir, { targetName: 'pg' }, { PGPASSWORD: 's3cret', PGPORT: '6543' });
    const t = sel.target;
    expect(t).toMatchObject({ name: 'pg', type: 'postgres', schema: 'analytics', database: 'warehouse', threads: 1 });
    expect(t.fields).toMatchObject({ host: 'localhost', port: 6543, password: 's3cret', keepalives_idle: 0, sslmode: 'disable', dbname: 'warehouse' });
    expect(t.fields).not.toHaveProperty('pass');
    expect([...t.secretFields].sort()).toEqual(['api_token', 'password']);
  });

  it('names the memory catalog for :memory: duckdb', () => {
    expect(load(dir, { targetName: 'mem' }).target).toMatchObject({ database: 'memory', schema: 'raw' });
    expect(duckdbDatabaseName(undefined)).toBe('memory');
    expect(duckdbDatabaseName('/a/b/dev.db')).toBe('dev');
    expect(duckdbDatabaseName('md:prod')).toBe('prod');
    expect(duckdbDatabaseName('data/my.db.duckdb')).toBe('my');
  });

  it('takes the target from --target, then KILN_TARGET/DBT_TARGET, then the profile', () => {
    expect(load(dir, {}, { DBT_TARGET: 'mem' }).target.name).toBe('mem');
    expect(load(dir, {}, { DBT_TARGET: 'dev', KILN_TARGET: 'mem' }).target.name).toBe('mem');
    expect(load(dir, { targetName: 'dev' }, { DBT_TARGET: 'mem' }).target.name).toBe('dev');
  });

  it('renders the profile target name and defaults to dev', () => {
    const d = testdir({ 'profiles.yml': 'p:\n  target: "{{ env_var(\'T\', \'x\') }}"\n  outputs:\n    x: {type: duckdb}\n' });
    expect(loadProfile({ projectDir: d, profileName: 'p', render: envRenderer({}), env: {}, homeDir: noHome }).target.name).toBe('x');
    const d2 = testdir({ 'profiles.yml': 'p:\n  outputs:\n    dev: {type: duckdb, threads: "2"}\n' });
    expect(loadProfile({ projectDir: d2, profileName: 'p', env: {}, homeDir: noHome }).target).toMatchObject({ name: 'dev', threads: 2 });
  });

  it('honours explicit as_text / as_number filters', () => {
    const d = testdir({
      'profiles.yml': "p:\n  outputs:\n    dev:\n      type: postgres\n      schema: s\n      dbname: d\n      port: \"{{ env_var('P') | as_number }}\"\n      application_name: \"{{ env_var('N') | as_text }}\"\n      keep_open: \"{{ env_var('K') }}\"\n",
    });
    const t = loadProfile({ projectDir: d, profileName: 'p', render: envRenderer({ P: '5433', N: '123', K: 'true' }), env: {}, homeDir: noHome }).target;
    expect(t.fields).toMatchObject({ port: 5433, application_name: '123', keep_open: true });
  });

  it('keeps numeric-looking passwords as written', () => {
    const d = testdir({ 'profiles.yml': 'p:\n  outputs:\n    dev: {type: postgres, schema: s, dbname: d, password: 0123}\n' });
    expect(loadProfile({ projectDir: d, profileName: 'p', env: {}, homeDir: noHome }).target.fields.password).toBe('0123');
  });

  it('reports an unknown profile with the closest name and the file', () => {
    const e = errorOf(() => load(dir, { profileName: 'shopp' }));
    expect(e.code).toBe(Codes.PROFILE_NOT_FOUND);
    expect(e.message).toContain(path.join(dir, 'profiles.yml'));
    expect(e.hint).toContain('did you mean `shop`');
    expect(e.hint).not.toContain('config,');
  });

  it('reports an unknown target with the available ones', () => {
    const e = errorOf(() => load(dir, { targetName: 'prod' }));
    expect(e.code).toBe(Codes.TARGET_NOT_FOUND);
    expect(e.message).toContain('`prod`');
    expect(e.message).toContain('--target');
    expect(e.hint).toContain('dev, pg, mem, broken');
    expect(e.loc?.file).toBe('profiles.yml');
  });

  it('reports an output without type at its line', () => {
    const e = errorOf(() => load(dir, { targetName: 'broken' }));
    expect(e.code).toBe(Codes.CONFIG_INVALID);
    expect(e.loc).toMatchObject({ file: 'profiles.yml', line: 26 });
  });

  it('reports an unset env var at the field', () => {
    const e = errorOf(() => load(dir, { targetName: 'pg' }));
    expect(e.code).toBe(Codes.ENV_VAR_UNSET);
    expect(e.loc).toMatchObject({ file: 'profiles.yml', line: 16 });
  });

  it('requires schema and dbname for postgres, a whole number of threads', () => {
    const d = testdir({ 'profiles.yml': 'p:\n  outputs:\n    dev:\n      type: postgres\n      threads: "many"\n' });
    try {
      loadProfile({ projectDir: d, profileName: 'p', env: {}, homeDir: noHome });
      expect.unreachable();
    } catch (e) {
      const msgs = (e as KilnErrors).errors.map((x) => x.message);
      expect(msgs).toEqual([
        '`threads` must be a number, got a string ("many")',
        'Target `dev` (type postgres) has no `schema`',
        'Target `dev` (type postgres) has no `dbname`',
      ]);
    }
  });
});

describe('finding profiles.yml', () => {
  it('lists every place searched and shows an example', () => {
    const dir = testdir({ 'dbt_project.yml': 'name: p\n' });
    const e = errorOf(() => loadProfile({ projectDir: dir, profileName: 'p', env: { DBT_PROFILES_DIR: '/nowhere' }, homeDir: noHome }));
    expect(e.code).toBe(Codes.PROFILE_NOT_FOUND);
    expect(e.message).toContain(path.join(dir, 'profiles.yml'));
    expect(e.message).toContain('/nowhere/profiles.yml');
    expect(e.message).toContain(path.join(noHome, '.dbt', 'profiles.yml'));
    expect(e.hint).toContain('type: duckdb');
  });

  it('prefers --profiles-dir, then the project, then DBT_PROFILES_DIR, then ~/.dbt', () => {
    const a = testdir({ 'profiles.yml': '' });
    const b = testdir({ 'profiles.yml': '' });
    const home = testdir({ '.dbt/profiles.yml': '' });
    const empty = testdir({});
    expect(findProfilesFile({ projectDir: a, profilesDir: b, env: {}, homeDir: home }).file).toBe(path.join(b, 'profiles.yml'));
    expect(findProfilesFile({ projectDir: a, env: { DBT_PROFILES_DIR: b }, homeDir: home }).file).toBe(path.join(a, 'profiles.yml'));
    expect(findProfilesFile({ projectDir: empty, env: { DBT_PROFILES_DIR: b }, homeDir: home }).file).toBe(path.join(b, 'profiles.yml'));
    expect(findProfilesFile({ projectDir: empty, env: {}, homeDir: home }).file).toBe(path.join(home, '.dbt', 'profiles.yml'));
    const only = findProfilesFile({ projectDir: a, profilesDir: empty, env: {}, homeDir: home });
    expect(only).toEqual({ file: undefined, searched: [path.join(empty, 'profiles.yml')] });
  });
});
