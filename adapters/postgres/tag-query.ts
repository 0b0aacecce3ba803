// A simple-protocol query that keeps only each statement's command tag (`CREATE VIEW`,
// `INSERT 0 5`): what kiln needs from the DDL and DML it runs. node-postgres's own Query builds an
// event emitter, a Result per statement with its tag parsed by a regular expression, and two
// promises for each query; for a run of 1,000 views that bookkeeping is more client CPU than the
// rest of the round trip. This goes through the driver's documented extension point (a
// `Submittable`, as pg-cursor does), so the driver still owns the session's queue and state.
import type { Connection as PgWire, Submittable } from 'pg';

/** What the server answered to each statement of the text, in order. */
export interface Tagged {
  /** Command tags, one per statement that ran ('' for an empty query text). */
  readonly tags: readonly string[];
}

/** What TagQuery.runTimed learned: the tags that arrived, when each did, and the error that ended the text early. */
export interface TimedTags extends Tagged {
  /** performance.now() at the arrival of each tag (same index as `tags`). */
  readonly times: readonly number[];
  /** The server's (or the connection's) error, after which the rest of the text did not run. */
  readonly error?: unknown;
}

export class TagQuery implements Submittable {
  private readonly tags: string[] = [];
  private settled = false;

  constructor(
    readonly text: string,
    private readonly resolve: (r: Tagged) => void,
    private readonly reject: (e: unknown) => void,
    /** When set, the arrival time of each tag is pushed here (a group of transactions: each one's commit). */
    private readonly times: number[] | null = null,
  ) {}

  /** Sends `text` on the client and resolves with the tags once the server is ready again. */
  static run(client: { query<T extends Submittable>(q: T): T }, text: string): Promise<Tagged> {
    return new Promise<Tagged>((resolve, reject) => {
      client.query(new TagQuery(text, resolve, reject));
    });
  }

  /**
   * Like run(), and also when each tag arrived; never rejects: an error comes back with the tags
   * that arrived before it (a multi-transaction text: those committed).
   */
  static runTimed(client: { query<T extends Submittable>(q: T): T }, text: string): Promise<TimedTags> {
    const times: number[] = [];
    return new Promise<TimedTags>((resolve) => {
      const q: TagQuery = new TagQuery(text, ({ tags }) => resolve({ tags, times }), (error: unknown) => resolve({ tags: q.tags, times, error }), times);
      client.query(q);
    });
  }

  submit(connection: PgWire): void {
    connection.query(this.text);
  }

  handleCommandComplete(msg: { text?: string }): void {
    this.tags.push(msg.text ?? '');
    this.times?.push(performance.now());
  }

  handleEmptyQuery(): void {
    this.tags.push('');
    this.times?.push(performance.now());
  }

  // Rows of a statement that returns some are not kept.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}

  /** A `copy ... from stdin` has nothing to read from here: refused, as the driver's own query does. */
  handleCopyInResponse(connection: PgWire & { sendCopyFail(msg: string): void }): void {
    connection.sendCopyFail('No source stream defined');
  }

  /**
   * A server error, a lost connection, or a session that can no longer take queries. The driver
   * forgets the query after an error (its ready-for-query goes to no one), so the error ends it.
   */
  handleError(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(err);
  }

  handleReadyForQuery(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve({ tags: this.tags });
  }
}

/** The row count a command tag carries (`INSERT 0 5` → 5, `SELECT 3` → 3, `CREATE VIEW` → null), as node-postgres reads it. */
export function rowCountOf(tag: string): number | null {
  const last = tag.charCodeAt(tag.length - 1);
  if (!(last >= 48 && last <= 57)) return null;
  const n = Number(tag.slice(tag.lastIndexOf(' ') + 1));
  return Number.isSafeInteger(n) && tag.indexOf(' ') > 0 ? n : null;
}
