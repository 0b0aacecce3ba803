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
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { BUNDLE, sourceTree, STAMP, writeStamp } = require('./entry.js');

const root = path.resolve(__dirname, '..');
// `--out DIR` builds elsewhere (tests build a throwaway copy without touching dist/).
const outArg = process.argv.indexOf('--out');
const dist = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(root, 'dist');

/**
 * The DuckDB driver's JavaScript (~120 CommonJS files: ≈50 ms of CPU through Node's loader at
 * every DuckDB run) is bundled, so that its code is in the bundle's code cache; it stays loaded
 * on first use (adapters/duckdb/native.ts), and only its native part is left outside. yaml and
 * zod, also required on first use, stay outside: most runs never load them, and bundled they
 * would add 0.9 MB to the file every start reads.
 */
const BUNDLED_LAZY = "createRequire(import.meta.url)('@duckdb/node-api')";

/** esbuild plugin: `import.meta.url` in kiln's sources becomes the URL of the module's own file in dist/. */
function moduleUrls() {
  return {
    name: 'kiln-module-urls',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const rel = path.relative(root, args.path);
        if (rel.startsWith('..') || rel.split(path.sep).includes('node_modules')) return undefined;
        const own = rel.split(path.sep).join('/').replace(/\.ts$/, '.js');
        const text = fs.readFileSync(args.path, 'utf8').replaceAll(BUNDLED_LAZY, "require('@duckdb/node-api')");
        return { contents: text.replaceAll('import.meta.url', `(__kilnDist + ${JSON.stringify(own)})`), loader: 'ts' };
      });
    },
  };
}

/**
 * esbuild plugin: sql-formatter's index and dialect list become objects whose exports are loaded
 * on first access. Its twenty dialects each expand their keyword phrases when loaded, ≈150 ms of
 * CPU at every `kiln compile` that formats (small projects: the default), which uses one. Applied
 * only to files made of `export { ... } from '...'` lines; any other shape is bundled as it is.
 */
function lazySqlDialects() {
  const reExport = /^export \{ ([\w, ]+) \} from '(\.\/[\w./-]+)';$/;
  /** The file's exports as lazy getters (CommonJS), or undefined when it is not all re-exports. */
  const lazyExports = (file) => {
    const modules = [];
    const getters = [];
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '' || line.startsWith('//')) continue;
      const m = reExport.exec(line);
      if (!m) return undefined;
      const v = `m${modules.length}`;
      modules.push(`let ${v};`);
      for (const name of m[1].split(',').map((n) => n.trim())) {
        const [from, as = from] = name.split(/ as /);
        getters.push(`${JSON.stringify(as)}: { enumerable: true, get: () => (${v} ??= require(${JSON.stringify(m[2])}))[${JSON.stringify(from)}] }`);
      }
    }
    return `${modules.join(' ')}\nmodule.exports = Object.defineProperties({}, {\n${getters.join(',\n')}\n});\n`;
  };
  return {
    name: 'kiln-lazy-sql-dialects',
    setup(b) {
      b.onResolve({ filter: /^sql-formatter$|^\.\/allDialects\.js$/ }, async (args) => {
        if (args.pluginData === 'kiln-lazy') return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'kiln-lazy' });
        if (r.errors.length > 0 || !/[\\/]sql-formatter[\\/]dist[\\/]esm[\\/](index|allDialects)\.js$/.test(r.path)) return r.errors.length > 0 ? { errors: r.errors } : r;
        const contents = lazyExports(r.path);
        // its own namespace: sql-formatter is "type": "module", which would make this CommonJS text an ES module
        return contents === undefined ? r : { path: r.path, namespace: 'kiln-lazy', pluginData: contents };
      });
      b.onLoad({ filter: /.*/, namespace: 'kiln-lazy' }, (args) => ({ contents: args.pluginData, loader: 'js', resolveDir: path.dirname(args.path) }));
    },
  };
}

/**
 * esbuild plugin: commander requires node:child_process, ≈4 ms of CPU at every start, for
 * commands run as separate executables, which kiln has none of; it is required when first used.
 * Applied only where the line is exactly as expected.
 */
function lazyChildProcess() {
  const line = "const childProcess = require('node:child_process');";
  return {
    name: 'kiln-lazy-child-process',
    setup(b) {
      b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
        const text = fs.readFileSync(args.path, 'utf8');
        if (!text.includes(line)) return undefined;
        const lazy = "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };";
        return { contents: text.replace(line, lazy), loader: 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

async function build() {
  // Sources changed after this instant make the build stale (see bin/entry.js).
  const startedAt = Date.now();
  const { build: esbuild } = require('esbuild');
  const tree = sourceTree(root);
  const files = tree.files;
  const isCode = (f) => f.endsWith('.ts') && !f.endsWith('.d.ts');
  const isBrowser = (f) => f.split('/').includes('browser');
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
    // native code, and what only some commands load (the docs bundler, the file watcher, deps' archive reader)
    external: ['@duckdb/node-bindings', 'pg-native', 'esbuild', 'chokidar', 'playwright-core', 'tar'],
    banner: { js: `const __kilnDist = require('node:url').pathToFileURL(require('node:path').resolve(__dirname, '${path.relative(path.dirname(BUNDLE), '.') || '.'}') + '/').href;` },
    plugins: [moduleUrls(), lazySqlDialects(), lazyChildProcess()],
    charset: 'ascii',
    sourcemap: false,
    logLevel: 'error',
    tsconfig: path.join(root, 'tsconfig.json'),
  });
  // esbuild writes code in ASCII (charset 'ascii' escapes strings, regular expressions and names),
  // so what is not ASCII is in comments, where an escape is as good: an ASCII file is read as
  // Latin-1 (bin/bundle-loader.js), cheaper than decoding UTF-8, and V8 keeps it one byte a
  // character rather than two.
  const bundleFile = path.join(dist, BUNDLE);
  const text = fs.readFileSync(bundleFile, 'utf8');
  if (/[^\x00-\x7f]/.test(text)) fs.writeFileSync(bundleFile, text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  for (const f of files.filter((x) => !isCode(x) || isBrowser(x))) {
    fs.mkdirSync(path.dirname(path.join(dist, f)), { recursive: true });
    fs.copyFileSync(path.join(root, f), path.join(dist, f));
  }
  writeStamp(dist, startedAt, tree);
  return files.filter(isCode).length;
}

(async () => {
  try {
    const t0 = performance.now();
    const n = await build();
    process.stdout.write(`kiln: built ${path.relative(root, dist) || dist}/ (${n} modules) in ${((performance.now() - t0) / 1000).toFixed(1)}s\n`);
  } catch (e) {
    fs.rmSync(path.join(dist, STAMP), { force: true });
    process.stderr.write(`kiln: could not build dist/ (${e instanceof Error ? e.message : String(e)}); the CLI will run from the TypeScript sources.\n`);
  }
})();
