// dist/'s one-file CLI (bin/build.js) run through bin/bundle-loader.js: it behaves as the module
// files do, finds what lies beside its modules in dist/, and its V8 code cache is written by
// the first run and used by the next.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE } from '../../bin/entry.js';
import { repoRoot } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';
import { copyTemplate } from '../../core/cli/commands/init.js';

interface BundleRun {
  readonly cacheUsed: boolean;
  readonly code: number;
  readonly output: string;
  /** Whether the process loaded node:child_process (only `kiln deps` and `docs serve` need it). */
  readonly childProcess: boolean;
  /** Whether it loaded the `tar` package (only `kiln deps` needs it). */
  readonly tar: boolean;
  /** Whether it loaded the `undici` package (only `kiln deps` through a proxy needs it). */
  readonly undici: boolean;
}

/** Runs `kiln <args>` in `cwd` through the bundle in `out`; what the process printed of itself. */
function runBundle(out: string, args: readonly string[], cwd: string, cacheKey = 'test', env: Record<string, string> = {}): BundleRun {
  const script = `
    const { loadBundle } = await import(${JSON.stringify(pathToFileURL(path.join(repoRoot, 'bin', 'bundle-loader.js')).href)});
    const loaded = loadBundle(${JSON.stringify(path.join(out, BUNDLE))}, 'b1', ${JSON.stringify(cacheKey)});
    let output = '';
    const io = { stdout: (t) => void (output += t), stderr: (t) => void (output += t), cwd: process.cwd(), isTTY: false, onInterrupt: () => () => {} };
    const code = await loaded.exports.main(${JSON.stringify(args)}, io);
    loaded.saveCache();
    const childProcess = process.moduleLoadList.includes('NativeModule child_process');
    const { createRequire } = await import('node:module');
    const loadedFiles = Object.keys(createRequire(import.meta.url).cache);
    const tar = loadedFiles.some((k) => /[\\\\/]node_modules[\\\\/]tar[\\\\/]/.test(k));
    const undici = loadedFiles.some((k) => /[\\\\/]node_modules[\\\\/]undici[\\\\/]/.test(k));
    console.log(JSON.stringify({ cacheUsed: loaded.cacheUsed, code, output, childProcess, tar, undici }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as BundleRun;
}

describe('the one-file CLI', () => {
  const out = path.join(repoRoot, '.kiln-tmp', `dist-bundle-test-${process.pid}`);
  beforeAll(() => {
    const built = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'build.js'), '--out', out], { encoding: 'utf8' });
    expect(built.stderr).toBe('');
  }, 120_000);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('builds a project as the module files do, with a code cache from its second run on', async () => {
    const bundle = fs.readFileSync(path.join(out, BUNDLE), 'utf8');
    // esbuild turns an `import.meta` it cannot keep into an empty object: every module's URL must have been given
    expect(bundle).not.toMatch(/import_meta\d* = \{\}/);
    // the DuckDB driver's JavaScript is in the bundle (and in its code cache); only its native part is required from node_modules
    expect(bundle).not.toMatch(/"@duckdb\/node-api"\)/);
    expect(bundle).toMatch(/require\("@duckdb\/node-bindings"\)/);
    // sql-formatter's dialects load on first use (each expands its keyword lists when loaded)
    expect(bundle).toMatch(/"db2i": \{ enumerable: true, get: /);
    // no import() left to run: the bundle runs in a vm.Script, which refuses it ("A dynamic import
    // callback was not specified"); what is outside the bundle is loaded with require()
    expect(bundle).not.toMatch(/\bimport\("/);
    // tar (package archives) stays outside: only kiln deps requires it
    expect(bundle).toMatch(/require\("tar"\)/);
    // undici (downloads through a proxy) too: required by kiln deps only when a proxy is set
    expect(bundle).not.toMatch(/Http1ProxyWrapper|EnvHttpProxyAgent/);
    // ASCII, which bin/bundle-loader.js reads as Latin-1
    expect(/[^\x00-\x7f]/.test(bundle)).toBe(false);

    const dir = testdir({});
    copyTemplate(dir);
    const compiledFile = path.join(dir, 'target', 'compiled', 'shop', 'models', 'marts', 'orders.sql');
    const first = runBundle(out, ['compile'], dir);
    expect(first.code, first.output).toBe(0);
    expect(first.cacheUsed).toBe(false);
    expect(first.childProcess).toBe(false);
    expect(first.tar).toBe(false);
    expect(first.undici).toBe(false);
    expect(fs.readdirSync(path.dirname(path.join(out, BUNDLE))).filter((f) => f.endsWith('.b1.test.v8cache'))).toHaveLength(1);
    const compiled = fs.readFileSync(compiledFile, 'utf8');

    // the module files of the same build: the same SQL
    fs.rmSync(path.join(dir, 'target', 'compiled'), { recursive: true });
    const { main } = (await import(pathToFileURL(path.join(out, 'core', 'cli', 'main.js')).href)) as { main: (argv: string[], io: object) => Promise<number> };
    let output = '';
    const io = { stdout: (t: string) => void (output += t), stderr: (t: string) => void (output += t), cwd: dir, isTTY: false, onInterrupt: () => () => undefined };
    expect(await main(['compile'], io), output).toBe(0);
    expect(fs.readFileSync(compiledFile, 'utf8')).toBe(compiled);

    // kiln deps finds tar beside the bundle
    fs.mkdirSync(path.join(dir, 'shared'));
    fs.writeFileSync(path.join(dir, 'shared', 'dbt_project.yml'), 'name: shared\n');
    fs.writeFileSync(path.join(dir, 'packages.yml'), 'packages:\n  - local: shared\n');
    const deps = runBundle(out, ['deps'], dir, 'deps');
    expect(deps.code, deps.output).toBe(0);
    expect(deps.tar).toBe(true);
    expect(deps.undici).toBe(false);

    // through a proxy, undici is found beside the bundle (a port nothing listens on: the proxy is named in the error)
    fs.writeFileSync(path.join(dir, 'packages.yml'), 'packages:\n  - package: acme/utils\n    version: "1.0.0"\n');
    const proxied = runBundle(out, ['deps'], dir, 'deps', { HTTP_PROXY: 'http://kiln:hunter22@127.0.0.1:9', http_proxy: '', no_proxy: '', DBT_PACKAGE_HUB_URL: 'http://hub.kiln-test.invalid/' });
    expect(proxied.code).toBe(2);
    expect(proxied.undici).toBe(true);
    expect(proxied.output).toContain('through the proxy http://kiln:***@127.0.0.1:9: connection refused');
    expect(proxied.output).not.toContain('hunter22');
    fs.rmSync(path.join(dir, 'packages.yml'));
    fs.rmSync(path.join(dir, 'dbt_packages'), { recursive: true });

    // the seeds' reading is remembered under the same code fingerprint whichever runs
    const second = runBundle(out, ['seed'], dir);
    expect(second.code, second.output).toBe(0);
    expect(second.cacheUsed).toBe(true);
    const inference = fs.readFileSync(path.join(dir, 'target', 'seed-inference.json'), 'utf8');
    expect(await main(['seed'], io), output).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'target', 'seed-inference.json'), 'utf8')).toBe(inference);
  }, 120_000);

  it('runs without a cache V8 rejects, and keeps one in the user cache folder where dist/ cannot take it', () => {
    const dir = testdir({});
    copyTemplate(dir);
    const cacheFile = `${path.join(out, BUNDLE)}.b1.ls.v8cache`;
    fs.writeFileSync(cacheFile, 'not a V8 code cache');
    const rejected = runBundle(out, ['ls'], dir, 'ls');
    expect(rejected.code, rejected.output).toBe(0);
    expect(rejected.cacheUsed).toBe(false);
    expect(runBundle(out, ['ls'], dir, 'ls').cacheUsed).toBe(true); // rewritten by the run that rejected it

    // a folder where the cache file would go: dist/ cannot take the cache (as when it is read-only)
    const userCache = testdir({});
    fs.mkdirSync(`${path.join(out, BUNDLE)}.b1.parse.v8cache`);
    const env = { XDG_CACHE_HOME: userCache };
    expect(runBundle(out, ['parse'], dir, 'parse', env).cacheUsed).toBe(false);
    expect(fs.readdirSync(path.join(userCache, 'kiln')).filter((f) => f.endsWith('.b1.parse.v8cache'))).toHaveLength(1);
    const again = runBundle(out, ['parse'], dir, 'parse', env);
    expect(again.code, again.output).toBe(0);
    expect(again.cacheUsed).toBe(true);

    // an earlier build's cache of this bundle is removed when the user folder gets a new one; another bundle's stays
    const userDir = path.join(userCache, 'kiln');
    const current = fs.readdirSync(userDir).find((f) => f.endsWith('.b1.parse.v8cache'))!;
    const olderBuild = current.replace('.b1.parse.', '.b0.parse.');
    const otherBundle = current.replace(/\.[0-9a-f]{8}\.b1\.parse\./, '.00000000.b0.parse.');
    fs.writeFileSync(path.join(userDir, olderBuild), 'old');
    fs.writeFileSync(path.join(userDir, otherBundle), 'other');
    fs.writeFileSync(path.join(userDir, current), 'not a V8 code cache');
    expect(runBundle(out, ['parse'], dir, 'parse', env).cacheUsed).toBe(false);
    expect(fs.readdirSync(userDir).sort()).toEqual([current, otherBundle].sort());

    // nowhere to keep it: the run ends all the same (Node 20's recursive mkdir loops forever under /proc)
    if (process.platform === 'linux') {
      fs.mkdirSync(`${path.join(out, BUNDLE)}.b1.nowhere.v8cache`);
      const nowhere = runBundle(out, ['ls'], dir, 'nowhere', { XDG_CACHE_HOME: '/proc/kiln-no-such-folder' });
      expect(nowhere.code, nowhere.output).toBe(0);
      expect(nowhere.cacheUsed).toBe(false);
    }
  }, 120_000);
});
