// dbt_project.yml folder config trees and dbt's config precedence merge.
//
// `models: {my_project: {+materialized: table, staging: {+materialized: view}}}`: the tree is
// walked along the node's fqn ([project, ...folders, name]); every level on the way
// contributes its configs, deeper levels winning. Like dbt, a `+key` is always a config, and a
// key without `+` is a config when its value is not a mapping (legacy spelling); a mapping
// without `+` is a sub-folder.
import { DICT_MERGE_KEYS, KNOWN_CONFIG_KEYS, type ConfigResourceType, normalizeConfig, normalizeConfigKey } from './config-schema.js';
import type { ConfigTree } from './types.js';
import { isPlainObject } from './values.js';

/** Each level's own configs, normalized once (trees are immutable after loading). */
const levelCache = new WeakMap<object, Readonly<Record<string, unknown>>>();

/** The configs written directly at one level of a tree (not those of its sub-folders). */
export function levelConfigs(level: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const cached = levelCache.get(level);
  if (cached) return cached;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(level)) {
    if (isConfigEntry(key, value)) raw[key] = value;
  }
  const out = normalizeConfig(raw);
  levelCache.set(level, out);
  return out;
}

/**
 * Whether `key: value` at a tree level is a config (else a sub-folder). A bare `key: null` is
 * an empty folder unless `key` is a known config name.
 */
export function isConfigEntry(key: string, value: unknown): boolean {
  if (key.startsWith('+')) return true;
  if (isPlainObject(value)) return false;
  if (value === null || value === undefined) return KNOWN_CONFIG_KEYS.has(normalizeConfigKey(key));
  return true;
}

/**
 * One level of a tree reached from the top along some fqn: the configs merged down to it, and
 * the levels below it reached so far (by fqn part). Every model of a folder walks the same
 * levels, so the merges are made once per level instead of once per node (40,000 nodes, a few
 * hundred levels in a large project).
 */
interface Walked {
  readonly merged: Readonly<Record<string, unknown>>;
  readonly node: Readonly<Record<string, unknown>>;
  readonly below: Map<string, Walked>;
  /** configUnder's answers at this level, by the base config they were merged over. */
  under?: Map<object, Readonly<Record<string, unknown>>>;
}

/** The top of each tree (trees are immutable after loading; a reloaded project has new ones). */
const walkCache = new WeakMap<object, Walked>();

/**
 * The config a node gets from a project tree. `fqnPath` is `[projectName, ...folders,
 * nodeName]`; configs at the top of the tree apply to every node. `resourceType` is accepted
 * for symmetry with the other config sources (trees are already split per resource type).
 * The result is the caller's to change; the values in it are shared and must not be.
 */
export function configForPath(
  tree: ConfigTree,
  fqnPath: readonly string[],
  _resourceType?: ConfigResourceType,
): Record<string, unknown> {
  return { ...walk(tree, fqnPath).merged };
}

/**
 * `mergeConfigs(base, configForPath(tree, fqnPath))`, remembered per level and base: `base` is a
 * constant (a resource type's defaults) that nothing changes. The result is the caller's to
 * change; the values in it are shared and must not be.
 */
export function configUnder(base: Readonly<Record<string, unknown>>, tree: ConfigTree, fqnPath: readonly string[]): Record<string, unknown> {
  const at = walk(tree, fqnPath);
  at.under ??= new Map();
  let merged = at.under.get(base);
  if (!merged) at.under.set(base, (merged = mergeConfigs(base, at.merged)));
  return { ...merged };
}

/** The deepest level of `tree` along `fqnPath`, its configs merged from the top. */
function walk(tree: ConfigTree, fqnPath: readonly string[]): Walked {
  let at: Walked | undefined = walkCache.get(tree);
  if (!at) walkCache.set(tree, (at = { merged: { ...levelConfigs(tree) }, node: tree, below: new Map() }));
  for (const part of fqnPath) {
    let next: Walked | undefined = at.below.get(part);
    if (!next) {
      // A part naming no sub-folder (most node names) ends the walk and is not remembered.
      const child: unknown = at.node[part];
      if (!isPlainObject(child)) break;
      next = { merged: mergeConfigs(at.merged, levelConfigs(child)), node: child, below: new Map() };
      at.below.set(part, next);
    }
    at = next;
  }
  return at;
}

function asList(v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * dbt's precedence merge of two config mappings (`higher` wins): `tags` are a union in order,
 * hooks concatenate (lower first, as dbt runs them), dict configs (`meta`, `docs`,
 * `persist_docs`, `column_types`, ...) merge key by key, `grants` replace per privilege unless
 * the privilege is written `+select` (then grantees are added), anything else is replaced.
 */
export function mergeConfigs(
  lower: Readonly<Record<string, unknown>>,
  higher: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Keys, not entries: no [key, value] array per key (this runs several times per node).
  for (const k of Object.keys(lower)) mergeKey(out, normalizeConfigKey(k), lower[k]);
  for (const k of Object.keys(higher)) mergeKey(out, normalizeConfigKey(k), higher[k]);
  return out;
}

function mergeKey(out: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined) return;
  const prev = out[key];
  if (key === 'tags') {
    const tags = asList(prev).map(String);
    for (const t of asList(value).map(String)) if (!tags.includes(t)) tags.push(t);
    out[key] = tags;
  } else if (key === 'pre_hook' || key === 'post_hook') {
    out[key] = [...asList(prev), ...asList(value)];
  } else if (key === 'grants' && isPlainObject(value)) {
    out[key] = mergeGrants(isPlainObject(prev) ? prev : {}, value);
  } else if (DICT_MERGE_KEYS.has(key) && isPlainObject(value) && isPlainObject(prev)) {
    out[key] = { ...prev, ...value };
  } else {
    out[key] = value;
  }
}

function mergeGrants(lower: Record<string, unknown>, higher: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(lower)) out[k.replace(/^\+/, '')] = asList(v);
  for (const [k, v] of Object.entries(higher)) {
    if (k.startsWith('+')) {
      const name = k.slice(1);
      const list = asList(out[name]).slice();
      for (const g of asList(v)) if (!list.includes(g)) list.push(g);
      out[name] = list;
    } else {
      out[k] = asList(v);
    }
  }
  return out;
}
