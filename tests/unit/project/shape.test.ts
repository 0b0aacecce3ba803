// Shapes answer valid values by hand and leave the rest to zod: whatever they accept, zod must
// accept too, giving back the same value (same keys in the same order, containers copied).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SPECS } from '../../../core/project/config-schema.js';
import { s, type Shape } from '../../../core/project/shape.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** JSON with key order, `undefined` and non-finite numbers kept apart. */
function exact(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x === undefined ? '<undefined>' : typeof x === 'number' && !Number.isFinite(x) ? `<${x}>` : x));
}

const SHAPES: [string, Shape][] = [
  ...[...SPECS].map(([k, spec]): [string, Shape] => [`config ${k}`, spec.schema]),
  ['string list', s.union([s.string(), s.array(s.string())])],
  ['hook list', s.union([s.string(), s.array(s.union([s.string(), s.looseObject({ sql: s.string() })]))]).nullable()],
  ['dispatch', s.array(s.looseObject({ macro_namespace: s.string(), search_order: s.array(s.string()) }))],
  ['whole number', s.number().int()],
  ['mapping', s.record(s.unknown())],
];

const VALUES: unknown[] = [
  null, undefined, true, false, 0, -0, 1, 2.5, -3, 1e300, Number.MAX_SAFE_INTEGER + 2, NaN, Infinity, '', 'x', ';', 'warn', 'ERROR', 'view', 'day', 'public',
  [], ['a', 'b'], ['a', 1], [null], [{ sql: 'x' }], [{ sql: 'x', transaction: false }], [{ sql: 1 }], [{}], [{ columns: 'a' }], [{ columns: ['a'], unique: true, type: 'btree' }],
  {}, { a: 1 }, { a: 'b' }, { a: ['b', 'c'] }, { a: null }, { show: false, node_color: 'red' }, { node_color: 'red', show: true, extra: 1 }, { show: 'yes' },
  { relation: true }, { enforced: true, alias_types: false }, { database: true, schema: false, identifier: true }, { sql: 'x' }, { sql: 'x', transaction: true }, { transaction: true, sql: 'y' },
  { warn_after: { count: 1, period: 'hour' } }, { error_after: { period: 'day', count: 2 }, filter: 'x > 1' }, { warn_after: { count: 1.5 } }, { warn_after: null, error_after: { count: null, period: null } },
  { macro_namespace: 'dbt_utils', search_order: ['a', 'b'] }, [{ search_order: ['b'], macro_namespace: 'x', extra: true }], [{ macro_namespace: 'x' }],
  Object.create(null) as unknown, Object.assign(Object.create(null) as object, { a: 'b' }), new Map(), new Date(0), [1, , 2], JSON.parse('{"__proto__": "x"}'),
];

function agree(shape: Shape, v: unknown): void {
  const taken = shape.take(v);
  if (!taken) return; // zod decides: nothing to compare
  const r = shape.zod().safeParse(v);
  expect(r.success, `zod rejects ${exact(v)}`).toBe(true);
  expect(exact(taken.value)).toBe(exact(r.data));
  if (v !== null && typeof v === 'object') expect(taken.value).not.toBe(v);
}

describe('shapes', () => {
  it.each(SHAPES)('%s: what it accepts, zod accepts, with the same value', (_name, shape) => {
    for (const v of VALUES) agree(shape, v);
    fc.assert(fc.property(fc.anything({ withNullPrototype: true, withObjectString: true, withSparseArray: true, withBoxedValues: true }), (v) => agree(shape, v)), { numRuns: 300 });
  });

  it('accepts valid values by hand', () => {
    expect(SPECS.get('docs')!.schema.take({ node_color: 'red', show: true, x: 1 })?.value).toEqual({ show: true, node_color: 'red', x: 1 });
    expect(SPECS.get('pre_hook')!.schema.take(['a', { sql: 'b', transaction: false }])).toBeDefined();
    expect(SPECS.get('severity')!.schema.take('WARN')).toBeDefined();
    expect(SPECS.get('delimiter')!.schema.take(';;')).toBeUndefined();
    expect(SPECS.get('lookback')!.schema.take(-1)).toBeUndefined();
  });

  it('loads no zod while a valid project parses (configs, properties, dbt_project.yml)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-shape-'));
    try {
      fs.cpSync(path.join(root, 'project-template'), dir, { recursive: true });
      // an import of zod fails (ESM), a require of it shows in the require cache (CommonJS)
      const script = `
        const hook = 'export async function resolve(s, c, next) { if (s === "zod" || s.startsWith("zod/")) throw new Error("zod was imported"); return next(s, c); }';
        (await import('node:module')).register('data:text/javascript,' + encodeURIComponent(hook));
        const { main } = await import('./core/cli/main.ts');
        const io = { stdout: () => {}, stderr: (t) => process.stderr.write(t), cwd: process.cwd(), isTTY: false, onInterrupt: () => () => {} };
        const code = await main(['parse', '--project-dir', ${JSON.stringify(dir)}], io);
        const req = (await import('node:module')).createRequire(import.meta.url);
        console.log(JSON.stringify({ code, zod: Object.keys(req.cache).some((f) => f.includes('/node_modules/zod/')) }));
      `;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ code: 0, zod: false });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
