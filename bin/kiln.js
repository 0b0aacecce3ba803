#!/usr/bin/env node
// Entry point. Runs the built JavaScript in dist/ when it is up to date with the sources (see
// bin/build.js, run by `npm install`), else the TypeScript sources through tsx's loader. Of dist/,
// the one-file CLI with its V8 code cache (bin/bundle-loader.js) when the build made one, else
// the module files. KILN_FROM_SOURCE=1 always runs the sources; KILN_BUNDLE=0 the module files.
//
// CommonJS (bin/package.json), as is all of bin/: started from an ES module, Node sets up its ES
// module loader first, ~6 ms of CPU at every start that the bundle, a CommonJS file, never needs.
'use strict';
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
