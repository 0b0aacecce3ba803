// What running one node produced; the runner fills these, the reporter prints them and
// core/artifacts writes them into run_results.json.
import type { RelationName } from '../../adapters/adapter.js';
import type { ParsedNode } from '../nodes.js';
import type { KilnError } from '../errors.js';
import { nodeRelation } from '../project/quoting.js';

/**
 * Models and seeds: success, error, skipped; a microbatch model some of whose batches failed:
 * partial success (dbt's PartialSuccess). Tests: pass, fail, warn, error, skipped. Exposures
 * in a build: no-op (nothing to run; dbt ≥ 1.10 reports them so), or skipped.
 */
export type NodeStatus = 'success' | 'error' | 'skipped' | 'pass' | 'fail' | 'warn' | 'partial success' | 'no-op';

/** A failure status: the node's descendants are skipped and the run exits non-zero. */
export function failedStatus(status: NodeStatus | string): boolean {
  return status === 'error' || status === 'fail' || status === 'partial success';
}

/** A microbatch batch's window `[start, end)`, as dbt writes it: `2024-01-01T00:00:00+00:00`. */
export type BatchSpan = readonly [start: string, end: string];

/** run_results.json `batch_results` of a microbatch model (dbt ≥ 1.9). */
export interface BatchResults {
  readonly successful: readonly BatchSpan[];
  readonly failed: readonly BatchSpan[];
}

export interface TimingInfo {
  readonly name: 'compile' | 'execute';
  readonly started_at: string;
  readonly completed_at: string;
}

export interface NodeResult {
  readonly uniqueId: string;
  readonly status: NodeStatus;
  readonly message: string;
  readonly executionTime: number;
  readonly timing: readonly TimingInfo[];
  readonly threadId: string;
  readonly rowsAffected: number | null;
  readonly adapterMessage: string;
  readonly compiledCode: string | null;
  readonly relationName: string | null;
  readonly error?: KilnError;
  /** Tests: the number of failing rows (by fail_calc). */
  readonly failures?: number | null;
  /** Tests with store_failures: where the failing rows were stored. */
  readonly storedFailures?: string | null;
  /** The id of the failed ancestor, for skipped nodes. */
  readonly skippedBecause?: string;
  /** Microbatch models: which batches succeeded and which failed (successes of the run retried included). */
  readonly batchResults?: BatchResults;
  /**
   * Skipped because an ephemeral model it inlines (`skippedBecause`) failed to compile: that
   * model's error. dbt's "ERROR SKIP": the run fails, and run_results.json keeps the message.
   */
  readonly ephemeralFailure?: KilnError;
}

export interface RunSummary {
  readonly results: readonly NodeResult[];
  readonly elapsedSeconds: number;
  /** Stopped early (--fail-fast or Ctrl-C). */
  readonly cancelled: boolean;
  /** Stopped by Ctrl-C / SIGTERM. */
  readonly interrupted: boolean;
}

/**
 * run_results.json's `relation_name` of a node: its relation, rendered as in SQL; none for a
 * data or unit test (dbt's, whether the node ran or was skipped).
 */
export function resultRelationName(
  node: Pick<ParsedNode, 'resourceType' | 'database' | 'schema' | 'alias' | 'quotePolicy'>,
  renderRelation: (rel: RelationName) => string,
): string | null {
  return node.resourceType === 'test' || node.resourceType === 'unit_test' ? null : renderRelation(nodeRelation(node));
}

/**
 * The result of a node not run: `cause` is the failed node (or hook) it waited on, named
 * `causeName` in the message; the node itself when the run was stopped. `relationName`: as
 * dbt, a skipped node's result still names its relation (resultRelationName).
 */
export function skippedResult(node: { readonly uniqueId: string }, cause: string, causeName: string, relationName: string | null = null): NodeResult {
  return {
    uniqueId: node.uniqueId,
    status: 'skipped',
    message: cause === node.uniqueId ? 'Skipped: the run was stopped' : `Skipped because ${causeName} failed`,
    executionTime: 0,
    timing: [],
    threadId: 'main',
    rowsAffected: null,
    adapterMessage: 'SKIP',
    compiledCode: null,
    relationName,
    skippedBecause: cause,
  };
}

/**
 * dbt's result for a node skipped because the ephemeral model `ephemeralId`, run before it,
 * failed to compile (dbt's BaseRunner.on_skip): skipped, with dbt's message.
 */
export function ephemeralSkippedResult(node: { readonly uniqueId: string }, ephemeralId: string, error: KilnError, threadId: string, relationName: string | null): NodeResult {
  return {
    uniqueId: node.uniqueId,
    status: 'skipped',
    message: `Compilation Error in ${node.uniqueId}, caused by compilation error in referenced ephemeral model ${ephemeralId}`,
    executionTime: 0,
    timing: [],
    threadId,
    rowsAffected: null,
    adapterMessage: 'SKIP',
    compiledCode: null,
    relationName,
    skippedBecause: ephemeralId,
    ephemeralFailure: error,
  };
}

/** A failed run: a node failed, or was skipped for an ephemeral model's compile error (as in dbt). */
export function failsRun(r: NodeResult): boolean {
  return failedStatus(r.status) || r.ephemeralFailure !== undefined;
}

/** What a build reports for a selected exposure (as dbt 1.11 does); its parents are what it waits on. */
export interface ExposureStep {
  readonly uniqueId: string;
  readonly name: string;
  readonly parents: readonly string[];
}

/** dbt 1.11's result for an exposure whose parents were built: `no-op`, message `NO-OP`, failures 0. */
export function exposureNoopResult(uniqueId: string, threadId: string, at: string, seconds: number): NodeResult {
  return {
    uniqueId,
    status: 'no-op',
    message: 'NO-OP',
    executionTime: seconds,
    timing: [
      { name: 'compile', started_at: at, completed_at: at },
      { name: 'execute', started_at: at, completed_at: at },
    ],
    threadId,
    rowsAffected: null,
    adapterMessage: 'NO-OP',
    compiledCode: null,
    relationName: null,
    failures: 0,
  };
}
