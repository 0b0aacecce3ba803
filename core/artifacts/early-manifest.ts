// manifest.json made during a run: each node's entry is written as soon as it is final (its
// compiled code set), between the events of the nodes still running, so that after the last
// statement only the last entries and the maps that follow the nodes are left to make. The text
// is exactly what manifestJsonChunks makes at the end of the run: it is made by it, only sooner.
import type { ArtifactWriter } from './write.js';
import type { ManifestListener } from './manifest-json.js';
import type { Manifest } from '../nodes.js';

/** Entries made per wake-up while the run goes on. */
const BATCH = 32;
/**
 * Writing while nodes run gives the event loop a turn after this long. Once every entry is
 * final (settleAll: the run is over) it writes the rest without a break: nothing else then needs
 * the thread, and each turn given away cost the end of a run a few ms.
 */
const SLICE_MS = 4;

export interface EarlyManifestOptions {
  /**
   * The ids of manifest.json's `nodes` entries in the order manifestJsonChunks writes them. A
   * listener checks them as they come: another order makes every later piece wait for settleAll().
   */
  readonly order: readonly string[];
  /** The nodes whose entries the run changes (its nodes): final once settle(id) is told. */
  readonly pending: ReadonlySet<string>;
}

export class EarlyManifest {
  private writing: Promise<void> | null = null;
  private readonly stop = new AbortController();
  private readonly settled = new Set<string>();
  private all = false;
  /** Entries of `nodes` manifestJsonChunks has written (its listener tells each). */
  private entries = 0;
  /** order[0, finalUpTo) are final. */
  private finalUpTo = 0;
  /** The order was not manifestJsonChunks': nothing more until settleAll(). */
  private offOrder = false;
  private wake: (() => void) | null = null;
  private waking = false;
  /** finalPrefix() at which a waiting writer is woken. */
  private target = Infinity;

  constructor(
    private readonly writer: ArtifactWriter,
    private readonly chunks: (listener?: ManifestListener) => Iterable<string>,
    private readonly opts: EarlyManifestOptions | null,
  ) {}

  /**
   * Starts writing: each piece once what it holds is final. Without `opts`, everything is made
   * at once, from the next turn of the event loop (start() when every node is final).
   */
  start(): void {
    if (this.writing || this.stop.signal.aborted) return;
    const listener: ManifestListener = { position: () => 0, node: (id) => this.entryWritten(id) };
    // Not inside a caller's callback: a node that called it carries on first.
    this.writing = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.writer.writeJsonStreamAsync('manifest.json', this.chunks(listener), this.stop.signal, () => (this.all ? Infinity : SLICE_MS), this.opts ? () => this.ready() : undefined),
    );
    // Awaited by finish(); abandoned, its abort is no failure.
    this.writing.catch(() => undefined);
  }

  /** Node `id`'s entry is final (its result is in). */
  settle(id: string): void {
    this.settled.add(id);
    if (this.wake && this.finalPrefix() >= this.target) this.kick();
  }

  /** Every entry is final (no node of the run compiles again). */
  settleAll(): void {
    this.all = true;
    this.kick();
  }

  /** The run ended without writing artifacts: the old manifest.json stays. */
  abandon(): void {
    this.stop.abort();
    this.kick();
  }

  async finish(): Promise<void> {
    this.settleAll();
    if (this.writing) return this.writing;
    this.writer.writeJsonStream('manifest.json', this.chunks());
  }

  private entryWritten(id: string): void {
    if (this.entries < (this.opts?.order.length ?? 0) && this.opts!.order[this.entries] !== id) this.offOrder = true;
    this.entries++;
  }

  /** Null when the next piece may be made now; else a promise settled when it may be. */
  private ready(): Promise<void> | null {
    if (this.all || this.stop.signal.aborted) return null;
    const order = this.opts!.order;
    // The listener hears of an entry when the piece after it is asked for: the next piece may
    // hold the entry after the last one heard of, so that one must be final too.
    const need = this.entries + 2;
    const reachable = !this.offOrder && need <= order.length;
    if (reachable && this.finalPrefix() >= need) return null;
    // Woken for a batch of entries (or by settleAll): a wake-up per entry cost more than the entry.
    this.target = reachable ? Math.min(need + BATCH - 1, order.length) : Infinity;
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** How many entries from the first on are final. */
  private finalPrefix(): number {
    const { order, pending } = this.opts!;
    while (this.finalUpTo < order.length && (!pending.has(order[this.finalUpTo]) || this.settled.has(order[this.finalUpTo]))) this.finalUpTo++;
    return this.finalUpTo;
  }

  private kick(): void {
    if (!this.wake || this.waking) return;
    this.waking = true;
    // From the next turn of the event loop: the runner sends its next statement first.
    setImmediate(() => {
      this.waking = false;
      const wake = this.wake;
      this.wake = null;
      wake?.();
    });
  }
}

/** The ids of manifest.json's `nodes` entries in manifestJsonChunks' order (unit tests have a map of their own). */
export function manifestNodeOrder(manifest: Manifest): string[] {
  const ids: string[] = [];
  for (const n of manifest.nodes.values()) if (n.resourceType !== 'unit_test') ids.push(n.uniqueId);
  return ids;
}
