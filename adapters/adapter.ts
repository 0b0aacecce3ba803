// The Adapter contract: everything core/ may ask of a database. Materializations are written
// once against this interface; they ask for capabilities and SQL builders, never for an
// adapter's name. A new database is a new folder under adapters/ implementing this file.
import type { ErrorCode, KilnError } from '../core/errors.js';

/**
 * Which parts of a relation's name are written quoted (dbt's quote policy, from `quoting:`). A part
 * written unquoted is folded by the database as it folds any unquoted name (PostgreSQL and Trino:
 * to lower case; SqlDialect.foldUnquoted).
 */
export interface QuotePolicy {
  readonly database: boolean;
  readonly schema: boolean;
  readonly identifier: boolean;
}

/** A fully qualified relation name. `database` is the catalog (DuckDB: the attached file's name). */
export interface RelationName {
  readonly database: string;
  readonly schema: string;
  readonly identifier: string;
  /**
   * How the name is written in SQL; absent: every part quoted, so the parts are the names exactly
   * as stored (what the relation cache and the catalog answer).
   */
  readonly quoting?: QuotePolicy;
}

export type RelationType = 'table' | 'view';

export interface Relation extends RelationName {
  readonly type: RelationType;
}

export interface ColumnDescription {
  readonly name: string;
  /** The database's own type name, e.g. `INTEGER`, `character varying`. */
  readonly dataType: string;
  readonly index: number;
}

/** A relation with its columns and the statistics the database keeps cheaply (the docs catalog). */
export interface RelationDescription extends Relation {
  readonly columns: readonly (ColumnDescription & { readonly comment: string | null })[];
  /** Rows, exact or the database's own estimate; null when it keeps none (views, unanalysed tables). */
  readonly rowCount: number | null;
  readonly comment: string | null;
  readonly owner: string | null;
}

/**
 * What dbt's adapter for a database puts in run_results.json's adapter_response for a node's SQL:
 * 'status', the statement's status tag with its code and row count (dbt-postgres); 'ok',
 * `{_message: 'OK'}` whatever ran (dbt-duckdb). Seeds report their INSERT either way.
 */
export type AdapterResponseStyle = 'status' | 'ok';

export interface QueryResult {
  readonly columns: readonly string[];
  /** Values converted to JS: numbers, strings, booleans, null; BIGINT beyond 2^53 as string. */
  readonly rows: readonly (readonly unknown[])[];
}

export interface ExecResult {
  /** Rows written or read, where the database reports it. */
  readonly rowsAffected: number | null;
  /** A short status like dbt's adapter_response `_message` (e.g. `CREATE TABLE`, `OK`). */
  readonly message: string;
}

/** Column types kiln infers for seeds; each adapter maps them to its own names. */
export type SeedColumnType = 'integer' | 'bigint' | 'numeric' | 'boolean' | 'date' | 'timestamp' | 'text';

export interface SeedColumn {
  readonly name: string;
  /** The database type to create the column with (already mapped or user-given). */
  readonly sqlType: string;
}

export interface SeedLoad {
  /** Absolute path of the CSV file. */
  readonly file: string;
  readonly delimiter: string;
  readonly columns: readonly SeedColumn[];
  /** Whether identifiers of seed columns are quoted. */
  readonly quoteColumns: boolean;
  /** Number of data rows (known from kiln's own pass over the file); -1 while `reading`. */
  readonly rowCount: number;
  /**
   * Present only for adapters with `loadsSeedsWhileReading`, for a file kiln has not read yet:
   * `columns` are then a guess from the file's first and last rows. The loader starts loading
   * with them, calls `reading.read()` to have kiln read the file meanwhile, then
   * `await reading.finish()` before the load can commit: it throws the file's error (KLN4xx, at
   * its line), else answers the real columns and rows; when the columns differ from the guess,
   * the loader loads again with the answer's.
   */
  readonly reading?: SeedLoadReading;
}

