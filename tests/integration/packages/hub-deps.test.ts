// `kiln deps` over the network, against a hub served on 127.0.0.1 (DBT_PACKAGE_HUB_URL) and
// git repositories reached by file:// URLs: hub version ranges (the project's and those of the
// packages depending on each other), tarballs, remote git at a tag or a commit, package-lock.yml
// followed while it matches and --upgrade, --add-package, and every failure as a KLN error.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { closedPort, tarGz, TestHub } from '../../helpers/package-hub.js';
import { testdir } from '../../helpers/testdir.js';
import { yamlLib } from '../../../core/yaml-lib.js';

const PROFILE = 'app:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: app.duckdb, schema: main}\n';
const app = (packagesYml: string, model = 'select 1 as id') => ({
  'app/dbt_project.yml': 'name: app\nprofile: app\n',
  'app/profiles.yml': PROFILE,
  'app/packages.yml': packagesYml,
  'app/models/m.sql': model,
});
const macro = (name: string, v: string) => ({ [`macros/${name}.sql`]: `{% macro ${name}_version() %}'${name} ${v}'{% endmacro %}` });
const utilsRelease = (v: string) => ({ files: macro('utils', v) });
const lockOf = (dir: string) => yamlLib().parse(fs.readFileSync(path.join(dir, 'package-lock.yml'), 'utf8')) as { packages: Record<string, unknown>[]; sha1_hash: string };
const noStack = (out: string) => expect(out).not.toMatch(/\n\s+at .+:\d+:\d+/);

let hub: TestHub;
beforeAll(async () => {
  hub = await new TestHub().start();
  for (const v of ['0.9.0', '1.0.0', '1.2.0', '1.2.5-b1', '1.3.0', '2.0.0']) hub.publish('acme/utils', v, utilsRelease(v));
  hub.publish('acme/tools', '0.2.0', { files: macro('tools', '0.2.0'), packages: [{ package: 'acme/utils', version: '>=1.0.0' }] });
  hub.publish('acme/tools', '0.3.0', { files: macro('tools', '0.3.0'), packages: [{ package: 'acme/utils', version: ['>=1.1.0', '<1.3.0'] }] });
});
afterAll(() => hub.close());
afterEach(() => {
  delete process.env.DBT_PACKAGE_HUB_URL;
  delete process.env.KILN_DEPS_TIMEOUT;
  hub.requests.length = 0;
  hub.routes.clear();
});

