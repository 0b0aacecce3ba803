// What a property YAML file (`models:`, `seeds:`, `sources:`, ...) declares, after validation.
import type { SourceLocation } from '../errors.js';
import type { ColumnInfo } from '../nodes.js';

export interface NodePatch {
  readonly name: string;
  readonly description: string;
  /** Raw config keys from `config:` (validated, not yet merged). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly columns: readonly ColumnInfo[];
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
  readonly columns: readonly ColumnInfo[];
  readonly dataTests: readonly unknown[];
  readonly loadedAtField: string | null;
  readonly freshness: unknown;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly tags: readonly string[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly loc: SourceLocation;
}

export interface SourceDecl {
  readonly name: string;
  readonly description: string;
  readonly database: string | null;
  readonly schema: string | null;
  readonly loader: string;
  readonly loadedAtField: string | null;
  readonly freshness: unknown;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly tags: readonly string[];
  readonly config: Readonly<Record<string, unknown>>;
  readonly tables: readonly SourceTableDecl[];
  readonly loc: SourceLocation;
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
}
