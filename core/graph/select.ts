// Node selection: `--select` / `--exclude` specs. A spec is `[@][N+][method:]value[+N]`;
// space-separated specs are a union, comma-joined ones an intersection. Methods so far: fqn
// (default), tag, path, file, resource_type, source, package, config.<key>.
import path from 'node:path';
import { Codes, KilnError } from '../errors.js';
import type { Manifest, ParsedNode, SourceTable } from '../nodes.js';
import type { Dag } from './dag.js';

export interface SelectorAtom {
  readonly raw: string;
  readonly method: string;
  readonly value: string;
  readonly parents: boolean;
  readonly parentsDepth?: number;
  readonly children: boolean;
  readonly childrenDepth?: number;
  readonly childrensParents: boolean;
}

const METHODS = new Set(['fqn', 'tag', 'path', 'file', 'resource_type', 'source', 'package']);
const ATOM = /^(@)?(?:(\d*)\+)?(.+?)(?:\+(\d*))?$/;

export function parseAtom(raw: string): SelectorAtom {
  const m = ATOM.exec(raw);
  if (!m || !m[3]) throw selectorError(raw, 'cannot read this selector');
  const [, at, pDepth, body, cDepth] = m;
  const parents = raw.replace(/^@/, '').match(/^\d*\+/) !== null;
  const children = /\+\d*$/.test(raw);
  if (at && parents) throw selectorError(raw, '`@` cannot be combined with a leading `+`');
  const colon = body.indexOf(':');
  let method = 'fqn';
  let value = body;
  if (colon > 0) {
    method = body.slice(0, colon);
    value = body.slice(colon + 1);
    if (!METHODS.has(method) && !method.startsWith('config.')) {
      throw selectorError(raw, `unknown selector method '${method}'`, `Known methods: ${[...METHODS].join(', ')}, config.<key>.`);
    }
  }
  if (!value) throw selectorError(raw, 'the selector has no value');
  return {
    raw,
    method,
    value,
    parents,
    parentsDepth: pDepth ? Number(pDepth) : undefined,
    children,
    childrenDepth: cDepth ? Number(cDepth) : undefined,
    childrensParents: !!at,
  };
}

function selectorError(raw: string, why: string, hint?: string): KilnError {
  return new KilnError(Codes.SELECTOR_INVALID, `Invalid selector '${raw}': ${why}`, {
    hint: hint ?? 'Selectors look like `orders`, `+orders`, `orders+`, `tag:nightly`, `path:models/staging`.',
  });
}

type Selectable = ParsedNode | SourceTable;

export interface SelectionInput {
  readonly select?: readonly string[];
  readonly exclude?: readonly string[];
}

/** Returns the unique ids of the selected nodes (sources never included). */
export function selectNodes(manifest: Manifest, dag: Dag, input: SelectionInput, projectRoot: string): Set<string> {
  const selected = selectResources(manifest, dag, input, projectRoot);
  for (const id of [...selected]) if (!manifest.nodes.has(id)) selected.delete(id);
  return selected;
}

/** Like selectNodes, but sources matched by the specs are kept (`source freshness`). */
export function selectResources(manifest: Manifest, dag: Dag, input: SelectionInput, projectRoot: string): Set<string> {
  const all = [...manifest.nodes.keys(), ...manifest.sources.keys()];
  const selectSpecs = splitSpecs(input.select);
  let selected: Set<string>;
  if (selectSpecs.length === 0) selected = new Set(all);
  else selected = union(selectSpecs.map((spec) => evalSpec(spec, manifest, dag, projectRoot)));
  const excludeSpecs = splitSpecs(input.exclude);
  if (excludeSpecs.length) {
    const excluded = union(excludeSpecs.map((spec) => evalSpec(spec, manifest, dag, projectRoot)));
    for (const id of excluded) selected.delete(id);
  }
  return selected;
}

