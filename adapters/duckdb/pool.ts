// A small pool: at most `size` items, created lazily on demand and reused; callers beyond that
// wait in FIFO order.
import { Codes, KilnError } from '../../core/errors.js';

interface Waiter<T> {
  resolve: (item: T) => void;
  reject: (e: unknown) => void;
}

export class Pool<T> {
  private readonly idle: T[] = [];
  private readonly all: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  /** Items being created count against the size so concurrent acquires do not overshoot. */
  private creating = 0;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly create: () => Promise<T>,
    /** Disposes of an item whose creation finished after close(). */
    private readonly dispose: (item: T) => void = () => {},
  ) {}

  acquire(): Promise<T> {
    if (this.closed) return Promise.reject(closedError());
    const item = this.idle.pop();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise<T>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.grow();
    });
  }

  release(item: T): void {
    if (this.closed || !this.all.includes(item) || this.idle.includes(item)) return;
    const next = this.waiters.shift();
    if (next) next.resolve(item);
    else this.idle.push(item);
  }

  /** Every item ever created (for closing). */
  items(): readonly T[] {
    return this.all;
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(closedError());
    this.idle.length = 0;
  }

  /** Creates an item for the first waiter if there is room; a failure goes to that waiter. */
  private grow(): void {
    if (this.all.length + this.creating >= this.size || this.waiters.length <= this.creating) return;
    this.creating++;
    this.create().then(
      (item) => {
        this.creating--;
        if (this.closed) return this.dispose(item);
        this.all.push(item);
        this.release(item);
      },
      (e: unknown) => {
        this.creating--;
        this.waiters.shift()?.reject(e);
        this.grow();
      },
    );
  }
}

function closedError(): KilnError {
  return new KilnError(Codes.DATABASE_UNREACHABLE, 'the DuckDB connection pool is closed');
}
