// manifest.json's `unrendered_config`: the configs a node's sources set, as dbt 1.11 records them
// (dbt's UnrenderedConfigGenerator): dbt_project.yml's folder configs as written (Jinja left
// in), each level's keys replacing the level above's (no merging of tags or meta), then the
// configs set for the node itself (its config() calls, a generic test's YAML entry), which
// replace those whole too. Only what was written: no defaults. state:modified.configs in dbt
// compares it, and so do tools that read a manifest.
import { isPlainObject } from './values.js';

const NONE: Readonly<Record<string, unknown>> = Object.freeze({});

/** A folder's configs, and its level of the tree when every folder on the way is one (else null). */
interface Folder {
  readonly config: Readonly<Record<string, unknown>>;
  readonly level: Readonly<Record<string, unknown>> | null;
}

/** By tree, each folder path (fqn without the node's name) walked. */
const folderCache = new WeakMap<object, Map<string, Folder>>();

/** One level's configs as dbt's _project_configs reads them: `+key` (the `+` dropped), or a key whose value is no mapping. */
function levelOf(level: Readonly<Record<string, unknown>>, into: Record<string, unknown>): void {
  for (const key of Object.keys(level)) {
    const value = level[key];
    if (key.startsWith('+')) into[key.slice(1).trim()] = value;
    else if (!isPlainObject(value)) into[key] = value;
  }
}

function walkFolders(tree: Readonly<Record<string, unknown>>, folders: readonly string[]): Folder {
  const config: Record<string, unknown> = {};
  levelOf(tree, config);
  let at: Readonly<Record<string, unknown>> | null = tree;
  for (const part of folders) {
    const next: unknown = at[part];
    if (!isPlainObject(next)) {
      at = null;
      break;
    }
    levelOf(next, config);
    at = next;
  }
  return { config: Object.keys(config).length ? Object.freeze(config) : NONE, level: at };
}

/**
 * The folder configs of dbt_project.yml (as written, before rendering) along `fqn` ([project,
 * ...folders, name]): dbt's fqn_search, the tree's top level first. Shared: not to be changed.
 */
export function unrenderedTreeConfig(tree: Readonly<Record<string, unknown>> | undefined, fqn: readonly string[]): Readonly<Record<string, unknown>> {
  if (!tree || !fqn.length) return NONE;
  let byFolder = folderCache.get(tree);
  if (!byFolder) folderCache.set(tree, (byFolder = new Map()));
  const folders = fqn.slice(0, -1);
  const key = folders.join('\0');
  let folder = byFolder.get(key);
  if (!folder) {
    folder = walkFolders(tree, folders);
    if (byFolder.size < 10_000) byFolder.set(key, folder);
  }
  // A level named after the node itself (rare).
  const own: unknown = folder.level?.[fqn[fqn.length - 1]!];
  if (!isPlainObject(own)) return folder.config;
  const config = { ...folder.config };
  levelOf(own, config);
  return config;
}

/** The tree's configs replaced by the node's own (`own` keys last, but where the tree had them). */
export function withOwnConfig(tree: Readonly<Record<string, unknown>>, own: Readonly<Record<string, unknown>> | null): Readonly<Record<string, unknown>> {
  if (!own || !Object.keys(own).length) return tree;
  return { ...tree, ...own };
}

/**
 * dbt's merge_config_dicts, for config() calls made one after another: tags and hooks appended
 * (not deduplicated), mappings (meta, docs, ...) merged key by key, anything else replaced.
 */
export function mergeConfigCalls(into: Record<string, unknown>, call: Readonly<Record<string, unknown>>): void {
  for (const key of Object.keys(call)) {
    const value = call[key];
    if (!(key in into)) into[key] = value;
    else if (key === 'tags' || key === 'pre_hook' || key === 'post_hook' || key === 'pre-hook' || key === 'post-hook') into[key] = [...listify(into[key]), ...listify(value)];
    else if (isPlainObject(into[key]) && isPlainObject(value)) into[key] = { ...(into[key] as Record<string, unknown>), ...value };
    else into[key] = value;
  }
}

function listify(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === null || v === undefined ? [] : [v];
}
