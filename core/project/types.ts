// What loading a project produces: the project file, the selected profile target and the
// discovered files. Parsing (core/parser/) turns these into nodes.
import type { KilnError, SourceLocation } from '../errors.js';

/**
 * Renders one YAML string value that contains Jinja (`"{{ env_var('X', 'd') }}"`). Injected by
 * the caller so project loading does not depend on the template engine; called only for
 * strings containing `{{` or `{%`.
 */
export type RenderString = ((text: string, loc: SourceLocation) => string) & {
  /**
   * The same value rendered natively, as dbt renders YAML (`"{{ var('n') }}"` is the number the
   * var holds); where given, renderTree uses it for the paths its caller asks.
   */
  readonly native?: (text: string, loc: SourceLocation) => unknown;
};

/**
 * A config tree from dbt_project.yml (`models:`, `seeds:`, ...): `+key` configs and sub-folders.
 * Loaded trees are validated and normalized: every config is a `+key` with its normalized name
 * (`+pre_hook` lists, `+tags` lists).
 */
export type ConfigTree = { readonly [key: string]: unknown };

export interface ProjectFile {
  readonly name: string;
  readonly profile: string;
  readonly version?: string;
  readonly modelPaths: readonly string[];
  readonly seedPaths: readonly string[];
  readonly snapshotPaths: readonly string[];
  readonly testPaths: readonly string[];
  readonly macroPaths: readonly string[];
  readonly analysisPaths: readonly string[];
  readonly docsPaths: readonly string[];
  readonly assetPaths: readonly string[];
  readonly targetPath: string;
  readonly packagesInstallPath: string;
  readonly cleanTargets: readonly string[];
  readonly configVersion?: number;
  readonly requireDbtVersion: readonly string[];
  readonly flags: Readonly<Record<string, unknown>>;
  /** Project-level `quoting:` ({database, schema, identifier}). */
  readonly quoting: Readonly<Record<string, unknown>>;
  /** `dispatch:` entries as written: `{macro_namespace, search_order}`. */
  readonly dispatch: readonly { readonly macro_namespace: string; readonly search_order: readonly string[] }[];
  readonly queryComment?: unknown;
  /** Project vars: global ones and `{<package>: {...}}` scoped ones, as written. */
  readonly vars: Readonly<Record<string, unknown>>;
  readonly models: ConfigTree;
  readonly seeds: ConfigTree;
  readonly snapshots: ConfigTree;
  readonly dataTests: ConfigTree;
  /**
   * The folder config trees as written, before rendering, by resource key (`models`, `seeds`,
   * `snapshots`, `data_tests`, `sources`): manifest.json's unrendered_config (core/project/unrendered-config.ts).
   */
  readonly unrenderedTrees?: Readonly<Partial<Record<'models' | 'seeds' | 'snapshots' | 'data_tests' | 'sources', Readonly<Record<string, unknown>>>>>;
  readonly sources: ConfigTree;
  readonly analyses: ConfigTree;
  readonly onRunStart: readonly string[];
  readonly onRunEnd: readonly string[];
  /** Every top-level key as written (rendered), for settings not modelled above. */
  readonly raw: Readonly<Record<string, unknown>>;
  /** The file's own location, for errors that concern the project as a whole. */
  readonly file: string;
}

/** One output of profiles.yml, after env_var() rendering and type conversion. */
export interface TargetConfig {
  readonly name: string;
  readonly type: string;
  readonly schema: string;
  /** The catalog/database; for DuckDB derived from the file name when not given. */
  readonly database: string;
  readonly threads: number;
  /** Every field as given (rendered), adapter-specific ones included. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** Field names whose values must never be printed. */
  readonly secretFields: readonly string[];
  /** Where `type:` is written, for errors about it (an unknown adapter). */
  readonly typeLoc?: SourceLocation;
}

export interface ProfileSelection {
  readonly profileName: string;
  readonly target: TargetConfig;
  /** The profiles.yml that was read. */
  readonly file: string;
}

export type FileKind = 'model' | 'seed' | 'snapshot' | 'test' | 'macro' | 'analysis' | 'properties' | 'doc';

export interface ProjectSourceFile {
  readonly kind: FileKind;
  /** Path relative to the project root, with forward slashes. */
  readonly path: string;
  readonly absPath: string;
  /** The resource path it was found under (e.g. `models`). */
  readonly root: string;
  readonly contents: string;
  /** sha256 of the contents, hex; a seed over dbt's size limit: its stat stamp (core/seeds/seed-stamp.ts). */
  readonly checksum: string;
  /** dbt's checksum (manifest.json): of the contents stripped of surrounding whitespace (dbt-strip.ts); `checksum` when nothing is stripped. */
  readonly dbtChecksum: string;
  /** The installed package the file belongs to; absent for the project's own files. */
  readonly packageName?: string;
}

export interface LoadedProject {
  readonly root: string;
  readonly project: ProjectFile;
  readonly files: readonly ProjectSourceFile[];
  /** Vars from --vars (highest precedence). */
  readonly cliVars: Readonly<Record<string, unknown>>;
  /** Warnings found while loading (unknown keys, legacy names, unsupported files). */
  readonly warnings: readonly KilnError[];
}

export interface Located<T> {
  readonly value: T;
  readonly loc: SourceLocation;
}
