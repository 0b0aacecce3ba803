// `kiln deps` without the network: local packages (and theirs), git repositories on local
// paths, vendored copies of hub/git packages, KILN_PACKAGES_DIR, and the errors for everything
// it cannot install, each with the file, line and what to do. (hub-deps.test.ts: the network.)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { closedPort } from '../../helpers/package-hub.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = 'app:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: app.duckdb, schema: main}\n';
const pkg = (name: string, extra: Record<string, string> = {}) => ({
  [`${name}/dbt_project.yml`]: `name: ${name}\nversion: '1.2.0'\n`,
  [`${name}/macros/${name}.sql`]: `{% macro ${name}_hello() %}'hello from ${name}'{% endmacro %}`,
  ...extra,
});
const app = (packagesYml: string, model = 'select 1 as id') => ({
  'app/dbt_project.yml': 'name: app\nprofile: app\n',
  'app/profiles.yml': PROFILE,
  'app/packages.yml': packagesYml,
  'app/models/m.sql': model,
});

afterEach(() => {
  delete process.env.KILN_PACKAGES_DIR;
  delete process.env.DBT_PACKAGE_HUB_URL;
});

describe('kiln deps', () => {
  it('installs local packages and the packages they depend on, then removes what is no longer needed', async () => {
    const root = testdir({
      ...app('packages:\n  - local: ../alpha\n', "select {{ beta.beta_hello() }} as a, {{ alpha_hello() }} as b"),
      ...pkg('alpha', { 'alpha/packages.yml': 'packages:\n  - local: ../beta\n' }),
      ...pkg('beta'),
    });
    const dir = path.join(root, 'app');
    fs.mkdirSync(path.join(dir, 'dbt_packages/stale_pkg'), { recursive: true });
    const r = await kiln(['deps'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain('Installed alpha 1.2.0');
    expect(r.stdout).toContain('Installed beta 1.2.0');
    expect(r.stdout).toContain('Removed dbt_packages/stale_pkg');
    expect(fs.readdirSync(path.join(dir, 'dbt_packages')).sort()).toEqual(['alpha', 'beta']);
    const run = await kiln(['run'], dir);
    expect(run.code, run.output).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'target/compiled/app/models/m.sql'), 'utf8')).toBe("select 'hello from beta' as a, 'hello from alpha' as b");
  });

  it('says the hub is unreachable and how to vendor a hub package, then uses a vendored copy', async () => {
    const root = testdir(app('packages:\n  - package: acme/acme_utils\n    version: [">=1.0.0", "<2.0.0"]\n'));
    const dir = path.join(root, 'app');
    const port = await closedPort();
    process.env.DBT_PACKAGE_HUB_URL = `http://127.0.0.1:${port}/`;
    const r = await kiln(['deps'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toContain(`error[KLN708] Cannot download the package hub's index from http://127.0.0.1:${port}/api/v1/index.json: connection refused`);
    expect(r.output).toContain('--> packages.yml:2:5');
    expect(r.output).toMatch(/Offline, vendor the package: copy it into dbt_packages\/<name>\/ or a folder named by KILN_PACKAGES_DIR/);

    // vendored into dbt_packages/: kept as it is
    fs.mkdirSync(path.join(dir, 'dbt_packages/acme_utils/macros'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'dbt_packages/acme_utils/dbt_project.yml'), "name: acme_utils\nversion: '1.4.0'\n");
    fs.writeFileSync(path.join(dir, 'dbt_packages/acme_utils/macros/x.sql'), '{% macro acme() %}1{% endmacro %}');
    const ok = await kiln(['deps'], dir);
    expect(ok.code, ok.output).toBe(0);
    expect(ok.stdout).toContain('Installed acme_utils 1.4.0 into dbt_packages/acme_utils: already present (vendored)');
    expect(fs.readFileSync(path.join(dir, 'package-lock.yml'), 'utf8')).toContain('package: acme/acme_utils');
    expect((await kiln(['parse'], dir)).code).toBe(0);
    // still the user's copy once the lock lists it (kiln recorded it as vendored), hub unreachable or not
    const again = await kiln(['deps', '--upgrade'], dir);
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toContain('Installed acme_utils 1.4.0 into dbt_packages/acme_utils: already present (vendored)');
  });

  it('copies git and hub packages from KILN_PACKAGES_DIR and warns about versions out of range', async () => {
    const root = testdir({
      ...app('packages:\n  - git: https://github.com/acme/acme-tools.git\n    revision: v1.2.0\n  - package: acme/acme_utils\n    version: ">=2.0.0"\n'),
      ...pkg('vendor/acme_tools'),
      'vendor/acme_utils/dbt_project.yml': "name: acme_utils\nversion: '1.0.0'\n",
    });
    fs.writeFileSync(path.join(root, 'vendor/acme_tools/dbt_project.yml'), "name: acme_tools\nversion: '1.2.0'\n");
    const dir = path.join(root, 'app');
    process.env.KILN_PACKAGES_DIR = path.join(root, 'vendor');
    const r = await kiln(['deps'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain(`Installed acme_tools 1.2.0 into dbt_packages/acme_tools: copied from ${path.join(root, 'vendor/acme_tools')}`);
    expect(r.output).toContain('The local copy of acme/acme_utils is version 1.0.0, outside the requested >=2.0.0');
    expect(fs.lstatSync(path.join(dir, 'dbt_packages/acme_tools')).isDirectory()).toBe(true);
  });

  it('clones a git repository that is a local path, at the revision asked for', async () => {
    const root = testdir({ ...app('packages:\n  - git: ../repo\n    revision: v1\n'), ...pkg('repo') });
    const repo = path.join(root, 'repo');
    const git = (...args: string[]) => spawnSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    fs.writeFileSync(path.join(repo, 'dbt_project.yml'), "name: repo_pkg\nversion: '1.0.0'\n");
    expect(git('init', '-q').status).toBe(0);
    git('add', '.');
    expect(git('commit', '-qm', 'v1').status).toBe(0);
    git('tag', 'v1');
    fs.writeFileSync(path.join(repo, 'dbt_project.yml'), "name: repo_pkg\nversion: '2.0.0'\n");
    git('commit', '-qam', 'v2');
    const dir = path.join(root, 'app');
    const r = await kiln(['deps'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain('Installed repo_pkg 1.0.0 into dbt_packages/repo_pkg');
    expect(fs.existsSync(path.join(dir, 'dbt_packages/repo_pkg/.git'))).toBe(false);
  });

  it('reports problems with packages.yml and with what it names', async () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['missing folder', app('packages:\n  - local: ../nowhere\n'), /KLN702\] Local package folder \.\.\/nowhere does not exist/],
      ['not a package', { ...app('packages:\n  - local: ../plain\n'), 'plain/readme.md': 'x' }, /KLN702\].*holds no dbt_project\.yml/],
      ['not a list', app('packages: ../alpha\n'), /KLN701\] `packages` in packages\.yml must be a list/],
      ['unknown entry', app('packages:\n  - path: ../alpha\n'), /KLN701\] Package entry 1 in packages\.yml has none of local, git, package, tarball[\s\S]*packages\.yml:2/],
      ['same name as the project', { ...app('packages:\n  - local: ../twin\n'), 'twin/dbt_project.yml': 'name: app\n' }, /KLN705\].*like the project itself/],
    ];
    for (const [label, files, expected] of cases) {
      const root = testdir(files);
      const r = await kiln(['deps'], path.join(root, 'app'));
      expect(r.code, label).toBe(2);
      expect(r.output, label).toMatch(expected);
    }
  });

  it('refuses to parse while packages.yml names packages that are not installed', async () => {
    const root = testdir({ ...app('packages:\n  - local: ../alpha\n'), ...pkg('alpha') });
    const r = await kiln(['run'], path.join(root, 'app'));
    expect(r.code).toBe(2);
    expect(r.output).toContain('error[KLN704] 1 package is listed in packages.yml but not installed: local package ../alpha');
    expect(r.output).toContain('Run `kiln deps` to install them.');
  });
});
