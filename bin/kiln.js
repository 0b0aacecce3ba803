#!/usr/bin/env node
// Entry point. Runs the built JavaScript in dist/ when it is up to date with the sources (see
// bin/build.js, run by `npm install`), else the TypeScript sources through tsx's loader. Of dist/,
// the one-file CLI with its V8 code cache (bin/bundle-loader.js) when the build made one, else
// the module files. KILN_FROM_SOURCE=1 always runs the sources; KILN_BUNDLE=0 the module files.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE, freshBuild } from './entry.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const build = process.env.KILN_FROM_SOURCE === '1' ? null : freshBuild(root);
const bundle = path.join(root, 'dist', BUNDLE);
let main;
let done = () => {};
if (build !== null && process.env.KILN_BUNDLE !== '0' && fs.existsSync(bundle)) {
  const { loadBundle } = await import('./bundle-loader.js');
  const loaded = loadBundle(bundle, build, process.argv.slice(2).find((a) => !a.startsWith('-')));
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