describe('kiln deps from the hub', () => {
  it('picks the newest version every range allows (transitive ranges too), installs it, and compile uses its macros', async () => {
    process.env.DBT_PACKAGE_HUB_URL = hub.url;
    const root = testdir(app('packages:\n  - package: acme/utils\n    version: [">=1.0.0", "<2.0.0"]\n  - package: acme/tools\n    version: ">=0.2.0"\n', 'select {{ utils_version() }} as u, {{ tools_version() }} as t'));
    const dir = path.join(root, 'app');
    const r = await kiln(['deps'], dir);
    expect(r.code, r.output).toBe(0);
    // utils: <2.0.0 (project) and <1.3.0 (tools 0.3.0) → 1.2.0; the prerelease 1.2.5-b1 is not a candidate
    expect(r.stdout).toContain('Installed utils 1.2.0 into dbt_packages/utils: downloaded acme/utils 1.2.0 from the hub');
    expect(r.stdout).toContain('Installed tools 0.3.0 into dbt_packages/tools');
    expect(fs.readFileSync(path.join(dir, 'dbt_packages/utils/dbt_project.yml'), 'utf8')).toContain("version: '1.2.0'");
    // the text dbt-core 1.11.16's deps writes for the same hub (compared byte for byte)
    expect(fs.readFileSync(path.join(dir, 'package-lock.yml'), 'utf8')).toMatch(
      /^packages:\n  - name: utils\n    package: acme\/utils\n    version: 1\.2\.0\n  - name: tools\n    package: acme\/tools\n    version: 0\.3\.0\nsha1_hash: [0-9a-f]{40}\n$/,
    );
    const c = await kiln(['compile'], dir);
    expect(c.code, c.output).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'target/compiled/app/models/m.sql'), 'utf8').replace(/\s+/g, ' ').trim()).toBe("select 'utils 1.2.0' as u, 'tools 0.3.0' as t");
  });

  it('follows package-lock.yml while it matches (no index, no resolution), re-resolves on --upgrade or a changed packages.yml', async () => {
    process.env.DBT_PACKAGE_HUB_URL = hub.url;
    const local = new TestHub();
    await local.start();
    try {
      process.env.DBT_PACKAGE_HUB_URL = local.url;
      local.publish('acme/utils', '1.0.0', utilsRelease('1.0.0'));
      const root = testdir(app('packages:\n  - package: acme/utils\n    version: [">=1.0.0", "<2.0.0"]\n'));
      const dir = path.join(root, 'app');
      expect((await kiln(['deps'], dir)).code).toBe(0);
      expect(lockOf(dir).packages[0].version).toBe('1.0.0');

      // unchanged and installed: nothing is asked of the hub at all
      local.requests.length = 0;
      local.publish('acme/utils', '1.1.0', utilsRelease('1.1.0'));
      const again = await kiln(['deps'], dir);
      expect(again.code, again.output).toBe(0);
      expect(again.stdout).toContain('package-lock.yml matches packages.yml');
      expect(again.stdout).toContain('Installed utils 1.0.0 into dbt_packages/utils: already installed, unchanged');
      expect(local.requests).toEqual([]);

      // a fresh checkout (no dbt_packages/): the locked version, not the newer one, and no index
      fs.rmSync(path.join(dir, 'dbt_packages'), { recursive: true });
      const fresh = await kiln(['deps'], dir);
      expect(fresh.code, fresh.output).toBe(0);
      expect(fresh.stdout).toContain('Installed utils 1.0.0');
      expect(local.count('/api/v1/index.json')).toBe(0);

      const up = await kiln(['deps', '--upgrade'], dir);
      expect(up.code, up.output).toBe(0);
      expect(up.stdout).toContain('Installed utils 1.1.0');
      expect(lockOf(dir).packages[0].version).toBe('1.1.0');

      // --lock with --upgrade: the lock is rewritten, nothing installed
      fs.rmSync(path.join(dir, 'dbt_packages'), { recursive: true });
      local.publish('acme/utils', '1.1.5', utilsRelease('1.1.5'));
      const lockOnly = await kiln(['deps', '--lock', '--upgrade'], dir);
      expect(lockOnly.code, lockOnly.output).toBe(0);
      expect(lockOnly.stdout).toContain('Wrote package-lock.yml: utils 1.1.5 (nothing installed)');
      expect(fs.existsSync(path.join(dir, 'dbt_packages'))).toBe(false);
      expect(lockOf(dir).packages[0].version).toBe('1.1.5');

      // packages.yml changed: its hash no longer matches, so it is resolved again
      fs.writeFileSync(path.join(dir, 'packages.yml'), 'packages:\n  - package: acme/utils\n    version: "1.0.0"\n');
      const changed = await kiln(['deps'], dir);
      expect(changed.code, changed.output).toBe(0);
      expect(changed.stdout).toContain('Installed utils 1.0.0');
      expect(fs.readFileSync(path.join(dir, 'dbt_packages/utils/dbt_project.yml'), 'utf8')).toContain("'1.0.0'");
    } finally {
      await local.close();
    }
  });

  it('keeps a copy dbt deps installed while the lock asks for it, and replaces it when packages.yml changes', async () => {
    process.env.DBT_PACKAGE_HUB_URL = hub.url;
    const root = testdir(app('packages:\n  - package: acme/utils\n    version: "1.0.0"\n'));
    const dir = path.join(root, 'app');
    expect((await kiln(['deps'], dir)).code).toBe(0);
    // as dbt deps leaves it: the lock and the copies, no record of kiln's
    fs.rmSync(path.join(dir, 'dbt_packages/.kiln-deps.json'));
    process.env.DBT_PACKAGE_HUB_URL = `http://127.0.0.1:${await closedPort()}/`;
    const same = await kiln(['deps'], dir);
    expect(same.code, same.output).toBe(0);
    expect(same.stdout).toContain('Installed utils 1.0.0 into dbt_packages/utils: already installed, unchanged');

    fs.rmSync(path.join(dir, 'dbt_packages/.kiln-deps.json'));
    process.env.DBT_PACKAGE_HUB_URL = hub.url;
    fs.writeFileSync(path.join(dir, 'packages.yml'), 'packages:\n  - package: acme/utils\n    version: [">=1.0.0", "<1.3.0"]\n');
    const changed = await kiln(['deps'], dir);
    expect(changed.code, changed.output).toBe(0);
    expect(changed.stdout).toContain('Installed utils 1.2.0 into dbt_packages/utils: downloaded acme/utils 1.2.0 from the hub');
  });

  it("skips versions made for another dbt version, as dbt does, unless --no-version-check", async () => {
    process.env.DBT_PACKAGE_HUB_URL = hub.url;
    hub.publish('acme/modern', '1.0.0', { requireDbtVersion: ['>=1.3.0', '<2.0.0'] });
    hub.publish('acme/modern', '2.0.0', { requireDbtVersion: ['>=2.0.0'] });
    const root = testdir(app('packages:\n  - package: acme/modern\n    version: ">=1.0.0"\n'));
    const dir = path.join(root, 'app');
    const r = await kiln(['deps'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain('Installed modern 1.0.0');
    const any = await kiln(['deps', '--upgrade', '--no-version-check'], dir);
    expect(any.code, any.output).toBe(0);
    expect(any.stdout).toContain('Installed modern 2.0.0');
    fs.writeFileSync(path.join(dir, 'packages.yml'), 'packages:\n  - package: acme/modern\n    version: ">=2.0.0"\n');
    const none = await kiln(['deps'], dir);
    expect(none.code).toBe(2);
    expect(none.output).toMatch(/KLN707\] No version of hub package acme\/modern satisfies '>=2\.0\.0' .*\(and 1 version that requires a dbt other than 1\.11\.\d+\)/);
  });

  it('warns about a hub package that has moved, and installs it', async () => {
    process.env.DBT_PACKAGE_HUB_URL = hub.url;
    hub.publish('oldorg/utils', '1.0.0', utilsRelease('1.0.0'));
    hub.moved.set('oldorg/utils', 'acme/utils');
    const root = testdir(app('packages:\n  - package: oldorg/utils\n    version: "1.0.0"\n'));
    const r = await kiln(['deps'], path.join(root, 'app'));
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/warning\[KLN701\] Hub package oldorg\/utils has moved to acme\/utils/);
    expect(r.stdout).toContain('Installed utils 1.0.0');
  });

  it('installs prereleases only when asked', async () => {
    process.env.DBT_PACKAGE_HUB_URL = hub.url;
    const root = testdir(app('packages:\n  - package: acme/utils\n    version: [">=1.2.1", "<1.3.0"]\n    install_prerelease: true\n'));
    const r = await kiln(['deps'], path.join(root, 'app'));
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain('Installed utils 1.2.5-b1');
  });

  it('installs a tarball URL, stripping the top folder', async () => {
    hub.routes.set('/files/extra.tar.gz', await tarGz({ 'dbt_project.yml': "name: extra_pkg\nversion: '3.1.0'\n", ...macro('extra', '3.1.0') }, 'extra-main'));
    const root = testdir(app(`packages:\n  - tarball: ${hub.url}files/extra.tar.gz\n    name: extra\n`, 'select {{ extra_version() }} as e'));
    const dir = path.join(root, 'app');
    const r = await kiln(['deps'], dir);
    expect(r.code, r.output).toBe(0);
    // under the entry's `name`, as dbt deps installs tarballs (the project inside is extra_pkg)
    expect(r.stdout).toContain(`Installed extra 3.1.0 into dbt_packages/extra: downloaded from ${hub.url}files/extra.tar.gz`);
    expect(fs.existsSync(path.join(dir, 'dbt_packages/extra/macros/extra.sql'))).toBe(true);
    expect(lockOf(dir).packages).toEqual([{ tarball: `${hub.url}files/extra.tar.gz`, name: 'extra' }]);
    expect((await kiln(['compile'], dir)).code).toBe(0);
  });

  it('adds a hub package to packages.yml with --add-package, keeping its comments', async () => {
    process.env.DBT_PACKAGE_HUB_URL = hub.url;
    const root = testdir(app('# our packages\npackages: []\n'));
    const dir = path.join(root, 'app');
    const r = await kiln(['deps', '--add-package', 'acme/utils@1.0.0'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain('Installed utils 1.0.0');
    const text = fs.readFileSync(path.join(dir, 'packages.yml'), 'utf8');
    expect(text).toContain('# our packages');
    expect(yamlLib().parse(text)).toEqual({ packages: [{ package: 'acme/utils', version: '1.0.0' }] });
    const range = await kiln(['deps', '--add-package', 'acme/utils@>=1.0.0,<1.3.0'], dir);
    expect(range.code, range.output).toBe(0);
    expect(yamlLib().parse(fs.readFileSync(path.join(dir, 'packages.yml'), 'utf8'))).toEqual({ packages: [{ package: 'acme/utils', version: ['>=1.0.0', '<1.3.0'] }] });
    expect(range.stdout).toContain('Installed utils 1.2.0');
  });
});

