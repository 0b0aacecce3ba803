// Execute: run every selected node with `threads` workers in DAG order. A failure skips the
// node's descendants and nothing else; --fail-fast and Ctrl-C stop the run, roll back what is
// in flight and skip what has not started. Ephemeral nodes complete instantly (they are CTEs).
// Where the connection can (Connection.executeGroup), several ready views share one round trip,
// each still its own transaction and result.
import { storesFailuresAs } from '../data-tests/store-failures.js';
import { retryDelaySeconds, type Adapter, type BatchItem, type Connection, type GroupCommit, type GroupResult, type QuotePolicy, type Relation, type RetryNotice, type SeedLoad } from '../../adapters/adapter.js';
import { Codes, KilnError } from '../errors.js';
import type { Manifest, ParsedNode } from '../nodes.js';
import type { CompiledNode, Compiler } from '../compiler/compile.js';
import { EphemeralCompileError } from '../compiler/ephemeral-failure.js';
import type { Dag } from '../graph/dag.js';
import { planNode, type Plan, type Step, type WarehouseState } from '../materializations/plan.js';
import { isIncrementalRun, microbatchBatches, peekWarehouseState, readWarehouseState } from '../materializations/warehouse-state.js';
import { parseUtc } from '../materializations/incremental-config.js';
import { isoUtc } from '../materializations/microbatch.js';
import { ephemeralSkippedResult, exposureNoopResult, failedStatus, resultRelationName, skippedResult, type BatchResults, type BatchSpan, type ExposureStep, type NodeResult, type RunSummary, type TimingInfo } from './results.js';
import { nodeSqlPath } from '../artifacts/paths.js';
import { isoNow } from './iso-now.js';
import { GroupSlot, NotRunInGroup, ToldSlot } from './group-slot.js';
import { pointIntoCompiled } from '../sql-position.js';
import { nodeHooks as hooksOf, withHooks, type NodeHook } from '../macros/hooks.js';
import { contractEnforced } from '../materializations/contract.js';
import { nodeRelation } from '../project/quoting.js';
import { storedName } from '../../adapters/sql-quoting.js';

export interface RunnerHooks {
  /** After the run's schemas exist and before any node starts (on-run-start hooks); a throw stops the run. */
  beforeNodes?(): Promise<void>;
  nodeStarted?(node: ParsedNode, index: number, total: number): void;
  nodeFinished?(node: ParsedNode, index: number, total: number, result: NodeResult): void;
  /** A selected exposure reported (build): no-op once its parents are done, skipped if one failed. */
  exposureFinished?(exposure: ExposureStep, index: number, total: number, result: NodeResult): void;
  /** Called with the compiled SQL of each node (to write target/compiled). */
  compiled?(node: ParsedNode, sql: string): void;
  /**
   * A node's statements are going out (it will have a target/run file): told before its
   * compiled SQL is handed over, so before its manifest.json entry can be made.
   */
  executing?(node: ParsedNode): void;
  /**
   * Once no node of the run will compile again (each has compiled, failed or been skipped):
   * what compiling sets on the manifest's nodes (their compiled code) is final from then on.
   */
  allCompiled?(): void;
  /** Called with the statements a node executed (to write target/run). */
  executed?(node: ParsedNode, statements: readonly string[]): void;
  /** A node failed transiently with nothing of it committed, and is about to run again. */
  retrying?(node: ParsedNode, notice: RetryNotice): void;
}

/** What an attempt at a node did that forbids running it again from the start. */
interface Attempt {
  /**
   * A statement ran outside the plan's transaction (a `transaction: false` hook, a template's
   * run_query or adapter call, a database without transactional DDL), or a transaction was
   * committed (microbatch): repeating the node could apply that twice.
   */
  unsafe: boolean;
}

export interface RunnerOptions {
  readonly threads: number;
  readonly failFast: boolean;
  /** Treat test warnings as failures (--warn-error). */
  readonly warnError?: boolean;
  /** Store failing rows of every test that does not say otherwise (--store-failures). */
  readonly storeFailures?: boolean;
  /** Runs a unit test (its inputs replaced by literal rows); absent when none are selected. */
  readonly runUnitTest?: (node: ParsedNode, conn: Connection, statements: string[]) => Promise<{ status: 'pass' | 'fail'; message: string; failures: number; sql: string }>;
  /** Seeds' CSV descriptions, read and validated before anything ran. */
  readonly seeds: ReadonlyMap<string, SeedLoad>;
  /** Rebuild incremental models from scratch (--full-refresh; a model's `full_refresh` config wins). */
  readonly fullRefresh?: boolean;
  /** --empty: refs and sources read as zero rows (the compiler renders them so); history is kept. */
  readonly empty?: boolean;
  /** Microbatch: only the batches of this window (--event-time-start / --event-time-end). */
  readonly eventTimeStart?: Date | null;
  readonly eventTimeEnd?: Date | null;
  /** The run's start: the end of microbatch windows and the nonce of index names. */
  readonly now?: Date;
  /** `kiln retry`: the retried run's start, so microbatch windows are the ones that run computed. */
  readonly microbatchNow?: Date;
  /**
   * `kiln retry`: the previous batch results of microbatch models being retried. Only their
   * failed batches run again; their successful ones are carried into this run's results.
   */
  readonly retryBatches?: ReadonlyMap<string, BatchResults>;
  /**
   * dbt's build: a skipped node skips its children as a failed one does, so only a node whose
   * failed parents are all ephemeral models reports their compile error (elsewhere, every node
   * downstream of such an ephemeral model does).
   */
  readonly build?: boolean;
  /** build: the selected exposures, each reported as a node of its own right after its last parent (dbt 1.11). */
  readonly exposures?: readonly ExposureStep[];
}

export class Runner {
  private cancelled = false;
  private interrupted = false;
  /** Connections running a node's statements, with how many nodes use each (a group shares one). */
  private readonly inFlight = new Map<Connection, number>();
  private readonly startedAt = new Date();
  /** KILN_TEST_FAIL_AFTER, read once: an environment look-up costs more than the rest of a node's bookkeeping. */
  private readonly failAfterSpec = process.env.KILN_TEST_FAIL_AFTER;
  /** Told of each node whose compile is final (see RunnerHooks.allCompiled); set by run(). */
  private settleCompiled: ((node: ParsedNode) => void) | null = null;

  constructor(
    private readonly manifest: Manifest,
    private readonly dag: Dag,
    private readonly selected: ReadonlySet<string>,
    private readonly adapter: Adapter,
    private readonly compiler: Compiler,
    private readonly opts: RunnerOptions,
    private readonly hooks: RunnerHooks = {},
  ) {}

  /** Stops scheduling and interrupts the statements in flight (Ctrl-C, --fail-fast). */
  async cancel(opts: { interrupted?: boolean } = { interrupted: true }): Promise<void> {
    if (opts.interrupted) this.interrupted = true;
    if (this.cancelled) return;
    this.cancelled = true;
    await Promise.allSettled([...this.inFlight.keys()].map((c) => c.cancel()));
  }

  private hold(conn: Connection): void {
    this.inFlight.set(conn, (this.inFlight.get(conn) ?? 0) + 1);
  }

  private unhold(conn: Connection): void {
    const n = (this.inFlight.get(conn) ?? 1) - 1;
    if (n > 0) this.inFlight.set(conn, n);
    else this.inFlight.delete(conn);
  }

  get wasCancelled(): boolean {
    return this.cancelled;
  }

