// A source table's settled configuration as dbt-core 1.11 writes it in manifest.json (checked
// against dbt 1.11.16): which of dbt_project.yml's `sources:` configs, the source's and the
// table's keys reach `config`, `meta`, `source_meta`, `freshness` and `unrendered_config`.
//
// What dbt does, in short:
// - `freshness`: the table's over the source's, threshold by threshold (`warn_after`, `error_after`,
//   `filter`); `freshness: null` on the table (or on the source, with none on the table) turns it
//   off; dbt_project.yml's `+freshness` applies only when no YAML level gives one.
// - `loaded_at_field` / `loaded_at_query`: the table's, else the source's; dbt_project.yml's do not reach them.
// - `meta`: dbt_project.yml's, then the source's `meta:` and `config: {meta}`, then the table's;
//   `source_meta` only the source's two. Tags: source-tags.ts.
// - `config`: enabled, event_time, freshness, loaded_at_field, loaded_at_query, meta, tags,
//   static_analysis, in that order, every key present.
// - `unrendered_config`: the configs dbt_project.yml (as written), the source's and the table's
//   `config:` set, then over them freshness (when the YAML gives one), loaded_at_field,
//   loaded_at_query, the YAML's meta (no dbt_project.yml meta) and the tags.
import { mergeConfigs } from '../project/config-tree.js';
import type { SourceDecl, SourceTableDecl } from '../project/properties-types.js';

export interface SourceSettled {
  readonly config: { enabled: boolean; [key: string]: unknown };
  readonly unrenderedConfig: Record<string, unknown>;
  readonly meta: Record<string, unknown>;
  readonly sourceMeta: Record<string, unknown>;
  /** Thresholds with every key (unset ones {count: null, period: null}), or null when turned off. */
  readonly freshness: Record<string, unknown> | null;
  readonly loadedAtField: string | null;
  readonly loadedAtQuery: string | null;
}

/** Keys config gets from its own rules below; any other key a config level sets follows them. */
const OWN_KEYS = new Set(['enabled', 'event_time', 'freshness', 'loaded_at_field', 'loaded_at_query', 'meta', 'tags', 'static_analysis']);

const NO_THRESHOLD = Object.freeze({ count: null, period: null });

/**
 * @param tree dbt_project.yml's `sources:` configs for the table
 * @param treeAsWritten the same before rendering, each level's keys replacing the level above's (unrendered-config.ts)
 */
export function settleSourceConfig(src: SourceDecl, t: SourceTableDecl, tree: Readonly<Record<string, unknown>>, treeAsWritten: Readonly<Record<string, unknown>>, tags: readonly string[]): SourceSettled {
  const merged = mergeConfigs(mergeConfigs(tree, src.config), t.config);
  const projectMeta = recordOr(tree.meta);
  const projectFreshness = tree.freshness;
  const sourceMeta = { ...src.meta, ...recordOr(src.config.meta) };
  const yamlMeta = { ...sourceMeta, ...t.meta, ...recordOr(t.config.meta) };
  const meta = projectMeta ? { ...projectMeta, ...yamlMeta } : { ...yamlMeta };
  const yamlFreshness = mergeFreshness(src.freshness, t.freshness);
  const freshness = yamlFreshness !== undefined ? yamlFreshness : projectFreshness !== undefined ? fullFreshness(projectFreshness) : fullFreshness(undefined);
  const loadedAtField = t.loadedAtField ?? src.loadedAtField;
  const tableQuery = stringOr(t.extra.loaded_at_query) ?? stringOr(t.config.loaded_at_query);
  // A table's own loaded_at_field sets the source's loaded_at_query aside (not the other way round).
  const loadedAtQuery = tableQuery ?? (t.loadedAtField ? null : (stringOr(src.extra.loaded_at_query) ?? stringOr(src.config.loaded_at_query) ?? null));
  const eventTime = merged.event_time ?? null;
  const config: { enabled: boolean; [key: string]: unknown } = {
    enabled: merged.enabled !== false,
    event_time: eventTime,
    freshness,
    loaded_at_field: loadedAtField,
    loaded_at_query: loadedAtQuery,
    meta,
    tags: tags.slice(),
    static_analysis: merged.static_analysis ?? null,
  };
  for (const k of Object.keys(merged)) if (!OWN_KEYS.has(k) && merged[k] !== undefined) config[k] = merged[k];
  // Keys in dbt's order: where dbt_project.yml, then the source's and the table's config: first set
  // them; then the settled values over them (a new key goes last).
  const unrenderedConfig: Record<string, unknown> = { ...treeAsWritten, ...src.config, ...t.config };
  if (yamlFreshness !== undefined) unrenderedConfig.freshness = yamlFreshness;
  unrenderedConfig.loaded_at_field = loadedAtField;
  unrenderedConfig.loaded_at_query = loadedAtQuery;
  unrenderedConfig.meta = yamlMeta;
  unrenderedConfig.tags = tags.slice();
  return { config, unrenderedConfig, meta, sourceMeta, freshness, loadedAtField, loadedAtQuery };
}

/**
 * The table's freshness over the source's (undefined: neither gives one). As dbt, the table's
 * thresholds replace the source's one by one; an explicit null on the table turns it off.
 */
function mergeFreshness(source: unknown, table: unknown): Record<string, unknown> | null | undefined {
  if (table === null) return null;
  if (table === undefined) return source === undefined ? undefined : source === null ? null : fullFreshness(source);
  if (!isRecord(source)) return fullFreshness(table);
  const out: Record<string, unknown> = { ...fullFreshness(source) };
  if (isRecord(table)) for (const k of Object.keys(table)) if (table[k] !== null && table[k] !== undefined) out[k] = table[k];
  return out;
}

/** A freshness with every key dbt writes; null stays null (off). */
function fullFreshness(f: unknown): Record<string, unknown> | null {
  if (f === null) return null;
  if (!isRecord(f)) return { warn_after: NO_THRESHOLD, error_after: NO_THRESHOLD, filter: null };
  const { warn_after, error_after, filter, ...rest } = f;
  return { warn_after: warn_after ?? NO_THRESHOLD, error_after: error_after ?? NO_THRESHOLD, filter: filter ?? null, ...rest };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function recordOr(v: unknown): Record<string, unknown> | undefined {
  return isRecord(v) ? v : undefined;
}

function stringOr(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