describe('kiln deps from git URLs', () => {
  const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
  const git = (cwd: string, ...args: string[]) => {
    const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: gitEnv });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };

  it('clones a remote-style URL (file://) shallow at a tag, from a subdirectory, and locks the commit; a full sha works too', async () => {
    const root = testdir({ ...app(''), 'work/sub/dbt_project.yml': "name: remote_pkg\nversion: '1.0.0'\n", 'work/sub/macros/r.sql': "{% macro remote_version() %}'v1'{% endmacro %}" });
    const work = path.join(root, 'work');
    git(work, 'init', '-q');
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'v1');
    git(work, 'tag', 'v1.0.0');
    const v1 = git(work, 'rev-parse', 'HEAD');
    fs.writeFileSync(path.join(work, 'sub/dbt_project.yml'), "name: remote_pkg\nversion: '2.0.0'\n");
    git(work, 'commit', '-qam', 'v2');
    git(root, 'clone', '-q', '--bare', work, 'remote.git');
    const url = `file://${path.join(root, 'remote.git')}`;
    const dir = path.join(root, 'app');
    fs.writeFileSync(path.join(dir, 'packages.yml'), `packages:\n  - git: "${url}"\n    revision: v1.0.0\n    subdirectory: sub\n`);
    const r = await kiln(['deps'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain(`Installed remote_pkg 1.0.0 into dbt_packages/remote_pkg: cloned from ${url} at v1.0.0 (${v1.slice(0, 12)})`);
    expect(lockOf(dir).packages).toEqual([{ git: url, revision: v1, subdirectory: 'sub', name: 'remote_pkg' }]);

    fs.writeFileSync(path.join(dir, 'packages.yml'), `packages:\n  - git: "${url}"\n    revision: ${v1}\n    subdirectory: sub\n`);
    const bySha = await kiln(['deps'], dir);
    expect(bySha.code, bySha.output).toBe(0);
    expect(bySha.stdout).toContain('Installed remote_pkg 1.0.0');
    expect(bySha.output).not.toContain('is not pinned');
    // the lock matches and the commit is installed: no clone at all
    const again = await kiln(['deps'], dir);
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toContain('Installed remote_pkg 1.0.0 into dbt_packages/remote_pkg: already installed, unchanged');

    // no revision: the default branch's head, with dbt's warning about it
    fs.writeFileSync(path.join(dir, 'packages.yml'), `packages:\n  - git: "${url}"\n    subdirectory: sub\n`);
    const head = await kiln(['deps'], dir);
    expect(head.code, head.output).toBe(0);
    expect(head.stdout).toContain('Installed remote_pkg 2.0.0');
    expect(head.output).toMatch(/warning\[KLN701\] git package .* is not pinned/);
    expect(lockOf(dir).packages[0].revision).toBe(git(work, 'rev-parse', 'HEAD'));
  });

  it('clones over the git protocol (git daemon): a tag shallow, a full commit fetched alone', async () => {
    const root = testdir({ ...app(''), 'work/dbt_project.yml': "name: daemon_pkg\nversion: '1.0.0'\n" });
    const work = path.join(root, 'work');
    git(work, 'init', '-q');
    git(work, 'add', '.');
    git(work, 'commit', '-qm', 'v1');
    git(work, 'tag', 'v1.0.0');
    const v1 = git(work, 'rev-parse', 'HEAD');
    fs.writeFileSync(path.join(work, 'dbt_project.yml'), "name: daemon_pkg\nversion: '2.0.0'\n");
    git(work, 'commit', '-qam', 'v2');
    git(root, 'clone', '-q', '--bare', work, 'served/pkg.git');
    const port = await closedPort();
    const daemon = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${path.join(root, 'served')}`, '--listen=127.0.0.1', `--port=${port}`, path.join(root, 'served')], { stdio: 'ignore' });
    try {
      const url = `git://127.0.0.1:${port}/pkg.git`;
      for (let i = 0; i < 50 && spawnSync('git', ['ls-remote', url]).status !== 0; i++) await new Promise((r) => setTimeout(r, 100));
      const dir = path.join(root, 'app');
      fs.writeFileSync(path.join(dir, 'packages.yml'), `packages:\n  - git: "${url}"\n    revision: v1.0.0\n`);
      const r = await kiln(['deps'], dir);
      expect(r.code, r.output).toBe(0);
      expect(r.stdout).toContain(`Installed daemon_pkg 1.0.0 into dbt_packages/daemon_pkg: cloned from ${url} at v1.0.0`);
      expect(lockOf(dir).packages[0].revision).toBe(v1);
      fs.writeFileSync(path.join(dir, 'packages.yml'), `packages:\n  - git: "${url}"\n    revision: ${v1}\n`);
      const bySha = await kiln(['deps'], dir);
      expect(bySha.code, bySha.output).toBe(0);
      expect(bySha.stdout).toContain('Installed daemon_pkg 1.0.0');
    } finally {
      daemon.kill();
    }
  });

  it('reports a clone that fails with git\'s own message', async () => {
    const root = testdir(app('packages:\n  - git: "file:///nonexistent/repo.git"\n    revision: v1\n'));
    const r = await kiln(['deps'], path.join(root, 'app'));
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/error\[KLN710\] Cannot clone git package file:\/\/\/nonexistent\/repo\.git.*: .*(does not appear to be a git repository|not found|Could not read)/);
    expect(r.output).toContain('--> packages.yml:2:5');
    noStack(r.output);
  });
});

