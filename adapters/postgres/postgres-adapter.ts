// The PostgreSQL adapter: a pool of at most `threads` sessions for workers, plus one metadata
// session for catalog look-ups and cancel requests, so neither waits for (or deadlocks against)
// a worker that holds every pooled session.
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { Codes, KilnError } from '../../core/errors.js';
import type { TargetConfig } from '../../core/project/types.js';
import { INCREMENTAL_STRATEGIES } from '../dml.js';
import { retryDelaySeconds, type Adapter, type AdapterCapabilities, type AdapterWarning, type ColumnDescription, type Connection, type Relation, type RelationDescription, type RelationName, type RetryNotice, type RetryPolicy, type SqlDialect } from '../adapter.js';
import { storedName } from '../sql-quoting.js';
import { PgConnection } from './connection.js';
import { crossDatabaseError, postgresDialect, quoteIdentifier, quoteLiteral } from './dialect.js';
import { describeSession } from './describe.js';
import { connectError, databaseError, isDatabaseError } from './errors.js';
import { POSTGRES_MACROS_SQL } from './macros.js';
import { SessionPool } from './pool.js';
import { clientConfig, describeTarget, readProfile, tlsOptions, type PostgresProfile } from './profile.js';
import { RelationCache } from './relation-cache.js';
import { acquireRunLock, type RunLockOptions } from './run-lock.js';
import { kilnTypes } from './values.js';

/** MERGE arrived in PostgreSQL 15. */
const MERGE_SINCE = 150000;

type TlsChoice = 'off' | 'unverified' | 'verified';

export class PostgresAdapter implements Adapter {
  readonly type = 'postgres';
  readonly formatterDialect = 'postgresql';
  readonly jinjaMacros = POSTGRES_MACROS_SQL;
  readonly profile: PostgresProfile;
  readonly dialect: SqlDialect;
  readonly retryPolicy: RetryPolicy;
  onRetry?: (notice: RetryNotice) => void;
  onWarning?: (warning: AdapterWarning) => void;

  private opening: Promise<void> | null = null;
  /** close() was called: acquire() no longer opens implicitly (a late worker must not reconnect). */
  private closed = false;
  private pool: SessionPool | null = null;
  private meta: PgConnection | null = null;
  private metaReopening: Promise<PgConnection> | null = null;
  /** The TLS choice `sslmode` resolved to on the first connection (prefer/allow probe once). */
  private tls: TlsChoice | null = null;
  private versionNum = 0;
  private readonly lockSessions = new Set<PgConnection>();
  private readonly cache = new RelationCache((db, schema) => this.fetchRelations(db, schema));

  constructor(target: TargetConfig) {
    this.profile = readProfile(target);
    this.dialect = postgresDialect(this.profile.database);
    this.retryPolicy = { retries: this.profile.retries, delaySeconds: this.profile.retryDelay };
  }

  get database(): string {
    return this.profile.database;
  }

  /** MERGE support is known after open() (it reads the server version). */
  get capabilities(): AdapterCapabilities {
    // Asked several times per node: one object per server version.
    if (this.capabilitiesOf?.versionNum === this.versionNum) return this.capabilitiesOf.capabilities;
    const capabilities: AdapterCapabilities = {
      supportsTransactionalDdl: true,
      supportsMerge: this.versionNum >= MERGE_SINCE,
      supportsCreateOrReplaceView: true,
      // A rerun replaces a view in one statement and the views built on it stay; a view whose
      // columns changed otherwise (one gone, renamed or retyped) is refused and swapped.
      replacesCompatibleViewsInPlace: true,
      maxIdentifierLength: 63,
      incrementalStrategies: INCREMENTAL_STRATEGIES,
      supportsIndexes: true,
      enforcedConstraints: ['not_null', 'unique', 'primary_key', 'foreign_key', 'check', 'custom'],
      supportsGrants: true,
      supportsComments: true,
      loadsSeedsWhileReading: true,
    };
    this.capabilitiesOf = { versionNum: this.versionNum, capabilities };
    return capabilities;
  }

  private capabilitiesOf: { readonly versionNum: number; readonly capabilities: AdapterCapabilities } | null = null;

