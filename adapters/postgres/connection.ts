// One Postgres session behind kiln's Connection contract.
import type { Client, QueryArrayResult, QueryResult as PgResult } from 'pg';
import { Codes, KilnError } from '../../core/errors.js';
import type { Connection, ExecResult, QueryResult, RelationName, SeedLoad } from '../adapter.js';
import { cascadeDropTarget, DEPENDENT_VIEW_DEFINITIONS_SQL, DEPENDENT_VIEWS_SQL, dialectRename, type ViewDefinition } from './cascade.js';
import { databaseError, isConnectionLoss } from './errors.js';
import { copyCsv, copySql } from './load-csv.js';

export class PgConnection implements Connection {
  /** The session died (socket error, server restart, terminated backend): never reuse it. */
  broken = false;
  private running = 0;
  /** cancel() was called during the statement(s) now running. */
  private cancelRequested = false;
  /** The last CommandComplete tag (`SELECT 5`, `CREATE VIEW`): pg's Result keeps only its first word. */
  private lastTag = '';
  /** Views dropped by a cascade in the open transaction: reported on COMMIT, forgotten on ROLLBACK. */
  private cascaded: RelationName[] = [];
  /** Views on relations moved aside in the open transaction, by `schema.new name` (see cascade.ts). */
  private movedAside = new Map<string, ViewDefinition[]>();

  constructor(
    readonly client: Client,
    /** Asks the server, through another session, to cancel this session's statement. */
    private readonly cancelBackend: (pid: number) => Promise<void>,
    /** Told about views a committed `drop ... cascade` took with it (see cascade.ts). */
    private readonly onCascade: (dropped: readonly RelationName[]) => void = () => {},
  ) {
    // Without a listener, an error on an idle socket would be thrown by the EventEmitter.
    client.on('error', () => {
      this.broken = true;
    });
    client.on('end', () => {
      this.broken = true;
    });
    client.connection.on('commandComplete', (msg: { text?: string }) => {
      this.lastTag = msg.text ?? '';
    });
  }

  /** The server process id of this session (from the start-up handshake). */
  get pid(): number {
    return (this.client as unknown as { processID: number }).processID;
  }

  /** Inside a transaction block (open or failed), as the server last reported. */
  get inTransaction(): boolean {
    const s = this.client.getTransactionStatus();
    return s === 'T' || s === 'E';
  }

  execute(sql: string): Promise<ExecResult> {
    return this.run(sql, async () => {
      const open = this.client.getTransactionStatus() === 'T';
      const renaming = open ? dialectRename(sql) : null;
      if (renaming) {
        const views = await this.viewsToKeep(renaming.from);
        if (views.length) this.movedAside.set(`${renaming.from.schema}.${renaming.to}`, views);
      }
      const dropping = cascadeDropTarget(sql);
      let dependents = dropping && this.client.getTransactionStatus() !== 'E' ? await this.dependentViews(dropping) : [];
      this.lastTag = '';
      const res = (await this.client.query(sql)) as PgResult | PgResult[];
      const last = Array.isArray(res) ? res[res.length - 1] : res;
      const message = this.lastTag || 'OK';
      const keep = dropping && open ? this.movedAside.get(`${dropping.schema}.${dropping.identifier}`) : undefined;
      if (keep) {
        const kept = await this.recreateViews(keep);
        dependents = dependents.filter((d) => !kept.has(`${d.schema}.${d.identifier}`));
      }
      this.cascaded.push(...dependents);
      // ROLLBACK is also the answer to COMMIT of a failed transaction. Outside a transaction
      // block every statement commits on its own.
      if (message === 'ROLLBACK') this.cascaded = [];
      else if (!this.inTransaction) this.reportCascaded();
      if (!this.inTransaction) this.movedAside.clear();
      return { rowsAffected: last?.rowCount ?? null, message };
    });
  }

  query(sql: string): Promise<QueryResult> {
    return this.run(sql, async () => {
      const res = (await this.client.query({ text: sql, rowMode: 'array' })) as QueryArrayResult | QueryArrayResult[];
      const last = Array.isArray(res) ? res[res.length - 1] : res;
      if (!last || !last.fields) return { columns: [], rows: [] };
      return { columns: last.fields.map((f) => f.name), rows: last.rows };
    });
  }

  /** A parameterised query (extended protocol), for kiln's own catalog look-ups. */
  queryParams(sql: string, values: readonly (string | number | null)[]): Promise<QueryResult> {
    return this.run(sql, async () => {
      const res = await this.client.query({ text: sql, values: [...values], rowMode: 'array' });
      return { columns: res.fields.map((f) => f.name), rows: res.rows };
    });
  }