export interface SeedLoadReading {
  /** Reads the file without blocking the event loop for long; never rejects. Same promise each call. */
  read(): Promise<void>;
  /**
   * The file's columns (mapped as `columns` are) and data rows, once this file and every other
   * seed file of the run is read: a load never commits while another seed's file may still turn
   * out malformed. Throws this file's error, or a KilnError naming the other file.
   */
  finish(): Promise<{ readonly columns: readonly SeedColumn[]; readonly rowCount: number }>;
}

export interface AdapterCapabilities {
  /** DDL (create/rename/drop) can be rolled back inside a transaction. */
  readonly supportsTransactionalDdl: boolean;
  /** `MERGE INTO` is available. */
  readonly supportsMerge: boolean;
  /** `CREATE OR REPLACE VIEW` is atomic and allowed. */
  readonly supportsCreateOrReplaceView: boolean;
  /** Maximum identifier length in bytes; longer names are shortened before suffixes are added. */
  readonly maxIdentifierLength: number;
  /** The `incremental_strategy` values this database can run (`merge` falls back to update + insert without MERGE). */
  readonly incrementalStrategies: readonly string[];
  /** `indexes` configs are created (else they are ignored). */
  readonly supportsIndexes: boolean;
  /**
   * Optional, default false: updating scattered rows in place costs about a rewrite of the table
   * (columnar storage rewrites every touched row group). The merge strategy then replaces the
   * matched rows (delete + insert of the merged rows) instead of updating them; same result.
   */
  readonly prefersReplaceToUpdate?: boolean;
  /**
   * Optional, default false: `create or replace table ... as` replaces a table atomically, whatever
   * its columns (SqlDialect.createOrReplaceTableAs); table builds use it instead of build-and-rename.
   */
  readonly supportsCreateOrReplaceTable?: boolean;
  /**
   * Optional, default false: `create or replace view` also takes a changed column list
   * (SqlDialect.createOrReplaceViewAs), so views are replaced in place rather than built under a
   * temporary name and renamed. (Postgres' accepts added columns only.)
   */
  readonly replacesViewsInPlace?: boolean;
  /**
   * Optional, default false: `create or replace view` (SqlDialect.createOrReplaceViewAs) takes a
   * new query whose columns extend the old view's (the same names and types first, any new ones
   * after), and refuses any other, changing nothing (SqlDialect.viewReplaceRefused tells that
   * error). Views are then replaced in place, which keeps the views built on them, and built
   * under a temporary name and swapped only when the database refused (Postgres).
   */
  readonly replacesCompatibleViewsInPlace?: boolean;
  /**
   * Optional, default true: rows of a table can be deleted and updated (DELETE, UPDATE or MERGE).
   * Snapshots need it; false where tables only grow by INSERT (Trino's memory connector).
   */
  readonly supportsDelete?: boolean;
  /**
   * Optional, default none: the constraint types (`not_null`, `unique`, `primary_key`,
   * `foreign_key`, `check`, `custom`) `createContractTable` writes into the table, where the
   * database enforces them. Others are left out with a warning (dbt's rule).
   */
  readonly enforcedConstraints?: readonly string[];
  /**
   * Optional, default false: loadCsv handles SeedLoad.reading (starts loading a seed with guessed
   * column types while kiln reads the file, and loads again when the guess was wrong).
   */
  readonly loadsSeedsWhileReading?: boolean;
  /** Optional, default false: privileges can be granted to roles (`grants` config; else a no-op). */
  readonly supportsGrants?: boolean;
  /** Optional, default false: `comment on` relations and columns (`persist_docs`). */
  readonly supportsComments?: boolean;
  /** Optional: whose capabilities these are, for messages (e.g. a Trino connector and its catalog); default: the adapter type. */
  readonly describedAs?: string;
}

/** Aliases of the target and the source relation in the DML builders (dbt's names, so user predicates work as written). */
export const DEST_ALIAS = 'DBT_INTERNAL_DEST';
export const SOURCE_ALIAS = 'DBT_INTERNAL_SOURCE';

/** One `indexes` entry of a model's config. */
export interface IndexSpec {
  readonly columns: readonly string[];
  readonly unique: boolean;
  /** Index method (`btree`, `hash`, ...) where the database has them. */
  readonly type: string | null;
}

