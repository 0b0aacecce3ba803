import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Codes, KilnError, KilnErrors, Problems } from '../../../core/errors.js';
import { listFiles, normalizeRoot } from '../../../core/project/discover.js';
import { loadProject, parseCliVars } from '../../../core/project/load-project.js';
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

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

describe('loadProject', () => {
  it('classifies every resource file', () => {
    const dir = testdir({
      'dbt_project.yml': 'name: shop\n',
      'models/a.sql': 'select 1',
      'models/staging/b.sql': 'select 2',
      'models/schema.yml': 'models: []',
      'models/docs.md': '{% docs x %}x{% enddocs %}',
      'models/notes.txt': 'ignored',
      'seeds/countries.csv': 'id,name\n1,a\n',
      'seeds/props.yaml': 'seeds: []',
      'snapshots/snap.sql': '{% snapshot s %}select 1{% endsnapshot %}',
      'tests/assert_x.sql': 'select 1 where false',
      'tests/generic/is_even.sql': '{% test is_even(model, column_name) %}select 1{% endtest %}',
      'tests/tests.yml': 'data_tests: []',
      'macros/m.sql': '{% macro m() %}{% endmacro %}',
      'macros/m.yml': 'macros: []',
      'analyses/an.sql': 'select 1',
      'README.md': 'not under a docs path',
    });
    const p = loadProject({ projectDir: dir });
    // order: by resource path type (models, seeds, snapshots, tests, macros, analyses, docs), then path
    expect(p.files.map((f) => [f.kind, f.path, f.root])).toEqual([
      ['model', 'models/a.sql', 'models'],
      ['properties', 'models/schema.yml', 'models'],
      ['model', 'models/staging/b.sql', 'models'],
      ['seed', 'seeds/countries.csv', 'seeds'],
      ['properties', 'seeds/props.yaml', 'seeds'],
      ['snapshot', 'snapshots/snap.sql', 'snapshots'],
      ['test', 'tests/assert_x.sql', 'tests'],
      ['macro', 'tests/generic/is_even.sql', 'tests'],
      ['properties', 'tests/tests.yml', 'tests'],
      ['macro', 'macros/m.sql', 'macros'],
      ['properties', 'macros/m.yml', 'macros'],
      ['analysis', 'analyses/an.sql', 'analyses'],
      ['doc', 'models/docs.md', 'models'],
    ]);
    const a = p.files.find((f) => f.path === 'models/a.sql')!;
    expect(a.contents).toBe('select 1');
    expect(a.checksum).toBe(sha('select 1'));
    expect(a.absPath).toBe(path.join(dir, 'models/a.sql'));
    // seeds are hashed, not kept as text (the seed loader reads them itself)
    const seed = p.files.find((f) => f.kind === 'seed')!;
    expect(seed.contents).toBe('');
    expect(seed.checksum).toBe(sha('id,name\n1,a\n'));
    expect(p.cliVars).toEqual({});
    expect(p.root).toBe(dir);
  });

  it('stamps a seed over dbt\'s 1 MiB limit instead of reading it (dbt records its path), and hashes one at the limit', () => {
    const atLimit = `id\n${'1\n'.repeat((1024 * 1024 - 3) / 2)}`;
    expect(Buffer.byteLength(atLimit)).toBe(1024 * 1024 - 1);
    const dir = testdir({ 'dbt_project.yml': 'name: shop\n', 'seeds/small.csv': `${atLimit}\n`, 'seeds/big.csv': `${atLimit}\n1\n` });
    const files = loadProject({ projectDir: dir }).files;
    const small = files.find((f) => f.path === 'seeds/small.csv')!;
    const big = files.find((f) => f.path === 'seeds/big.csv')!;
    expect(small.checksum).toBe(sha(`${atLimit}\n`));
    const st = fs.statSync(path.join(dir, 'seeds/big.csv'));
    expect(st.size).toBe(1024 * 1024 + 2);
    expect(big.checksum).toBe(`stat:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.dev}:${st.ino}`);
    expect(big.contents).toBe('');
    // Written again (same size, other bytes): another stamp.
    fs.writeFileSync(path.join(dir, 'seeds/big.csv'), `${atLimit}\n2\n`);
    fs.utimesSync(path.join(dir, 'seeds/big.csv'), new Date(2000, 1, 1), new Date(2000, 1, 1));
    expect(loadProject({ projectDir: dir }).files.find((f) => f.path === 'seeds/big.csv')!.checksum).not.toBe(big.checksum);
  });

  it('follows configured paths and skips dot-folders, node_modules, target and packages', () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nmodel-paths: ["./src/", "more"]\ntarget-path: build\ndocs-paths: [docs]\n',
      'src/a.sql': 'select 1',
      'src/.hidden/b.sql': 'select 1',
      'src/node_modules/c.sql': 'select 1',
      'src/.d.sql': 'select 1',
      'more/e.sql': 'select 1',
      'models/ignored.sql': 'select 1',
      'docs/overview.md': 'x',
      'src/not-docs.md': 'x',
    });
    const p = loadProject({ projectDir: dir });
    expect(p.files.map((f) => [f.kind, f.path, f.root])).toEqual([
      ['model', 'src/a.sql', 'src'],
      ['model', 'more/e.sql', 'more'],
      ['doc', 'docs/overview.md', 'docs'],
    ]);
  });

  it('does not walk into the target path or dbt_packages when a path is the project root', () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nmodel-paths: ["."]\n',
      'a.sql': 'select 1',
      'target/compiled/a.sql': 'select 1',
      'dbt_packages/x/models/b.sql': 'select 1',
      'profiles.yml': 'p: {}',
    });
    const p = loadProject({ projectDir: dir });
    expect(p.files.map((f) => [f.kind, f.path, f.root])).toEqual([['model', 'a.sql', '.']]);
  });

  it('warns about Python models', () => {
    const dir = testdir({ 'dbt_project.yml': 'name: p\n', 'models/a.py': 'def model(dbt, s): pass', 'models/b.sql': 'select 1' });
    const problems = new Problems();
    const p = loadProject({ projectDir: dir, problems });
    expect(p.files.map((f) => f.path)).toEqual(['models/b.sql']);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]!.message).toContain('models/a.py');
    expect(problems.warnings).toEqual(p.warnings);
  });

  it('strips a UTF-8 BOM from contents but hashes the bytes', () => {
    const dir = testdir({ 'dbt_project.yml': 'name: p\n', 'models/a.sql': '\uFEFFselect 1' });
    const f = loadProject({ projectDir: dir }).files[0]!;
    expect(f.contents).toBe('select 1');
    expect(f.checksum).toBe(sha(Buffer.from('\uFEFFselect 1')));
  });

  it('reports binary and invalid UTF-8 files as FILE_UNREADABLE, all at once', () => {
    const dir = testdir({ 'dbt_project.yml': 'name: p\n', 'models/ok.sql': 'select 1' });
    fs.writeFileSync(path.join(dir, 'models/bin.sql'), Buffer.from([0x73, 0x0a, 0x00, 0x01]));
    fs.writeFileSync(path.join(dir, 'models/latin1.sql'), Buffer.from('select 1\n-- caf\xe9\n', 'latin1'));
    const errors = errorsOf(() => loadProject({ projectDir: dir }));
    expect(errors.map((e) => [e.code, e.loc?.file, e.loc?.line])).toEqual([
      [Codes.FILE_UNREADABLE, 'models/bin.sql', 2],
      [Codes.FILE_UNREADABLE, 'models/latin1.sql', 2],
    ]);
  });

  it('reports a file it may not read', () => {
    const dir = testdir({ 'dbt_project.yml': 'name: p\n', 'models/secret.sql': 'select 1' });
    const secret = path.join(dir, 'models/secret.sql');
    // root reads anything: simulate the permission error
    const real = fs.readFileSync;
    const spy = vi.spyOn(fs, 'readFileSync').mockImplementation(((p: fs.PathOrFileDescriptor, o?: never) => {
      if (p === secret) throw Object.assign(new Error(`EACCES: permission denied, open '${secret}'`), { code: 'EACCES' });
      return real(p, o);
    }) as typeof fs.readFileSync);
    try {
      const [e] = errorsOf(() => loadProject({ projectDir: dir }));
      expect(e).toMatchObject({ code: Codes.FILE_UNREADABLE, loc: { file: 'models/secret.sql' } });
      expect(e!.message).toContain('permission denied');
    } finally {
      spy.mockRestore();
    }
  });

  it('reads --vars as YAML or JSON', () => {
    const dir = testdir({ 'dbt_project.yml': 'name: p\n' });
    expect(loadProject({ projectDir: dir, vars: '{"a": 1, "b": [1, 2]}' }).cliVars).toEqual({ a: 1, b: [1, 2] });
    expect(loadProject({ projectDir: dir, vars: 'start: 2024-01-01\nflag: true' }).cliVars).toEqual({ start: '2024-01-01', flag: true });
    expect(loadProject({ projectDir: dir, vars: '  ' }).cliVars).toEqual({});
  });

  it('renders dbt_project.yml values with the injected renderer', () => {
    const dir = testdir({ 'dbt_project.yml': "name: p\nmodels:\n  p:\n    +schema: \"{{ env_var('S', 'dflt') }}\"\n" });
    expect(loadProject({ projectDir: dir, render: envRenderer({}) }).project.models).toEqual({ p: { '+schema': 'dflt' } });
  });

  it('fails with PROJECT_NOT_FOUND in a folder without a project', () => {
    const [e] = errorsOf(() => loadProject({ projectDir: testdir({}) }));
    expect(e!.code).toBe(Codes.PROJECT_NOT_FOUND);
  });
});