  async begin(): Promise<void> {
    await this.execute('begin');
  }

  async commit(): Promise<void> {
    const res = await this.execute('commit');
    // Postgres answers COMMIT of a failed transaction with ROLLBACK, not an error.
    if (res.message === 'ROLLBACK') {
      throw new KilnError(Codes.DATABASE_ERROR, 'the transaction was rolled back instead of committed: a statement in it had failed');
    }
  }

  async rollback(): Promise<void> {
    this.cascaded = [];
    this.movedAside.clear();
    // Outside a transaction Postgres only warns; a dead session has nothing to roll back.
    if (this.broken) return;
    await this.execute('rollback');
  }

  loadCsv(target: RelationName, load: SeedLoad): Promise<ExecResult> {
    return this.run(copySql(target, load), () => copyCsv(this.client, target, load));
  }

  async cancel(): Promise<void> {
    if (this.running === 0 || this.broken) return;
    this.cancelRequested = true;
    await this.cancelBackend(this.pid);
  }

  /**
   * The views on `rel` and their definitions, read before `rel` is moved aside. Each view is
   * first locked for the rest of the transaction (an advisory lock on its name, taken in name
   * order before `rel` itself is locked): two concurrent swaps of relations a view reads then
   * take turns instead of each dropping the view the other is creating again (a deadlock).
   * Anything unexpected only means the views are not kept, as without this.
   */
  private async viewsToKeep(rel: RelationName): Promise<ViewDefinition[]> {
    await this.client.query('savepoint kiln_keep_views');
    try {
      const names = (await this.dependentViews(rel)).map((v) => `${v.schema}.${v.identifier}`).sort();
      if (names.length === 0) {
        await this.client.query('release savepoint kiln_keep_views');
        return [];
      }
      for (const name of names) await this.client.query('select pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext($1), pg_catalog.hashtext($2))', ['kiln: views kept across swaps', name]);
      const res = await this.client.query<[string, string, string, boolean]>({ text: DEPENDENT_VIEW_DEFINITIONS_SQL, values: [rel.schema, rel.identifier], rowMode: 'array' });
      await this.client.query('release savepoint kiln_keep_views');
      const locked = new Set(names);
      // Materialized views would need their data again: those stay dropped, as before.
      return res.rows.filter((r) => r[3] && locked.has(`${r[0]}.${r[1]}`)).map(([schema, name, sql]) => ({ schema, name, sql: sql.trim().replace(/;$/, '') }));
    } catch {
      await this.client.query('rollback to savepoint kiln_keep_views');
      await this.client.query('release savepoint kiln_keep_views');
      return [];
    }
  }

  /** Creates the views again (each under a savepoint: one that no longer fits stays dropped); returns `schema.name` of those kept. */
  private async recreateViews(views: readonly ViewDefinition[]): Promise<Set<string>> {
    const kept = new Set<string>();
    const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
    for (const v of views) {
      await this.client.query('savepoint kiln_keep_view');
      try {
        await this.client.query(`create view ${q(v.schema)}.${q(v.name)} as ${v.sql}`);
        await this.client.query('release savepoint kiln_keep_view');
        kept.add(`${v.schema}.${v.name}`);
      } catch {
        await this.client.query('rollback to savepoint kiln_keep_view');
        await this.client.query('release savepoint kiln_keep_view');
      }
    }
    return kept;
  }

  private async dependentViews(rel: RelationName): Promise<RelationName[]> {
    const res = await this.client.query<[string, string]>({ text: DEPENDENT_VIEWS_SQL, values: [rel.schema, rel.identifier], rowMode: 'array' });
    return res.rows.map(([schema, identifier]) => ({ database: rel.database, schema, identifier }));
  }

  private reportCascaded(): void {
    if (this.cascaded.length === 0) return;
    const dropped = this.cascaded;
    this.cascaded = [];
    this.onCascade(dropped);
  }

  async close(): Promise<void> {
    this.broken = true;
    await this.client.end().catch(() => undefined);
  }

  private async run<T>(sql: string, fn: () => Promise<T>): Promise<T> {
    if (this.broken) throw databaseError(new Error('Connection terminated unexpectedly'), sql);
    if (this.running === 0) this.cancelRequested = false;
    this.running++;
    try {
      return await fn();
    } catch (e) {
      if (isConnectionLoss(e)) this.broken = true;
      throw databaseError(e, sql, this.cancelRequested);
    } finally {
      this.running--;
    }
  }
}