/** One constraint of a contracted table, as `createContractTable` writes it. */
export interface ConstraintSpec {
  readonly type: string;
  readonly name: string | null;
  /** check / custom: the condition or clause; foreign_key without `references`: `table (column)`. */
  readonly expression: string | null;
  /** Model-level entries: the columns they cover (raw names, quoted by the dialect). */
  readonly columns: readonly string[];
  readonly references: { readonly relation: RelationName; readonly columns: readonly string[] } | null;
}

/** A column of a contracted table: its declared type and the constraints written on it. */
export interface ContractColumn {
  readonly name: string;
  readonly dataType: string;
  readonly constraints: readonly ConstraintSpec[];
}

/** One `merge into` statement: match on `on`, update `update` (none: matched rows stay), insert the rest. */
export interface MergeSpec {
  /** The match condition over DBT_INTERNAL_DEST and DBT_INTERNAL_SOURCE. */
  readonly on: string;
  /** Pairs of (target column, expression) for matched rows; empty: no `when matched` clause. */
  readonly update: readonly (readonly [string, string])[];
  /** Columns inserted from the source for rows with no match. */
  readonly insertColumns: readonly string[];
}
/**
 * One connection, owned by one worker at a time. Every failure is a KilnError carrying the
 * database's own message; where the database names a character position in the statement, a
 * StatementError (core/sql-position.ts), which the runner maps onto the node's compiled SQL.
 */
export interface Connection {
  /** Runs one or more statements; result of the last. */
  execute(sql: string): Promise<ExecResult>;
  /** Runs a query and returns its rows. */
  query(sql: string): Promise<QueryResult>;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Bulk-loads a CSV into an existing empty table through the database's fast path. */
  loadCsv(target: RelationName, load: SeedLoad): Promise<ExecResult>;
  /** Cancels the statement in flight, if any (Ctrl-C). */
  cancel(): Promise<void>;
  /**
   * Optional: runs the items in order as execute(), begin() and commit() would, in as few round
   * trips as the database's protocol allows (a plan's `begin; create ...; alter ...; commit`
   * costs one round trip instead of four). Results in item order (begin/commit included). On a
   * failure it throws as execute() does, and the transaction a `begin` of the items opened is
   * left open for the caller to roll back.
   */
  executeBatch?(items: readonly BatchItem[]): Promise<readonly ExecResult[]>;
  /**
   * Optional: runs several independent transactions, in order, in as few round trips as the
   * database's protocol allows (PostgreSQL: as one multi-statement query), so that nodes ready at
   * the same time share a round trip. Called outside a transaction; each item list is one whole
   * transaction, `begin` first and `commit` last, with statements only between (the runner groups
   * only plans of that shape). Each transaction commits or fails on its own: the first failure is
   * rolled back before this returns, and the transactions after it are not run (the caller runs
   * them again). Never rejects for a database error: that is `failed`.
   */
  executeGroup?(transactions: readonly (readonly BatchItem[])[]): Promise<GroupResult>;
}

/** One item of Connection.executeBatch: a statement, or the start or end of a transaction. */
export type BatchItem = { readonly sql: string } | 'begin' | 'commit';

/** What Connection.executeGroup did: the first `committed.length` transactions committed; the next one failed, if `failed`; the rest did not run. */
export interface GroupResult {
  readonly committed: readonly GroupCommit[];
  /** The transaction after the committed ones, rolled back; its error as executeBatch would throw it. */
  readonly failed?: { readonly error: KilnError };
}

export interface GroupCommit {
  /** One per item, as executeBatch answers (begin and commit included). */
  readonly results: readonly ExecResult[];
  /**
   * performance.now() when the database's answer to this transaction's commit arrived: the node's
   * end. (PostgreSQL sends a query's answers together once all of it has run: in one group, equal.)
   */
  readonly endedAt: number;
}

