// The embedded default adapter: one DuckDB instance per target, a pool of `threads`
// connections for workers, and one more connection for metadata so that catalog look-ups
// never wait for (or deadlock against) a busy worker.
import { existsSync, rmSync } from 'node:fs';
import type { DuckDBInstance } from '@duckdb/node-api';
import { INCREMENTAL_STRATEGIES } from '../dml.js';
import type { Adapter, AdapterCapabilities, ColumnDescription, Connection, Relation, RelationDescription, RelationName } from '../adapter.js';
import { storedName } from '../sql-quoting.js';
import type { TargetConfig } from '../../core/project/types.js';
import { Codes, KilnError } from '../../core/errors.js';
import type { DuckDBConn } from './connection.js';
import { duckdbDialect, quoteLiteral } from './dialect.js';
import { extensionError, openError, settingError } from './errors.js';
import { DUCKDB_MACROS_SQL } from './macros.js';
import { Pool } from './pool.js';
import { folderOf, isMemoryPath, MEMORY, readProfile, type DuckDBProfile } from './profile.js';
import { RelationCache } from './relation-cache.js';
import { duckdbApi } from './native.js';
import { makeDirs } from '../../core/make-dirs.js';

/**
 * Files open in this process. DuckDB's file lock only keeps other processes out: a second
 * instance on the same file in this process would open without complaint and corrupt it.
 */
const openFiles = new Set<string>();

/** kiln's connection class, loaded with the driver on the first open (see native.ts). */
let connectionClass: typeof DuckDBConn | null = null;

function isDuckDBConn(conn: Connection | undefined): conn is DuckDBConn {
  return connectionClass !== null && conn instanceof connectionClass;
}

/** `v1.5.6` → true from 1.4 on, where MERGE INTO arrived. */
export function versionHasMerge(v: string): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(v);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 1 || (major === 1 && minor >= 4);
}

export class DuckDBAdapter implements Adapter {
  readonly type = 'duckdb';
  // dbt-duckdb reports every statement as `OK` (its cursor has no status message).
  readonly adapterResponse = 'ok' as const;
  readonly dialect = duckdbDialect;
  readonly formatterDialect = 'duckdb';
  readonly jinjaMacros = DUCKDB_MACROS_SQL;
  readonly capabilities: AdapterCapabilities;
  readonly profile: DuckDBProfile;

  private opening: Promise<void> | null = null;
  private instance: DuckDBInstance | null = null;
  private meta: DuckDBConn | null = null;
  private pool: Pool<DuckDBConn> | null = null;
  private catalog: string;
  private readonly cache = new RelationCache((db, schema) => this.fetchRelations(db, schema));

  constructor(
    private readonly target: TargetConfig,
    projectRoot: string,
  ) {
    this.profile = readProfile(target, projectRoot);
    this.catalog = this.profile.catalog;
    this.capabilities = {
      supportsTransactionalDdl: true,
      // Asks the driver (loading it) only when a materialization needs to know.
      get supportsMerge() {
        return versionHasMerge(duckdbApi().version());
      },
      supportsCreateOrReplaceView: true,
      // One atomic `create or replace view` per view build (whatever its new columns: DuckDB binds
      // views by name when they are queried) instead of begin, create tmp, rename(s), drop, commit.
      replacesViewsInPlace: true,
      // DuckDB has no practical identifier limit; this only bounds generated names.
      maxIdentifierLength: 1024,
      incrementalStrategies: INCREMENTAL_STRATEGIES,
      // An index keeps DuckDB from renaming its table ("entries that depend on it"), so the next
      // build could not move it aside; DuckDB scans columns without one. `indexes` warn once.
      supportsIndexes: false,
      // Not foreign keys: DuckDB then refuses to rename or drop the referenced table, so the
      // parent model could never be rebuilt (and the key would keep the child's temporary name).
      enforcedConstraints: ['not_null', 'unique', 'primary_key', 'check', 'custom'],
      supportsComments: true,
      // A MERGE updating 50k scattered rows of 10M took 17 s to commit, deleting and inserting them 1 s.
      prefersReplaceToUpdate: true,
    };
  }