  async run(): Promise<RunSummary> {
    const started = performance.now();
    const order = this.dag.topoOrderOf(this.selected);
    const nodes = order.map((id) => this.manifest.nodes.get(id)!);
    const reported = nodes.filter((n) => n.config.materialized !== 'ephemeral');
    // Numbered in the order nodes start, as dbt does, so the log reads 1, 2, 3...
    const indexOf = new Map<string, number>();
    let started_ = 0;
    const indexFor = (id: string) => {
      let i = indexOf.get(id);
      if (i === undefined) indexOf.set(id, (i = ++started_));
      return i;
    };
    const exposures = this.opts.exposures ?? [];
    const total = reported.length + exposures.length;

    const { parentsOf, childrenOf } = this.runGraph(nodes);
    const results = new Map<string, NodeResult>();
    const done = new Set<string>();
    /** Nodes taken into a group behind a parent of theirs in it (see takeGroup), until their result is in. */
    const chained = new Set<string>();
    const failedOrSkipped = new Map<string, string>(); // id → root cause id
    // How many of each node's parents have not completed yet (each completes once).
    const waiting = new Map<string, number>();
    for (const n of nodes) waiting.set(n.uniqueId, parentsOf.get(n.uniqueId)!.size);
    const ready: string[] = order.filter((id) => waiting.get(id) === 0);

    await this.createSchemas(reported);
    await this.hooks.beforeNodes?.();
    // Not awaited: the first nodes do not wait for it (while a listing is out, a node looks up as before).
    void this.listRelationsAhead(reported);

    // Nodes that will not compile again. A retried node compiles again (to the same SQL, but
    // unproven): with a retry policy a node counts only once its result is in.
    const settledIds = new Set<string>();
    const settle = (id: string) => {
      if (settledIds.has(id)) return;
      settledIds.add(id);
      if (settledIds.size === nodes.length) this.hooks.allCompiled?.();
    };
    const settleOnCompile = this.adapter.retryPolicy === undefined;
    this.settleCompiled = settleOnCompile ? (node) => settle(node.uniqueId) : null;

    // Exposures by the run's nodes they wait on (unselected parents are assumed built).
    const exposureResults = new Map<string, NodeResult>();
    const exposureWaits = new Map<string, number>();
    const exposuresOf = new Map<string, ExposureStep[]>();
    for (const e of exposures) {
      const parents = e.parents.filter((p) => parentsOf.has(p));
      exposureWaits.set(e.uniqueId, parents.length);
      for (const p of parents) {
        let list = exposuresOf.get(p);
        if (!list) exposuresOf.set(p, (list = []));
        list.push(e);
      }
    }
    const reportExposure = (e: ExposureStep, threadId: string) => {
      const failed = this.cancelled ? e.uniqueId : e.parents.find((p) => failedOrSkipped.has(p));
      const r = failed
        ? skippedResult(e, failed, this.manifest.nodes.get(failed)?.name ?? failed)
        : exposureNoopResult(e.uniqueId, threadId, isoNow(), 0);
      exposureResults.set(e.uniqueId, r);
      this.hooks.exposureFinished?.(e, indexFor(e.uniqueId), total, r);
    };

    const complete = (id: string) => {
      done.add(id);
      settle(id);
      for (const e of exposuresOf.get(id) ?? []) {
        const left = exposureWaits.get(e.uniqueId)! - 1;
        exposureWaits.set(e.uniqueId, left);
        if (left === 0) reportExposure(e, results.get(id)?.threadId ?? 'Thread-1 (worker)');
      }
      const freedTests: string[] = [];
      for (const child of childrenOf.get(id) ?? []) {
        const left = waiting.get(child)! - 1;
        waiting.set(child, left);
        if (left > 0 || done.has(child) || chained.has(child)) continue;
        // A model's tests run right after it.
        if (this.manifest.nodes.get(child)!.resourceType === 'test') freedTests.push(child);
        else ready.push(child);
      }
      if (freedTests.length > 0) ready.unshift(...freedTests);
    };

    // Ephemeral models that failed to compile (in the first node inlining them), with their errors.
    const ephemeralErrors = new Map<string, KilnError>();
    /** The ephemeral model whose compile error skips `node` (see RunnerOptions.build), if any. */
    const ephemeralCause = (node: ParsedNode, cause: string): string | undefined => {
      if (ephemeralErrors.size === 0) return undefined;
      if (!this.opts.build) return ephemeralErrors.has(cause) ? cause : undefined;
      let found: string | undefined;
      for (const p of parentsOf.get(node.uniqueId)!) {
        if (!failedOrSkipped.has(p)) continue;
        if (!ephemeralErrors.has(p)) return undefined;
        found ??= p;
      }
      return found;
    };
    const skip = (node: ParsedNode, cause: string) => {
      failedOrSkipped.set(node.uniqueId, cause);
      if (node.config.materialized !== 'ephemeral') {
        const relationName = resultRelationName(node, (rel) => this.adapter.dialect.renderRelation(rel));
        const ephemeral = ephemeralCause(node, cause);
        const r = ephemeral ? ephemeralSkippedResult(node, ephemeral, ephemeralErrors.get(ephemeral)!, 'main', relationName) : skippedResult(node, cause, this.manifest.nodes.get(cause)?.name ?? cause, relationName);
        results.set(node.uniqueId, r);
        this.hooks.nodeFinished?.(node, indexFor(node.uniqueId), total, r);
      }
      complete(node.uniqueId);
    };

    let wake: (() => void) | null = null;
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };

    // Told once per node: a node of a group that did not run (an earlier one failed) starts again untold.
    const announced = new Set<string>();
    const announce = (node: ParsedNode) => {
      const index = indexFor(node.uniqueId);
      if (announced.has(node.uniqueId)) return;
      announced.add(node.uniqueId);
      this.hooks.nodeStarted?.(node, index, total);
    };
    const finished = (node: ParsedNode, result: NodeResult) => {
      this.hooks.nodeFinished?.(node, indexFor(node.uniqueId), total, result);
      complete(node.uniqueId);
    };
    // A promise only where --fail-fast stops the run first (no await, and no promise, per node otherwise).
    const finish = (node: ParsedNode, result: NodeResult): Promise<void> | undefined => {
      const id = node.uniqueId;
      results.set(id, result);
      if (failedStatus(result.status)) {
        failedOrSkipped.set(id, id);
        if (this.opts.failFast) return this.cancel({ interrupted: false }).then(() => finished(node, result));
      } else if (result.ephemeralFailure) {
        // The ephemeral model failed, as a node of its own would have: what else depends on it is skipped.
        const ephemeral = result.skippedBecause!;
        ephemeralErrors.set(ephemeral, result.ephemeralFailure);
        failedOrSkipped.set(ephemeral, ephemeral);
        failedOrSkipped.set(id, ephemeral);
      }
      finished(node, result);
      return undefined;
    };

    /**
     * `first` and more ready nodes to run on one connection with their transactions in one round
     * trip: an equal share of what is ready among the threads free to take it (the busy ones are
     * not), at most MAX_GROUP, so every free thread still finds work. Only nodes that can be one
     * plain transaction (see groupable).
     */
    const threads = Math.max(1, this.opts.threads);
    /** Threads running a node or a group now. */
    let busy = 0;
    const takeGroup = (first: ParsedNode): ParsedNode[] => {
      const size = Math.min(MAX_GROUP, Math.ceil((ready.length + 1) / Math.max(1, threads - busy)));
      const group = [first];
      for (let k = 0; k < ready.length && group.length < size && k < size * 4; ) {
        const n = this.manifest.nodes.get(ready[k])!;
        const failedParent = failedOrSkipped.size > 0 && firstIn(parentsOf.get(n.uniqueId)!, failedOrSkipped) !== undefined;
        if (this.groupable(n) && !failedParent) {
          group.push(n);
          ready.splice(k, 1);
        } else k++;
      }
      // Behind them, children whose every parent not yet done is in the group, before them: a
      // chain runs in the same round trip, as the database stops a query at its first failed
      // transaction (a child of a failed node never runs; it is skipped when put back). Down a
      // DAG of views each level otherwise waits for the round trip of the one above: a distant
      // server's latency times the DAG's depth.
      const inGroup = new Set(group.map((n) => n.uniqueId));
      for (let i = 0; i < group.length && group.length < MAX_GROUP; i++) {
        for (const child of childrenOf.get(group[i].uniqueId) ?? []) {
          if (group.length >= MAX_GROUP) break;
          if (inGroup.has(child) || done.has(child) || chained.has(child)) continue;
          const n = this.manifest.nodes.get(child)!;
          if (!this.groupable(n) || !allDoneOrIn(parentsOf.get(child)!, done, inGroup)) continue;
          if (failedOrSkipped.size > 0 && firstIn(parentsOf.get(child)!, failedOrSkipped) !== undefined) continue;
          group.push(n);
          inGroup.add(child);
          chained.add(child);
        }
      }
      return group;
    };