/** Builds SQL text in the adapter's dialect. Pure: no I/O. */
export interface SqlDialect {
  /**
   * The class name dbt's adapter gives its relations: templates read it as
   * `relation.get('metadata').type` (packages test `.endswith('Relation')`). Default `BaseRelation`.
   */
  readonly relationClassName?: string;
  quoteIdentifier(name: string): string;
  quoteLiteral(value: string | number | boolean | null): string;
  /** `"db"."schema"."identifier"` as it should appear in compiled SQL (parts left unquoted as `rel.quoting` says). */
  renderRelation(rel: RelationName): string;
  /** The name the database stores for `name` written unquoted (PostgreSQL: ASCII letters lowered; DuckDB keeps it). */
  foldUnquoted(name: string): string;
  /** `quoting`: the policy of the relations built in it (its database and schema parts); absent: quoted. */
  createSchema(database: string, schema: string, quoting?: QuotePolicy): string;
  createTableAs(rel: RelationName, sql: string): string;
  createViewAs(rel: RelationName, sql: string): string;
  createTable(rel: RelationName, columns: readonly SeedColumn[], quoteColumns: boolean): string;
  /** Renames a relation within its schema; the new name is written unquoted when `quoteNew` is false (default true). */
  rename(rel: Relation, newIdentifier: string, quoteNew?: boolean): string;
  /**
   * `drop ... if exists`. With `cascade`, dependents go too where the database tracks them
   * (Postgres drops the views built on the relation; DuckDB views bind by name and stay). An
   * adapter whose cascade drops views removes them from its relation cache itself once the drop
   * is committed (kiln reports only the relation it named), so no listing shows a view that is gone.
   */
  drop(rel: Relation, opts?: { cascade?: boolean }): string;
  /** The database type for a seed column type kiln inferred. */
  seedType(t: SeedColumnType): string;
  /** Only where capabilities.supportsCreateOrReplaceTable. */
  createOrReplaceTableAs?(rel: RelationName, sql: string): string;
  /** Only where capabilities.replacesViewsInPlace or replacesCompatibleViewsInPlace. */
  createOrReplaceViewAs?(rel: RelationName, sql: string): string;
  /** Only where capabilities.replacesCompatibleViewsInPlace: the error is the database refusing a view's new columns (nothing changed). */
  viewReplaceRefused?(e: KilnError): boolean;

  // Incremental loads and snapshots. Column names are given raw and quoted here; conditions
  // and expressions are composed by the caller over DEST_ALIAS / SOURCE_ALIAS.
  /** `insert into target (columns) select columns from source as DBT_INTERNAL_SOURCE [where ...]` */
  insertInto(target: RelationName, columns: readonly string[], source: RelationName, where?: string): string;
  /** `delete from target as DBT_INTERNAL_DEST where condition` */
  deleteWhere(target: RelationName, condition: string): string;
  /**
   * `delete from target as DBT_INTERNAL_DEST using source as DBT_INTERNAL_SOURCE where condition`:
   * the target rows some source row matches, each deleted once. Where absent, strategies write
   * the same through `deleteWhere` with `exists`/`in`. Measured on 50,000 of 10,000,000 rows:
   * PostgreSQL keeps the join a nested loop over the source in its own order (index probes in key
   * order), where `in (select ...)` first de-duplicates the keys through a hash and probes in hash
   * order (about 2x slower); DuckDB times it like `in` (a hash semi-join with a Bloom filter pushed
   * into the target's scan), while `exists` took twice as long.
   */
  deleteUsing?(target: RelationName, source: RelationName, condition: string): string;
  /** `update target as DBT_INTERNAL_DEST set ... from source as DBT_INTERNAL_SOURCE where condition` */
  updateFrom(target: RelationName, source: RelationName, set: readonly (readonly [string, string])[], condition: string): string;
  /** Native `merge into` (only where capabilities.supportsMerge). */
  merge(target: RelationName, source: RelationName, spec: MergeSpec): string;
  /**
   * Optional: a catalog query of (index id, column name) rows, one per column of each valid,
   * non-partial unique index on plain columns of `rel`. Where a unique index covers a
   * delete+insert model's unique_key, the load runs as one MERGE (same rows; see strategies.ts).
   */
  uniqueIndexesQuery?(rel: RelationName): string;
  addColumn(rel: RelationName, column: string, dataType: string): string;
  dropColumn(rel: RelationName, column: string): string;
  /** Changes a column's type, converting the values it holds. */
  alterColumnType(rel: RelationName, column: string, dataType: string): string;
  /** Only where capabilities.supportsIndexes. */
  createIndex(rel: RelationName, name: string, index: IndexSpec): string;
  /** `create table rel (columns with types and constraints, table constraints)`: a contracted model's table. */
  createContractTable?(rel: RelationName, columns: readonly ContractColumn[], constraints: readonly ConstraintSpec[]): string;
  /** `insert into rel (columns) select columns from (sql)`: fills a contracted table by column name. */
  insertSelect?(rel: RelationName, columns: readonly string[], sql: string): string;
  /** Only where capabilities.supportsGrants: a query of (grantee, privilege) rows granted on `rel` to roles other than the current user. */
  grantsQuery?(rel: RelationName): string;
  grant?(rel: RelationName, privilege: string, grantees: readonly string[]): string;
  revoke?(rel: RelationName, privilege: string, grantees: readonly string[]): string;
  /** Only where capabilities.supportsComments: `comment on` the relation (column null) or one of its columns. */
  comment?(rel: Relation, column: string | null, text: string): string;
  /** A timestamp literal from `YYYY-MM-DD HH:MM:SS` (UTC, no zone). */
  timestamp(text: string): string;
  /** A text hash of the expressions, nulls as empty strings, joined with `|` (dbt's scd id). */
  hash(expressions: readonly string[]): string;
  /** The transaction's start time as a timestamp without time zone (snapshot times). */
  currentTimestamp(): string;
}