  /** `server_version_num` (e.g. 150018), 0 before open(). */
  get serverVersionNum(): number {
    return this.versionNum;
  }

  /** Pooled sessions currently open (the metadata session not included). */
  get pooledSessions(): number {
    return this.pool?.count ?? 0;
  }

  open(): Promise<void> {
    this.closed = false;
    const failedAhead = this.failedAhead;
    this.failedAhead = null;
    if (failedAhead) return failedAhead;
    this.opening ??= this.openOnce().catch(async (e: unknown) => {
      await this.shutdown();
      throw e;
    });
    return this.opening;
  }

  connectAhead(): void {
    const opening = this.open();
    // A failed opening forgets itself (so that a later open() tries again): the command's own
    // open() gets this one's error instead of waiting for another attempt.
    opening.catch(() => {
      if (!this.closed && this.opening === null) this.failedAhead = opening;
    });
    // Once the metadata session is in (the server answers, the credentials and TLS choice are
    // good), every other session a run needs connects at once, beside open()'s worker session:
    // the session a run takes its lock on just after open(), and the run's other worker sessions.
    // Each costs round trips and a server process; one after another they held back the run's
    // first statement (on a distant server, a few round trips each).
    const metaIn = this.metaIn ?? opening;
    const lock = metaIn.then(() => this.connectSession(false));
    lock.catch(() => undefined);
    this.lockAhead = lock;
    void metaIn.then(
      () => this.pool?.prewarm(),
      () => undefined,
    );
  }

  /** See connectAhead. */
  private failedAhead: Promise<void> | null = null;
  /** Settles once the opening's metadata session is in and the pool exists (see openOnce). */
  private metaIn: Promise<void> | null = null;
  /** A session connected ahead for acquireRunLock (see connectAhead). */
  private lockAhead: Promise<PgConnection> | null = null;

  async acquire(): Promise<Connection> {
    if (this.closed) throw closedError();
    await this.open();
    if (!this.pool) throw closedError();
    return this.pool.acquire();
  }

