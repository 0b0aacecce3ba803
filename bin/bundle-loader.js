// Runs dist/'s one-file CLI (bin/build.js) with a V8 code cache. Node 20 has no compile cache of
// its own (module.enableCompileCache() came in Node 22): the bundle is compiled through vm.Script
// with the cached data of an earlier run, which spares V8 parsing and compiling again the
// functions that run used. A cache holds what one run compiled, so each command has its own
// (`kiln run` and `kiln --version` use very different code); it is written once per build (and
// again when V8 rejects it: another Node version or other V8 flags), after the command finished,
// named by the build's start so a process of an older build never writes a cache that a newer
// build would read. V8 checks a cache against the source only by its length; the name is what
// keeps it to its own bundle. Where dist/ cannot be written (an install owned by another user),
// the cache goes to the user's cache folder instead, named by the bundle's path as well.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');

/** The user's own cache folder for kiln's code caches (XDG_CACHE_HOME, else ~/.cache). */
function userCacheDir() {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kiln');
}

/** A short, stable name for `text` (FNV-1a, 32 bits): it tells bundles at different paths apart. */
function shortHash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Reads `file`, or undefined when it cannot be read. */
function readOrUndefined(file) {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes `data` to `file` aside and renames it: a concurrent reader sees no file or a whole one. */
function writeWhole(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
    return true;
  } catch {
    fs.rmSync(tmp, { force: true });
    return false;
  }
}

/**
 * Removes the caches of this bundle's earlier builds from the user's folder (`prefix`: the
 * bundle's name and path hash), which no process of the current build reads: each build would
 * otherwise leave a few megabytes there for good. Caches of other bundles (other checkouts or
 * installs) are theirs.
 */
function pruneOlderBuilds(dir, prefix, current) {
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.v8cache') || name.startsWith(current, prefix.length)) continue;
    fs.rmSync(path.join(dir, name), { force: true });
  }
}

/**
 * Loads the bundle at `file` (built at `buildId`) with the cache kept for `command` (a command
 * name: letters, digits and dashes). Returns its exports, whether a cache was used,
 * and `saveCache()`, to be called when the command is done (it writes the cache if there was
 * none or V8 rejected it).
 */
function loadBundle(file, buildId, command = 'default') {
  // ASCII (bin/build.js escapes what is not): read as Latin-1, as UTF-8 would read it, for less
  const source = fs.readFileSync(file, 'latin1');
  const name = `${buildId}.${/^[a-z][a-z0-9-]{0,30}$/.test(command) ? command : 'other'}.v8cache`;
  const cacheFile = `${file}.${name}`;
  const userFile = () => path.join(userCacheDir(), `${path.basename(file)}.${shortHash(path.resolve(file))}.${name}`);
  const cachedData = readOrUndefined(cacheFile) ?? readOrUndefined(userFile());
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const fn = script.runInThisContext();
  const mod = { exports: {}, filename: file, id: file, loaded: false };
  fn.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  const saveCache = () => {
    if (cachedData && !script.cachedDataRejected) return;
    const data = script.createCachedData();
    if (writeWhole(cacheFile, data)) return;
    // dist/ is read-only to this user: their own folder (0700: a cache is code this process runs)
    try {
      // the folder and its parent, one by one: Node 20's recursive mkdir loops forever where
      // mkdir answers ENOENT under an existing parent (e.g. /proc)
      const dir = userCacheDir();
      for (const d of [path.dirname(dir), dir]) {
        try {
          fs.mkdirSync(d, { mode: 0o700 });
        } catch (e) {
          if (e.code !== 'EEXIST') throw e;
        }
      }
      if (writeWhole(userFile(), data)) pruneOlderBuilds(userCacheDir(), `${path.basename(file)}.${shortHash(path.resolve(file))}.`, `${buildId}.`);
    } catch {
      // no writable cache folder at all: run without a cache
    }
  };
  return { exports: mod.exports, cacheUsed: cachedData !== undefined && !script.cachedDataRejected, saveCache };
}

module.exports = { loadBundle };
