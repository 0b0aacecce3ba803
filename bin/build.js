#!/usr/bin/env node
// Builds dist/: every TypeScript file under core/ and adapters/ transpiled to JavaScript, one
// file each, by esbuild (the transform tsx applies at run time, done once), so the CLI starts
// without a TypeScript loader. Files that code reads at run time rather than imports (assets;
// the docs site's browser sources, which are bundled when a site is generated) are copied as
// they are. Type checking stays with `tsc --noEmit` (npm test).
//
// Beside them, the CLI as one CommonJS file (BUNDLE: kiln and its pure-JS dependencies), which
// bin/kiln.js runs with a V8 code cache (bin/bundle-loader.js): resolving, reading and compiling
// ~160 modules one by one cost ~100 ms of CPU at every start. Each bundled module sees as
// `import.meta.url` the URL its own file has in dist/, so what it finds beside itself (sources
// it hashes, the build stamp, the worker script, the docs site's files) is where it was.
//
// Run by `npm run build` and by `prepare` (npm install / npm ci). A failed build warns and
// exits 0: bin/kiln.js then runs the sources through tsx, as it does whenever dist/ is stale.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE, SOURCE_ROOTS, STAMP } from './entry.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// `--out DIR` builds elsewhere (tests build a throwaway copy without touching dist/).
const outArg = process.argv.indexOf('--out');
const dist = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(root, 'dist');

/** Every file under `dir`, relative to the repository root. */
function walk(dir, out = []) {
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) walk(rel, out);
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

/** esbuild plugin: `import.meta.url` in kiln's sources becomes the URL of the module's own file in dist/. */
function moduleUrls() {
  return {
    name: 'kiln-module-urls',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const rel = path.relative(root, args.path);
        if (rel.startsWith('..') || rel.split(path.sep).includes('node_modules')) return undefined;
        const own = rel.split(path.sep).join('/').replace(/\.ts$/, '.js');
        const text = fs.readFileSync(args.path, 'utf8');
        return { contents: text.replaceAll('import.meta.url', `(__kilnDist + ${JSON.stringify(own)})`), loader: 'ts' };
      });
    },
  };
}

async function build() {
  // Sources changed after this instant make the build stale (see bin/entry.js).
  const startedAt = Date.now();
  const { build: esbuild } = await import('esbuild');
  const files = SOURCE_ROOTS.flatMap((d) => walk(d));
  const isCode = (f) => f.endsWith('.ts') && !f.endsWith('.d.ts');
  const isBrowser = (f) => f.split(path.sep).includes('browser');
  fs.rmSync(dist, { recursive: true, force: true });
  await esbuild({
    entryPoints: files.filter(isCode).map((f) => path.join(root, f)),
    outdir: dist,
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    bundle: false,
    sourcemap: false,
    logLevel: 'error',
    tsconfig: path.join(root, 'tsconfig.json'),
  });
  await esbuild({
    entryPoints: [path.join(root, 'core/cli/main.ts')],
    outfile: path.join(dist, BUNDLE),
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    bundle: true,
    // native code, and what only some commands load (the docs bundler, the file watcher)
    external: ['@duckdb/node-api', 'pg-native', 'esbuild', 'chokidar', 'playwright-core'],
    banner: { js: `const __kilnDist = require('node:url').pathToFileURL(require('node:path').resolve(__dirname, '${path.relative(path.dirname(BUNDLE), '.') || '.'}') + '/').href;` },
    plugins: [moduleUrls()],
    sourcemap: false,
    logLevel: 'error',
    tsconfig: path.join(root, 'tsconfig.json'),
  });
  for (const f of files.filter((x) => !isCode(x) || isBrowser(x))) {
    fs.mkdirSync(path.dirname(path.join(dist, f)), { recursive: true });
    fs.copyFileSync(path.join(root, f), path.join(dist, f));
  }
  fs.writeFileSync(path.join(dist, STAMP), `${JSON.stringify({ startedAt })}\n`);
  return files.filter(isCode).length;
}

try {
  const t0 = performance.now();
  const n = await build();
  process.stdout.write(`kiln: built ${path.relative(root, dist) || dist}/ (${n} modules) in ${((performance.now() - t0) / 1000).toFixed(1)}s\n`);
} catch (e) {
  fs.rmSync(path.join(dist, STAMP), { force: true });
  process.stderr.write(`kiln: could not build dist/ (${e instanceof Error ? e.message : String(e)}); the CLI will run from the TypeScript sources.\n`);
}