    /**
     * Each node of the group runs as usual up to its plan's transaction, one after the other (so
     * nothing of one interleaves with another's on the connection), and offers it; then all the
     * offered transactions go at once. A node that did not run goes back to the ready queue.
     */
    const runGroup = async (group: readonly ParsedNode[], conn: Connection, thread: string) => {
      // Per node: its statements made without an await (prepared), or its slot (the node runs as usual).
      const prepared: (Prepared | null)[] = [];
      const slots: (GroupSlot | null)[] = [];
      const running: (Promise<NodeResult | null> | null)[] = [];
      this.hold(conn);
      let outcomes: (NodeResult | null)[];
      /** Chained nodes left out: not made at once (their template or state needs the database), or behind one left out. */
      const leftOut = new Set<string>();
      try {
        for (let k = 0; k < group.length; k++) {
          // Cancelled meanwhile: the rest of the group has not started (and is skipped as such).
          if (this.cancelled) break;
          const id = group[k].uniqueId;
          if (chained.has(id)) {
            // Only a view made without an await may ride behind its parent: anything else could
            // look in the database for a parent not built yet. Left out, it waits for its parents.
            // Told started once its result is in (below): one whose parent fails never starts.
            const made = firstIn(parentsOf.get(id)!, leftOut) === undefined ? this.prepareGrouped(group[k]) : null;
            if (!made) leftOut.add(id);
            prepared.push(made);
            slots.push(null);
            running.push(made ? null : LEFT_OUT);
            continue;
          }
          announce(group[k]);
          const ready = this.prepareGrouped(group[k]);
          prepared.push(ready);
          if (ready) {
            // Its compiled SQL is handed over once the group's query is on its way (below).
            slots.push(null);
            running.push(null);
            continue;
          }
          const slot = new GroupSlot();
          slots.push(slot);
          const node = this.execute(group[k], conn, thread, slot);
          running.push(node);
          await Promise.race([slot.offered, node.then(noop, noop)]);
        }
        // What became of each prepared node's transaction (see Told).
        const told: Told[] = [];
        const offered: number[] = [];
        for (let k = 0; k < running.length; k++) if (prepared[k] || (slots[k] && slots[k]!.items !== null)) offered.push(k);
        const tell = (k: number, outcome: Told) => {
          const slot = slots[k];
          if (!slot) told[k] = outcome;
          else if (outcome === NOT_RUN) slot.notRun();
          else if ('error' in outcome) slot.failed(outcome.error);
          else slot.committed(outcome);
        };
        // The prepared nodes' compiled SQL (target/compiled), handed over whatever happens, as a
        // node alone hands it over (writingCompiled): once the query is sent, so that the
        // database works on it while this thread writes the files, not after.
        const handOver = (sent: boolean) => {
          for (let k = 0; k < prepared.length; k++) {
            if (!prepared[k]) continue;
            if (sent) this.hooks.executing?.(group[k]);
            this.hooks.compiled?.(group[k], prepared[k]!.sql);
          }
        };
        if (offered.length === 0 || this.cancelled) {
          handOver(false);
          for (const k of offered) tell(k, NOT_RUN);
        } else {
          let sending: Promise<GroupResult>;
          try {
            sending = conn.executeGroup!(offered.map((k) => prepared[k]?.items ?? slots[k]!.items!));
          } catch (e) {
            sending = Promise.reject(e);
          }
          try {
            handOver(true);
          } catch (e) {
            // Not left running unobserved: the writer's failure is the one reported.
            await sending.catch(() => undefined);
            throw e;
          }
          try {
            const out = await sending;
            offered.forEach((k, i) => tell(k, i < out.committed.length ? out.committed[i] : i === out.committed.length && out.failed ? { error: out.failed.error } : NOT_RUN));
          } catch (e) {
            for (const k of offered) tell(k, { error: e });
          }
        }
        outcomes = await Promise.all(running.map((r, k) => r ?? this.afterGroup(prepared[k]!, told[k]!, conn, thread)));
      } finally {
        this.unhold(conn);
      }
      const again: string[] = [];
      for (let k = 0; k < group.length; k++) {
        const id = group[k].uniqueId;
        const result = k < outcomes.length ? outcomes[k] : null;
        const behindParent = chained.delete(id);
        if (result === null) {
          // A chained node whose parent has not completed waits for it as any node does (that
          // parent's completion makes it ready); once its parents are done (or one failed: it is
          // then skipped) it is ready now.
          if (!behindParent || waiting.get(id) === 0) again.push(id);
          continue;
        }
        if (behindParent) announce(group[k]);
        const stopping = finish(group[k], result);
        if (stopping) await stopping;
      }
      ready.unshift(...again);
    };

    const worker = async (workerNo: number) => {
      const thread = `Thread-${workerNo} (worker)`;
      let conn: Connection | null = null;
      try {
        for (;;) {
          if (done.size === nodes.length) return;
          const id = ready.shift();
          if (id === undefined) {
            if (done.size === nodes.length) return;
            await new Promise<void>((res) => {
              const prev = wake;
              wake = () => {
                prev?.();
                res();
              };
            });
            continue;
          }
          const node = this.manifest.nodes.get(id)!;
          const failedParent = failedOrSkipped.size > 0 ? firstIn(parentsOf.get(id)!, failedOrSkipped) : undefined;
          if (this.cancelled || failedParent) {
            skip(node, failedParent ? failedOrSkipped.get(failedParent)! : id);
            notify();
            continue;
          }
          if (node.config.materialized === 'ephemeral') {
            // Inlined into its dependents, whose compile reports any template error in it.
            complete(id);
            notify();
            continue;
          }
          conn ??= await this.adapter.acquire();
          // More ready than threads: several nodes share a round trip (threads: 1 runs one at a time).
          // (A group of one too: its view's statements are then made without an await, see prepareGrouped.)
          const grouping = threads > 1 && conn.executeGroup !== undefined && !this.cancelled && this.groupable(node);
          const group = grouping ? takeGroup(node) : [node];
          busy++;
          try {
            if (grouping) await runGroup(group, conn, thread);
            else {
              announce(node);
              // A view whose statements can be made at once takes no await until they run.
              const alone = this.groupable(node) ? this.prepareAlone(node, conn) : null;
              // (Alone, a node always has a result: only a group's nodes may be put back.)
              const result = !alone ? (await this.execute(node, conn, thread))! : 'error' in alone ? this.compileFailed(node, thread, alone) : await this.runAlone(alone, conn, thread);
              const stopping = finish(node, result);
              if (stopping) await stopping;
            }
          } finally {
            busy--;
          }
          notify();
        }
      } finally {
        if (conn) this.adapter.release(conn);
        notify();
      }
    };

