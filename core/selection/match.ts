// What each selector method matches, before graph operators: the criterion's value tested
// against every selectable item (nodes, sources, exposures), as dbt's selector methods do.
import path from 'node:path';
import { fnmatch, hasWildcard } from './fnmatch.js';
import type { SelectionCriteria } from './spec.js';
import type { Bits, SelectableItem, Universe } from './universe.js';
import { compareVersions } from '../parser/versions.js';

/** The previous run's artifacts, loaded on first use (see core/state/). */
export interface StateAccess {
  /** Ids that `state:<value>` selects. */
  state(value: string): ReadonlySet<string>;
  /** Ids whose status in the previous run_results.json is `status`. */
  result(status: string): ReadonlySet<string>;
  /** Sources whose freshness results are newer than in the state's sources.json. */
  sourceStatus(value: string): ReadonlySet<string>;
}

export interface MatchContext {
  readonly universe: Universe;
  readonly projectName: string;
  /** The project root, for `path:` values. */
  readonly root: string;
  readonly state: StateAccess;
}

export function matchCriteria(c: SelectionCriteria, ctx: MatchContext): Bits {
  const u = ctx.universe;
  const items = u.items;
  const out = u.empty();
  const add = (pred: (it: SelectableItem) => boolean) => {
    for (let i = 0; i < items.length; i++) if (pred(items[i]!)) out[i] = 1;
  };
  const addIds = (ids: Iterable<string>) => {
    for (const id of ids) {
      const i = u.indexOf(id);
      if (i !== undefined) out[i] = 1;
    }
  };
  const v = c.value;
  switch (c.method) {
    case 'fqn': {
      const matches = fqnMatcher(v);
      add((it) => it.resourceType !== 'source' && (matches(it.fqn, 0) || (it.fqn.length > 1 && matches(it.fqn, 1))));
      break;
    }
    case 'tag': {
      const wild = hasWildcard(v);
      add((it) => (wild ? it.tags.some((t) => fnmatch(t, v)) : it.tags.includes(v)));
      break;
    }
    case 'path': {
      const pattern = pathPattern(v, ctx.root);
      add((it) => pathMatches(it.originalFilePath, pattern) || (it.patchPath !== null && pathMatches(it.patchPath, pattern, true)));
      break;
    }
    case 'file':
      add((it) => {
        const base = path.posix.basename(it.originalFilePath);
        return fnmatch(base, v) || fnmatch(base.replace(/\.[^.]*$/, ''), v);
      });
      break;
    case 'package': {
      const want = v === 'this' ? ctx.projectName : v;
      add((it) => fnmatch(it.packageName, want));
      break;
    }
    case 'config':
      add((it) => it.resourceType !== 'exposure' && configMatches(it.config, c.args, v));
      break;
    case 'resource_type':
      add((it) => it.resourceType === v);
      break;
    case 'source': {
      const parts = v.split('.');
      const [pkg, src, table] = parts.length === 3 ? parts : ['*', parts[0]!, parts[1] ?? '*'];
      add((it) => it.source !== undefined && fnmatch(it.packageName, pkg!) && fnmatch(it.source.sourceName, src!) && fnmatch(it.name, table!));
      break;
    }
    case 'exposure':
      add((it) => it.resourceType === 'exposure' && packagedNameMatches(it, v));
      break;
    case 'metric':
    case 'semantic_model':
    case 'saved_query':
      add((it) => it.resourceType === c.method && packagedNameMatches(it, v));
      break;
    case 'unit_test':
      add((it) => it.resourceType === 'unit_test' && packagedNameMatches(it, v));
      break;
    case 'test_name':
      add((it) => {
        if (it.resourceType === 'unit_test') return fnmatch(it.name, v);
        return it.resourceType === 'test' && it.node?.testMetadata !== undefined && fnmatch(it.node.testMetadata.name, v);
      });
      break;
    case 'test_type':
      add((it) => testTypeMatches(it, v));
      break;
    case 'group':
      add((it) => typeof it.config.group === 'string' && fnmatch(it.config.group, v));
      break;
    case 'access':
      add((it) => it.resourceType === 'model' && String(it.config.access ?? 'protected') === v);
      break;
    case 'version':
      add((it) => {
        if (it.resourceType !== 'model' || !it.node) return false;
        const { version, latestVersion } = it.node;
        if (version === undefined || latestVersion === undefined) return v === 'none';
        const order = compareVersions(version, latestVersion);
        return v === 'latest' ? order === 0 : v === 'prerelease' ? order > 0 : v === 'old' ? order < 0 : false;
      });
      break;
    case 'state':
      addIds(ctx.state.state(v));
      break;
    case 'result':
      addIds(ctx.state.result(v));
      break;
    case 'source_status':
      addIds(ctx.state.sourceStatus(v));
      break;
    default:
      // The parser only lets known methods through.
      throw new Error(`selector method '${c.method}' has no matcher`);
  }
  return out;
}

