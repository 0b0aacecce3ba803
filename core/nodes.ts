// The nodes of a parsed project. Shapes follow dbt's manifest closely (see
// ../shared/reference/artifacts-and-output.md) so artifacts can be written almost 1:1.
import type { ProjectOperation } from './artifacts/operation-json.js';
import type { SourceLocation } from './errors.js';
import type { SemanticLayer } from './semantic/types.js';
import type { QuotePolicy } from '../adapters/adapter.js';
import type { QuotingSettings } from './project/quoting.js';

export type ResourceType = 'model' | 'seed' | 'snapshot' | 'test' | 'analysis' | 'source' | 'macro' | 'operation';

export type Materialization = 'view' | 'table' | 'ephemeral' | 'incremental' | 'seed' | 'test' | 'snapshot' | string;

/** Node config after precedence has been applied. Known keys typed; custom keys kept. */
export interface NodeConfig {
  enabled: boolean;
  materialized: Materialization;
  schema?: string | null;
  database?: string | null;
  alias?: string | null;
  tags: string[];
  meta: Record<string, unknown>;
  full_refresh?: boolean | null;
  unique_key?: string | string[] | null;
  pre_hook?: string[];
  post_hook?: string[];
  /** seeds */
  column_types?: Record<string, string>;
  delimiter?: string;
  quote_columns?: boolean | null;
  [key: string]: unknown;
}

export interface ColumnInfo {
  name: string;
  description: string;
  data_type: string | null;
  meta: Record<string, unknown>;
  tags: string[];
  /** Test entries declared on the column, as written (recorded for the data-tests issue). */
  data_tests: unknown[];
  /** Constraints declared on the column (models; applied when the contract is enforced). */
  constraints?: ConstraintDef[];
  /** Where the column is declared in property YAML. */
  loc?: SourceLocation;
  /** The doc blocks its description shows (`{{ doc('x') }}`): manifest.json's doc_blocks. Absent when none. */
  docBlocks?: string[];
  /** `quote:` as written (source columns' manifest.json; absent or null when not given). */
  quote?: boolean | null;
}

export type ConstraintType = 'not_null' | 'unique' | 'primary_key' | 'foreign_key' | 'check' | 'custom';

/** One `constraints:` entry of a model or of one of its columns (dbt's shape), validated. */
export interface ConstraintDef {
  type: ConstraintType;
  name: string | null;
  /** check: the condition; foreign_key (older form): `other_table (column)`; custom: the clause. */
  expression: string | null;
  /** The columns it covers: the column it is declared on, or a model-level entry's `columns`. */
  columns: string[];
  /** True when declared on a column (rendered inline), false for a model-level entry. */
  onColumn: boolean;
  /** foreign_key: `ref('x')` as written, and the columns it points at. */
  to: string | null;
  toColumns: string[];
  /** foreign_key `to: ref(...)`: the referenced relation, resolved with the other refs. */
  toRelation?: { database: string; schema: string; identifier: string };
  warnUnenforced: boolean;
  warnUnsupported: boolean;
  loc: SourceLocation;
}

export interface RefCall {
  readonly name: string;
  readonly package?: string;
  readonly version?: string | number;
}

export interface DependsOn {
  nodes: string[];
  macros: string[];
}

/** An ephemeral model inlined as a CTE, as manifest.json's `extra_ctes` list it (dbt's `{id, sql}`). */
export interface ExtraCte {
  readonly id: string;
  /** The CTE's definition as injected, after a space as dbt writes it (` __dbt__cte__x as (...)`). */
  readonly sql: string;
}