    // Exposures with no parent in the run have nothing to wait for.
    for (const e of exposures) if (exposureWaits.get(e.uniqueId) === 0) reportExposure(e, 'Thread-1 (worker)');
    const workers = Array.from({ length: Math.max(1, this.opts.threads) }, (_, i) => worker(i + 1));
    await Promise.all(workers);
    const ordered = reported.map((n) => results.get(n.uniqueId)!).filter(Boolean);
    if (exposureResults.size > 0) placeExposures(ordered, exposures, exposureResults);
    return { results: ordered, elapsedSeconds: (performance.now() - started) / 1000, cancelled: this.cancelled, interrupted: this.interrupted };
  }

  /**
   * Whether a node may join a group, told before it compiles: a view model with no hooks, contract
   * or grants (whose plans read results between statements). Views only: their transaction is DDL,
   * milliseconds whatever the data, while a table's build may take minutes; in a group it would
   * hold back the group's other nodes and their children (a database may answer a group's
   * commits only once all of it is done). Its plan decides in the end: one
   * that is not a single plain transaction runs alone (see runPlan).
   */
  private groupable(node: ParsedNode): boolean {
    const c = node.config;
    if (node.resourceType !== 'model' || c.materialized !== 'view') return false;
    if (hasAny(c.pre_hook) || hasAny(c.post_hook) || c.grants || contractEnforced(node)) return false;
    return injectedFailure(this.failAfterSpec, node) === null;
  }

  /**
   * Edges among the selected nodes (unselected parents are assumed built), plus one edge from
   * each test to the children of the node it tests, so a failing test stops what is built on
   * bad data (`build`). An edge that would close a cycle is left out.
   */
  private runGraph(nodes: readonly ParsedNode[]): { parentsOf: Map<string, Set<string>>; childrenOf: Map<string, Set<string>> } {
    const parentsOf = new Map<string, Set<string>>();
    for (const n of nodes) parentsOf.set(n.uniqueId, new Set(this.dag.parents(n.uniqueId).filter((p) => this.selected.has(p))));
    for (const t of nodes) {
      if (t.resourceType !== 'test' || !t.attachedNode) continue;
      let ancestors: Set<string> | null = null;
      for (const child of this.dag.children(t.attachedNode)) {
        const c = this.manifest.nodes.get(child);
        if (!c || c.resourceType === 'test' || !this.selected.has(child)) continue;
        ancestors ??= this.dag.ancestors(t.uniqueId);
        if (ancestors.has(child)) continue;
        parentsOf.get(child)!.add(t.uniqueId);
      }
    }
    // A unit test runs before its model is built (on its model's inputs), and a failing one
    // keeps the model from being built.
    for (const u of nodes) {
      if (u.resourceType !== 'unit_test' || !u.attachedNode) continue;
      const model = u.attachedNode;
      parentsOf.set(u.uniqueId, new Set(this.selected.has(model) ? [...(parentsOf.get(model) ?? [])] : []));
      parentsOf.get(model)?.add(u.uniqueId);
    }
    const childrenOf = new Map<string, Set<string>>();
    for (const [id, parents] of parentsOf) {
      for (const p of parents) {
        let set = childrenOf.get(p);
        if (!set) childrenOf.set(p, (set = new Set()));
        set.add(id);
      }
    }
    return { parentsOf, childrenOf };
  }

  /**
   * Fills the adapter's relation cache for the schemas the nodes build in as soon as the run's
   * hooks before any node are done (what they create is then listed, as a node's first look-up
   * would list it): the first node of each schema then finds its state there (peekRelation) as
   * later ones do. A failed listing is left to the node that looks there (getRelation lists
   * again, and reports it).
   */
  private async listRelationsAhead(nodes: readonly ParsedNode[]): Promise<void> {
    if (!this.adapter.peekRelation) return;
    const wanted = new Map<string, { database: string; schema: string }>();
    const fold = this.adapter.dialect.foldUnquoted;
    for (const n of nodes) {
      if (n.resourceType !== 'model' && n.resourceType !== 'seed' && n.resourceType !== 'snapshot') continue;
      // Where the name is written unquoted, the schema is listed as the database stores it.
      const at = n.quotePolicy ? storedName(nodeRelation(n), fold) : n;
      wanted.set(`${at.database}\u0000${at.schema}`, at);
    }
    await Promise.all([...wanted.values()].map(({ database, schema }) => this.adapter.listRelations(database, schema).catch(() => undefined)));
  }

  private async createSchemas(nodes: readonly ParsedNode[]): Promise<void> {
    const wanted = new Map<string, { database: string; schema: string; quoting?: QuotePolicy }>();
    for (const n of nodes) {
      if (n.resourceType === 'test' && !storesFailuresAs(n.config, this.opts.storeFailures)) continue;
      wanted.set(`${n.database}\u0000${n.schema}`, { database: n.database, schema: n.schema, quoting: n.quotePolicy });
    }
    if (wanted.size === 0) return;
    const conn = await this.adapter.acquire();
    try {
      // One listing per database, not per schema: a round trip each before any node starts.
      const listed = new Map<string, Promise<Set<string>>>();
      for (const { database, schema, quoting } of wanted.values()) {
        let existing = listed.get(database);
        if (!existing) listed.set(database, (existing = this.adapter.listSchemas(database).then((l) => new Set(l.map((s) => s.toLowerCase())))));
        if ((await existing).has(schema.toLowerCase())) continue;
        await conn.execute(this.adapter.dialect.createSchema(database, schema, quoting));
        // The cache knows schemas by their stored names (an unquoted part folded).
        const at = storedName({ database, schema, identifier: '', quoting }, this.adapter.dialect.foldUnquoted);
        this.adapter.cacheSchemaCreated?.(at.database, at.schema);
      }
    } finally {
      this.adapter.release(conn);
    }
  }

  /**
   * Runs a node; runs it again, after a growing wait, when it failed transiently (a deadlock, a
   * serialization failure: its error has `transient`) and nothing of the failed attempt can have
   * been kept: everything it ran was in a transaction that was rolled back.
   * With a `slot`, its first attempt offers its transaction to a group (see GroupSlot); null: the
   * group failed before the node's transaction ran, so nothing of it ran and it is to run again.
   */
  private async execute(node: ParsedNode, conn: Connection, thread: string, slot?: GroupSlot): Promise<NodeResult | null> {
    const policy = this.adapter.retryPolicy;
    for (let retry = 1; ; retry++) {
      const attempt: Attempt = { unsafe: !this.adapter.capabilities.supportsTransactionalDdl };
      const { result, transient } = await this.executeOnce(node, conn, thread, attempt, retry === 1 ? slot : undefined);
      if (result === null || transient === undefined || attempt.unsafe || !policy || retry > policy.retries || this.cancelled) return result;
      const delaySeconds = retryDelaySeconds(policy, retry);
      this.hooks.retrying?.(node, { what: `${node.resourceType} ${node.name}`, reason: transient, attempt: retry + 1, attempts: policy.retries + 1, delaySeconds });
      await new Promise((resolve) => setTimeout(resolve, delaySeconds * 1000));
      if (this.cancelled) return result;
    }
  }

  private async executeOnce(node: ParsedNode, conn: Connection, thread: string, attempt: Attempt, slot?: GroupSlot): Promise<{ result: NodeResult | null; transient?: string }> {
    let held = false;
    const timing: TimingInfo[] = [];
    const startedAt = isoNow();
    const start = performance.now();
    let compiledSql: string | null = null;
    const statements: string[] = [];
    const isTest = node.resourceType === 'test';
    const relationName = resultRelationName(node, (rel) => this.adapter.dialect.renderRelation(rel));
    const base = { uniqueId: node.uniqueId, threadId: thread, timing, relationName };
    try {
      if (node.resourceType === 'unit_test') {
        attempt.unsafe = true; // its fixtures are not built in one transaction
        this.hold(conn);
        held = true;
        const u = await this.opts.runUnitTest!(node, conn, statements);
        this.hooks.executed?.(node, statements);
        timing.push({ name: 'execute', started_at: startedAt, completed_at: isoNow() });
        return { result: { ...base, status: u.status, message: u.message, failures: u.failures, rowsAffected: null, adapterMessage: u.status.toUpperCase(), executionTime: (performance.now() - start) / 1000, compiledCode: u.sql } };
      }
      // Warehouse state first: is_incremental() is answered from it while compiling.
      // Retrying the failed batches of a partial success never rebuilds the table: that would
      // drop the batches that succeeded (dbt honours --full-refresh only when all of them failed).
      const keepBatches = (this.opts.retryBatches?.get(node.uniqueId)?.successful.length ?? 0) > 0;
      const state = isTest ? null : await readWarehouseState(this.adapter, node, !!this.opts.fullRefresh && !keepBatches);
      // run_query, statement and adapter calls in the node's templates (and hooks) use its
      // connection, out of the plan's transaction: the node is then never run again.
      const connection = async () => {
        attempt.unsafe = true;
        return conn;
      };
      const run = { isIncremental: state !== null && isIncrementalRun(node, state), warehouse: { adapter: this.adapter, connection } };
      this.hold(conn);
      held = true;
      compiledSql = (await this.compiler.compileAsync(node, run)).sql;
      const nodeHooks = isTest ? null : hooksOf(this.compiler, node, run);
      const compiledAt = isoNow();
      timing.push({ name: 'compile', started_at: startedAt, completed_at: compiledAt });
      const sql = compiledSql;
      const outcome = await this.writingCompiled(
        node,
        sql,
        () =>
          isTest
            ? this.runTest(node, sql, conn, statements, attempt)
            : this.opts.empty && keepsHistory(node, state!)
              ? this.checkOnly(sql, conn, statements)
              : this.runPlanOrFallback(conn, this.plan(node, sql, state!), nodeHooks!, statements, node, attempt, slot),
        slot !== undefined,
      );
      this.hooks.executed?.(node, statements);
      // In a group, the node ended when its commit was answered, not when the group's last one was.
      const ended = slot?.endedAt ?? null;
      timing.push({ name: 'execute', started_at: compiledAt, completed_at: ended === null ? isoNow() : isoNow(Math.round(performance.timeOrigin + ended)) });
      const error = outcome.error ? this.nodeError(outcome.error, compiledSql, node) : undefined;
      return { result: nodeResult(base, outcome, error, ((ended ?? performance.now()) - start) / 1000, compiledSql) };
    } catch (e) {
      // Nothing of it ran (an earlier transaction of its group failed): it runs again, as if not started.
      if (e instanceof NotRunInGroup && !this.cancelled) return { result: null };
      // An ephemeral model of the run failed to compile: dbt fails that model and skips this node.
      // (One not selected is compiled as part of this node, as in dbt, whose error it then is.)
      if (e instanceof EphemeralCompileError && !this.cancelled && this.selected.has(e.ephemeralId)) {
        const ephemeral = this.manifest.nodes.get(e.ephemeralId)!;
        return { result: ephemeralSkippedResult(node, e.ephemeralId, asNodeError(e.original, ephemeral, false), thread, relationName) };
      }
      if (statements.length) this.hooks.executed?.(node, statements);
      const result = errorResult(base, this.nodeError(e, compiledSql, node), (performance.now() - start) / 1000, compiledSql);
      return { result, transient: e instanceof KilnError ? e.transient : undefined };
    } finally {
      if (held) this.unhold(conn);
    }
  }

  /**
   * A node of a group whose statements can be made without an await: a view whose template is
   * static (Compiler.compileStatic), whose warehouse state the adapter's cache
   * holds (peekWarehouseState), and whose plan is one plain transaction. Everything executeOnce
   * would do up to offering that transaction, done at once; null for any other node (it runs
   * through executeOnce). Per node, this spares the awaits and objects of the general path.
   */
  private prepareGrouped(node: ParsedNode): Prepared | null {
    const made = this.compileAtOnce(node);
    if (!made) return null;
    const { sql, plan, start, startedAt, compiledAt } = made;
    try {
      const steps = plan.steps;
      if (steps.length < 3 || steps[0].kind !== 'begin' || steps[steps.length - 1].kind !== 'commit' || plan.mainStep < 0) return null;
      const items: BatchItem[] = ['begin'];
      const statements: string[] = [];
      for (let k = 1; k < steps.length - 1; k++) {
        const step = steps[k];
        if (!isPlanSql(step)) return null;
        items.push({ sql: step.sql });
        statements.push(step.sql);
      }
      items.push('commit');
      const relationName = resultRelationName(node, (rel) => this.adapter.dialect.renderRelation(rel));
      return { node, sql, plan, items, statements, start, startedAt, compiledAt, relationName };
    } catch {
      // (executeOnce does it again, and reports the error)
      return null;
    }
  }

  /**
   * A view's warehouse state, compiled SQL and plan without an await: its template is static
   * (Compiler.compileStatic: text and ref/source/config/var calls) and the adapter's cache holds its state
   * (peekWarehouseState). Null otherwise, or when any of it failed (executeOnce then does it
   * again, and reports the error).
   */
  private compileAtOnce(node: ParsedNode): { sql: string; plan: Plan; start: number; startedAt: string; compiledAt: string } | null {
    if (!this.mayPrepare(node)) return null;
    const startedAt = isoNow();
    const start = performance.now();
    try {
      const state = peekWarehouseState(this.adapter, node, !!this.opts.fullRefresh);
      const compiled = state && this.compiler.compileStatic(node);
      if (!state || !compiled) return null;
      const compiledAt = isoNow();
      return { sql: compiled.sql, plan: this.plan(node, compiled.sql, state), start, startedAt, compiledAt };
    } catch {
      return null;
    }
  }

  /**
   * A view running alone (not in a group) whose plan is plain statements outside any transaction
   * (DuckDB's one `create or replace view`), its state in the adapter's cache (peekWarehouseState)
   * and its template rendered without an await (Compiler.compileNow: a static one, or one that
   * waits on nothing). Per node, this spares executeOnce's awaits and objects; runAlone then does
   * what it would. Its template's error, if any, is the node's (as executeOnce reports it).
   */
  private prepareAlone(node: ParsedNode, conn: Connection): Prepared | { readonly error: unknown; readonly start: number } | null {
    if (!this.mayPrepare(node)) return null;
    const startedAt = isoNow();
    const start = performance.now();
    let state: WarehouseState | null;
    try {
      state = peekWarehouseState(this.adapter, node, !!this.opts.fullRefresh);
      // The plan's shape, told before the template renders (its log() calls then print once).
      if (!state || !plainStatements(this.plan(node, '', state))) return null;
    } catch {
      return null;
    }
    let compiled: CompiledNode | null;
    try {
      // As executeOnce compiles it; a view's template that would use the connection waits on the warehouse (null).
      const connection = async () => conn;
      compiled = this.compiler.compileNow(node, { isIncremental: isIncrementalRun(node, state), warehouse: { adapter: this.adapter, connection } });
    } catch (error) {
      return { error, start };
    }
    if (!compiled) return null;
    const compiledAt = isoNow();
    try {
      const plan = this.plan(node, compiled.sql, state);
      const statements = plainStatements(plan);
      if (!statements) return null;
      const relationName = resultRelationName(node, (rel) => this.adapter.dialect.renderRelation(rel));
      return { node, sql: compiled.sql, plan, items: [], statements, start, startedAt, compiledAt, relationName };
    } catch {
      return null;
    }
  }

  /** Whether a node may take a prepared path at all: the adapter's cache answers at once, and no --empty or batch retry changes its plan. */
  private mayPrepare(node: ParsedNode): boolean {
    return this.adapter.peekRelation !== undefined && !this.opts.empty && !this.opts.retryBatches?.has(node.uniqueId);
  }

  /** A node's error, a database error's position retold as a line of the compiled SQL the reporter points to. */
  private nodeError(e: unknown, compiledSql: string | null, node: ParsedNode): KilnError {
    return asNodeError(pointIntoCompiled(e, compiledSql, `target/compiled/${nodeSqlPath(node, this.manifest.packageRoots)}`), node, this.cancelled);
  }

  /** A node whose compile failed in prepareAlone: its result as executeOnce makes it. */
  private compileFailed(node: ParsedNode, thread: string, failed: { readonly error: unknown; readonly start: number }): NodeResult {
    const relationName = resultRelationName(node, (rel) => this.adapter.dialect.renderRelation(rel));
    return errorResult({ uniqueId: node.uniqueId, threadId: thread, timing: [], relationName }, this.nodeError(failed.error, null, node), (performance.now() - failed.start) / 1000, null);
  }

  /**
   * A node prepared by prepareAlone, run as executeOnce runs it: each statement on its own (as
   * runPlan runs statements outside a transaction), its compiled SQL handed over once the first
   * is on its way, its executed statements and its result (or error) as executeOnce makes them.
   */
  private async runAlone(p: Prepared, conn: Connection, thread: string): Promise<NodeResult> {
    const { node } = p;
    const timing: TimingInfo[] = [{ name: 'compile', started_at: p.startedAt, completed_at: p.compiledAt }];
    const statements: string[] = [];
    this.hold(conn);
    try {
      const running = this.runStatements(p, conn, statements);
      try {
        this.hooks.executing?.(node);
        this.hooks.compiled?.(node, p.sql);
        this.settleCompiled?.(node);
      } catch (e) {
        // Not left running unobserved (see writingCompiled).
        await running.catch(() => undefined);
        throw e;
      }
      const outcome = await running;
      this.hooks.executed?.(node, statements);
      timing.push({ name: 'execute', started_at: p.compiledAt, completed_at: isoNow() });
      return nodeResult({ uniqueId: node.uniqueId, threadId: thread, timing, relationName: p.relationName }, outcome, undefined, (performance.now() - p.start) / 1000, p.sql);
    } catch (e) {
      if (statements.length) this.hooks.executed?.(node, statements);
      return errorResult({ uniqueId: node.uniqueId, threadId: thread, timing, relationName: p.relationName }, this.nodeError(e, p.sql, node), (performance.now() - p.start) / 1000, p.sql);
    } finally {
      this.unhold(conn);
    }
  }

  /** runPlan for a plan of plain statements outside a transaction (see prepareAlone): `p.statements`, one per step. */
  private async runStatements(p: Prepared, conn: Connection, statements: string[]): Promise<Outcome> {
    const { plan } = p;
    const answer = new MainAnswer(plan);
    for (let k = 0; k < plan.steps.length; k++) {
      if (this.cancelled) throw new KilnError(Codes.CANCELLED, 'Cancelled before it finished');
      statements.push(p.statements[k]);
      answer.note(plan.steps[k], await conn.execute(p.statements[k]));
    }
    this.applyCache(plan);
    return answer.outcome();
  }

  /**
   * The result of a prepared node once its group ran, as executeOnce makes it: committed, the
   * main statement's answer; not run, null (it runs again later) or, the run cancelled, the
   * error; failed, the node runs again through executeOnce and is told the error at its
   * transaction (ToldSlot), which then falls back, retries or fails it as for any node.
   */
  private afterGroup(p: Prepared, told: Told, conn: Connection, thread: string): NodeResult | null | Promise<NodeResult | null> {
    const { node, plan } = p;
    const compileTiming: TimingInfo = { name: 'compile', started_at: p.startedAt, completed_at: p.compiledAt };
    if (told !== NOT_RUN && 'error' in told) {
      if (!this.cancelled) return this.execute(node, conn, thread, new ToldSlot(told.error));
    } else if (told !== NOT_RUN) {
      const answer = new MainAnswer(plan);
      plan.steps.forEach((step, k) => answer.note(step, told.results[k]));
      this.applyCache(plan);
      this.hooks.executed?.(node, p.statements);
      const timing = [compileTiming, { name: 'execute' as const, started_at: p.compiledAt, completed_at: isoNow(Math.round(performance.timeOrigin + told.endedAt)) }];
      return nodeResult({ uniqueId: node.uniqueId, threadId: thread, timing, relationName: p.relationName }, answer.outcome(), undefined, (told.endedAt - p.start) / 1000, p.sql);
    } else if (!this.cancelled) return null;
    // Cancelled: as executeOnce reports a node of a group that was stopped.
    this.hooks.executed?.(node, p.statements);
    return errorResult({ uniqueId: node.uniqueId, threadId: thread, timing: [compileTiming], relationName: p.relationName }, asNodeError(null, node, true), (performance.now() - p.start) / 1000, p.sql);
  }

  /**
   * Starts the node's execution, then hands its compiled SQL to the `compiled` hook (target/compiled):
   * the first statement is sent before `start` returns, so the database works on it while this
   * thread writes. The SQL is handed over whatever happens, as it was before the node ran.
   */
  private async writingCompiled(node: ParsedNode, sql: string, start: () => Promise<Outcome>, grouped: boolean): Promise<Outcome> {
    let running: Promise<Outcome> | undefined;
    try {
      running = start();
    } finally {
      try {
        if (running !== undefined) this.hooks.executing?.(node);
        // A seed has no SQL of its own: dbt writes it no file under target/compiled.
        if (node.resourceType !== 'seed') this.hooks.compiled?.(node, sql);
        // A node of a group may not run yet and compile again: it settles when its result is in.
        if (!grouped) this.settleCompiled?.(node);
      } catch (e) {
        // Not left running unobserved: the node's own failure, if any, is not the one reported.
        await running?.catch(() => undefined);
        throw e;
      }
    }
    return running;
  }

  /**
   * Runs a node's plan with its hooks. Where the database may refuse the plan having changed
   * nothing (a view replaced in place whose columns no longer fit), its refusal runs the
   * fallback plan instead; the refused statements are not kept in target/run. A node with hooks
   * runs the fallback plan straight away: a hook outside the transaction must not run twice.
   */
  private async runPlanOrFallback(
    conn: Connection,
    planned: Plan,
    hooks: { pre: readonly NodeHook[]; post: readonly NodeHook[] },
    statements: string[],
    node: ParsedNode,
    attempt: Attempt,
    slot?: GroupSlot,
  ): Promise<Outcome> {
    const txDdl = this.adapter.capabilities.supportsTransactionalDdl;
    const hooked = hooks.pre.length > 0 || hooks.post.length > 0;
    const fallback = planned.fallback;
    if (!fallback || hooked) return this.runPlan(conn, withHooks(hooked && fallback ? fallback.plan : planned, hooks.pre, hooks.post, txDdl), statements, node, attempt, slot);
    const mark = statements.length;
    const unsafe = attempt.unsafe;
    try {
      return await this.runPlan(conn, planned, statements, node, attempt, slot);
    } catch (e) {
      if (!(e instanceof KilnError) || this.cancelled || !fallback.when(e)) throw e;
      // (In a group, the refusal ended the group's query: the fallback runs alone, on this connection.)
      // Refused and rolled back (or, alone, never applied): as if it had not run.
      statements.length = mark;
      attempt.unsafe = unsafe;
      return this.runPlan(conn, fallback.plan, statements, node, attempt);
    }
  }

  /**
   * Runs a plan's steps; rolls back on any failure so the previous relation stays. `inspect`
   * steps read columns through this connection and run the steps derived from them.
   * Microbatch plans (`batch` markers): every batch runs; a failed batch is rolled back and
   * recorded, and the next one runs, unless the failed one was to build the table. Some batches
   * failed: partial success; all of them: error. Either way `batchResults` says which.
   */
  private async runPlan(conn: Connection, plan: Plan, statements: string[], node: ParsedNode | undefined, attempt: Attempt, slot?: GroupSlot): Promise<Outcome> {
    let inTx = false;
    let committed = false;
    const answer = new MainAnswer(plan);
    const failAfter = injectedFailure(this.failAfterSpec, node);
    // Where the connection can send several statements at once, a transaction's statements go
    // together (one round trip instead of one each). Hooks are the user's SQL and run alone;
    // so does everything while a test injects a failure after a given statement.
    const batching = conn.executeBatch !== undefined && failAfter === null;
    const queue: Step[] = [...plan.steps];
    const previous = node ? this.opts.retryBatches?.get(node.uniqueId) : undefined;
    const batches = { successful: [...(previous?.successful ?? [])] as BatchSpan[], failed: [] as BatchSpan[], errors: [] as KilnError[] };
    let batch: { step: Extract<Step, { kind: 'batch' }>; rowsBefore: number | null } | null = null;
    let anyBatch = false;
    const batchDone = () => {
      if (batch) batches.successful.push(span(batch.step));
      batch = null;
    };
    for (let step = queue.shift(); step; step = queue.shift()) {
      try {
        if (this.cancelled) throw new KilnError(Codes.CANCELLED, 'Cancelled before it finished');
        if (step.kind === 'batch') {
          batchDone();
          batch = { step, rowsBefore: answer.rows };
          anyBatch = true;
          continue;
        }
        const group: readonly Step[] = batching && (step.kind === 'begin' || (inTx && step.kind === 'sql')) ? batchGroup(step, queue) : [step];
        if (group.length > 1) {
          // The plan's last steps are one whole transaction: in a group, it goes with the other
          // nodes' (executeGroup commits it, or rolls it back, before answering).
          const grouped: boolean = slot !== undefined && group[0].kind === 'begin' && group[group.length - 1].kind === 'commit' && queue.length === 0 && !anyBatch;
          if (group[0].kind === 'begin') inTx = !grouped;
          for (const s of group) if (s.kind === 'sql') statements.push(s.sql);
          const items = group.map((s): BatchItem => (s.kind === 'sql' ? { sql: s.sql } : s.kind === 'begin' ? 'begin' : 'commit'));
          const results = grouped && slot ? await slot.run(items) : await conn.executeBatch!(items);
          group.forEach((s, k) => {
            if (s.kind === 'sql') answer.note(s, results[k]);
          });
          if (group[group.length - 1].kind === 'commit') {
            inTx = false;
            committed = true;
            // What a transaction committed is kept: the node cannot be started again from nothing.
            attempt.unsafe = true;
          }
          continue;
        }
        if (step.kind === 'begin') {
          await conn.begin();
          inTx = true;
        } else if (step.kind === 'commit') {
          await conn.commit();
          inTx = false;
          committed = true;
          // What a transaction committed is kept: the node cannot be started again from nothing.
          attempt.unsafe = true;
        } else if (step.kind === 'inspect') {
          const columns = [];
          for (const rel of step.relations) columns.push(await this.adapter.getColumns(rel, conn));
          queue.unshift(...step.then(columns));
          continue;
        } else if (step.kind === 'query') {
          statements.push(step.sql);
          queue.unshift(...step.then((await conn.query(step.sql)).rows));
          continue;
        } else if (step.kind === 'hook') {
          // Rendered now, on this connection: statements its Jinja runs see the plan's work.
          const sql = await step.render();
          if (!sql.trim()) continue;
          if (!inTx) attempt.unsafe = true;
          statements.push(sql);
          answer.note(step, await conn.execute(sql));
        } else if (step.kind === 'load') {
          if (!inTx) attempt.unsafe = true;
          statements.push(`-- bulk load ${step.load.file} (${step.load.rowCount < 0 ? 'read while loading' : `${step.load.rowCount} rows`})`);
          answer.note(step, await conn.loadCsv(step.target, step.load));
        } else {
          if (!inTx) attempt.unsafe = true;
          statements.push(step.sql);
          const onError = step.onError;
          answer.note(step, await (onError ? conn.execute(step.sql).catch((e: unknown) => Promise.reject(e instanceof KilnError ? onError(e) : e)) : conn.execute(step.sql)));
        }
        if (failAfter === statements.length && step.kind !== 'begin' && step.kind !== 'commit') {
          throw new KilnError(Codes.DATABASE_ERROR, `Injected failure after statement ${failAfter} (KILN_TEST_FAIL_AFTER)`);
        }
      } catch (e) {
        if (inTx) await conn.rollback().catch(() => undefined);
        inTx = false;
        const failed: { step: Extract<Step, { kind: 'batch' }>; rowsBefore: number | null } | null = batch;
        // Cancellation and kiln bugs stop the node; a batch that failed lets the next one run.
        if (!failed || this.cancelled || !(e instanceof KilnError)) {
          // Batches committed before the failure stay (and the relation with them).
          if (committed) this.applyCache(plan);
          throw failed && e instanceof KilnError ? batchError(e, failed.step) : e;
        }
        batch = null;
        answer.rows = failed.rowsBefore;
        batches.failed.push(span(failed.step));
        batches.errors.push(batchError(e, failed.step));
        // The rest of this batch's steps are dropped; after a failed first build, every batch.
        while (queue.length && queue[0].kind !== 'batch') queue.shift();
        if (failed.step.builds) {
          for (const rest of queue.splice(0)) if (rest.kind === 'batch') batches.failed.push(span(rest));
        }
      }
    }
    batchDone();
    // A batch that succeeded left the relation in place (committed, or without transactions
    // applied as it ran); a plan without batches got here only by succeeding.
    const ranOne = batches.successful.length > (previous?.successful.length ?? 0);
    if (!anyBatch || committed || ranOne) this.applyCache(plan);
    const seedLoad = node?.resourceType === 'seed';
    const done: Outcome = seedLoad ? { ...answer.outcome(), message: `INSERT ${answer.rows ?? 0}` } : answer.outcome();
    if (!anyBatch) return done;
    const batchResults = { successful: batches.successful, failed: batches.failed };
    if (batches.failed.length === 0) return { ...done, batchResults };
    const total = batches.successful.length + batches.failed.length;
    const error = batches.errors.length === 1 ? batches.errors[0] : combinedBatchError(batches.errors, batches.failed.length, total);
    if (batches.successful.length === 0) return { status: 'error', message: error.message, rowsAffected: null, adapterMessage: 'ERROR', batchResults, error };
    return { status: 'partial success', message: `${batches.failed.length} of ${total} batches failed`, rowsAffected: answer.rows, adapterMessage: 'PARTIAL SUCCESS', batchResults, error };
  }

  /**
   * A data test: count the failing rows with fail_calc and judge them against warn_if and
   * error_if, as dbt does. With store_failures, the failing rows are kept in a table (built
   * with the same atomic swap as models).
   */
  private async runTest(node: ParsedNode, sql: string, conn: Connection, statements: string[], attempt: Attempt): Promise<Outcome> {
    // Before the first await: the node's manifest.json entry may be made as soon as this returns.
    node.testExecuted = true;
    const c = node.config;
    const failCalc = String(c.fail_calc ?? 'count(*)');
    const warnIf = String(c.warn_if ?? '!= 0');
    const errorIf = String(c.error_if ?? '!= 0');
    const limit = c.limit !== null && c.limit !== undefined ? `\nlimit ${Number(c.limit)}` : '';
    let storedFailures: string | null = null;
    const storeAs = storesFailuresAs(c, this.opts.storeFailures);
    if (storeAs) {
      const asTable: ParsedNode = { ...node, config: { ...node.config, materialized: storeAs } };
      await this.runPlan(conn, this.plan(asTable, sql, await readWarehouseState(this.adapter, asTable, false)), statements, undefined, attempt);
      storedFailures = this.adapter.dialect.renderRelation(nodeRelation(node));
    }
    const query = `select\n  ${failCalc} as failures,\n  ${failCalc} ${warnIf} as should_warn,\n  ${failCalc} ${errorIf} as should_error\nfrom (\n${sql}${limit}\n) dbt_internal_test`;
    statements.push(query);
    const res = await conn.query(query).catch(async (e: unknown) => {
      throw (await this.missingTestColumn(node, conn)) ?? e;
    });
    const [failuresRaw, warnRaw, errorRaw] = res.rows[0] ?? [0, false, false];
    const failures = Number(failuresRaw ?? 0);
    const shouldWarn = truthy(warnRaw);
    const shouldError = truthy(errorRaw);
    const severity = String(c.severity ?? 'error').toLowerCase();
    let status: 'pass' | 'fail' | 'warn' = 'pass';
    if (severity === 'error' && shouldError) status = 'fail';
    else if (shouldWarn) status = this.opts.warnError ? 'fail' : 'warn';
    const plural = failures === 1 ? '' : 's';
    const message =
      status === 'pass' ? 'PASS' : status === 'warn' ? `Got ${failures} result${plural}, configured to warn if ${warnIf}` : `Got ${failures} result${plural}, configured to fail if ${shouldError ? errorIf : warnIf}`;
    return { status, message, rowsAffected: null, adapterMessage: status.toUpperCase(), failures, storedFailures };
  }

  /** When a test fails because its column is not in the model, say that, at the YAML line. */
  private async missingTestColumn(node: ParsedNode, conn: Connection): Promise<KilnError | null> {
    const column = node.columnName;
    const target = node.attachedNode ? this.manifest.nodes.get(node.attachedNode) : undefined;
    if (!column || !target || target.config.materialized === 'ephemeral') return null;
    const cols = await this.adapter.getColumns(nodeRelation(target), conn).catch(() => []);
    if (cols.length === 0 || cols.some((c) => c.name.toLowerCase() === column.toLowerCase().replace(/^"|"$/g, ''))) return null;
    return new KilnError(Codes.CONFIG_INVALID, `Test ${node.name} checks column '${column}', which ${target.name} does not have`, {
      loc: node.loc,
      node: node.uniqueId,
      hint: `${target.name} has: ${cols.map((c) => c.name).join(', ')}. Fix the column name in ${node.originalFilePath}.`,
    });
  }

  /**
   * --empty on a snapshot or microbatch model that exists: applying zero input rows would close
   * every snapshot row (hard deletes) or empty the batches' windows, so the SQL is only run, for
   * its errors, and the relation kept.
   */
  private async checkOnly(sql: string, conn: Connection, statements: string[]): Promise<Outcome> {
    const check = `select * from (\n${sql}\n) kiln_empty_check where false`;
    statements.push(check);
    await conn.query(check);
    return { status: 'success', message: 'OK (--empty: existing relation kept)', rowsAffected: 0, adapterMessage: 'OK' };
  }

  private plan(node: ParsedNode, sql: string, state: WarehouseState): Plan {
    const now = this.opts.now ?? this.startedAt;
    // Microbatch models render once per batch, each with its inputs narrowed to the batch.
    const only = this.opts.retryBatches?.get(node.uniqueId)?.failed.map(([start, end]) => ({ start: new Date(start), end: new Date(end) }));
    const batches = microbatchBatches(node, state, this.adapter, { now: this.opts.microbatchNow ?? now, start: this.opts.eventTimeStart, end: this.opts.eventTimeEnd, only }, (batch, isIncremental) =>
      this.compiler.compile(node, { batch, isIncremental }).sql,
    );
    // Trino: each catalog has its own connector and so its own capabilities.
    const capabilities = this.adapter.capabilitiesFor?.(node.database) ?? this.adapter.capabilities;
    const ctx = { dialect: this.adapter.dialect, capabilities, nonce: String(now.getTime()) };
    return planNode(node, sql, state, ctx, this.opts.seeds.get(node.uniqueId), batches);
  }

  private applyCache(plan: Plan): void {
    for (const d of plan.dropped) this.adapter.cacheDropped(d);
    if (plan.result) this.adapter.cacheAdded(plan.result);
  }
}