  release(conn: Connection): void {
    const pool = this.pool;
    if (!(conn instanceof PgConnection)) return;
    if (!pool) {
      void conn.close();
      return;
    }
    if (conn.broken || !conn.inTransaction) return pool.release(conn);
    // Given back inside a transaction (a worker failed before rolling back): end it first.
    conn.rollback().then(
      () => pool.release(conn),
      () => {
        conn.broken = true;
        pool.release(conn);
      },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failedAhead = null;
    await this.shutdown();
  }

  private async shutdown(): Promise<void> {
    const pool = this.pool;
    const meta = this.meta;
    this.pool = null;
    this.meta = null;
    this.opening = null;
    this.metaIn = null;
    this.cache.clear();
    const locks = [...this.lockSessions];
    this.lockSessions.clear();
    // Not awaited: it waits for the opening, which may be what is shutting down.
    const lockAhead = this.lockAhead;
    this.lockAhead = null;
    void lockAhead?.then((s) => s.close(), () => undefined);
    await Promise.all([pool?.close(), meta?.close(), ...locks.map((s) => s.close())]);
  }

  async listRelations(database: string, schema: string): Promise<readonly Relation[]> {
    this.checkDatabase(database, `list relations of schema "${schema}"`);
    return this.cache.relations(database, schema);
  }

  getRelation(name: RelationName): Promise<Relation | null> {
    name = this.stored(name);
    // Four look-ups a node: the message is built only for the error, and no async frame of its own.
    if (name.database !== this.database) return Promise.reject(crossDatabaseError(name.database, this.database, `look up "${name.schema}"."${name.identifier}"`));
    return this.cache.get(name);
  }

  peekRelation(name: RelationName): Relation | null | undefined {
    name = this.stored(name);
    return name.database === this.database ? this.cache.peek(name) : undefined;
  }

  /**
   * Not cached. Pass the connection of an open transaction to see a relation it created but
   * has not committed yet (other sessions cannot see it).
   */
  async getColumns(name: RelationName, conn?: Connection): Promise<readonly ColumnDescription[]> {
    name = this.stored(name);
    this.checkDatabase(name.database, `read the columns of "${name.schema}"."${name.identifier}"`);
    const via = conn instanceof PgConnection ? conn : await this.metaSession();
    const res = await via.queryParams(
      `select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), row_number() over (order by a.attnum)::int
         from pg_catalog.pg_attribute a
         join pg_catalog.pg_class c on c.oid = a.attrelid
         join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relname = $2 and a.attnum > 0 and not a.attisdropped
        order by a.attnum`,
      [name.schema, name.identifier],
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

  /** Relations of a schema with columns, comments, owners and the planner's row estimates, in one query. */
  async describeSchema(database: string, schema: string): Promise<readonly RelationDescription[]> {
    this.checkDatabase(database, `describe schema "${schema}"`);
    const res = await (await this.metaSession()).queryParams(
      `select c.relname, c.relkind::text, c.reltuples::float8, pg_catalog.pg_get_userbyid(c.relowner),
              pg_catalog.obj_description(c.oid, 'pg_class'), a.attname,
              pg_catalog.format_type(a.atttypid, a.atttypmod), pg_catalog.col_description(c.oid, a.attnum)
         from pg_catalog.pg_class c
         join pg_catalog.pg_namespace n on n.oid = c.relnamespace
         left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm', 'f')
        order by c.relname, a.attnum`,
      [schema],
    );
    const out = new Map<string, RelationDescription & { columns: RelationDescription['columns'][number][] }>();
    for (const r of res.rows) {
      const name = String(r[0]);
      let rel = out.get(name);
      if (!rel) {
        const kind = String(r[1]);
        // reltuples is -1 until the table is vacuumed or analysed: unknown, not empty.
        const estimate = r[2] === null ? -1 : Number(r[2]);
        rel = {
          database: this.profile.database,
          schema,
          identifier: name,
          type: kind === 'v' ? 'view' : 'table',
          columns: [],
          rowCount: kind === 'v' || estimate < 0 ? null : Math.round(estimate),
          comment: r[4] === null ? null : String(r[4]),
          owner: r[3] === null ? null : String(r[3]),
        };
        out.set(name, rel);
      }
      if (r[5] !== null) rel.columns.push({ name: String(r[5]), dataType: String(r[6]), index: rel.columns.length + 1, comment: r[7] === null ? null : String(r[7]) });
    }
    return [...out.values()];
  }

  async listSchemas(database: string): Promise<readonly string[]> {
    this.checkDatabase(database, 'list schemas');
    const res = await (await this.metaSession()).queryParams(
      `select nspname from pg_catalog.pg_namespace
        where nspname !~ '^pg_toast' and nspname !~ '^pg_temp_' order by nspname`,
      [],
    );
    return res.rows.map((r) => String(r[0]));
  }

  /**
   * Makes this the only kiln run on the target's (database, schema) until the returned function
   * is called (or the process ends): an advisory lock on a session of its own. Waits up to
   * `timeoutMs`, calling `onWait` once if another run holds the lock.
   */
  async acquireRunLock(opts: RunLockOptions): Promise<() => Promise<void>> {
    if (this.closed) throw closedError();
    await this.open();
    const ahead = this.lockAhead;
    this.lockAhead = null;
    const early = ahead ? await ahead.catch(() => null) : null;
    const session = early && !early.broken && !this.closed ? early : await this.connectSession(false);
    if (early && early !== session) void early.close();
    this.lockSessions.add(session);
    const end = async (): Promise<void> => {
      this.lockSessions.delete(session);
      await session.close();
    };
    try {
      const unlock = await acquireRunLock(session.client, this.database, this.profile.schema, opts);
      return async () => {
        // Its own from now on: a close() of the adapter meanwhile (a run lets both go at once)
        // leaves this session to end after its unlock.
        this.lockSessions.delete(session);
        await unlock();
        await end();
      };
    } catch (e) {
      await end();
      throw e instanceof KilnError ? e : databaseError(e);
    }
  }

  /** For `kiln debug`: server version, database, user and role, search_path, TLS of a worker session. */
  async describeConnection(): Promise<readonly (readonly [string, string])[]> {
    const conn = (await this.acquire()) as PgConnection;
    try {
      return await describeSession(conn);
    } finally {
      this.release(conn);
    }
  }

  private openOnce(): Promise<void> {
    let metaIn!: () => void;
    const inPromise = new Promise<void>((resolve) => (metaIn = resolve));
    const opened = this.openSessions(metaIn);
    // Settles with the opening when that fails first; never rejects on its own.
    this.metaIn = Promise.race([inPromise, opened]);
    this.metaIn.catch(() => undefined); // the opening's failure is open()'s to report
    return opened;
  }

  private async openSessions(metaIn: () => void): Promise<void> {
    // close() may come while a session connects (connectAhead, then a project that does not
    // load): a session it could not see is closed here.
    const meta = await this.connectSession(false);
    if (this.closed) {
      await meta.close();
      throw closedError();
    }
    this.meta = meta;
    // Announced at start-up by every server kiln knows; asked for where one did not.
    this.versionNum = meta.serverVersionNum || Number((await meta.query('show server_version_num')).rows[0]?.[0]) || 0;
    const pool = new SessionPool(this.profile.threads, () => this.connectSession(true));
    this.pool = pool;
    metaIn();
    // One worker session now, so a bad `role` or `search_path` fails here rather than in a node.
    await pool.openOne();
    if (this.closed || this.pool !== pool) throw closedError();
  }

  /** The metadata session, reopened if it died. */
  private async metaSession(): Promise<PgConnection> {
    if (this.closed) throw closedError();
    await this.open();
    if (!this.meta) throw closedError();
    if (this.meta.broken) {
      const dead = this.meta;
      // One reconnection for all callers that find it dead at the same time.
      this.metaReopening ??= this.connectSession(false).finally(() => (this.metaReopening = null));
      const fresh = await this.metaReopening;
      if (this.meta === dead) {
        void dead.close();
        this.meta = fresh;
      }
    }
    return this.meta;
  }

  /**
   * Cancels a statement of another session through the metadata session. That session runs
   * as the login user without `role`, which pg_cancel_backend requires (it compares the
   * requester with the target's login user).
   */
  private async cancelBackend(pid: number): Promise<void> {
    const meta = await this.metaSession();
    await meta.queryParams('select pg_cancel_backend($1)', [pid]);
  }

  /**
   * Opens one session, trying again (up to `connect_retries` times, waiting longer each time)
   * when the attempt failed transiently: refused or reset, too many connections, the server
   * starting up. Nothing has run on a session that failed to open, so repeating it is safe.
   */
  private async connectSession(worker: boolean): Promise<PgConnection> {
    const policy = { retries: this.profile.connectRetries, delaySeconds: this.profile.retryDelay };
    for (let retry = 1; ; retry++) {
      try {
        return await this.connectSessionOnce(worker);
      } catch (e) {
        const reason = e instanceof KilnError ? e.transient : undefined;
        if (reason === undefined || retry > policy.retries || this.closed) throw e;
        const delaySeconds = retryDelaySeconds(policy, retry);
        this.onRetry?.({ what: `connecting to PostgreSQL at ${describeTarget(this.profile)}`, reason, attempt: retry + 1, attempts: policy.retries + 1, delaySeconds });
        await new Promise((resolve) => setTimeout(resolve, delaySeconds * 1000));
      }
    }
  }

  /**
   * Opens one session. Worker sessions also get the profile's `role` and `search_path`. Every
   * session reads dates in ISO and treats backslashes in literals as ordinary characters,
   * whatever the server or role defaults are.
   */
  private async connectSessionOnce(worker: boolean): Promise<PgConnection> {
    const p = this.profile;
    const conn = await this.connectTls();
    const setup = [`set datestyle to 'ISO, MDY'`, `set intervalstyle to 'postgres'`, 'set standard_conforming_strings to on'];
    if (worker && p.role) setup.push(`set role ${roleName(p.role)}`);
    if (worker && p.searchPath) setup.push(`select pg_catalog.set_config('search_path', ${quoteLiteral(p.searchPath)}, false)`);
    try {
      await conn.client.query(setup.join(';\n'));
    } catch (e) {
      await conn.close();
      if (isDatabaseError(e) && e.code !== '42704' && e.code !== '42501') {
        throw new KilnError(Codes.DATABASE_UNREACHABLE, `Connected to PostgreSQL, but setting up the session failed: ${e.message}`, {
          hint: 'check `role` and `search_path` in profiles.yml',
        });
      }
      throw connectError(e, p);
    }
    return conn;
  }

  /** Connects with the resolved TLS choice; the first call resolves sslmode prefer/allow. */
  private async connectTls(): Promise<PgConnection> {
    const p = this.profile;
    if (this.tls) return this.connectWith(this.tls);
    const modes: Record<typeof p.sslmode, TlsChoice[]> = {
      disable: ['off'],
      allow: ['off', 'unverified'],
      prefer: ['unverified', 'off'],
      require: ['unverified'],
      'verify-ca': ['verified'],
      'verify-full': ['verified'],
    };
    const [first, fallback] = modes[p.sslmode];
    try {
      const conn = await this.connectWith(first);
      this.tls = first;
      return conn;
    } catch (e) {
      if (!fallback || !shouldRetryTls(p.sslmode, e)) throw connectError(e, p);
    }
    try {
      const conn = await this.connectWith(fallback);
      this.tls = fallback;
      return conn;
    } catch (e) {
      throw connectError(e, p);
    }
  }

  private async connectWith(choice: TlsChoice): Promise<PgConnection> {
    const ssl: ConnectionOptions | false = tlsOptions(this.profile, choice);
    const client = new pg.Client({ ...clientConfig(this.profile, ssl), types: kilnTypes });
    client.on('notice', (n) => this.notice(n));
    const conn = new PgConnection(
      client,
      (pid) => this.cancelBackend(pid),
      (dropped) => dropped.forEach((r) => this.cache.dropped(r)),
    );
    try {
      await client.connect();
    } catch (e) {
      await conn.close();
      throw e;
    }
    return conn;
  }

  /** Warnings told already: a name cut short is noticed again by each statement naming it. */
  private readonly warned = new Set<string>();

  /** Server notices the user must see; the rest (a `drop ... if exists` of nothing, ...) stay quiet. */
  private notice(n: { code?: string; message?: string }): void {
    // 42622 name_too_long: PostgreSQL keeps the first 63 bytes of a name, so a column or relation
    // named in full elsewhere (a test, a ref, a BI tool) is not found later.
    if (n.code !== '42622' || !n.message || this.warned.has(n.message)) return;
    this.warned.add(n.message);
    this.onWarning?.({
      code: Codes.NAME_TRUNCATED,
      message: `PostgreSQL: ${n.message}`,
      hint: 'PostgreSQL keeps only the first 63 bytes of a name: alias the column (or set `alias:` on the model) to a shorter name, or tests and queries naming it in full will not find it.',
    });
  }

  private checkDatabase(database: string, what: string): void {
    if (database !== this.database) throw crossDatabaseError(database, this.database, what);
  }

  private async fetchRelations(database: string, schema: string): Promise<readonly Relation[]> {
    const res = await (await this.metaSession()).queryParams(
      `select c.relname, c.relkind::text
         from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm', 'f')`,
      [schema],
    );
    return res.rows.map((r) => ({
      database,
      schema,
      identifier: String(r[0]),
      // The contract knows tables and views only: materialized views count as views.
      type: r[1] === 'v' || r[1] === 'm' ? 'view' : 'table',
    }));
  }
}

/** `prefer` falls back to plain text when the server has no SSL; `allow` to SSL when plain text is refused. */
function shouldRetryTls(mode: PostgresProfile['sslmode'], e: unknown): boolean {
  const msg = e instanceof Error ? e.message : '';
  if (mode === 'prefer') return /does not support SSL/i.test(msg);
  if (mode === 'allow') return isDatabaseError(e) && e.code === '28000' && /no encryption|SSL off/i.test(msg);
  return false;
}

/** dbt writes `set role <role>` unquoted: plain names fold to lower case, others are taken as written. */
function roleName(role: string): string {
  return quoteIdentifier(/^[A-Za-z_][A-Za-z0-9_$]*$/.test(role) ? role.toLowerCase() : role);
}

function closedError(): KilnError {
  return new KilnError(Codes.DATABASE_UNREACHABLE, 'the PostgreSQL adapter is closed');
}
