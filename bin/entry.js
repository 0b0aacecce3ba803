// Which code the CLI runs: dist/ (built by bin/build.js) when it is at least as new as every
// source file, else the TypeScript sources through tsx. A stale or missing dist/ is never run,
// so an edited source file takes effect at once, as it did before there was a build.
import fs from 'node:fs';
import path from 'node:path';

/** The folders dist/ is built from. */
export const SOURCE_ROOTS = ['core', 'adapters'];
/** Written last by a successful build: when it started. */
export const STAMP = '.kiln-build.json';
/** The CLI as one CommonJS file, under dist/ (see bin/build.js and bin/bundle-loader.js). */
export const BUNDLE = 'core/cli/main.bundle.cjs';
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
  return freshBuild(root) !== null;
}

/** When the build in `root`/dist started (it identifies the build), if it is fresh; else null. */
export function freshBuild(root) {
  let startedAt;
  try {
    startedAt = JSON.parse(fs.readFileSync(path.join(root, 'dist', STAMP), 'utf8')).startedAt;
  } catch {
    return null;
  }
  if (typeof startedAt !== 'number') return null;
  try {
    for (const f of BUILD_INPUTS) if (fs.statSync(path.join(root, f)).mtimeMs > startedAt) return null;
    for (const d of SOURCE_ROOTS) if (newestUnder(path.join(root, d)) > startedAt) return null;
  } catch {
    return null;
  }
  return startedAt;
}