type Outcome = Pick<NodeResult, 'status' | 'message' | 'rowsAffected' | 'adapterMessage' | 'failures' | 'storedFailures' | 'batchResults' | 'error'>;

/** A node prepared for its group (Runner.prepareGrouped), or to run alone (Runner.prepareAlone). */
interface Prepared {
  readonly node: ParsedNode;
  readonly sql: string;
  readonly plan: Plan;
  /** The plan's transaction, as offered to the group (none alone). */
  readonly items: readonly BatchItem[];
  /** Its statements, as target/run records them. */
  readonly statements: readonly string[];
  /** performance.now() and isoNow() when it started, isoNow() when it had compiled. */
  readonly start: number;
  readonly startedAt: string;
  readonly compiledAt: string;
  readonly relationName: string | null;
}

/** What became of a transaction offered to a group: its commit, its error, or not run (an earlier one failed, or the run was stopped). */
type Told = GroupCommit | { readonly error: unknown } | typeof NOT_RUN;
const NOT_RUN = Symbol('not run');

type BatchStep = Extract<Step, { kind: 'sql' | 'begin' | 'commit' }>;

/**
 * `first` and the steps after it (taken from `queue`) that can run as one batch: plan
 * statements up to and including the transaction's commit. Empty of extras when none follow.
 */
