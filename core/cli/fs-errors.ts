// The file system refusing kiln's own files (target/, logs, caches): a folder that is a file, no
// permission, a full or read-only disk. These are the user's machine, not a kiln bug, so they get
// a KilnError (KLN605) naming the path and what to do, instead of "Internal error".
import fs from 'node:fs';
import path from 'node:path';
import { Codes, KilnError } from '../errors.js';
import { makeDirs } from '../make-dirs.js';

const CODE = Codes.FILE_SYSTEM;

/** errno codes that say something about the machine, never about kiln's logic. */
const CAUSES: Readonly<Record<string, { readonly reason: string; readonly hint: string }>> = {
  ENOTDIR: { reason: 'a part of the path is a file, not a folder', hint: 'move or remove that file, or set target-path in dbt_project.yml to another folder' },
  EISDIR: { reason: 'it is a folder, not a file', hint: 'move or remove that folder' },
  EACCES: { reason: 'permission denied', hint: 'check the permissions of the folder, or set target-path in dbt_project.yml to a folder you can write' },
  EPERM: { reason: 'operation not permitted', hint: 'check the permissions of the folder, or set target-path in dbt_project.yml to a folder you can write' },
  EROFS: { reason: 'the file system is read-only', hint: 'set target-path in dbt_project.yml to a folder on a writable disk' },
  ENOSPC: { reason: 'the disk is full', hint: 'free some space (`kiln clean` removes target/) and run again' },
  EDQUOT: { reason: 'the disk quota is used up', hint: 'free some space (`kiln clean` removes target/) and run again' },
};

const NO_FOLDERS_HERE = { reason: 'this file system does not let kiln make folders there', hint: 'choose a folder on an ordinary disk: for the target, --target-path, DBT_TARGET_PATH or target-path in dbt_project.yml; for the log, --log-path or DBT_LOG_PATH' };

/** What kiln was doing, by the failed system call. */
const VERBS: Readonly<Record<string, string>> = {
  open: 'open', write: 'write', mkdir: 'create the folder', rename: 'rename', copyfile: 'copy', unlink: 'remove', rmdir: 'remove', rm: 'remove', stat: 'reach', lstat: 'reach',
};

interface ErrnoLike {
  readonly code?: unknown;
  readonly path?: unknown;
  readonly syscall?: unknown;
}

function shown(file: string, projectDir: string): string {
  const rel = path.relative(path.resolve(projectDir), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** For ENOTDIR: the nearest ancestor of `file` that exists and is not a folder (the culprit). */
function blockingFile(file: string): string {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      if (!fs.statSync(dir).isDirectory()) return dir;
    } catch {
      // Not there (or unreadable): look further up.
    }
  }
  return file;
}

/** The KilnError for a file-system failure of the machine, or null when `e` is something else. */
export function fileSystemError(e: unknown, projectDir: string): KilnError | null {
  if (!(e instanceof Error)) return null;
  const { code, path: file, syscall } = e as Error & ErrnoLike;
  if (typeof code !== 'string' || typeof file !== 'string') return null;
  // mkdir's ENOENT once every parent exists (makeDirs made them): a file system that has no
  // folders of its own to give (/proc, /sys), not a missing path.
  const cause = code === 'ENOENT' && syscall === 'mkdir' ? NO_FOLDERS_HERE : CAUSES[code];
  if (cause === undefined) return null;
  const { reason, hint } = cause;
  const culprit = code === 'ENOTDIR' ? blockingFile(file) : file;
  const what = (typeof syscall === 'string' && VERBS[syscall]) || 'use';
  return new KilnError(CODE, `cannot ${what} ${shown(file, projectDir)}: ${reason}${culprit !== file ? ` (${shown(culprit, projectDir)} is a file)` : ''}`, {
    loc: { file: shown(culprit, projectDir) },
    hint,
    cause: e,
  });
}

/** Makes the target folder (as dbt does at parse time), so a bad one is reported before anything runs. */
export function ensureTargetDir(targetDir: string, projectDir: string): void {
  try {
    makeDirs(targetDir);
  } catch (e) {
    const code = (e as ErrnoLike).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      const culprit = code === 'EEXIST' ? targetDir : blockingFile(path.join(targetDir, 'x'));
      throw new KilnError(CODE, `the target path ${shown(targetDir, projectDir)} is not a folder: ${shown(culprit, projectDir)} is a file`, {
        loc: { file: shown(culprit, projectDir) },
        hint: 'move or remove that file, or set target-path in dbt_project.yml to another folder',
        cause: e,
      });
    }
    throw fileSystemError(e, projectDir) ?? e;
  }
  // The folders a run writes into as its nodes finish: found to be files only then, the run would
  // stop halfway.
  for (const sub of ['compiled', 'run']) {
    const dir = path.join(targetDir, sub);
    let isFile = false;
    try {
      isFile = !fs.statSync(dir).isDirectory();
    } catch {
      // Not there yet: made when first written.
    }
    if (isFile) {
      throw new KilnError(CODE, `${shown(dir, projectDir)} is a file, where kiln writes a folder of SQL files`, {
        loc: { file: shown(dir, projectDir) },
        hint: 'move or remove that file (`kiln clean` removes the whole target path)',
      });
    }
  }
}