  /** The catalog: DuckDB's name for the opened file (verified on open). */
  get database(): string {
    return this.catalog;
  }

  open(): Promise<void> {
    const failedAhead = this.failedAhead;
    this.failedAhead = null;
    if (failedAhead) return failedAhead;
    // Concurrent callers share one opening; a failed one may be retried.
    this.opening ??= this.doOpen().catch((e: unknown) => {
      this.opening = null;
      throw e;
    });
    return this.opening;
  }

  /**
   * Opens an existing file while the project is parsed: DuckDB reads it (and replays its WAL) on
   * a driver thread meanwhile. Not a file the opening would create, nor an in-memory database.
   */
  connectAhead(): void {
    const { path } = this.profile;
    if (isMemoryPath(path) || !existsSync(path)) return;
    const opening = this.open();
    // The command's own open() gets this opening's error rather than trying again.
    opening.catch(() => {
      if (this.opening === null) this.failedAhead = opening;
    });
  }

  /** See connectAhead. */
  private failedAhead: Promise<void> | null = null;

  private async doOpen(): Promise<void> {
    const { path } = this.profile;
    const folder = folderOf(path);
    if (folder) {
      try {
        makeDirs(folder);
      } catch (e) {
        throw openError(e, path);
      }
    }
    if (!isMemoryPath(path) && openFiles.has(path)) {
      throw new KilnError(Codes.DATABASE_UNREACHABLE, `DuckDB file ${path} is already open in this kiln process`, {
        loc: { file: path },
        hint: 'two targets (or a target and a plugin) point at the same file; use one, or a different path',
      });
    }
    // A file this open creates is removed again if the open fails after all (a bad setting or
    // extension): a project that does not get going leaves nothing behind.
    const created = !isMemoryPath(path) && !existsSync(path);
    // The driver opens the file on a thread of its own from this call on, before this function
    // first waits: opened ahead (connectAhead), that overlaps the project's parse.
    const creating = (async () =>
      // `:memory:<name>` is a named in-memory database in DuckDB's Python client only: this
      // client would make a file of that name in the working folder.
      duckdbApi().DuckDBInstance.create(isMemoryPath(path) ? MEMORY : path, {
        // Never download at run time: offline it would hang ~0.5 s and then fail obscurely.
        autoinstall_known_extensions: 'false',
        // Extensions already installed (or built in) still load when a function needs them.
        autoload_known_extensions: 'true',
      }))();
    creating.catch(() => undefined); // its failure is thrown below, once awaited
    let instance: DuckDBInstance;
    try {
      connectionClass ??= (await import('./connection.js')).DuckDBConn;
    } finally {
      // (a failed import must not leave the file open and locked)
      if (!connectionClass) await creating.then((i) => i.closeSync(), () => undefined);
    }
    try {
      instance = await creating;
    } catch (e) {
      throw openError(e, path);
    }
    this.instance = instance;
    if (!isMemoryPath(path)) openFiles.add(path);
    try {
      this.meta = await this.connect();
      for (const ext of this.profile.extensions) {
        try {
          await this.meta.raw.run(`load ${ext}`);
        } catch (e) {
          throw extensionError(ext, e);
        }
      }
      await this.checkCatalog();
      this.pool = new Pool(this.profile.threads, () => this.connect(), (c) => c.close());
    } catch (e) {
      await this.teardown();
      if (created) for (const f of [path, `${path}.wal`]) rmSync(f, { force: true });
      throw e;
    }
  }

  async acquire(): Promise<Connection> {
    return this.requirePool().acquire();
  }