function batchGroup(first: BatchStep, queue: Step[]): BatchStep[] {
  if (first.kind === 'sql' && !isPlanSql(first)) return [first];
  const group: BatchStep[] = [first];
  while (queue.length > 0) {
    const next = queue[0];
    if (next.kind === 'commit') {
      group.push(next);
      queue.shift();
      break;
    }
    if (!isPlanSql(next)) break;
    group.push(next);
    queue.shift();
  }
  return group;
}

/** A statement of the plan's own that may share a batch: hooks (the user's SQL) and steps that retell their own errors (grants) run alone. */
function isPlanSql(s: Step): s is Extract<Step, { kind: 'sql' }> {
  return s.kind === 'sql' && !s.purpose.endsWith('hook') && !s.onError;
}

/** The plan's statements where it is plain statements outside any transaction (see Runner.prepareAlone); null otherwise. */
function plainStatements(plan: Plan): string[] | null {
  if (plan.mainStep < 0 || plan.fallback) return null;
  const statements: string[] = [];
  for (const step of plan.steps) {
    if (!isPlanSql(step)) return null;
    statements.push(step.sql);
  }
  return statements;
}

/** Test-only hook: KILN_TEST_FAIL_AFTER=<node name>:<n> fails that node right after its n-th statement. */
function injectedFailure(spec: string | undefined, node?: ParsedNode): number | null {
  if (!spec || !node) return null;
  const i = spec.lastIndexOf(':');
  return spec.slice(0, i) === node.name ? Number(spec.slice(i + 1)) : null;
}