describe('parseCliVars', () => {
  it('rejects invalid --vars with a hint', () => {
    for (const text of ['{a: 1', 'key: value, other: 1', '[1, 2]', 'just-a-string']) {
      const [e] = errorsOf(() => parseCliVars(text));
      expect(e!.code).toBe(Codes.VARS_INVALID);
      expect(e!.message).toMatch(/--vars/);
      expect(e!.hint).toContain(`--vars '{"key": "value"}'`);
    }
  });

  it('rejects duplicate keys', () => {
    expect(errorsOf(() => parseCliVars('{"a": 1, "a": 2}'))[0]!.code).toBe(Codes.VARS_INVALID);
  });
});

describe('discover helpers', () => {
  it('normalizes resource roots', () => {
    expect(normalizeRoot('./models/')).toBe('models');
    expect(normalizeRoot('.')).toBe('.');
    expect(normalizeRoot('./')).toBe('.');
    expect(normalizeRoot('a\\b')).toBe('a/b');
  });

  it('lists files sorted, follows symlinked folders and survives loops', () => {
    const dir = testdir({ 'm/b.sql': '', 'm/a/c.sql': '', 'shared/s.sql': '' });
    fs.symlinkSync(path.join(dir, 'm'), path.join(dir, 'm/a/loop'));
    fs.symlinkSync(path.join(dir, 'shared'), path.join(dir, 'm/linked'));
    expect(listFiles(path.join(dir, 'm'), 'm', () => false)).toEqual(['m/a/c.sql', 'm/b.sql', 'm/linked/s.sql']);
    expect(listFiles(path.join(dir, 'm'), 'm', (rel) => rel === 'm/a')).toEqual(['m/b.sql', 'm/linked/s.sql']);
  });
});

