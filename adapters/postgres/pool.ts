// At most `size` sessions, opened on demand and reused; callers beyond that wait in FIFO order.
// A session that died is dropped when it is next handed out or given back, freeing its slot.
import { Codes, KilnError } from '../../core/errors.js';
import type { PgConnection } from './connection.js';

interface Waiter {
  resolve: (c: PgConnection) => void;
  reject: (e: unknown) => void;
}

export class SessionPool {
  private readonly idle: PgConnection[] = [];
  private readonly open = new Set<PgConnection>();
  private readonly waiters: Waiter[] = [];
  /** Sessions being opened count against the size so concurrent acquires do not overshoot. */
  private opening = 0;
  private closed = false;

  constructor(
    readonly size: number,
    private readonly connect: () => Promise<PgConnection>,
  ) {}

  /** Sessions currently open (idle or handed out). */
  get count(): number {
    return this.open.size;
  }

  acquire(): Promise<PgConnection> {
    if (this.closed) return Promise.reject(closedError());
    for (let c = this.idle.pop(); c !== undefined; c = this.idle.pop()) {
      if (!c.broken) return Promise.resolve(c);
      this.discard(c);
    }
    return new Promise<PgConnection>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.grow();
    });
  }

  release(c: PgConnection): void {
    if (!this.open.has(c) || this.idle.includes(c)) return;
    if (this.closed || c.broken) {
      this.discard(c);
      this.grow();
      return;
    }
    const next = this.waiters.shift();
    if (next) next.resolve(c);
    else this.idle.push(c);
  }

  /**
   * Opens one session now and keeps it idle (or hands it to the first waiter); its failure is
   * the caller's (open() checks the profile's role and search_path this way). Counts against
   * the size while it connects, so a prewarm() meanwhile opens only the others.
   */
  async openOne(): Promise<void> {
    if (this.closed) throw closedError();
    this.opening++;
    let c: PgConnection;
    try {
      c = await this.connect();
    } catch (e) {
      this.opening--;
      this.grow();
      throw e;
    }
    this.opened(c);
  }

  /**
   * Opens every session the pool may hold that is not open or opening yet, ahead of any caller,
   * so the workers of a run start on open sessions. A session that fails to open is not
   * reported here: the caller that needs it opens one of its own (and gets that one's error).
   */
  prewarm(): void {
    while (!this.closed && this.open.size + this.opening < this.size) {
      this.opening++;
      this.connect().then(
        (c) => this.opened(c),
        () => {
          this.opening--;
          this.grow();
        },
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(closedError());
    this.idle.length = 0;
    const all = [...this.open];
    this.open.clear();
    await Promise.all(all.map((c) => c.close()));
  }

  private discard(c: PgConnection): void {
    this.open.delete(c);
    void c.close();
  }

  /** A session this pool opened: in use by the first waiter, idle otherwise (closed at once when the pool closed meanwhile). */
  private opened(c: PgConnection): void {
    this.opening--;
    if (this.closed) {
      void c.close();
      return;
    }
    this.open.add(c);
    this.release(c);
  }

  /** Opens a session for the first waiter if there is room; a failure goes to that waiter. */
  private grow(): void {
    if (this.closed || this.open.size + this.opening >= this.size || this.waiters.length <= this.opening) return;
    this.opening++;
    this.connect().then(
      (c) => this.opened(c),
      (e: unknown) => {
        this.opening--;
        this.waiters.shift()?.reject(e);
        this.grow();
      },
    );
  }
}

function closedError(): KilnError {
  return new KilnError(Codes.DATABASE_UNREACHABLE, 'the PostgreSQL connection pool is closed');
}
