// The error model. Every error a user can cause is a KilnError with a stable code, a location
// and a hint; the CLI classifies errors once (user error → exit 2, node failure → exit 1,
// anything else is a kiln bug). Codes are listed in docs/errors.md; never renumber them.

export interface SourceLocation {
  /** Path relative to the project root (or absolute when outside it). */
  readonly file: string;
  /** 1-based line, when known. */
  readonly line?: number;
  /** 1-based column, when known. */
  readonly col?: number;
}

export interface KilnErrorInit {
  readonly loc?: SourceLocation;
  /** Unique id of the node the error belongs to, when there is one. */
  readonly node?: string;
  readonly hint?: string;
  /** Extra locations (e.g. the other file of a duplicate). */
  readonly related?: readonly SourceLocation[];
  readonly cause?: unknown;
  /**
   * Set by an adapter when the failure is transient: the same work, started again from nothing,
   * may succeed (a deadlock, a serialization failure, a server refusing connections for a
   * moment). A short reason, e.g. `deadlock detected (40P01)`. Whether a retry is safe is for the
   * caller to decide: only when nothing of the failed attempt was committed.
   */
  readonly transient?: string;
}

export class KilnError extends Error {
  readonly code: string;
  readonly loc?: SourceLocation;
  readonly node?: string;
  readonly hint?: string;
  readonly related: readonly SourceLocation[];
  readonly transient?: string;

  constructor(code: string, message: string, init: KilnErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'KilnError';
    this.code = code;
    this.loc = init.loc;
    this.node = init.node;
    this.hint = init.hint;
    this.related = init.related ?? [];
    this.transient = init.transient;
  }

  /** `file:line:col`, or '' when the error has no location. */
  where(): string {
    return formatLocation(this.loc);
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      file: this.loc?.file,
      line: this.loc?.line,
      col: this.loc?.col,
      node: this.node,
      hint: this.hint,
      related: this.related.length ? this.related.map(formatLocation) : undefined,
    };
  }
}

/** Several user errors found together (a project that does not load reports all of them). */
export class KilnErrors extends Error {
  readonly errors: readonly KilnError[];
  constructor(errors: readonly KilnError[]) {
    super(errors.map((e) => `[${e.code}] ${e.message}`).join('\n'));
    this.name = 'KilnErrors';
    this.errors = errors;
  }
}

export function formatLocation(loc: SourceLocation | undefined): string {
  if (!loc) return '';
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.line !== undefined && loc.col !== undefined) s += `:${loc.col}`;
  return s;
}

/** Collects problems while loading/parsing so all of them are reported at once. */
export class Problems {
  readonly errors: KilnError[] = [];
  readonly warnings: KilnError[] = [];

  error(e: KilnError): void {
    this.errors.push(e);
  }
  warn(e: KilnError): void {
    this.warnings.push(e);
  }
  /** Records a thrown KilnError/KilnErrors; rethrows anything else (a bug). */
  capture(e: unknown): void {
    if (e instanceof KilnError) this.errors.push(e);
    else if (e instanceof KilnErrors) this.errors.push(...e.errors);
    else throw e;
  }
  get ok(): boolean {
    return this.errors.length === 0;
  }
  throwIfAny(): void {
    if (this.errors.length === 1) throw this.errors[0];
    if (this.errors.length > 1) throw new KilnErrors(this.errors);
  }
}

