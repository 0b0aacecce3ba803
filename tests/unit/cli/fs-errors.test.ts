// A file-system failure of the machine (full disk, read-only, no permission) becomes KLN605 naming
// the path relative to the project; anything else stays what it was (a kiln bug is still one).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { fileSystemError } from '../../../core/cli/fs-errors.js';

function errno(code: string, syscall: string, file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${file}'`), { code, syscall, path: file });
}

it('names the path, the cause and a way out', () => {
  const project = path.join(os.tmpdir(), 'proj');
  const full = fileSystemError(errno('ENOSPC', 'write', path.join(project, 'target/manifest.json')), project);
  expect(full?.code).toBe('KLN605');
  expect(full?.message).toBe('cannot write target/manifest.json: the disk is full');
  expect(full?.loc?.file).toBe('target/manifest.json');
  expect(full?.hint).toMatch(/kiln clean/);
  const ro = fileSystemError(errno('EROFS', 'open', '/elsewhere/target/x.sql'), project);
  expect(ro?.message).toBe('cannot open /elsewhere/target/x.sql: the file system is read-only');
});

it('points at the file standing where a folder should be', () => {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-fs-'));
  fs.mkdirSync(path.join(project, 'target'));
  fs.writeFileSync(path.join(project, 'target', 'compiled'), 'x');
  const e = fileSystemError(errno('ENOTDIR', 'mkdir', path.join(project, 'target/compiled/p/models')), project);
  expect(e?.message).toBe('cannot create the folder target/compiled/p/models: a part of the path is a file, not a folder (target/compiled is a file)');
  expect(e?.loc?.file).toBe('target/compiled');
  fs.rmSync(project, { recursive: true });
});

it('leaves other errors alone', () => {
  expect(fileSystemError(errno('ENOENT', 'open', '/x/y'), '/x')).toBeNull();
  expect(fileSystemError(new TypeError('x is undefined'), '/x')).toBeNull();
  expect(fileSystemError('EACCES', '/x')).toBeNull();
});