export interface ParsedNode {
  uniqueId: string;
  resourceType: 'model' | 'seed' | 'snapshot' | 'test' | 'analysis' | 'unit_test';
  packageName: string;
  name: string;
  /** Path relative to its resource root (e.g. `staging/stg_orders.sql`). */
  path: string;
  /** Path relative to the project root (e.g. `models/staging/stg_orders.sql`). */
  originalFilePath: string;
  fqn: string[];
  rawCode: string;
  /** The doc blocks its description shows (`{{ doc('x') }}`): manifest.json's doc_blocks. Absent when none. */
  docBlocks?: string[];
  /**
   * dbt's checksum, hex: the sha256 of the file stripped of surrounding whitespace (as dbt reads
   * files, core/project/dbt-strip.ts); a seed over dbt's size limit: its stat stamp (core/seeds/seed-stamp.ts).
   */
  checksum: string;
  /** A seed's sha256 of all its bytes, when it differs from `checksum` (the seed cache tells whitespace changes apart). */
  fileChecksum?: string;
  config: NodeConfig;
  /** The configs written for it, unrendered (core/project/unrendered-config.ts): manifest.json's unrendered_config. Absent: none. */
  unrenderedConfig?: Readonly<Record<string, unknown>>;
  description: string;
  columns: Record<string, ColumnInfo>;
  refs: RefCall[];
  sources: [string, string][];
  dependsOn: DependsOn;
  patchPath: string | null;
  /** Resolved at parse time from target + config (generate_schema_name etc). */
  database: string;
  schema: string;
  alias: string;
  /** The root project's `quoting:` where it leaves a part unquoted (core/project/quoting.ts); absent: all quoted. */
  quotePolicy?: QuotePolicy;
  /** The location of the definition, for errors. */
  loc: SourceLocation;
  /** Data tests declared on the model in YAML (recorded for the data-tests issue). */
  dataTests: unknown[];
  /** Where the node's entry in property YAML starts (contract errors point there). */
  patchLoc?: SourceLocation;
  /** Model-level `constraints:` (and not_null/unique/... on several columns). */
  constraints?: ConstraintDef[];
  /** Set by compile. */
  compiledCode?: string;
  /** Set by the runner on a data test whose query it sent (manifest.json then lists the macros dbt's test materialization calls). */
  testExecuted?: true;
  /**
   * Set by a run once the node's statements go out: its target/run file as manifest.json's
   * build_path names it (`target/run/<package>/<path>`, under the configured target path).
   */
  buildPath?: string;
  /** Set by compile: the ephemeral ancestors injected into compiledCode (absent when none). */
  extraCtes?: readonly ExtraCte[];
  /** Seeds: absolute path of the CSV. */
  seedFile?: string;
  /** Generic tests: which test, with what arguments (as written in YAML). */
  testMetadata?: TestMetadata;
  /** Tests: the column a generic test is declared on. */
  columnName?: string | null;
  /**
   * Generic tests: the configs their YAML entry sets (rendered, in dbt's order; a hashed name's
   * short one as `alias`), those of the config() call dbt appends to their raw_code (absent:
   * none). Rendering the raw_code, dbt applies them after a test macro's own config() calls.
   */
  entryConfig?: Readonly<Record<string, unknown>>;
  /**
   * Generic tests: what dbt's node `tags` begin with, before the config's: the entry's tags, its
   * column's (`tags:` and `config: {tags}`) and, for a source's test, the source's and table's
   * `tags:`, sorted, each once (absent: none; core/data-tests/node-tags.ts).
   */
  leadTags?: readonly string[];
  /** Tests: the model/seed/snapshot the test belongs to (its tests run right after it). */
  attachedNode?: string | null;
  /** Unit tests: the definition from YAML. */
  unitTest?: UnitTestDef;
  /** Versioned models: this node's `v`, and the model's latest version (what `ref('name')` means). */
  version?: string | number;
  latestVersion?: string | number;
  /** `deprecation_date` of a model (ISO text as written): refs to it warn once the date has passed. */
  deprecationDate?: string;
}

export interface UnitTestInput {
  /** `ref('x')` or `source('s', 't')` as written. */
  readonly input: string;
  readonly ref?: string;
  readonly source?: readonly [string, string];
  readonly format: 'dict' | 'csv' | 'sql';
  readonly rows: unknown;
}

export interface UnitTestDef {
  readonly name: string;
  readonly model: string;
  readonly given: readonly UnitTestInput[];
  readonly expect: { readonly format: 'dict' | 'csv' | 'sql'; readonly rows: unknown };
  readonly overrides: { readonly vars: Record<string, unknown>; readonly macros: Record<string, unknown>; readonly envVars: Record<string, string> };
  /** The entry has no `overrides:` (manifest.json's overrides is then null, as dbt's). */
  readonly noOverrides?: true;
  readonly loc: SourceLocation;
}

export interface TestMetadata {
  readonly name: string;
  readonly namespace: string | null;
  readonly kwargs: Readonly<Record<string, unknown>>;
}