/** Stable error codes. Add, never renumber; document each in docs/errors.md. */
export const Codes = {
  // project and profile loading
  PROJECT_NOT_FOUND: 'KLN101',
  YAML_SYNTAX: 'KLN102',
  CONFIG_INVALID: 'KLN103',
  CONFIG_UNKNOWN_KEY: 'KLN104', // a warning
  PROFILE_NOT_FOUND: 'KLN105',
  TARGET_NOT_FOUND: 'KLN106',
  ENV_VAR_UNSET: 'KLN107',
  VARS_INVALID: 'KLN108',
  FILE_UNREADABLE: 'KLN109',
  VERSION_UNSUPPORTED: 'KLN110', // require-dbt-version excludes the dbt version kiln follows (off with --no-version-check)
  // templates
  JINJA_SYNTAX: 'KLN201',
  JINJA_RENDER: 'KLN202',
  COMPILER_ERROR: 'KLN203', // exceptions.raise_compiler_error
  VAR_UNDEFINED: 'KLN204',
  DOC_UNKNOWN: 'KLN205',
  MACRO_DUPLICATE: 'KLN206',
  MACRO_UNKNOWN: 'KLN207', // run-operation / a hook names a macro that does not exist
  // graph
  REF_UNKNOWN: 'KLN301',
  SOURCE_UNKNOWN: 'KLN302',
  CYCLE: 'KLN303',
  NAME_DUPLICATE: 'KLN304',
  SELECTOR_INVALID: 'KLN305',
  SELECTOR_UNKNOWN: 'KLN306', // --selector names no selector in selectors.yml
  STATE_MISSING: 'KLN307', // state:/result:/source_status:/--defer/retry without the artifacts they read
  STATE_INVALID: 'KLN308', // a state artifact that is not JSON or not the expected shape
  SELECTION_EMPTY: 'KLN309', // a warning: a selector matches nothing
  ACCESS_DENIED: 'KLN310', // a ref to a private model from outside its group
  REF_DEPRECATED: 'KLN311', // a warning: a ref to a model past its deprecation_date
  // seeds
  CSV_MALFORMED: 'KLN401',
  // execution
  DATABASE_ERROR: 'KLN501',
  DATABASE_UNREACHABLE: 'KLN502',
  ADAPTER_UNKNOWN: 'KLN503',
  CANCELLED: 'KLN504',
  UNIT_TEST_INPUT: 'KLN505',
  SCHEMA_CHANGED: 'KLN506', // on_schema_change: fail (or ignore) and the model's columns changed
  COLUMN_UNKNOWN: 'KLN507', // a config names a column the model's query does not return
  CONTRACT_MISMATCH: 'KLN508', // an enforced contract's columns/types differ from the query's; nothing built
  CONSTRAINT_NOT_ENFORCED: 'KLN509', // a warning: a declared constraint the database (or materialization) does not enforce
  NAME_TRUNCATED: 'KLN510', // a warning: the database cut a name (PostgreSQL: 63 bytes)
  // usage
  USAGE: 'KLN601',
  INIT_TARGET_EXISTS: 'KLN602',
  DOCS_NOT_GENERATED: 'KLN603',
  PORT_IN_USE: 'KLN604',
  /** The machine refuses a file kiln writes: target path is a file, no permission, read-only or full disk. */
  FILE_SYSTEM: 'KLN605',
  // packages
  PACKAGES_INVALID: 'KLN701', // packages.yml / dependencies.yml is malformed
  PACKAGE_NOT_FOUND: 'KLN702', // a local package's folder (or its dbt_project.yml) is missing
  PACKAGE_OFFLINE: 'KLN703', // a package kiln cannot fetch (e.g. an ssh git URL with no git) and no local copy
  PACKAGE_NOT_INSTALLED: 'KLN704', // packages.yml lists packages that `kiln deps` has not installed
  PACKAGE_CONFLICT: 'KLN705', // two packages (or a package and the project) share a name
  PACKAGE_VERSION_CONFLICT: 'KLN706', // two version requirements on one hub package cannot both hold
  PACKAGE_NO_VERSION: 'KLN707', // no version of a hub package satisfies its requirements
  PACKAGE_DOWNLOAD_FAILED: 'KLN708', // the hub or a download URL is unreachable, times out or answers an HTTP error
  PACKAGE_ARCHIVE_INVALID: 'KLN709', // a downloaded archive is not a .tar.gz holding a dbt project
  PACKAGE_GIT_FAILED: 'KLN710', // git could not clone or check out a package's repository
  // semantic layer
  SEMANTIC_REF_UNKNOWN: 'KLN801', // a semantic model, metric or saved query names a model, measure, metric or dimension that does not exist
  SEMANTIC_DUPLICATE: 'KLN802', // two semantic models, metrics, saved queries or measures (or two elements of one semantic model) share a name
  TIME_SPINE_MISSING: 'KLN803', // a warning: metrics but no time spine of day grain or finer (dbt's parse fails)
} as const;

export type ErrorCode = (typeof Codes)[keyof typeof Codes];
