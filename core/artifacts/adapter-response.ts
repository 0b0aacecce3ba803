// A node result's `adapter_response` and `message` as dbt's adapter for the same database writes
// them in run_results.json (and hands them to on-run-end's `results`). What the console prints
// stays kiln's own (NodeResult.adapterMessage).
import type { AdapterResponseStyle } from '../../adapters/adapter.js';
import type { NodeResult } from '../runner/results.js';

/** dbt's adapter_response code: the status message without its counts (`INSERT 0 150` → `INSERT`). */
function responseCode(message: string): string {
  return message.split(' ').filter((w) => w !== '' && !/^\d+$/.test(w)).join(' ');
}

/** kiln clone's result for a relation it left alone (state/clone.ts): dbt's clone writes `No-op` and `{}`. */
function isNoop(r: NodeResult): boolean {
  return r.adapterMessage === 'No-op';
}

function kindOf(r: NodeResult): string {
  return r.uniqueId.slice(0, r.uniqueId.indexOf('.'));
}

/**
 * `{}` for a node that did not run or failed, for a project hook and a clone's no-op (as dbt); a seed's INSERT in
 * full; else, by the adapter's style: 'ok' gives `{_message: 'OK'}` (dbt-duckdb reports no status
 * of its own), 'status' the statement's status with its code and rows, a data test's being the
 * one-row SELECT that counted its failures (dbt-postgres: `SELECT 1`).
 */
export function adapterResponseJson(r: NodeResult, style: AdapterResponseStyle = 'status'): Record<string, unknown> {
  const kind = kindOf(r);
  if (r.status === 'skipped' || r.status === 'error' || kind === 'operation' || kind === 'exposure' || isNoop(r)) return {};
  if (kind === 'seed') return { _message: r.adapterMessage, code: responseCode(r.adapterMessage), rows_affected: r.rowsAffected };
  if (style === 'ok') return { _message: 'OK' };
  if (kind === 'test') return { _message: 'SELECT 1', code: 'SELECT', rows_affected: 1 };
  return { _message: r.adapterMessage, code: responseCode(r.adapterMessage), rows_affected: r.rowsAffected };
}

/**
 * run_results.json's `message`: none for a passing test or a skipped node (as dbt; but for one
 * skipped for an ephemeral model's compile error, dbt's text about it); a model's or
 * snapshot's success is its adapter_response message (`OK` with the 'ok' style); the rest
 * (seeds' INSERT, failures, warnings, errors; every hook's, skipped ones' too) as kiln recorded it.
 */
export function resultMessage(r: NodeResult, style: AdapterResponseStyle = 'status'): string | null {
  const kind = kindOf(r);
  if (kind === 'operation' || isNoop(r) || r.status === 'no-op') return r.message;
  if (r.status === 'pass' || (r.status === 'skipped' && !r.ephemeralFailure)) return null;
  if (r.status === 'success' && style === 'ok' && (kind === 'model' || kind === 'snapshot')) return 'OK';
  return r.message;
}
