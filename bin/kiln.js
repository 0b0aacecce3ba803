#!/usr/bin/env node
// Entry point. Runs the built JavaScript in dist/ when it is up to date with the sources (see
// bin/build.js, run by `npm install`), else the TypeScript sources through tsx's loader.
// KILN_FROM_SOURCE=1 always runs the sources.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { distIsFresh } from './entry.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let main;
if (process.env.KILN_FROM_SOURCE !== '1' && distIsFresh(root)) {
  ({ main } = await import('../dist/core/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../core/cli/main.ts'));
}
process.exit(await main(process.argv.slice(2)));
