// The built CLI (bin/build.js → dist/) runs only when it is as new as every source, and then
// behaves as the sources do.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { distIsFresh, sourceTree, STAMP, writeStamp } from '../../bin/entry.js';
import type { Io } from '../../core/cli/main.js';
import { kiln, repoRoot } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';
import { copyTemplate } from '../../core/cli/commands/init.js';

/** A checkout's files, a minute old; `git`: with its .git (where sources get edited). */
function tree(git = true): string {
  const root = testdir({
    ...(git ? { '.git/HEAD': 'ref: refs/heads/main\n' } : {}),
    'core/cli/main.ts': 'export {};',
    'core/parser/parse.ts': 'export {};',
    'adapters/duckdb/index.ts': 'export {};',
    'tsconfig.json': '{}',
    'package.json': '{}',
    'bin/build.js': '',
  });
  const past = new Date(Date.now() - 60_000);
  const walk = (p: string) => {
    for (const e of fs.readdirSync(p, { withFileTypes: true })) {
      const q = path.join(p, e.name);
      if (e.isDirectory()) walk(q);
      fs.utimesSync(q, past, past);
    }
  };
  walk(root);
  return root;
}

function stamp(root: string, at: number): void {
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
  writeStamp(path.join(root, 'dist'), at, sourceTree(root));
}

describe('choosing between dist/ and the sources', () => {
  it('uses dist/ only after a build that started after the last change', () => {
    const root = tree();
    expect(distIsFresh(root)).toBe(false); // never built
    stamp(root, Date.now() - 30_000);
    expect(distIsFresh(root)).toBe(true);
    fs.writeFileSync(path.join(root, 'dist', STAMP), 'not json');
    expect(distIsFresh(root)).toBe(false); // a failed or partial build
    fs.writeFileSync(path.join(root, 'dist', STAMP), JSON.stringify({ startedAt: Date.now() - 30_000 }));
    expect(distIsFresh(root)).toBe(false); // a stamp without the sources it was built from
  });

  it('trusts the build of an installed copy (no .git) without looking at its sources', () => {
    const root = tree(false);
    stamp(root, Date.now() - 30_000);
    fs.writeFileSync(path.join(root, 'core/parser/parse.ts'), 'export const x = 1;');
    expect(distIsFresh(root)).toBe(true);
    fs.rmSync(path.join(root, 'dist', STAMP));
    expect(distIsFresh(root)).toBe(false);
  });

  it.each([
    ['an edited source', (root: string) => fs.writeFileSync(path.join(root, 'core/parser/parse.ts'), 'export const x = 1;')],
    ['a new source file', (root: string) => fs.writeFileSync(path.join(root, 'adapters/duckdb/extra.ts'), '')],
    ['a new source folder', (root: string) => fs.mkdirSync(path.join(root, 'core/extra'))],
    ['a deleted source file', (root: string) => fs.rmSync(path.join(root, 'core/parser/parse.ts'))],
    ['a changed tsconfig.json', (root: string) => fs.writeFileSync(path.join(root, 'tsconfig.json'), '{ }')],
  ])('treats dist/ as stale after %s', (_what, change) => {
    const root = tree();
    stamp(root, Date.now() - 30_000);
    change(root);
    expect(distIsFresh(root)).toBe(false);
  });
});

describe('the built CLI', () => {
  const out = path.join(repoRoot, '.kiln-tmp', `dist-test-${process.pid}`);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('compiles a project exactly as the sources do', async () => {
    const built = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'build.js'), '--out', out], { encoding: 'utf8' });
    expect(built.stderr).toBe('');
    expect(fs.existsSync(path.join(out, STAMP))).toBe(true);
    const { main } = (await import(pathToFileURL(path.join(out, 'core', 'cli', 'main.js')).href)) as { main: (argv: string[], io: Io) => Promise<number> };

    const dir = testdir({});
    copyTemplate(dir);
    let output = '';
    const io: Io = { stdout: (t) => void (output += t), stderr: (t) => void (output += t), cwd: dir, isTTY: false, onInterrupt: () => () => undefined };
    expect(await main(['compile'], io), output).toBe(0);
    const fromDist = fs.readFileSync(path.join(dir, 'target', 'compiled', 'shop', 'models', 'marts', 'orders.sql'), 'utf8');
    fs.rmSync(path.join(dir, 'target'), { recursive: true });
    const fromSource = await kiln(['compile'], dir);
    expect(fromSource.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'target', 'compiled', 'shop', 'models', 'marts', 'orders.sql'), 'utf8')).toBe(fromDist);
  }, 60_000);
});
