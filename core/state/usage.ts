// Which macros and vars each node uses, found statically in its Jinja (and, transitively, in the
// Jinja of the macros it calls). State comparison uses this to see that a node changed because a
// macro it calls changed, or a var it reads now has another value. Static on purpose: it also
// sees calls on branches the parse-time render skipped (`{% if execute %}`), so it errs towards
// rebuilding.
import { createHash } from 'node:crypto';
import type { MacroDef, Manifest } from '../nodes.js';

export interface Usage {
  /** Direct macro ids a node or macro calls. */
  readonly macros: ReadonlyMap<string, readonly string[]>;
  /** Var names a node or macro reads directly. */
  readonly vars: ReadonlyMap<string, readonly string[]>;
}

const JINJA = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
const CALL = /(?<![\w.])([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?\s*\(/g;
const DISPATCH = /dispatch\s*\(\s*(?:macro_name\s*=\s*)?['"](\w+)['"]/g;
const VAR = /(?<![\w.])var\s*\(\s*['"]([^'"]+)['"]/g;

const cache = new WeakMap<Manifest, { key: string; usage: Usage }>();

export function usageOf(manifest: Manifest): Usage {
  const key = `${manifest.nodes.size}/${manifest.macros.size}`;
  const hit = cache.get(manifest);
  if (hit && hit.key === key) return hit.usage;
  const usage = analyse(manifest);
  cache.set(manifest, { key, usage });
  return usage;
}

function analyse(manifest: Manifest): Usage {
  const byName = new Map<string, MacroDef[]>();
  for (const m of manifest.macros.values()) {
    let list = byName.get(m.name);
    if (!list) byName.set(m.name, (list = []));
    list.push(m);
  }
  // `adapter.dispatch('x')` resolves to `<adapter>__x` or `default__x` in any package.
  const dispatchTargets = (name: string): string[] => {
    const out: string[] = [];
    for (const [n, defs] of byName) if (n === name || n.endsWith(`__${name}`)) for (const d of defs) out.push(d.uniqueId);
    return out;
  };
  const macros = new Map<string, string[]>();
  const vars = new Map<string, string[]>();
  const scan = (id: string, text: string) => {
    if (!text.includes('{')) return;
    const calls = new Set<string>();
    const read = new Set<string>();
    for (const seg of text.match(JINJA) ?? []) {
      for (const m of seg.matchAll(CALL)) {
        if (m[2] !== undefined) {
          const qualified = `macro.${m[1]}.${m[2]}`;
          if (manifest.macros.has(qualified)) calls.add(qualified);
          continue;
        }
        for (const d of byName.get(m[1]!) ?? []) calls.add(d.uniqueId);
      }
      if (seg.includes('dispatch')) for (const m of seg.matchAll(DISPATCH)) for (const d of dispatchTargets(m[1]!)) calls.add(d);
      if (seg.includes('var')) for (const m of seg.matchAll(VAR)) read.add(m[1]!);
    }
    calls.delete(id);
    if (calls.size) macros.set(id, [...calls]);
    if (read.size) vars.set(id, [...read]);
  };
  for (const m of manifest.macros.values()) scan(m.uniqueId, m.macroSql);
  for (const n of manifest.nodes.values()) {
    scan(n.uniqueId, n.rawCode);
    // Recorded dependencies (generic tests name their test macro) count too.
    const known = n.dependsOn.macros.filter((id) => manifest.macros.has(id));
    if (known.length) macros.set(n.uniqueId, [...new Set([...(macros.get(n.uniqueId) ?? []), ...known])]);
  }
  return { macros, vars };
}

/** A short, stable digest of a var's value (written into manifest.json instead of the value). */
export function varDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

export function varDigests(vars: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(vars).sort()) out[k] = varDigest(vars[k]);
  return out;
}

/** JSON with sorted keys and without undefined members: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return v.toString();
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined && typeof x !== 'function') out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}