/** A retry about to happen after a transient failure (KilnError.transient), for the log. */
/** A database warning worth the user's attention (see Adapter.onWarning). */
export interface AdapterWarning {
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint: string;
}

export interface RetryNotice {
  /** What failed, e.g. `connecting to PostgreSQL at host:5432, database "db", user "u"`. */
  readonly what: string;
  /** Why it may succeed if repeated, e.g. `too many connections (53300)`. */
  readonly reason: string;
  /** The attempt about to start (2 for the first retry) and the most there will be. */
  readonly attempt: number;
  readonly attempts: number;
  readonly delaySeconds: number;
}

/** How often work that failed transiently is started again, and the wait before the first retry (doubling each time). */
export interface RetryPolicy {
  readonly retries: number;
  readonly delaySeconds: number;
}

/** The wait before retry number `retry` (1-based): the first delay, doubled each time, at most 30 s. */
export function retryDelaySeconds(policy: RetryPolicy, retry: number): number {
  return Math.min(30, policy.delaySeconds * 2 ** (retry - 1));
}

export interface Adapter {
  /** The profile `type` this adapter serves, e.g. `duckdb`. */
  readonly type: string;
  /**
   * Optional: a node whose run failed transiently (its error has `transient`) and left nothing
   * committed is run again, from its compile, up to `retries` times. Absent: never.
   */
  readonly retryPolicy?: RetryPolicy;
  /** Optional, set by the CLI: told of each retry the adapter makes on its own (connecting). */
  onRetry?: (notice: RetryNotice) => void;
  /**
   * Optional, set by the CLI: told of what the database warns about that changes what the user
   * gets (PostgreSQL: a name cut to 63 bytes), each distinct warning once.
   */
  onWarning?: (warning: AdapterWarning) => void;
  /**
   * Final only after open(): some depend on the server (Postgres' MERGE on its version). Read
   * them after opening, never cache them from before.
   */
  /** Optional, default 'status': how run_results.json reports what a node's SQL did (AdapterResponseStyle). */
  readonly adapterResponse?: AdapterResponseStyle;
  readonly capabilities: AdapterCapabilities;
  /**
   * Optional: the capabilities for relations in `database` where they differ by database (Trino:
   * each catalog has its own connector); default: `capabilities`.
   */
  capabilitiesFor?(database: string): AdapterCapabilities;
  readonly dialect: SqlDialect;
  /** The default database (catalog) of the target. */
  readonly database: string;
  /** sql-formatter's dialect name, for formatted output. */
  readonly formatterDialect: string;
  /** Optional: Jinja source of the adapter's own macro variants (`<type>__name`), registered in the internal `dbt` namespace. */
  readonly jinjaMacros?: string;