export interface SourceTable {
  uniqueId: string;
  resourceType: 'source';
  packageName: string;
  sourceName: string;
  name: string;
  identifier: string;
  database: string;
  schema: string;
  /** `quoting:` of the source, then the table (manifest.json's); absent: none written. */
  quoting?: QuotingSettings;
  /** How source() writes it (`quoting` over the default, without the project's); absent: all quoted. */
  quotePolicy?: QuotePolicy;
  /** How manifest.json's relation_name and `source freshness` write it (`quoting` over the project's); absent: all quoted. */
  projectQuotePolicy?: QuotePolicy;
  description: string;
  sourceDescription: string;
  loader: string;
  columns: Record<string, ColumnInfo>;
  meta: Record<string, unknown>;
  /** The source's own `meta:` and `config: {meta}` (manifest.json's source_meta). */
  sourceMeta?: Record<string, unknown>;
  /** dbt's: the source's and table's `tags:` and config tags, sorted, each once; config.tags the same (core/parser/source-tags.ts). */
  tags: string[];
  /** Every key dbt 1.11 writes, in its order (core/parser/source-config.ts). */
  config: { enabled: boolean; [key: string]: unknown };
  /** manifest.json's unrendered_config (core/parser/source-config.ts); absent: {}. */
  unrenderedConfig?: Record<string, unknown>;
  loadedAtField: string | null;
  loadedAtQuery?: string | null;
  /** The table's thresholds over the source's (every key), null when turned off. */
  freshness: unknown;
  /** The doc blocks its description shows (manifest.json's doc_blocks); absent when none. */
  docBlocks?: string[];
  originalFilePath: string;
  path: string;
  fqn: string[];
  loc: SourceLocation;
  dataTests: unknown[];
}

export interface MacroDef {
  uniqueId: string;
  name: string;
  packageName: string;
  originalFilePath: string;
  path: string;
  macroSql: string;
  /** Argument names in order. */
  arguments: string[];
  description: string;
  loc: SourceLocation;
  /** The property file whose `macros:` entry describes it (core/parser/macro-patches.ts). */
  patchPath?: string;
  /** The arguments that entry describes (manifest.json's `arguments`; without one, the names above). */
  argumentDocs?: MacroArgumentDoc[];
}

export interface MacroArgumentDoc {
  name: string;
  type: string | null;
  description: string;
}

export interface DocBlock {
  uniqueId: string;
  name: string;
  packageName: string;
  originalFilePath: string;
  /** Relative to the resource folder it was found in (`docs.md` for models/docs.md), as dbt's. */
  path: string;
  blockContents: string;
  loc: SourceLocation;
}

/** A downstream use of the project (dashboard, notebook, app) declared under `exposures:`. */
export interface Exposure {
  uniqueId: string;
  resourceType: 'exposure';
  packageName: string;
  name: string;
  label: string | null;
  type: string;
  /** Both keys always present (null when not given), as in dbt's manifest and graph. */
  owner: { name: string | null; email: string | null };
  description: string;
  url: string | null;
  maturity: string | null;
  tags: string[];
  meta: Record<string, unknown>;
  config: { enabled: boolean; [key: string]: unknown };
  refs: RefCall[];
  sources: [string, string][];
  dependsOn: DependsOn;
  originalFilePath: string;
  path: string;
  fqn: string[];
  loc: SourceLocation;
}

/** The parsed project: everything a command needs, before compile. */
export interface Manifest {
  projectName: string;
  nodes: Map<string, ParsedNode>;
  sources: Map<string, SourceTable>;
  macros: Map<string, MacroDef>;
  docs: Map<string, DocBlock>;
  disabled: Map<string, ParsedNode>;
  /** Exposures, once parsed (selectable with `exposure:`; part of the graph). */
  exposures?: Map<string, Exposure>;
  /** The vars in effect (project + --vars), recorded so a later `state:modified` can see changes. */
  vars?: Readonly<Record<string, unknown>>;
  /** `groups:` of property YAML: who owns which models (a private model is referable only inside its group). */
  groups?: Map<string, GroupDef>;
  /** Installed packages' folders as file paths begin with them (`dbt_packages/<name>`), by package name. */
  packageRoots?: ReadonlyMap<string, string>;
  /** on-run-start / on-run-end hooks (dbt's `operation` nodes), when the project or a package has any. */
  operations?: { readonly hooks: readonly ProjectOperation[]; readonly target: { readonly database: string; readonly schema: string } };
  /** `semantic_models:`, `metrics:`, `saved_queries:` and time spines, when the project declares any. */
  semantic?: SemanticLayer;
  /** The root project's `quoting:` as written (manifest.json's metadata.quoting); absent: none. */
  quoting?: QuotingSettings;
}

export interface GroupDef {
  uniqueId: string;
  name: string;
  packageName: string;
  originalFilePath: string;
  owner: Record<string, unknown>;
  description: string;
  loc: SourceLocation;
}