/** isSelectedNode, with the selector split once: `(fqn, from)` tests fqn.slice(from) without copying. */
function fqnMatcher(selector: string): (fqn: readonly string[], from: number) => boolean {
  const parts = selector.split('.');
  const wildAt = parts.findIndex(hasWildcard);
  const tailPattern = wildAt >= 0 ? parts.slice(wildAt).join('.') : '';
  const bare = !selector.includes('.');
  return (fqn, from) => {
    const leaf = fqn[fqn.length - 1]!;
    if (leaf === selector) return true;
    if (fqn.some((s) => s.includes('.'))) return isSelectedNode(fqn.slice(from), selector);
    const len = fqn.length - from;
    if (len < parts.length) return false;
    const prefix = wildAt >= 0 ? wildAt : parts.length;
    for (let i = 0; i < prefix; i++) if (fqn[from + i] !== parts[i]) return false;
    if (wildAt < 0) return true;
    if (fnmatch(fqn.slice(from + wildAt).join('.'), tailPattern)) return true;
    return bare && fnmatch(leaf, selector);
  };
}

/**
 * dbt's fqn rule: the leaf name equals the selector; or the selector's dotted parts are a prefix
 * of the fqn (a folder selects everything under it); from the first part with a wildcard on,
 * the rest of the fqn must match the rest of the selector as a pattern.
 */
export function isSelectedNode(fqn: readonly string[], selector: string): boolean {
  if (fqn[fqn.length - 1] === selector) return true;
  const flat = fqn.length && fqn.some((s) => s.includes('.')) ? fqn.flatMap((s) => s.split('.')) : fqn;
  const parts = selector.split('.');
  if (flat.length < parts.length) return false;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (hasWildcard(p)) {
      if (fnmatch(flat.slice(i).join('.'), parts.slice(i).join('.'))) return true;
      return !selector.includes('.') && fnmatch(fqn[fqn.length - 1]!, selector);
    }
    if (flat[i] !== p) return false;
  }
  return true;
}

function packagedNameMatches(it: SelectableItem, value: string): boolean {
  const parts = value.split('.');
  const [pkg, name] = parts.length === 2 ? parts : ['*', parts[0]!];
  return fnmatch(it.packageName, pkg!) && fnmatch(it.name, name!);
}

function testTypeMatches(it: SelectableItem, kind: string): boolean {
  const generic = it.resourceType === 'test' && it.node?.testMetadata !== undefined;
  const singular = it.resourceType === 'test' && it.node?.testMetadata === undefined;
  switch (kind) {
    case 'generic':
    case 'schema':
      return generic;
    case 'singular':
      return singular;
    case 'data':
      return generic || singular;
    case 'unit':
      return it.resourceType === 'unit_test';
    default:
      return false;
  }
}

/** `config.a.b:value`: the value under the keys; lists match any member; booleans case-insensitively. */
function configMatches(config: Readonly<Record<string, unknown>>, keys: readonly string[], want: string): boolean {
  let cur: unknown = config;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return false;
    cur = (cur as Record<string, unknown>)[k];
  }
  const same = (x: unknown): boolean => {
    if (typeof x === 'boolean') return want.toLowerCase() === String(x);
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'bigint') return String(x) === want;
    return false;
  };
  return Array.isArray(cur) ? cur.some(same) : same(cur);
}

export interface PathPattern {
  readonly segments: readonly string[];
  /** The pattern as a path, when it has no wildcard (the common case: a plain string test). */
  readonly literal: string | null;
  /** The literal folders before the first wildcard segment (`models/marts/` for `path:models/marts/<wildcard>/x.sql`). */
  readonly lead: string;
}

/** A `path:` value relative to the project root, split into glob segments. */
export function pathPattern(value: string, root: string): PathPattern {
  let rel = value.replace(/\\/g, '/');
  if (path.isAbsolute(value)) rel = path.relative(root, value).split(path.sep).join('/');
  rel = path.posix.normalize(rel).replace(/^\.\/?/, '').replace(/\/+$/, '');
  const segments = rel === '' || rel === '.' ? [] : rel.split('/');
  const wildAt = segments.findIndex(hasWildcard);
  const lead = wildAt > 0 ? `${segments.slice(0, wildAt).join('/')}/` : '';
  return { segments, literal: wildAt < 0 ? segments.join('/') : null, lead };
}

/** The file itself or (unless `exact`) any folder above it matches the pattern (dbt: `path:models/staging`). */
export function pathMatches(file: string, pattern: PathPattern, exact = false): boolean {
  if (pattern.segments.length === 0) return true;
  if (pattern.literal !== null) return file === pattern.literal || (!exact && file.startsWith(`${pattern.literal}/`));
  // Anything that matches starts with the literal folders (or, `**` matching nothing, is that
  // folder's name): most files are ruled out here.
  if (!file.startsWith(pattern.lead) && `${file}/` !== pattern.lead) return false;
  return globPath(file.split('/'), pattern, !exact);
}

/**
 * Path.glob semantics: `*` within one segment, `**` across any number of them. With `prefix`,
 * matching the path's first segments is enough (a folder above the file matched).
 */
function globPath(segs: readonly string[], pattern: PathPattern, prefix: boolean): boolean {
  const pat = pattern.segments;
  const width = segs.length + 1;
  const memo = new Uint8Array((pat.length + 1) * width); // 0 unknown, 1 no, 2 yes
  const go = (i: number, j: number): boolean => {
    if (i === pat.length) return prefix || j === segs.length;
    const key = i * width + j;
    if (memo[key]) return memo[key] === 2;
    let ok = false;
    if (pat[i] === '**') {
      for (let k = j; k <= segs.length && !ok; k++) ok = go(i + 1, k);
    } else {
      ok = j < segs.length && fnmatch(segs[j]!, pat[i]!) && go(i + 1, j + 1);
    }
    memo[key] = ok ? 2 : 1;
    return ok;
  };
  return go(0, 0);
}
