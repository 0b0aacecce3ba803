// One Postgres session behind kiln's Connection contract.
import type { Client, QueryArrayResult, QueryResult as PgResult } from 'pg';
import { Codes, KilnError } from '../../core/errors.js';
import type { BatchItem, Connection, ExecResult, GroupCommit, GroupResult, QueryResult, RelationName, SeedLoad } from '../adapter.js';
import {
  cascadeDropTarget,
  DEPENDENT_VIEW_DEFINITIONS_SQL,
  DEPENDENT_VIEWS_SQL,
  dependentViewsSqlFor,
  dialectCreate,
  dialectRename,
  type ViewDefinition,
} from './cascade.js';
import { databaseError, isConnectionLoss, isDatabaseError } from './errors.js';
import { copyCsv, copySql } from './load-csv.js';
import { rowCountOf, TagQuery, type TimedTags } from './tag-query.js';

export class PgConnection implements Connection {
  /** The session died (socket error, server restart, terminated backend): never reuse it. */
  broken = false;
  /** `server_version` as the server announced it at start-up, as `server_version_num` would be (0: not announced). */
  serverVersionNum = 0;
  private running = 0;
  /** cancel() was called during the statement(s) now running. */
  private cancelRequested = false;
  /** Views dropped by a cascade in the open transaction: reported on COMMIT, forgotten on ROLLBACK. */
  private cascaded: RelationName[] = [];
  /** Views on relations moved aside in the open transaction, by `schema.new name` (see cascade.ts). */
  private movedAside = new Map<string, ViewDefinition[]>();
  /**
   * What the open transaction already knows without asking the catalog again: relations it
   * created (nothing another session sees depends on them), and the views found on relations it
   * moved aside, by their new name (the rename holds an exclusive lock on the relation until the
   * transaction ends, so no other session can add a view on it meanwhile). A swap's drop of the
   * old relation then needs no look-up of its own, and a fresh build none at all.
   */
  private tx: TxKnowledge = newTxKnowledge();

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
    // Every server announces its version during start-up: no round trip to ask for it.
    client.connection.on('parameterStatus', (m: { parameterName: string; parameterValue: string }) => {
      if (m.parameterName === 'server_version') this.serverVersionNum = versionNum(m.parameterValue);
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
      if (renaming && !this.tx.created.has(keyOf(renaming.from)) && !this.tx.prepared.has(keyOf(renaming.from))) await this.prepareMoveAside(renaming);
      const dropping = cascadeDropTarget(sql);
      const known = dropping ? this.tx.dependents.get(keyOf(dropping)) : undefined;
      let dependents = dropping && this.client.getTransactionStatus() !== 'E' ? (known ?? (await this.dependentViews(dropping))) : [];
      const { tags } = await TagQuery.run(this.client, sql);
      const result = execResultOf(lastTag(tags));
      track(this.tx, sql, open);
      const keep = dropping && open ? this.movedAside.get(`${dropping.schema}.${dropping.identifier}`) : undefined;
      if (keep) {
        const kept = await this.recreateViews(keep);
        dependents = dependents.filter((d) => !kept.has(`${d.schema}.${d.identifier}`));
      }
      this.cascaded.push(...dependents);
      this.afterStatement(result.message);
      return result;
    });
  }

  /**
   * Runs the items in as few simple-query round trips as it can: a run of statements that need
   * nothing read from the catalog first goes as one multi-statement query (a fresh build's
   * `begin; create view tmp; alter view tmp rename; commit` is one round trip). A move aside of an
   * existing relation first reads the views on it (one round trip); with none to keep, it and
   * what follows still go together. Anything else runs as execute() runs it.
   */
  async executeBatch(items: readonly BatchItem[]): Promise<readonly ExecResult[]> {
    const results: ExecResult[] = [];
    let i = 0;
    while (i < items.length) {
      let open = this.client.getTransactionStatus() === 'T';
      const sim = copyTx(this.tx);
      let j = i;
      for (; j < items.length; j++) {
        const item = items[j];
        if (item === 'begin') {
          // A multi-statement query outside a transaction block runs as one implicit transaction:
          // statements before a `begin` would no longer commit on their own.
          if (j > i && !open) break;
          open = true;
          continue;
        }
        if (!open) break;
        if (item === 'commit') {
          j++;
          break;
        }
        if (!this.plain(item.sql, sim)) break;
        track(sim, item.sql, true);
      }
      if (j - i >= 2) {
        const sent = await this.sendBatch(items.slice(i, j));
        if (sent) {
          results.push(...sent);
          i = j;
          continue;
        }
        // A syntax error kept the whole text from running: one at a time, the error is told
        // against its own statement (an unclosed parenthesis reaches the end of that statement,
        // not the `;` of the next one).
        for (; i < j; i++) {
          const item = items[i];
          results.push(item === 'begin' ? await this.execute('begin') : item === 'commit' ? await this.commitResult() : await this.execute(item.sql));
        }
        continue;
      }
      const item = items[i];
      if (typeof item !== 'string' && open && (await this.prepare(item.sql))) continue;
      results.push(item === 'begin' ? await this.execute('begin') : item === 'commit' ? await this.commitResult() : await this.execute(item.sql));
      i++;
    }
    return results;
  }

  /**
   * Runs whole transactions in order: each run of them whose statements need nothing read from
   * the catalog first goes as ONE multi-statement query (`begin; create or replace view a ...;
   * commit; begin; ... commit`); any other runs alone, as executeBatch runs it. Postgres stops a
   * multi-statement query at its first error: the transactions whose commit was answered before it
   * committed, the failing one is rolled back here, and the rest never ran.
   */
  async executeGroup(transactions: readonly (readonly BatchItem[])[]): Promise<GroupResult> {
    if (this.client.getTransactionStatus() !== 'I') throw new Error('internal: executeGroup inside a transaction');
    const committed: GroupCommit[] = [];
    let i = 0;
    while (i < transactions.length) {
      let j = i;
      while (j < transactions.length && this.plainTransaction(transactions[j])) j++;
      const sent = j > i ? await this.sendGroup(transactions.slice(i, j)) : await this.oneByOne(transactions.slice(i, i + 1));
      committed.push(...sent.committed);
      if (sent.failed) return { committed, failed: sent.failed };
      i = Math.max(j, i + 1);
    }
    return { committed };
  }

  /** One whole transaction (`begin`, statements, `commit`) whose statements can all go in a batch. */
  private plainTransaction(items: readonly BatchItem[]): boolean {
    if (items.length < 2 || items[0] !== 'begin' || items[items.length - 1] !== 'commit') return false;
    const sim = newTxKnowledge();
    for (let k = 1; k < items.length - 1; k++) {
      const item = items[k];
      if (typeof item === 'string' || !this.plain(item.sql, sim)) return false;
      track(sim, item.sql, true);
    }
    return true;
  }

  /** Transactions as one query; see executeGroup. */
  private async sendGroup(transactions: readonly (readonly BatchItem[])[]): Promise<GroupResult> {
    const texts: string[] = [];
    for (const tx of transactions) for (const item of tx) texts.push(item === 'begin' ? 'begin' : item === 'commit' ? 'commit' : item.sql);
    const text = texts.join('\n;\n');
    let answered: TimedTags;
    try {
      answered = await this.run(text, () => TagQuery.runTimed(this.client, text));
    } catch (e) {
      // The session was already unusable: nothing ran.
      return { committed: [], failed: { error: databaseError(e, undefined, this.cancelRequested) } };
    }
    const { tags, times, error } = answered;
    const committed: GroupCommit[] = [];
    let at = 0;
    for (const tx of transactions) {
      const end = at + tx.length;
      if (end > tags.length) break;
      const results = tags.slice(at, end).map(execResultOf);
      // A commit answered with ROLLBACK (a failed transaction) cannot happen here: the error that failed it ended the text.
      if (results[results.length - 1].message !== 'COMMIT') throw new Error(`internal: a grouped transaction ended with ${results[results.length - 1].message}`);
      committed.push({ results, endedAt: times[end - 1] });
      at = end;
    }
    this.tx = newTxKnowledge();
    if (error === undefined) {
      this.afterStatement('COMMIT');
      return { committed };
    }
    await this.settled(error);
    // Postgres parses the whole text before running any of it: after a syntax error nothing ran.
    // Each transaction then runs alone, as executeBatch runs it, so the error is told against its
    // own statement (an unclosed parenthesis reaches into the next statement's text).
    if (isDatabaseError(error) && error.code === '42601' && tags.length === 0 && this.client.getTransactionStatus() === 'I') return this.oneByOne(transactions);
    const failed = { error: this.batchError(error, texts) };
    if (!this.broken && this.client.getTransactionStatus() !== 'I') await this.rollback().catch(() => undefined);
    return { committed, failed };
  }

  /** Transactions one after the other through executeBatch, up to the first failure (rolled back). */
  private async oneByOne(transactions: readonly (readonly BatchItem[])[]): Promise<GroupResult> {
    const committed: GroupCommit[] = [];
    for (const tx of transactions) {
      try {
        const results = await this.executeBatch(tx);
        committed.push({ results, endedAt: performance.now() });
      } catch (e) {
        if (this.inTransaction) await this.rollback().catch(() => undefined);
        return { committed, failed: { error: databaseError(e, undefined, this.cancelRequested) } };
      }
    }
    return { committed };
  }

  /** A statement that can go in a batch: its effects on the relation cache are known without asking the catalog. */
  private plain(sql: string, tx: TxKnowledge): boolean {
    const renaming = dialectRename(sql);
    if (renaming && !tx.created.has(keyOf(renaming.from)) && !tx.prepared.has(keyOf(renaming.from))) return false;
    const dropping = cascadeDropTarget(sql);
    if (dropping) {
      const key = keyOf(dropping);
      if (tx.dependents.get(key)?.length !== 0 || this.movedAside.has(`${dropping.schema}.${dropping.identifier}`)) return false;
    }
    return true;
  }

  /** Reads the catalog for a statement plain() refused; true when it may now go in a batch. */
  private async prepare(sql: string): Promise<boolean> {
    const renaming = dialectRename(sql);
    if (!renaming || this.tx.created.has(keyOf(renaming.from)) || this.tx.prepared.has(keyOf(renaming.from))) return false;
    await this.run(sql, () => this.prepareMoveAside(renaming));
    return this.plain(sql, this.tx);
  }

  /** Before `from` is renamed to `to` in the open transaction: the views on it, to keep across the swap. */
  private async prepareMoveAside(renaming: { from: RelationName; to: string }): Promise<void> {
    const { keep, dependents } = await this.viewsToKeep(renaming.from);
    const movedTo = `${renaming.from.schema}.${renaming.to}`;
    if (keep.length) this.movedAside.set(movedTo, keep);
    if (dependents) this.tx.dependents.set(keyOf({ ...renaming.from, identifier: renaming.to }), dependents);
    this.tx.prepared.add(keyOf(renaming.from));
  }

  /** The items as one multi-statement query; null when a syntax error kept any of it from running. */
  private async sendBatch(items: readonly BatchItem[]): Promise<ExecResult[] | null> {
    const texts = items.map((item) => (item === 'begin' ? 'begin' : item === 'commit' ? 'commit' : item.sql));
    // A newline before each `;` ends a line comment a statement may close with.
    const text = texts.join('\n;\n');
    return this.run(text, async () => {
      const statusBefore = this.client.getTransactionStatus();
      const openBefore = statusBefore === 'T';
      let tags: readonly string[];
      try {
        ({ tags } = await TagQuery.run(this.client, text));
      } catch (e) {
        await this.settled(e);
        // Postgres parses the whole text before running any of it: after a syntax error (42601)
        // with the session as it was, nothing ran.
        if (isDatabaseError(e) && e.code === '42601' && this.client.getTransactionStatus() === statusBefore && !openBefore) return null;
        throw this.batchError(e, texts);
      }
      let open = openBefore;
      const out = texts.map((t, k): ExecResult => {
        if (t === 'begin') open = true;
        else if (t !== 'commit') track(this.tx, t, open);
        return execResultOf(tags[k] ?? '');
      });
      const last = out[out.length - 1].message;
      this.afterStatement(last);
      if (texts[texts.length - 1] === 'commit' && last === 'ROLLBACK') throw rolledBack();
      return out;
    });
  }

  /**
   * The error of a batch, told against the statement at fault where the server gives a position
   * (it counts in the whole query text), so the pointer and the compiled-SQL line are as if the
   * statement had run alone.
   */
  private batchError(e: unknown, texts: readonly string[]): KilnError {
    if (isConnectionLoss(e)) this.broken = true;
    const position = isDatabaseError(e) ? Number(e.position) : 0;
    if (!position) return databaseError(e, undefined, this.cancelRequested);
    let offset = 0;
    for (const t of texts) {
      const length = Array.from(t).length;
      if (position <= offset + length + 1) {
        (e as { position?: string }).position = String(position - offset);
        return databaseError(e, t, this.cancelRequested);
      }
      offset += length + 3; // '\n;\n'
    }
    return databaseError(e, undefined, this.cancelRequested);
  }

  /** Bookkeeping after a statement (or batch) ended with `message`. */
  private afterStatement(message: string): void {
    // ROLLBACK is also the answer to COMMIT of a failed transaction. Outside a transaction
    // block every statement commits on its own.
    if (message === 'ROLLBACK') this.cascaded = [];
    else if (!this.inTransaction) this.reportCascaded();
    if (!this.inTransaction) {
      this.movedAside.clear();
      this.tx = newTxKnowledge();
    }
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
    await this.commitResult();
  }

  private async commitResult(): Promise<ExecResult> {
    const res = await this.execute('commit');
    // Postgres answers COMMIT of a failed transaction with ROLLBACK, not an error.
    if (res.message === 'ROLLBACK') throw rolledBack();
    return res;
  }

  async rollback(): Promise<void> {
    this.cascaded = [];
    this.movedAside.clear();
    this.tx = newTxKnowledge();
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
   * The views on `rel` and their definitions, read before `rel` is moved aside, and every
   * relation depending on it (null when that could not be read). Each view is first locked for
   * the rest of the transaction (an advisory lock on its name, taken in name order before `rel`
   * itself is locked): two concurrent swaps of relations a view reads then take turns instead of
   * each dropping the view the other is creating again (a deadlock). With no views on `rel` (the
   * usual case) this is one round trip. Anything unexpected only means the views are not kept,
   * as without this.
   */
  private async viewsToKeep(rel: RelationName): Promise<{ keep: ViewDefinition[]; dependents: RelationName[] | null }> {
    try {
      const res = (await this.client.query(`savepoint kiln_keep_views;\n${dependentViewsSqlFor(rel)};\nrelease savepoint kiln_keep_views`)) as unknown as PgResult[];
      const dependents: RelationName[] = res[1].rows.map((r: { nspname: string; relname: string }) => ({ database: rel.database, schema: r.nspname, identifier: r.relname }));
      if (dependents.length === 0) return { keep: [], dependents };
      return { keep: await this.lockAndDefine(rel, dependents), dependents };
    } catch {
      if (this.client.getTransactionStatus() === 'E') {
        await this.client.query('rollback to savepoint kiln_keep_views');
        await this.client.query('release savepoint kiln_keep_views');
      }
      return { keep: [], dependents: null };
    }
  }

  private async lockAndDefine(rel: RelationName, dependents: readonly RelationName[]): Promise<ViewDefinition[]> {
    await this.client.query('savepoint kiln_keep_views');
    try {
      const names = dependents.map((v) => `${v.schema}.${v.identifier}`).sort();
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

  /**
   * After a failed query: pg rejects it on the server's error message, before the ready-for-query
   * message that follows carries the session's new transaction status ('E' inside a transaction).
   * When the two arrive in separate reads, the status would still be the old one; wait for it.
   */
  private async settled(e: unknown): Promise<void> {
    const client = this.client as unknown as { readyForQuery: boolean; connection: NodeJS.EventEmitter };
    if (isConnectionLoss(e) || this.broken || client.readyForQuery) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.connection.off('readyForQuery', done);
        client.connection.off('end', done);
        resolve();
      };
      // Registered after pg's own handler, so the status is updated when this runs.
      client.connection.on('readyForQuery', done);
      client.connection.on('end', done);
      const timer = setTimeout(done, 5000);
    });
  }

  private async run<T>(sql: string, fn: () => Promise<T>): Promise<T> {
    if (this.broken) throw databaseError(new Error('Connection terminated unexpectedly'), sql);
    if (this.running === 0) this.cancelRequested = false;
    this.running++;
    try {
      return await fn();
    } catch (e) {
      await this.settled(e);
      if (isConnectionLoss(e)) this.broken = true;
      throw databaseError(e, sql, this.cancelRequested);
    } finally {
      this.running--;
    }
  }
}

