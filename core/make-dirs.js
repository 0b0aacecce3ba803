// Making a folder with its missing parents. Not fs.mkdirSync(dir, { recursive: true }): Node 20's
// loops forever where mkdir answers ENOENT under a parent that exists (a target path under /proc
// hung kiln). Plain JavaScript, so the artifact writer thread can load it too. Types: make-dirs.d.ts.
import fs from 'node:fs';
import path from 'node:path';

/**
 * Makes `dir` and the parents it lacks. Returns the first folder it made, undefined when `dir`
 * existed (as mkdirSync with `recursive` does); throws as it would (EEXIST for a file in the way
 * of `dir`, ENOTDIR for one in the way of a parent), and ENOENT where a folder cannot be made.
 */
export function makeDirs(dir) {
  try {
    fs.mkdirSync(dir);
    return dir;
  } catch (e) {
    if (e.code === 'EEXIST') {
      if (fs.statSync(dir).isDirectory()) return undefined;
      throw e;
    }
    const parent = path.dirname(dir);
    if (e.code !== 'ENOENT' || parent === dir) throw e;
    const first = makeDirs(parent);
    try {
      fs.mkdirSync(dir);
    } catch (again) {
      // made meanwhile by another process: as good
      if (again.code === 'EEXIST' && fs.statSync(dir).isDirectory()) return first;
      throw again;
    }
    return first ?? dir;
  }
}
