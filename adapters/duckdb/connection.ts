// One DuckDB connection behind kiln's Connection contract.
import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Connection, ExecResult, QueryResult, RelationName, SeedLoad } from '../adapter.js';
import { Codes, KilnError } from '../../core/errors.js';
import { databaseError, messageOf } from './errors.js';
import { loadCsvSql } from './load-csv.js';
import { isBlankSql, runStatements, summarize } from './statements.js';
import { toJs } from './values.js';

export class DuckDBConn implements Connection {
  /** Set by begin(), cleared by commit()/rollback(); the pool rolls back a connection released inside one. */
  inTransaction = false;
  /**
   * A statement failed inside the open transaction. DuckDB then answers COMMIT with success
   * but rolls back (after runtime errors) or commits the rest (after binder errors); kiln
   * refuses to commit either way.
   */
  private failedInTransaction = false;
  private running = 0;
  /** Serialises callers sharing this connection (the adapter's metadata connection). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly raw: DuckDBConnection) {}

  execute(sql: string): Promise<ExecResult> {
    if (isBlankSql(sql)) return Promise.resolve({ rowsAffected: null, message: 'OK' });
    return this.run(async (conn) => summarize(await runStatements(conn, sql)));
  }

  query(sql: string): Promise<QueryResult> {
    if (isBlankSql(sql)) return Promise.resolve({ columns: [], rows: [] });
    return this.run(async (conn) => {
      const result = await runStatements(conn, sql);
      const rows = (await result.convertRows(toJs)) as unknown[][];
      return { columns: result.columnNames(), rows };
    });
  }

  async begin(): Promise<void> {
    await this.run((c) => c.run('begin transaction'));
    this.inTransaction = true;
    this.failedInTransaction = false;
  }

  async commit(): Promise<void> {
    if (this.failedInTransaction) {
      await this.rollback();
      throw new KilnError(Codes.DATABASE_ERROR, 'cannot commit: a statement in this transaction failed, so it was rolled back');
    }
    await this.run((c) => c.run('commit'));
    this.inTransaction = false;
  }

  async rollback(): Promise<void> {
    try {
      await this.run((c) => c.run('rollback'));
    } catch (e) {
      // Rolling back when nothing is open (e.g. begin itself failed) is not an error worth
      // masking the original failure with.
      if (!/no transaction is active/i.test(messageOf(e))) throw e;
    } finally {
      this.inTransaction = false;
      this.failedInTransaction = false;
    }
  }

  async loadCsv(target: RelationName, load: SeedLoad): Promise<ExecResult> {
    const { size } = await stat(load.file);
    const res = await this.execute(loadCsvSql(target, load, size));
    if (res.rowsAffected !== load.rowCount) {
      throw new KilnError(
        Codes.DATABASE_ERROR,
        `DuckDB loaded ${res.rowsAffected ?? 'an unknown number of'} rows from ${load.file}, but kiln read ${load.rowCount} rows in it`,
        { loc: { file: load.file }, hint: 'the two CSV readers disagree about this file; please report it with the file' },
      );
    }
    return { rowsAffected: res.rowsAffected, message: `INSERT ${res.rowsAffected}` };
  }

  async cancel(): Promise<void> {
    // Interrupting an idle connection is harmless, but there is nothing to do.
    if (this.running > 0) this.raw.interrupt();
  }

  /** Interrupts whatever runs, waits for it to settle, then disconnects. */
  async shutdown(): Promise<void> {
    if (this.running > 0) this.raw.interrupt();
    await this.queue;
    this.close();
  }

  close(): void {
    try {
      this.raw.closeSync();
    } catch {
      // already closed with its instance
    }
  }

  private run<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      this.running++;
      try {
        return await fn(this.raw);
      } catch (e) {
        if (this.inTransaction) this.failedInTransaction = true;
        throw databaseError(e);
      } finally {
        this.running--;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
