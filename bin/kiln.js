#!/usr/bin/env node
// Entry point. Runs the built JavaScript in dist/ when it is up to date with the sources (see
// bin/build.js, run by `npm install`), else the TypeScript sources through tsx's loader. Of dist/,
// the one-file CLI with its V8 code cache (bin/bundle-loader.js) when the build made one, else
// the module files. KILN_FROM_SOURCE=1 always runs the sources; KILN_BUNDLE=0 the module files.
//
// CommonJS (bin/package.json), as is all of bin/: started from an ES module, Node sets up its ES
// module loader first, ~6 ms of CPU at every start that the bundle, a CommonJS file, never needs.
'use strict';
// V8 optimizes a function (TurboFan) once it has run bytecode worth its interrupt budget. A
// command lasts about a second: the optimizing, on a second thread that competes with the
// database on the same cores, then costs more than it saves. Four times V8's budget (66 KB):
// `kiln run` of 1,000 PostgreSQL views took 0.71 s of CPU instead of 0.92 s (8 alternating
// runs), while a 10,000-model compile, long enough to gain from it, took as much CPU as before
// (6.99 s both, 5 runs). Set before the bundle loads: its code cache is then made and checked
// under these flags every time.
require('node:v8').setFlagsFromString('--interrupt-budget=270336');
const fs = require('node:fs');
const path = require('node:path');
const { BUNDLE, freshBuild } = require('./entry.js');

async function start() {
  const root = path.resolve(__dirname, '..');
  const build = process.env.KILN_FROM_SOURCE === '1' ? null : freshBuild(root);
  const bundle = path.join(root, 'dist', BUNDLE);
  let main;
  let done = () => {};
  if (build !== null && process.env.KILN_BUNDLE !== '0' && fs.existsSync(bundle)) {
    const loaded = require('./bundle-loader.js').loadBundle(bundle, build, process.argv.slice(2).find((a) => !a.startsWith('-')));
    ({ main } = loaded.exports);
    done = loaded.saveCache;
  } else if (build !== null) {
    ({ main } = await import('../dist/core/cli/main.js'));
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    ({ main } = await import('../core/cli/main.ts'));
  }
  const code = await main(process.argv.slice(2));
  done();
  process.exit(code);
}

start();