  release(conn: Connection): void {
    const pool = this.pool;
    if (!pool || !isDuckDBConn(conn)) return;
    if (!conn.inTransaction) return pool.release(conn);
    // A worker gave back a connection mid-transaction (it failed before rolling back).
    conn.rollback().then(
      () => pool.release(conn),
      () => pool.release(conn),
    );
  }

  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    this.opening = null;
    this.failedAhead = null;
    await this.teardown();
  }

  private async teardown(): Promise<void> {
    const instance = this.instance;
    if (!instance) return;
    this.instance = null;
    const conns = [...(this.pool?.items() ?? [])];
    const meta = this.meta;
    this.pool?.close();
    this.pool = null;
    this.meta = null;
    this.cache.clear();
    // Statements still running would keep the process alive (and hold the file lock).
    await Promise.all(conns.map((c) => c.shutdown()));
    // The checkpoint DuckDB makes when it closes, made first on a driver thread: closeSync then
    // has little left to block this thread with, and what this thread still does (manifest.json)
    // overlaps it. Refused (a read-only file, a transaction left open), closeSync does it as before.
    if (meta && !isMemoryPath(this.profile.path)) await meta.execute('checkpoint').catch(() => undefined);
    await meta?.shutdown();
    instance.closeSync();
    openFiles.delete(this.profile.path);
  }

  listRelations(database: string, schema: string): Promise<readonly Relation[]> {
    return this.cache.list(database, schema);
  }

  getRelation(name: RelationName): Promise<Relation | null> {
    return this.cache.get(this.stored(name));
  }

  peekRelation(name: RelationName): Relation | null | undefined {
    return this.cache.peek(this.stored(name));
  }

  /**
   * Not cached. Pass the connection of an open transaction to see relations it created but
   * has not committed (DuckDB hides those from other connections).
   */
  async getColumns(name: RelationName, conn?: Connection): Promise<readonly ColumnDescription[]> {
    const via = isDuckDBConn(conn) ? conn : this.requireMeta();
    const res = await via.query(
      `select column_name, data_type, ordinal_position from information_schema.columns
       where lower(table_catalog) = lower(${quoteLiteral(name.database)})
         and lower(table_schema) = lower(${quoteLiteral(name.schema)})
         and lower(table_name) = lower(${quoteLiteral(name.identifier)})
       order by ordinal_position`,
    );
    return res.rows.map((r) => ({ name: String(r[0]), dataType: String(r[1]), index: Number(r[2]) }));
  }

  cacheAdded(rel: Relation): void {
    this.cache.added(this.stored(rel));
  }

  cacheDropped(rel: RelationName): void {
    this.cache.dropped(this.stored(rel));
  }

  cacheRenamed(from: RelationName, toIdentifier: string): void {
    this.cache.renamed(this.stored(from), toIdentifier);
  }

  /** The name as the database stores it: parts written unquoted (the `quoting:` settings) folded. */
  private stored<R extends RelationName>(name: R): R {
    return name.quoting === undefined ? name : storedName(name, this.dialect.foldUnquoted);
  }

  cacheSchemaCreated(database: string, schema: string): void {
    this.cache.createdEmpty(database, schema);
  }

  /** Tables and views of a schema with their columns, comments and DuckDB's row estimates. */
  describeSchema(database: string, schema: string): Promise<readonly RelationDescription[]> {
    return this.describeSchemas(database, [schema]);
  }

  /**
   * Tables and views of several schemas in three queries: DuckDB's catalog functions list every
   * relation of every schema whatever the filter, so one query for 100 schemas costs what one
   * query for a single schema does.
   */
  async describeSchemas(database: string, schemas: readonly string[]): Promise<readonly RelationDescription[]> {
    if (!schemas.length) return [];
    const meta = this.requireMeta();
    const where = `lower(database_name) = lower(${quoteLiteral(database)}) and lower(schema_name) in (${schemas.map((s) => `lower(${quoteLiteral(s)})`).join(', ')})`;
    const tables = await meta.query(`select database_name, schema_name, table_name, estimated_size, comment from duckdb_tables() where ${where}`);
    const views = await meta.query(`select database_name, schema_name, view_name, comment from duckdb_views() where not internal and ${where}`);
    const cols = await meta.query(`select schema_name, table_name, column_name, data_type, column_index, comment from duckdb_columns() where ${where} order by schema_name, table_name, column_index`);
    const byTable = new Map<string, RelationDescription['columns'][number][]>();
    for (const r of cols.rows) {
      const key = `${String(r[0])}\u0000${String(r[1])}`;
      const list = byTable.get(key) ?? [];
      list.push({ name: String(r[2]), dataType: String(r[3]), index: Number(r[4]), comment: r[5] === null ? null : String(r[5]) });
      byTable.set(key, list);
    }
    const describe = (r: readonly unknown[], type: 'table' | 'view', rows: unknown, comment: unknown): RelationDescription => ({
      database: String(r[0]),
      schema: String(r[1]),
      identifier: String(r[2]),
      type,
      columns: byTable.get(`${String(r[1])}\u0000${String(r[2])}`) ?? [],
      rowCount: rows === null || rows === undefined ? null : Number(rows),
      comment: comment === null || comment === undefined ? null : String(comment),
      owner: null,
    });
    return [...tables.rows.map((r) => describe(r, 'table', r[3], r[4])), ...views.rows.map((r) => describe(r, 'view', null, r[3]))];
  }

  async listSchemas(database: string): Promise<readonly string[]> {
    const res = await this.requireMeta().query(
      `select schema_name from information_schema.schemata where lower(catalog_name) = lower(${quoteLiteral(database)}) order by schema_name`,
    );
    return res.rows.map((r) => String(r[0]));
  }

  private async fetchRelations(database: string, schema: string): Promise<readonly Relation[]> {
    const res = await this.requireMeta().query(
      `select table_catalog, table_schema, table_name, table_type from information_schema.tables
       where lower(table_catalog) = lower(${quoteLiteral(database)}) and lower(table_schema) = lower(${quoteLiteral(schema)})`,
    );
    return res.rows.map((r) => ({
      database: String(r[0]),
      schema: String(r[1]),
      identifier: String(r[2]),
      type: r[3] === 'VIEW' ? 'view' : 'table',
    }));
  }

  /** A new connection with the profile's settings applied (session settings are per connection). */
  private async connect(): Promise<DuckDBConn> {
    if (!this.instance) throw new KilnError(Codes.DATABASE_UNREACHABLE, 'the DuckDB database is closed');
    if (!connectionClass) throw new Error('DuckDB connection class used before open()');
    const conn = new connectionClass(await this.instance.connect());
    for (const [key, value] of Object.entries(this.profile.settings)) {
      try {
        await conn.raw.run(`set ${key} = ${quoteLiteral(value)}`);
      } catch (e) {
        conn.close();
        throw settingError(key, e);
      }
    }
    return conn;
  }

  private async checkCatalog(): Promise<void> {
    const res = await this.requireMeta().query('select current_database()');
    const actual = String(res.rows[0]?.[0]);
    const given = this.target.fields.database;
    if (typeof given === 'string' && given !== '' && given.toLowerCase() !== actual.toLowerCase()) {
      throw new KilnError(
        Codes.CONFIG_INVALID,
        `DuckDB profile: database '${given}' does not match the catalog '${actual}' DuckDB gives ${this.profile.path}`,
        { hint: `DuckDB names the catalog after the file name up to its first dot; remove 'database' from the profile or rename the file` },
      );
    }
    this.catalog = actual;
  }

  private requirePool(): Pool<DuckDBConn> {
    if (!this.pool) throw new Error('DuckDB adapter used before open() or after close()');
    return this.pool;
  }

  private requireMeta(): DuckDBConn {
    if (!this.meta) throw new Error('DuckDB adapter used before open() or after close()');
    return this.meta;
  }
}
