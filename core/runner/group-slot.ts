// A node's place in a group of ready nodes whose transactions share one round trip
// (Connection.executeGroup). The node runs as usual up to its plan's transaction, offers that
// transaction here and waits; the worker that formed the group sends every offered transaction
// at once and tells each node what became of its own.
import type { BatchItem, ExecResult, GroupCommit } from '../../adapters/adapter.js';

/** The group's query failed before this node's transaction ran: the node runs again later, as if it had not started. */
export class NotRunInGroup extends Error {
  constructor() {
    super('not run: an earlier transaction of its group failed');
  }
}

export class GroupSlot {
  /** The transaction offered, once the node has reached it. */
  items: readonly BatchItem[] | null = null;
  /** performance.now() when the node's commit was answered (set once it committed). */
  endedAt: number | null = null;
  /** Resolves when the node offers its transaction (it may instead finish without offering one). */
  readonly offered: Promise<void>;
  private markOffered!: () => void;
  private settle!: { resolve: (r: readonly ExecResult[]) => void; reject: (e: unknown) => void };
  private readonly outcome: Promise<readonly ExecResult[]>;

  constructor() {
    this.offered = new Promise<void>((resolve) => (this.markOffered = resolve));
    this.outcome = new Promise<readonly ExecResult[]>((resolve, reject) => (this.settle = { resolve, reject }));
  }

  /** The node's side: offers its transaction; resolves with its results, or rejects with its error (or NotRunInGroup). */
  run(items: readonly BatchItem[]): Promise<readonly ExecResult[]> {
    this.items = items;
    this.markOffered();
    return this.outcome;
  }

  /** The group's side, once the query is answered. */
  committed(c: GroupCommit): void {
    this.endedAt = c.endedAt;
    this.settle.resolve(c.results);
  }

  failed(error: unknown): void {
    this.settle.reject(error);
  }

  notRun(): void {
    this.settle.reject(new NotRunInGroup());
  }
}

/**
 * The slot of a node whose group has run already, its transaction failed there (see
 * Runner.prepareGrouped): the node runs again up to its transaction and is told that error at
 * once, so it handles it as a node of the group would have (a refused view's fallback, a retry).
 */
export class ToldSlot extends GroupSlot {
  constructor(private readonly error: unknown) {
    super();
  }

  override run(items: readonly BatchItem[]): Promise<readonly ExecResult[]> {
    this.items = items;
    return Promise.reject(this.error);
  }
}