describe('kiln deps failures', () => {
  const fails = async (packagesYml: string, expected: RegExp, env: Record<string, string> = {}) => {
    process.env.DBT_PACKAGE_HUB_URL = hub.url;
    Object.assign(process.env, env);
    const root = testdir(app(packagesYml));
    const r = await kiln(['deps'], path.join(root, 'app'));
    expect(r.code, r.output).toBe(2);
    expect(r.output).toMatch(expected);
    expect(r.output).toContain('packages.yml:');
    expect(r.output).toContain('hint:');
    noStack(r.output);
    return r;
  };

  it('names both requirements of a version conflict', async () => {
    // the project wants utils <1.0.0; tools 0.3.0 needs >=1.1.0
    await fails('packages:\n  - package: acme/utils\n    version: "<1.0.0"\n  - package: acme/tools\n    version: "0.3.0"\n', /error\[KLN706\] Version conflict for hub package acme\/utils: '>=1\.1\.0' \(acme\/tools 0\.3\.0\) and '<1\.0\.0' \(packages\.yml:2:5\) cannot both hold/);
  });

  it('says no version satisfies, listing what exists', async () => {
    await fails('packages:\n  - package: acme/utils\n    version: ">=5.0.0"\n', /error\[KLN707\] No version of hub package acme\/utils satisfies '>=5\.0\.0' \(packages\.yml:2:5\); the hub has 2\.0\.0, 1\.3\.0, 1\.2\.0/);
  });

  it('says a package does not exist on the hub', async () => {
    await fails('packages:\n  - package: acme/nope\n    version: "1.0.0"\n', /error\[KLN702\] Hub package acme\/nope does not exist on http:\/\/127\.0\.0\.1:\d+\//);
  });

  it('names the URL and status of an HTTP error', async () => {
    await fails(`packages:\n  - tarball: ${'URL'}missing.tar.gz\n    name: m\n`.replace('URL', hub.url), /error\[KLN708\] Cannot download tarball package http:\/\/127\.0\.0\.1:\d+\/missing\.tar\.gz: http:\/\/127\.0\.0\.1:\d+\/missing\.tar\.gz answered HTTP 404/);
  });

  it('tries a hub that answers 5xx three times, then names the URL and status', async () => {
    hub.routes.set('/api/v1/acme/utils.json', 503);
    await fails('packages:\n  - package: acme/utils\n    version: "1.0.0"\n', /error\[KLN708\] Cannot download hub package acme\/utils: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/acme\/utils\.json answered HTTP 503/);
    expect(hub.count('/api/v1/acme/utils.json')).toBe(3);
  });

  it('names the URL of an unreachable hub', async () => {
    const port = await closedPort();
    const r = await fails('packages:\n  - package: acme/utils\n    version: "1.0.0"\n', new RegExp(`error\\[KLN708\\] Cannot download the package hub's index from http://127\\.0\\.0\\.1:${port}/api/v1/index\\.json: connection refused`), { DBT_PACKAGE_HUB_URL: `http://127.0.0.1:${port}` });
    expect(r.output).toContain('DBT_PACKAGE_HUB_URL');
  });

  it('gives up on a server that does not answer, within KILN_DEPS_TIMEOUT', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    try {
      const t0 = Date.now();
      await fails(`packages:\n  - tarball: http://127.0.0.1:${port}/slow.tar.gz\n    name: s\n`, /error\[KLN708\] Cannot download tarball package .*: no answer within the time limit \(0\.3 s\)/, { KILN_DEPS_TIMEOUT: '0.3' });
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('says a tarball URL that is no http(s) URL is one', async () => {
    await fails('packages:\n  - tarball: files/x.tar.gz\n    name: x\n', /error\[KLN708\] Cannot download tarball package files\/x\.tar\.gz: 'files\/x\.tar\.gz' is not an http\(s\) URL/);
  });

  it('refuses a tarball name that would install outside dbt_packages/', async () => {
    hub.routes.set('/files/x.tar.gz', await tarGz({ 'dbt_project.yml': 'name: x\n' }));
    await fails(`packages:\n  - tarball: ${hub.url}files/x.tar.gz\n    name: ../../outside\n`, /error\[KLN701\] Tarball package name '\.\.\/\.\.\/outside' is not a folder name/);
  });

  it('rejects an archive that is not a .tar.gz, or is damaged, or holds no project', async () => {
    hub.routes.set('/bad/html.tar.gz', Buffer.from('<html>moved</html>'));
    const good = await tarGz({ 'dbt_project.yml': 'name: x\n', 'macros/a.sql': 'x'.repeat(5000) });
    hub.routes.set('/bad/truncated.tar.gz', good.subarray(0, Math.floor(good.length / 2)));
    hub.routes.set('/bad/empty.tar.gz', await tarGz({ 'readme.md': 'no project' }));
    await fails(`packages:\n  - tarball: ${hub.url}bad/html.tar.gz\n    name: h\n`, /error\[KLN709\] The archive of tarball package .*html\.tar\.gz is not a gzip-compressed tar archive/);
    await fails(`packages:\n  - tarball: ${hub.url}bad/truncated.tar.gz\n    name: t\n`, /error\[KLN709\] The archive of tarball package .*truncated\.tar\.gz.* cannot be unpacked/);
    await fails(`packages:\n  - tarball: ${hub.url}bad/empty.tar.gz\n    name: e\n`, /error\[KLN709\] The archive of tarball package .*empty\.tar\.gz.* holds no dbt_project\.yml/);
  });
});
