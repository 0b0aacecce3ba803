// What the plan needs to know about the warehouse before a node is compiled: the relation in
// place (through the adapter's cache) and helper relations a killed run left behind. Read once
// per node; is_incremental() and the plan are both answered from it.
import type { Adapter, Relation } from '../../adapters/adapter.js';
import type { ParsedNode } from '../nodes.js';
import { incrementalApplies, incrementalConfig } from './incremental-config.js';
import type { Batch } from './incremental.js';
import { batchId, batchWindows, withBatchCtes, type BatchWindow } from './microbatch.js';
import { helperNames, targetOf, type WarehouseState } from './plan.js';

export async function readWarehouseState(adapter: Pick<Adapter, 'getRelation' | 'capabilities'>, node: ParsedNode, fullRefresh: boolean): Promise<WarehouseState> {
  const { tmp, backup, staging } = helperNames(node, adapter.capabilities);
  // Keyed look-ups in the adapter's cache, which matches names the way its database does
  // (DuckDB and Trino case-insensitively, Postgres exactly: kiln quotes every identifier). A scan
  // of the schema's listing per node cost O(relations) each, O(n²) over a run.
  const [existing, ...helpers] = await Promise.all([targetOf(node), tmp, backup, staging].map((name) => adapter.getRelation(name)));
  const leftovers = helpers.filter((r): r is Relation => r !== null);
  return { existing, leftovers, fullRefresh };
}

/**
 * readWarehouseState without waiting, where the adapter's cache can answer every look-up now
 * (Adapter.peekRelation); null otherwise.
 */
export function peekWarehouseState(adapter: Pick<Adapter, 'peekRelation' | 'capabilities'>, node: ParsedNode, fullRefresh: boolean): WarehouseState | null {
  if (!adapter.peekRelation) return null;
  const { tmp, backup, staging } = helperNames(node, adapter.capabilities);
  const existing = adapter.peekRelation(targetOf(node));
  if (existing === undefined) return null;
  const leftovers: Relation[] = [];
  for (const name of [tmp, backup, staging]) {
    const rel = adapter.peekRelation(name);
    if (rel === undefined) return null;
    if (rel) leftovers.push(rel);
  }
  return { existing, leftovers, fullRefresh };
}

/** is_incremental() for a node in this state. */
export function isIncrementalRun(node: ParsedNode, state: WarehouseState): boolean {
  return incrementalApplies(node, state.existing, !!state.fullRefresh);
}

export interface BatchOptions {
  readonly now: Date;
  /** --event-time-start / --event-time-end. */
  readonly start?: Date | null;
  readonly end?: Date | null;
  /** `kiln retry` of a partly failed model: exactly these batches (the ones that failed), in order. */
  readonly only?: readonly { readonly start: Date; readonly end: Date }[];
}

/**
 * A microbatch model's batches, each with the model rendered for it by `render` (the first
 * batch of a first build answers is_incremental() false, every other batch true); undefined for
 * any other model.
 */
export function microbatchBatches(
  node: ParsedNode,
  state: WarehouseState,
  adapter: Pick<Adapter, 'capabilities'>,
  opts: BatchOptions,
  render: (window: BatchWindow, isIncremental: boolean) => string,
): Batch[] | undefined {
  if (node.config.materialized !== 'incremental') return undefined;
  const config = incrementalConfig(node, adapter.capabilities);
  if (!config.microbatch) return undefined;
  const incremental = isIncrementalRun(node, state);
  const windows = opts.only?.length ? opts.only : batchWindows(config.microbatch, { incremental, now: opts.now, start: opts.start, end: opts.end });
  const size = config.microbatch.batchSize;
  return windows.map((w, i) => {
    const window: BatchWindow = { start: w.start, end: w.end, id: batchId(w.start, size), ctes: new Map() };
    return { start: w.start, end: w.end, sql: withBatchCtes(render(window, incremental || i > 0), window) };
  });
}
