// Runs dist/'s one-file CLI (bin/build.js) with a V8 code cache. Node 20 has no compile cache of
// its own (module.enableCompileCache() came in Node 22): the bundle is compiled through vm.Script
// with the cached data of an earlier run, which spares V8 parsing and compiling again the
// functions that run used. A cache holds what one run compiled, so each command has its own
// (`kiln run` and `kiln --version` use very different code); it is written once per build (and
// again when V8 rejects it: another Node version or other V8 flags), after the command finished,
// named by the build's start so a process of an older build never writes a cache that a newer
// build would read. V8 checks a cache against the source only by its length; the name is what
// keeps it to its own bundle.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/**
 * Loads the bundle at `file` (built at `buildId`) with the cache kept for `command` (a command
 * name: letters, digits and dashes). Returns its exports, whether a cache was used,
 * and `saveCache()`, to be called when the command is done (it writes the cache if there was
 * none or V8 rejected it).
 */
function loadBundle(file, buildId, command = 'default') {
  // ASCII (bin/build.js escapes what is not): read as Latin-1, as UTF-8 would read it, for less
  const source = fs.readFileSync(file, 'latin1');
  const cacheFile = `${file}.${buildId}.${/^[a-z][a-z0-9-]{0,30}$/.test(command) ? command : 'other'}.v8cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const fn = script.runInThisContext();
  const mod = { exports: {}, filename: file, id: file, loaded: false };
  fn.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  const saveCache = () => {
    if (cachedData && !script.cachedDataRejected) return;
    // written aside and renamed: a concurrent reader sees no cache or a whole one
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {
      // a read-only install or a full disk: run without a cache
      fs.rmSync(tmp, { force: true });
    }
  };
  return { exports: mod.exports, cacheUsed: cachedData !== undefined && !script.cachedDataRejected, saveCache };
}

module.exports = { loadBundle };
