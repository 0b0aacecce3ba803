// One Trino client behind kiln's Connection contract. Trino's HTTP protocol has no sessions to
// hold open and no transactions kiln can use for DDL: every statement commits on its own, so
// begin/commit/rollback do nothing (plans never ask for them: supportsTransactionalDdl is false).
// Each connection has its own client, because the client keeps session state (SET SESSION,
// USE) in headers it rewrites after every answer.
import type { Trino } from 'trino-client';
import type { Connection, ExecResult, QueryResult, RelationName, SeedLoad } from '../adapter.js';
import { queryError, transportError, type TrinoQueryError } from './errors.js';
import { loadCsvInBatches } from './load-csv.js';
import type { TrinoProfile } from './profile.js';
import { converterFor, identity } from './values.js';

/** One page of Trino's protocol, with the fields trino-client's type leaves out. */
interface Page {
  readonly id: string;
  readonly columns?: readonly { readonly name: string; readonly type: string }[];
  readonly data?: readonly (readonly unknown[])[];
  readonly error?: TrinoQueryError;
  readonly updateType?: string;
  readonly updateCount?: number;
}

export interface StatementResult extends QueryResult {
  /** `CREATE TABLE`, `INSERT`, ...; absent for queries. */
  readonly updateType: string | null;
  readonly updateCount: number | null;
}

export class TrinoConnection implements Connection {
  private queryId: string | null = null;
  private running = 0;
  private cancelRequested = false;

  constructor(
    private readonly client: Trino,
    private readonly profile: TrinoProfile,
  ) {}

  async execute(sql: string): Promise<ExecResult> {
    const r = await this.run(sql);
    const count = r.updateCount ?? (r.columns.length === 1 && r.columns[0] === 'rows' ? Number(r.rows[0]?.[0]) : null);
    return { rowsAffected: count, message: r.updateType ?? 'OK' };
  }

  async query(sql: string): Promise<QueryResult> {
    const r = await this.run(sql);
    return { columns: r.columns, rows: r.rows };
  }

  async begin(): Promise<void> {}

  async commit(): Promise<void> {}

  async rollback(): Promise<void> {}

  loadCsv(target: RelationName, load: SeedLoad): Promise<ExecResult> {
    return loadCsvInBatches(target, load, (sql) => this.execute(sql));
  }

  async cancel(): Promise<void> {
    const id = this.queryId;
    if (this.running === 0 || !id) return;
    this.cancelRequested = true;
    await this.client.cancel(id).catch(() => undefined);
  }

  /** Runs one statement to completion: follows the protocol's pages and gathers every row. */
  async run(sql: string): Promise<StatementResult> {
    if (this.running === 0) this.cancelRequested = false;
    this.running++;
    try {
      let pages: AsyncIterator<Page>;
      try {
        // impersonation_user: the queries run as that user (X-Trino-User), authenticated as `user`.
        const query = this.profile.impersonationUser ? { query: sql, user: this.profile.impersonationUser } : sql;
        pages = (await this.client.query(query)) as unknown as AsyncIterator<Page>;
      } catch (e) {
        throw transportError(e, this.profile);
      }
      let columns: Page['columns'];
      const rows: unknown[][] = [];
      let last: Page | null = null;
      for (;;) {
        let step: IteratorResult<Page>;
        try {
          step = await pages.next();
        } catch (e) {
          throw transportError(e, this.profile);
        }
        // The client hands back the final page once more with done: true; a statement that
        // failed at once has only that one.
        if (step.done && last !== null) break;
        const page = step.value;
        if (!page) break;
        last = page;
        this.queryId = page.id;
        if (page.error) throw queryError(page.error, sql, this.cancelRequested);
        columns ??= page.columns;
        if (page.data) for (const row of page.data) rows.push([...row]);
        if (step.done) break;
      }
      const names = (columns ?? []).map((c) => c.name);
      const converters = (columns ?? []).map((c) => converterFor(c.type));
      if (converters.some((c) => c !== identity)) {
        for (const row of rows) for (let i = 0; i < row.length; i++) row[i] = converters[i](row[i]);
      }
      return { columns: names, rows, updateType: last?.updateType ?? null, updateCount: last?.updateCount ?? null };
    } finally {
      this.running--;
      if (this.running === 0) this.queryId = null;
    }
  }
}
