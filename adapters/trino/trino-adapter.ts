// The Trino adapter: `threads` clients for workers plus one for catalog look-ups, all speaking
// Trino's HTTP protocol through trino-client. Opening checks, before anything runs, that the
// coordinator answers, that the target's catalog exists, and which connector serves each catalog
// (capabilities are per connector).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BasicAuth, Trino } from 'trino-client';
import { Codes, KilnError } from '../../core/errors.js';
import type { TargetConfig } from '../../core/project/types.js';
import type { Adapter, AdapterCapabilities, ColumnDescription, Connection, Relation, RelationName } from '../adapter.js';
import { storedName } from '../sql-quoting.js';
import { RelationCache } from '../duckdb/relation-cache.js';
import { TrinoConnection } from './connection.js';
import { connectorCapabilities, unknownCatalogCapabilities } from './connectors.js';
import { quoteIdentifier, quoteLiteral, trinoDialect } from './dialect.js';
import { transportError } from './errors.js';
import { describeTarget, readCert, readProfile, serverUrl, type TrinoProfile } from './profile.js';
import { acquireTrinoRunLock, type TrinoRunLockOptions } from './run-lock.js';

/** A relation with its columns and comment, for the docs catalog (no statistics: they cost a scan). */
export interface TrinoRelationDescription extends Relation {
  readonly columns: readonly (ColumnDescription & { readonly comment: string | null })[];
  readonly rowCount: number | null;
  readonly comment: string | null;
  readonly owner: string | null;
}

export class TrinoAdapter implements Adapter {
  readonly type = 'trino';
  readonly dialect = trinoDialect;
  readonly formatterDialect = 'trino';
  readonly profile: TrinoProfile;

  private opening: Promise<void> | null = null;
  private closed = false;
  private meta: TrinoConnection | null = null;
  private readonly idle: TrinoConnection[] = [];
  private readonly waiters: ((c: TrinoConnection) => void)[] = [];
  private created = 0;
  /** catalog → connector name, read on open. */
  private connectors = new Map<string, string>();
  private cert: Buffer | undefined;
  // Trino folds names to lower case (in the connectors kiln knows), so names match case-insensitively.
  private readonly cache = new RelationCache((db, schema) => this.fetchRelations(db, schema));

  constructor(target: TargetConfig, projectRoot: string) {
    this.profile = readProfile(target, projectRoot);
  }

  get database(): string {
    return this.profile.catalog;
  }

  get capabilities(): AdapterCapabilities {
    return this.capabilitiesFor(this.profile.catalog);
  }

  capabilitiesFor(database: string): AdapterCapabilities {
    const connector = this.connectors.get(database.toLowerCase());
    return connector ? connectorCapabilities(connector, database) : unknownCatalogCapabilities(database);
  }

  /** The connector serving a catalog (known after open), e.g. `iceberg`. */
  connectorOf(catalog: string): string | undefined {
    return this.connectors.get(catalog.toLowerCase());
  }

  open(): Promise<void> {
    this.closed = false;
    this.opening ??= this.openOnce().catch((e: unknown) => {
      this.opening = null;
      throw e;
    });
    return this.opening;
  }

  private async openOnce(): Promise<void> {
    const p = this.profile;
    this.cert = readCert(p);
    await this.probe();
    this.meta = this.newConnection();
    const res = await this.meta.query('select catalog_name, connector_name from system.metadata.catalogs');
    this.connectors = new Map(res.rows.map((r) => [String(r[0]).toLowerCase(), String(r[1])]));
    if (!this.connectors.has(p.catalog.toLowerCase())) {
      const known = [...this.connectors.keys()].filter((c) => c !== 'system').sort();
      throw new KilnError(Codes.CONFIG_INVALID, `Trino catalog '${p.catalog}' does not exist on ${serverUrl(p)}`, {
        hint: `set \`catalog\` in profiles.yml to one of: ${known.join(', ') || '(the cluster has no catalogs besides system)'}`,
      });
    }
  }

  /**
   * Asks the coordinator for /v1/info with a deadline, so an unreachable or wrong host fails in
   * `connect_timeout` seconds with a clear message (the client itself has no timeout).
   */
  private probe(): Promise<void> {
    const p = this.profile;
    const url = `${serverUrl(p)}/v1/info`;
    const send = p.httpScheme === 'https' ? httpsRequest : httpRequest;
    return new Promise<void>((resolve, reject) => {
      const req = send(
        url,
        { method: 'GET', timeout: p.connectTimeout * 1000, ...(p.httpScheme === 'https' ? { ca: this.cert, rejectUnauthorized: p.cert !== false } : {}) },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            if (res.statusCode !== 200) return reject(transportError({ response: { status: res.statusCode, data: body } }, p));
            let info: { starting?: boolean } = {};
            try {
              info = JSON.parse(body) as { starting?: boolean };
            } catch {
              return reject(transportError({ message: `not a Trino coordinator: /v1/info answered ${body.slice(0, 80)}` }, p));
            }
            if (info.starting) {
              return reject(new KilnError(Codes.DATABASE_UNREACHABLE, `The Trino coordinator (${describeTarget(p)}) is still starting`, { hint: 'try again in a few seconds' }));
            }
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (e) => reject(transportError(e, p)));
      req.end();
    });
  }

