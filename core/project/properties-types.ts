// What a property YAML file (`models:`, `seeds:`, `sources:`, ...) declares, after validation.
import type { SourceLocation } from '../errors.js';
import type { ColumnInfo } from '../nodes.js';

/** A column as declared in property YAML: ColumnInfo plus the declaration-only fields. */
export interface ColumnDecl extends Omit<ColumnInfo, 'constraints'> {
  /** Column-level constraints, as written. */
  readonly constraints: readonly unknown[];
  /** `quote:` (null when not given). */
  readonly quote: boolean | null;
  /** Column `config:` (meta and tags from it are also merged into `meta`/`tags`). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly loc: SourceLocation;
  /** Any other keys of the column (granularity, ...). */
  readonly extra: Readonly<Record<string, unknown>>;
}

export interface NodePatch {
  readonly name: string;
  readonly description: string;
  /** Raw config keys from `config:` (validated, not yet merged). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly columns: readonly ColumnDecl[];
  /** `data_tests:`/`tests:` entries on the node, as written. */
  readonly dataTests: readonly unknown[];
  readonly meta: Readonly<Record<string, unknown>>;
  /** Where the entry starts. */
  readonly loc: SourceLocation;
  /** Any other keys of the entry (docs, access, versions, ...), kept for later issues. */
  readonly extra: Readonly<Record<string, unknown>>;
}

export interface SourceTableDecl {
  readonly name: string;
  readonly identifier: string | null;
  readonly description: string;
  readonly columns: readonly ColumnDecl[];
  readonly dataTests: readonly unknown[];
  readonly loadedAtField: string | null;
  readonly freshness: unknown;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly tags: readonly string[];
  readonly config: Readonly<Record<string, unknown>>;
  /** Table-level `quoting:` overrides. */
  readonly quoting: Readonly<Record<string, unknown>>;
  readonly loc: SourceLocation;
  /** Other keys (external, loaded_at_query, ...). */
  readonly extra: Readonly<Record<string, unknown>>;
}

export interface SourceDecl {
  readonly name: string;
  readonly description: string;
  readonly database: string | null;
  /** Defaults to the source name, as in dbt. */
  readonly schema: string | null;
  readonly loader: string;
  readonly loadedAtField: string | null;
  readonly freshness: unknown;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly tags: readonly string[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly quoting: Readonly<Record<string, unknown>>;
  /** `overrides: <package>`: this source replaces one declared in that package. */
  readonly overrides: string | null;
  readonly tables: readonly SourceTableDecl[];
  readonly loc: SourceLocation;
  readonly extra: Readonly<Record<string, unknown>>;
}

export interface PropertyFile {
  /** Path relative to the project root. */
  readonly path: string;
  readonly models: readonly NodePatch[];
  readonly seeds: readonly NodePatch[];
  readonly snapshots: readonly NodePatch[];
  readonly analyses: readonly NodePatch[];
  readonly sources: readonly SourceDecl[];
  /** Recorded as written for later issues. */
  readonly exposures: readonly unknown[];
  readonly macros: readonly unknown[];
  readonly unitTests: readonly unknown[];
  /** Top-level `data_tests:` entries describing singular tests. */
  readonly singularTests: readonly NodePatch[];
  /** semantic_models, metrics, saved_queries, groups, functions...: recorded as written. */
  readonly other: Readonly<Record<string, readonly unknown[]>>;
}