interface TxKnowledge {
  /** Relations created in the open transaction, by keyOf(). */
  readonly created: Set<string>;
  /** Relations whose move aside has read the views on them (prepareMoveAside). */
  readonly prepared: Set<string>;
  /** Relations moved aside, by keyOf(new name): everything depending on them. */
  readonly dependents: Map<string, RelationName[]>;
}

const newTxKnowledge = (): TxKnowledge => ({ created: new Set(), prepared: new Set(), dependents: new Map() });
const copyTx = (t: TxKnowledge): TxKnowledge => ({ created: new Set(t.created), prepared: new Set(t.prepared), dependents: new Map(t.dependents) });
const keyOf = (rel: Pick<RelationName, 'schema' | 'identifier'>): string => `${rel.schema}\u0000${rel.identifier}`;

/** What a statement that ran in an open transaction (`open`) tells about the relations it touched. */
function track(tx: TxKnowledge, sql: string, open: boolean): void {
  if (!open) return;
  const created = dialectCreate(sql);
  if (created) {
    tx.created.add(keyOf(created));
    return;
  }
  const renaming = dialectRename(sql);
  if (renaming && tx.created.delete(keyOf(renaming.from))) tx.created.add(keyOf({ ...renaming.from, identifier: renaming.to }));
}

/** A statement's result from its command tag (`INSERT 0 5`: 5 rows); no tag (an empty statement): `OK`. */
function execResultOf(tag: string): ExecResult {
  return { rowsAffected: tag ? rowCountOf(tag) : null, message: tag || 'OK' };
}

/** The tag of the last statement that had one (an empty statement has none). */
function lastTag(tags: readonly string[]): string {
  for (let k = tags.length - 1; k >= 0; k--) if (tags[k]) return tags[k];
  return '';
}

function rolledBack(): KilnError {
  return new KilnError(Codes.DATABASE_ERROR, 'the transaction was rolled back instead of committed: a statement in it had failed');
}

/**
 * `server_version` (e.g. `15.18 (Debian 15.18-0+deb12u1)`, `9.6.24`, `17beta2`) as
 * `server_version_num` spells it (150018, 90624, 170000); 0 when it does not start with a number.
 */
export function versionNum(text: string): number {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text);
  if (!m) return 0;
  const [major, minor, patch] = [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
  return major >= 10 ? major * 10000 + minor : major * 10000 + minor * 100 + patch;
}
