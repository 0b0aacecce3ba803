// Which code the CLI runs: dist/ (built by bin/build.js) when it is at least as new as every
// source file, else the TypeScript sources through tsx. A stale or missing dist/ is never run,
// so an edited source file takes effect at once, as it did before there was a build.
//
// The build's stamp lists the folders and files it was built from, so a start stats exactly
// those (a deleted or added file changes its folder's mtime) instead of walking the tree. Only
// a git checkout is checked at all: there sources get edited; an installed copy changes only by
// being installed again, which builds again (npm runs `prepare`).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** The folders dist/ is built from. */
const SOURCE_ROOTS = ['core', 'adapters'];
/** Written last by a successful build: when it started, and what it was built from. */
const STAMP = '.kiln-build.json';
/** The CLI as one CommonJS file, under dist/ (see bin/build.js and bin/bundle-loader.js). */
const BUNDLE = 'core/cli/main.bundle.cjs';
/** Files outside SOURCE_ROOTS whose change changes what the build produces. */
const BUILD_INPUTS = ['tsconfig.json', 'package.json', 'bin/build.js'];

/** The folders under SOURCE_ROOTS (themselves included) and the files in them, relative to `root`, '/'-separated. */
function sourceTree(root) {
  const dirs = [];
  const files = [];
  const walk = (dir) => {
    dirs.push(dir);
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.isFile()) files.push(rel);
    }
  };
  for (const d of SOURCE_ROOTS) walk(d);
  return { dirs, files };
}

/**
 * Writes the stamp of a build of `root`'s sources into `dist`: the build started at `startedAt`
 * and read `tree` (sourceTree, listed after that instant: a file added since changes a listed
 * folder's mtime).
 */
function writeStamp(dist, startedAt, tree) {
  fs.writeFileSync(path.join(dist, STAMP), `${JSON.stringify({ startedAt, dirs: tree.dirs, files: tree.files })}\n`);
}

/** True when `root`/dist holds a build made after the last change to any source. */
function distIsFresh(root) {
  return freshBuild(root) !== null;
}

/** When the build in `root`/dist started (it identifies the build), if it is fresh; else null. */
function freshBuild(root) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(root, 'dist', STAMP), 'utf8'));
  } catch {
    return null;
  }
  const { startedAt, dirs, files } = stamp;
  if (typeof startedAt !== 'number' || !Array.isArray(dirs) || !Array.isArray(files)) return null;
  if (!fs.existsSync(path.join(root, '.git'))) return startedAt;
  const base = `${root}${path.sep}`;
  try {
    for (const list of [BUILD_INPUTS, dirs, files]) {
      for (const f of list) if (fs.statSync(base + f).mtimeMs > startedAt) return null;
    }
  } catch {
    return null; // a listed file or folder is gone
  }
  return startedAt;
}

module.exports = { SOURCE_ROOTS, STAMP, BUNDLE, sourceTree, writeStamp, distIsFresh, freshBuild };
