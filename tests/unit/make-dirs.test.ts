// makeDirs: mkdirSync's `recursive` answers without its Node 20 hang (mkdir under /proc looped forever).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { makeDirs } from '../../core/make-dirs.js';
import { ensureTargetDir } from '../../core/cli/fs-errors.js';

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-make-dirs-'));
}

it('makes the missing parents and returns the first folder made, as recursive mkdirSync does', () => {
  const root = scratch();
  const deep = path.join(root, 'a', 'b', 'c');
  expect(makeDirs(deep)).toBe(path.join(root, 'a'));
  expect(fs.statSync(deep).isDirectory()).toBe(true);
  expect(makeDirs(deep)).toBeUndefined();
  expect(makeDirs(path.join(root, 'a', 'b', 'd'))).toBe(path.join(root, 'a', 'b', 'd'));
});

it('refuses a file in the way with the codes recursive mkdirSync gives', () => {
  const root = scratch();
  fs.writeFileSync(path.join(root, 'f'), 'x');
  expect(() => makeDirs(path.join(root, 'f'))).toThrow(expect.objectContaining({ code: 'EEXIST' }));
  expect(() => makeDirs(path.join(root, 'f', 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
});

it.runIf(fs.existsSync('/proc/self'))('fails, rather than hangs, where the file system has no folders to give (/proc)', () => {
  expect(() => makeDirs('/proc/kiln-no-such/x')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  expect(() => ensureTargetDir('/proc/kiln-target', scratch())).toThrow(expect.objectContaining({ code: 'KLN605', message: 'cannot create the folder /proc/kiln-target: this file system does not let kiln make folders there' }));
});

it('is how kiln makes folders: no recursive mkdirSync left in core/ or adapters/', () => {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(e.name) && e.name !== 'make-dirs.js' && /mkdirSync\(.*recursive:\s*true/.test(fs.readFileSync(p, 'utf8'))) offenders.push(path.relative(root, p));
    }
  };
  for (const top of ['core', 'adapters']) walk(path.join(root, top));
  expect(offenders).toEqual([]);
});
