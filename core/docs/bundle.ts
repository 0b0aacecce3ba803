// Bundles the site's browser code (core/docs/browser/) into one script with esbuild, at generate
// time: the lineage's selector box runs the CLI's own selection code, so that code is bundled
// too. Node built-ins it imports get a POSIX `path` of our own; any other built-in becomes a stub
// that throws if the site ever calls it. sql-formatter's dialect is picked here (the adapter's),
// so the site carries one dialect instead of twenty.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import * as sqlFormatter from 'sql-formatter';

const here = path.dirname(fileURLToPath(import.meta.url));
const browserDir = path.join(here, 'browser');

export interface SiteBundle {
  readonly js: string;
  readonly css: string;
}

const cache = new Map<string, Promise<SiteBundle>>();

/** The site's script and stylesheet for sql-formatter dialect `dialect` (memoised per process). */
export function bundleSite(dialect: string): Promise<SiteBundle> {
  const name = formatterDialect(dialect);
  let hit = cache.get(name);
  if (!hit) {
    hit = doBundle(name);
    cache.set(name, hit);
    hit.catch(() => cache.delete(name));
  }
  return hit;
}

/** The adapter's sql-formatter dialect if sql-formatter has it, else its generic `sql`. */
export function formatterDialect(name: string): string {
  const exports = sqlFormatter as unknown as Record<string, unknown>;
  return /^[a-z0-9]+$/.test(name) && typeof exports[name] === 'object' && exports[name] !== null && 'tokenizerOptions' in (exports[name] as object) ? name : 'sql';
}

async function doBundle(dialect: string): Promise<SiteBundle> {
  const result = await build({
    entryPoints: [path.join(browserDir, 'main.ts')],
    bundle: true,
    write: false,
    outfile: path.join(browserDir, 'app.js'),
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    legalComments: 'eof',
    charset: 'utf8',
    logLevel: 'silent',
    plugins: [browserShims(dialect)],
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text;
  if (!js) throw new Error('esbuild produced no script for the docs site');
  const css = fs.readFileSync(path.join(browserDir, 'styles.css'), 'utf8');
  return { js, css };
}

function browserShims(dialect: string): Plugin {
  return {
    name: 'kiln-docs-shims',
    setup(b) {
      b.onResolve({ filter: /^(node:)?path$/ }, () => ({ path: path.join(browserDir, 'path-shim.ts') }));
      b.onResolve({ filter: /^kiln:sql-dialect$/ }, () => ({ path: 'sql-dialect', namespace: 'kiln' }));
      b.onLoad({ filter: /^sql-dialect$/, namespace: 'kiln' }, () => ({
        contents: `export { ${dialect} as dialect } from 'sql-formatter';`,
        resolveDir: here,
        loader: 'js',
      }));
      b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'kiln-stub' }));
      b.onLoad({ filter: /.*/, namespace: 'kiln-stub' }, (args) => ({
        contents: `module.exports = new Proxy({}, { get: (_, key) => () => { throw new Error(${JSON.stringify(args.path)} + '.' + String(key) + ' is not available in the docs site'); } });`,
        loader: 'js',
      }));
    },
  };
}