/** A config's hook list (or single hook) holds something. */
function hasAny(v: unknown): boolean {
  return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null && v !== '';
}

const noop = (): void => undefined;

/**
 * The most nodes one group takes, chains included: beyond a few dozen, a group's compile time
 * delays its first node more than it saves. 1,000 views here, 14 alternating rounds: 16, 32 and
 * 64 took 507, 500 and 528 ms; with a server 10 ms away, ~1.3 s, 0.89 s and 0.70 s.
 */
const MAX_GROUP = 32;

/** The outcome of a chained node left out of its group (see runGroup): not run, to run later. */
const LEFT_OUT: Promise<null> = Promise.resolve(null);

/** The first of `ids` that `set` holds (without copying `ids` into an array). */
/** Whether every id is done or in the group. */
function allDoneOrIn(ids: Iterable<string>, done: ReadonlySet<string>, group: ReadonlySet<string>): boolean {
  for (const id of ids) if (!done.has(id) && !group.has(id)) return false;
  return true;
}

function firstIn(ids: Iterable<string>, set: ReadonlyMap<string, unknown> | ReadonlySet<string>): string | undefined {
  for (const id of ids) if (set.has(id)) return id;
  return undefined;
}

/** A batch's window as run_results.json writes it. */
function span(b: { start: string; end: string }): BatchSpan {
  return [isoUtc(parseUtc(b.start)!), isoUtc(parseUtc(b.end)!)];
}