function splitSpecs(specs: readonly string[] | undefined): string[] {
  return (specs ?? []).flatMap((s) => s.split(/\s+/)).filter(Boolean);
}

function union(sets: Set<string>[]): Set<string> {
  const out = new Set<string>();
  for (const s of sets) for (const id of s) out.add(id);
  return out;
}

function evalSpec(spec: string, manifest: Manifest, dag: Dag, root: string): Set<string> {
  const parts = spec.split(',').filter(Boolean).map((p) => evalAtom(parseAtom(p), manifest, dag, root));
  const [first, ...rest] = parts;
  return new Set([...first].filter((id) => rest.every((s) => s.has(id))));
}

function evalAtom(atom: SelectorAtom, manifest: Manifest, dag: Dag, root: string): Set<string> {
  const base = new Set<string>();
  for (const n of manifest.nodes.values()) if (matches(atom, n, manifest.projectName, root)) base.add(n.uniqueId);
  for (const s of manifest.sources.values()) if (matches(atom, s, manifest.projectName, root)) base.add(s.uniqueId);
  const out = new Set(base);
  for (const id of base) {
    if (atom.parents) for (const a of dag.ancestors(id, atom.parentsDepth)) out.add(a);
    if (atom.children || atom.childrensParents) {
      const desc = dag.descendants(id, atom.childrenDepth);
      for (const d of desc) out.add(d);
      if (atom.childrensParents) for (const d of [id, ...desc]) for (const a of dag.ancestors(d)) out.add(a);
    }
  }
  return out;
}

function matches(atom: SelectorAtom, n: Selectable, projectName: string, root: string): boolean {
  const v = atom.value;
  switch (atom.method) {
    case 'fqn':
      return n.resourceType !== 'source' && fqnMatches(n.fqn, v, n.name);
    case 'tag': {
      const tags = n.resourceType === 'source' ? n.tags : n.config.tags;
      return tags.some((t) => wildcard(v).test(t));
    }
    case 'path': {
      const want = normalizePath(v, root);
      const p = n.originalFilePath;
      return p === want || p.startsWith(want.endsWith('/') ? want : `${want}/`) || wildcard(want).test(p);
    }
    case 'file':
      return wildcard(v).test(path.posix.basename(n.originalFilePath)) || wildcard(v).test(path.posix.basename(n.originalFilePath).replace(/\.[^.]+$/, ''));
    case 'resource_type':
      return n.resourceType === v;
    case 'package':
      return n.packageName === v || (v === 'this' && n.packageName === projectName);
    case 'source': {
      if (n.resourceType !== 'source') return false;
      const [src, table] = v.split('.');
      return wildcard(src).test(n.sourceName) && (table === undefined || wildcard(table).test(n.name));
    }
    default: {
      if (!atom.method.startsWith('config.')) return false;
      const key = atom.method.slice('config.'.length);
      const cv = n.config[key];
      if (Array.isArray(cv)) return cv.some((x) => String(x) === v);
      return cv !== undefined && cv !== null && String(cv) === v;
    }
  }
}

function fqnMatches(fqn: readonly string[], value: string, name: string): boolean {
  const parts = value.split('.');
  if (parts.length === 1 && wildcard(value).test(name)) return true;
  const prefixMatch = (target: readonly string[]) =>
    parts.length <= target.length && parts.every((p, i) => wildcard(p).test(target[i]));
  return prefixMatch(fqn) || prefixMatch(fqn.slice(1));
}

const wildcardCache = new Map<string, RegExp>();
function wildcard(pattern: string): RegExp {
  let re = wildcardCache.get(pattern);
  if (!re) {
    const body = pattern
      .split(/(\*\*|\*|\?)/)
      .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '.' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`);
    wildcardCache.set(pattern, re);
  }
  return re;
}

function normalizePath(v: string, root: string): string {
  const abs = path.resolve(root, v);
  const rel = path.relative(root, abs).split(path.sep).join('/');
  return rel.replace(/\/$/, '');
}