  private newConnection(): TrinoConnection {
    const p = this.profile;
    const session: Record<string, string> = {};
    // The header's values are URL-encoded (`name=value`, comma-separated).
    for (const [k, v] of Object.entries(p.sessionProperties)) session[k] = encodeURIComponent(v);
    const client = Trino.create({
      server: serverUrl(p),
      source: 'kiln',
      catalog: p.catalog,
      schema: p.schema,
      session,
      // Without PARAMETRIC_DATETIME, Trino rounds every timestamp it sends to milliseconds.
      extraHeaders: { ...p.httpHeaders, 'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME', ...(p.password === undefined ? { 'X-Trino-User': p.user } : {}) },
      ...(p.password !== undefined ? { auth: new BasicAuth(p.user, p.password) } : {}),
      ...(p.httpScheme === 'https' ? { ssl: { ca: this.cert, rejectUnauthorized: p.cert !== false } } : {}),
    });
    return new TrinoConnection(client, p);
  }

  /**
   * Makes this the only kiln run on the target's (catalog, schema) until the returned function is
   * called: a lock table in the target schema (see run-lock.ts), on a client of its own.
   */
  async acquireRunLock(opts: TrinoRunLockOptions): Promise<() => Promise<void>> {
    if (this.closed) throw closedError();
    await this.open();
    const conn = this.newConnection();
    return acquireTrinoRunLock(async (sql) => (await conn.query(sql)).rows, this.profile.catalog, this.profile.schema, opts);
  }

  async acquire(): Promise<Connection> {
    if (this.closed) throw closedError();
    await this.open();
    const c = this.idle.pop();
    if (c) return c;
    if (this.created < this.profile.threads) {
      this.created++;
      return this.newConnection();
    }
    return new Promise<TrinoConnection>((resolve) => this.waiters.push(resolve));
  }

  release(conn: Connection): void {
    if (!(conn instanceof TrinoConnection) || this.closed) return;
    const next = this.waiters.shift();
    if (next) next(conn);
    else if (!this.idle.includes(conn)) this.idle.push(conn);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.opening?.catch(() => undefined);
    this.opening = null;
    this.meta = null;
    this.idle.length = 0;
    this.created = 0;
    this.cache.clear();
  }

  listRelations(database: string, schema: string): Promise<readonly Relation[]> {
    return this.cache.list(database, schema);
  }

  getRelation(name: RelationName): Promise<Relation | null> {
    return this.cache.get(this.stored(name));
  }

  /** Not cached. Trino has no uncommitted DDL to see, so the connection does not matter. */
  async getColumns(name: RelationName): Promise<readonly ColumnDescription[]> {
    const res = await (await this.metaConnection()).query(
      `select column_name, data_type, ordinal_position from ${quoteIdentifier(name.database.toLowerCase())}.information_schema.columns
        where table_schema = ${quoteLiteral(name.schema.toLowerCase())} and table_name = ${quoteLiteral(name.identifier.toLowerCase())}
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

  /** Relations of a schema with their columns and comments, in three queries (no statistics: they cost a scan). */
  async describeSchema(database: string, schema: string): Promise<readonly TrinoRelationDescription[]> {
    const meta = await this.metaConnection();
    const catalog = quoteIdentifier(database.toLowerCase());
    const where = `table_schema = ${quoteLiteral(schema.toLowerCase())}`;
    const tables = await meta.query(`select table_name, table_type from ${catalog}.information_schema.tables where ${where}`);
    const cols = await meta.query(`select table_name, column_name, data_type, ordinal_position from ${catalog}.information_schema.columns where ${where} order by table_name, ordinal_position`);
    const comments = await meta.query(
      `select table_name, comment from system.metadata.table_comments where catalog_name = ${quoteLiteral(database.toLowerCase())} and schema_name = ${quoteLiteral(schema.toLowerCase())}`,
    );
    const commentOf = new Map(comments.rows.map((r) => [String(r[0]), r[1] === null ? null : String(r[1])]));
    const byTable = new Map<string, TrinoRelationDescription['columns'][number][]>();
    for (const r of cols.rows) {
      const list = byTable.get(String(r[0])) ?? [];
      list.push({ name: String(r[1]), dataType: String(r[2]), index: Number(r[3]), comment: null });
      byTable.set(String(r[0]), list);
    }
    return tables.rows.map((r) => ({
      database,
      schema,
      identifier: String(r[0]),
      type: r[1] === 'VIEW' ? 'view' : 'table',
      columns: byTable.get(String(r[0])) ?? [],
      rowCount: null,
      comment: commentOf.get(String(r[0])) ?? null,
      owner: null,
    }));
  }

  async listSchemas(database: string): Promise<readonly string[]> {
    const res = await (await this.metaConnection()).query(`select schema_name from ${quoteIdentifier(database.toLowerCase())}.information_schema.schemata order by schema_name`);
    return res.rows.map((r) => String(r[0]));
  }

  private async metaConnection(): Promise<TrinoConnection> {
    if (this.closed) throw closedError();
    await this.open();
    if (!this.meta) throw closedError();
    return this.meta;
  }

  private async fetchRelations(database: string, schema: string): Promise<readonly Relation[]> {
    const res = await (await this.metaConnection()).query(
      `select table_name, table_type from ${quoteIdentifier(database.toLowerCase())}.information_schema.tables where table_schema = ${quoteLiteral(schema.toLowerCase())}`,
    );
    return res.rows.map((r) => ({ database, schema, identifier: String(r[0]), type: r[1] === 'VIEW' ? 'view' : 'table' }));
  }
}

function closedError(): KilnError {
  return new KilnError(Codes.DATABASE_UNREACHABLE, 'the Trino adapter is closed');
}