  /** Opens the database / pool. Errors are KilnErrors (unreachable, locked, offline). */
  open(): Promise<void>;
  /**
   * Optional: starts opening now, for a command that will call open() later (a run): a server's
   * connection round trips then overlap with kiln parsing the project. Only where opening has no
   * effect a user could see if the command stops before open() (it creates no file); close()
   * ends an opening still under way. open() finishes this opening and throws what it met.
   */
  connectAhead?(): void;
  /** A connection from the pool; the pool holds at most `threads` connections. */
  acquire(): Promise<Connection>;
  release(conn: Connection): void;
  close(): Promise<void>;

  /**
   * Relations in one schema, from a cache filled on first use and kept current by kiln. Names
   * are exactly as stored (case, spaces, quotes and unicode kept); an absent schema lists none.
   */
  listRelations(database: string, schema: string): Promise<readonly Relation[]>;
  /**
   * The relation if it exists (through the cache), found as the database resolves `name` (its
   * unquoted parts folded); the answer carries the names as stored, and no `quoting`.
   */
  getRelation(name: RelationName): Promise<Relation | null>;
  /**
   * getRelation's answer without waiting, where the cache holds it now (null: no such relation);
   * undefined when only getRelation can tell (the schema not listed yet, another database).
   */
  peekRelation?(name: RelationName): Relation | null | undefined;
  /**
   * Columns of a relation, in order. Pass `conn` to look through that connection, so that a
   * relation created in its still-open transaction is visible (DuckDB and Postgres hide
   * uncommitted DDL from other connections). Not cached; none for a relation that does not exist.
   */
  getColumns(name: RelationName, conn?: Connection): Promise<readonly ColumnDescription[]>;
  /** Keeps the relation cache current after kiln creates, renames or drops a relation (unquoted parts folded, as getRelation). */
  cacheAdded(rel: Relation): void;
  cacheDropped(rel: RelationName): void;
  /** `toIdentifier`: the new name as stored (already folded where it was written unquoted). */
  cacheRenamed(from: RelationName, toIdentifier: string): void;
  /**
   * Optional: kiln just created this schema (listSchemas did not show it), so it holds no
   * relations: the cache may take it as listed and empty, and the run's first nodes need no
   * catalog query first.
   */
  cacheSchemaCreated?(database: string, schema: string): void;
  /**
   * Optional: every relation of a schema with its columns and cheap statistics, in one round trip
   * (`kiln docs generate` on 10,000 relations). Without it, docs fall back to getColumns per relation.
   */
  describeSchema?(database: string, schema: string): Promise<readonly RelationDescription[]>;
  /**
   * Optional: describeSchema for several schemas of one database at once, for databases whose
   * catalog costs a full scan per query (DuckDB): the docs catalog of 100 schemas in one go.
   */
  describeSchemas?(database: string, schemas: readonly string[]): Promise<readonly RelationDescription[]>;
  /** Schemas that exist in a database (for `create schema if not exists` decisions). */
  listSchemas(database: string): Promise<readonly string[]>;
  /**
   * Optional: keeps two kiln runs off one target. Resolves with a release function once this run
   * holds the lock; calls `onWait` once if it has to wait; throws a KilnError after `timeoutMs`.
   * Databases whose file is locked by the process itself (DuckDB) need none.
   */
  acquireRunLock?(opts: { timeoutMs: number; onWait: () => void }): Promise<() => Promise<void>>;
  /**
   * Optional, opens if needed: what `kiln debug` reports about the live connection, as
   * label/value pairs (server version, connected database and user, TLS...). Never a secret.
   */
  describeConnection?(): Promise<readonly (readonly [string, string])[]>;
}

export interface AdapterFactory {
  readonly type: string;
  create(target: import('../core/project/types.js').TargetConfig, projectRoot: string): Adapter;
}