/** A microbatch batch failed: the other batches ran (and were kept), and it can be rerun alone. */
function batchError(e: KilnError, batch: { start: string; end: string }): KilnError {
  return new KilnError(e.code, `Batch ${batch.start} to ${batch.end} failed (the other batches were kept): ${e.message}`, {
    loc: e.loc,
    node: e.node,
    related: e.related,
    hint: `${e.hint ? `${e.hint}\n` : ''}Rerun the failed batches with \`kiln retry\`, or just this one with --event-time-start "${batch.start}" --event-time-end "${batch.end}".`,
  });
}

/** Several batches failed: one error listing each (the first one's code and location). */
function combinedBatchError(errors: readonly KilnError[], failed: number, total: number): KilnError {
  const first = errors[0];
  return new KilnError(first.code, `${failed} of ${total} batches failed (the other batches were kept):\n${errors.map((e) => `  - ${e.message}`).join('\n')}`, {
    loc: first.loc,
    node: first.node,
    related: first.related,
    hint: 'Rerun just the failed batches with `kiln retry` (or each with the --event-time-start / --event-time-end its line names).',
  });
}

function truthy(v: unknown): boolean {
  return v === true || v === 1 || v === 'true' || v === 't' || (typeof v === 'number' && v !== 0);
}

/**
 * What a node reports of its plan: the main statements' rows added up (microbatch: one main step
 * per batch) and the last one's message.
 */
class MainAnswer {
  rows: number | null = null;
  private message = '';
  private readonly mainStep: Step;

  constructor(plan: Plan) {
    this.mainStep = plan.steps[plan.mainStep];
  }

  note(step: Step, r: { readonly rowsAffected: number | null; readonly message: string }): void {
    if (step !== this.mainStep && !(step.kind === 'sql' && step.main)) return;
    this.rows = this.rows === null ? r.rowsAffected : this.rows + (r.rowsAffected ?? 0);
    this.message = r.message;
  }

  outcome(): Outcome {
    return { status: 'success', message: this.message || 'OK', rowsAffected: this.rows, adapterMessage: this.message || 'OK' };
  }
}

/** A node's result when it failed (or was stopped) before an outcome: its error, its compiled SQL if it got that far. */
function errorResult(base: { uniqueId: string; threadId: string; timing: TimingInfo[]; relationName: string | null }, error: KilnError, executionTime: number, compiledCode: string | null): NodeResult {
  return { ...base, status: 'error', message: error.message, executionTime, rowsAffected: null, adapterMessage: 'ERROR', compiledCode, error };
}

function asNodeError(e: unknown, node: ParsedNode, cancelled: boolean): KilnError {
  if (cancelled) return new KilnError(Codes.CANCELLED, 'Cancelled; nothing of this node was kept', { node: node.uniqueId, loc: { file: node.originalFilePath } });
  if (e instanceof KilnError) {
    if (e.loc) return e;
    return new KilnError(e.code, e.message, { loc: { file: node.originalFilePath }, node: node.uniqueId, hint: e.hint, related: e.related });
  }
  throw e;
}

/**
 * A node's result from its outcome, built field by field: every result then has one shape (a
 * spread of the outcome gave each combination of its optional fields a shape of its own, which
 * made every later read of a result slow). Optional fields are set only when the outcome has them.
 */
function nodeResult(
  base: { uniqueId: string; threadId: string; timing: TimingInfo[]; relationName: string | null },
  outcome: Outcome,
  error: KilnError | undefined,
  executionTime: number,
  compiledCode: string | null,
): NodeResult {
  const r: { -readonly [K in keyof NodeResult]: NodeResult[K] } = {
    uniqueId: base.uniqueId,
    threadId: base.threadId,
    timing: base.timing,
    relationName: base.relationName,
    status: outcome.status,
    message: error && outcome.status === 'error' ? error.message : outcome.message,
    rowsAffected: outcome.rowsAffected,
    adapterMessage: outcome.adapterMessage,
    executionTime,
    compiledCode,
  };
  if ('failures' in outcome) r.failures = outcome.failures;
  if ('storedFailures' in outcome) r.storedFailures = outcome.storedFailures;
  if ('batchResults' in outcome) r.batchResults = outcome.batchResults;
  if (error) r.error = error;
  else if ('error' in outcome) r.error = outcome.error;
  return r;
}

/** Relations whose rows a run with no input would destroy rather than rebuild: existing snapshots and microbatch models. */
function keepsHistory(node: ParsedNode, state: WarehouseState): boolean {
  if (!state.existing) return false;
  if (node.resourceType === 'snapshot') return true;
  return node.config.materialized === 'incremental' && node.config.incremental_strategy === 'microbatch' && isIncrementalRun(node, state);
}

/** Puts each exposure's result right after its last parent's in `ordered` (first when it has none there), where a build reports it. */
function placeExposures(ordered: NodeResult[], exposures: readonly ExposureStep[], results: ReadonlyMap<string, NodeResult>): void {
  for (const e of exposures) {
    const r = results.get(e.uniqueId);
    if (!r) continue;
    let at = 0;
    for (let i = 0; i < ordered.length; i++) if (e.parents.includes(ordered[i].uniqueId)) at = i + 1;
    ordered.splice(at, 0, r);
  }
}
