// Which code the CLI runs: dist/ (built by bin/build.js) when it is at least as new as every
// source file, else the TypeScript sources through tsx. A stale or missing dist/ is never run,
// so an edited source file takes effect at once, as it did before there was a build.
import fs from 'node:fs';
import path from 'node:path';

/** The folders dist/ is built from. */
export const SOURCE_ROOTS = ['core', 'adapters'];
/** Written last by a successful build: when it started. */
export const STAMP = '.kiln-build.json';
/** Files outside SOURCE_ROOTS whose change changes what the build produces. */
const BUILD_INPUTS = ['tsconfig.json', 'package.json', 'bin/build.js'];

/** Newest modification time (ms) of a folder's files and sub-folders; a deleted or added file changes its folder's. */
function newestUnder(dir) {
  let newest = fs.statSync(dir).mtimeMs;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestUnder(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** True when `root`/dist holds a build made after the last change to any source. */
export function distIsFresh(root) {
  let startedAt;
  try {
    startedAt = JSON.parse(fs.readFileSync(path.join(root, 'dist', STAMP), 'utf8')).startedAt;
  } catch {
    return false;
  }
  if (typeof startedAt !== 'number') return false;
  try {
    for (const f of BUILD_INPUTS) if (fs.statSync(path.join(root, f)).mtimeMs > startedAt) return false;
    for (const d of SOURCE_ROOTS) if (newestUnder(path.join(root, d)) > startedAt) return false;
  } catch {
    return false;
  }
  return true;
}
