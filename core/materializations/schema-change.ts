// on_schema_change: what an incremental run does when the model's columns no longer match the
// table's. Compares the columns of the freshly built temp table (source) with the table's
// (target) and returns the ALTER statements to run first plus the columns to write.
import type { ColumnDescription, RelationName, SqlDialect } from '../../adapters/adapter.js';
import { Codes } from '../errors.js';
import type { ParsedNode } from '../nodes.js';
import { findColumn, listNames } from './columns.js';
import { configError, type OnSchemaChange } from './incremental-config.js';
import type { Step } from './plan.js';

export interface ColumnDiff {
  /** In the model's output, not in the table. */
  readonly added: readonly ColumnDescription[];
  /** In the table, no longer in the model's output. */
  readonly removed: readonly ColumnDescription[];
  /** In both with different types: the table's column and the model's new type. */
  readonly retyped: readonly { readonly column: ColumnDescription; readonly to: string }[];
}

export function diffColumns(source: readonly ColumnDescription[], target: readonly ColumnDescription[]): ColumnDiff {
  const added = source.filter((c) => !findColumn(target, c.name));
  const removed = target.filter((c) => !findColumn(source, c.name));
  const retyped: { column: ColumnDescription; to: string }[] = [];
  for (const t of target) {
    const s = findColumn(source, t.name);
    if (s && normalizeType(s.dataType) !== normalizeType(t.dataType)) retyped.push({ column: t, to: s.dataType });
  }
  return { added, removed, retyped };
}

function normalizeType(t: string): string {
  return t.trim().toLowerCase().replace(/\s+/g, ' ');
}

function changed(d: ColumnDiff): boolean {
  return d.added.length > 0 || d.removed.length > 0 || d.retyped.length > 0;
}

function describe(d: ColumnDiff): string {
  const parts: string[] = [];
  if (d.added.length) parts.push(`new in the model: ${listNames(d.added)}`);
  if (d.removed.length) parts.push(`gone from the model: ${listNames(d.removed)}`);
  if (d.retyped.length) parts.push(`type changed: ${d.retyped.map((r) => `${r.column.name} ${r.column.dataType} → ${r.to}`).join(', ')}`);
  return parts.join('; ');
}

export interface Reconciled {
  /** ALTER statements, to run before any row is written. */
  readonly steps: readonly Step[];
  /** The columns to write (target names). */
  readonly columns: readonly string[];
  /** The table's columns once the ALTER statements ran. */
  readonly tableColumns: readonly string[];
}

/**
 * dbt's process_schema_changes: `ignore` writes the table's columns (new model columns are
 * left out); `fail` stops on any difference; `append_new_columns` adds the new columns;
 * `sync_all_columns` also drops the gone ones and changes types. Every mode but `ignore` writes
 * the model's columns.
 */
export function reconcileSchema(
  node: ParsedNode,
  mode: OnSchemaChange,
  source: readonly ColumnDescription[],
  target: readonly ColumnDescription[],
  table: RelationName,
  dialect: SqlDialect,
): Reconciled {
  const diff = diffColumns(source, target);
  if (mode === 'ignore') {
    if (diff.removed.length) {
      throw configError(
        node,
        'on_schema_change',
        `the table has column(s) the model no longer returns (${listNames(diff.removed)}), and on_schema_change is 'ignore'`,
        "Set on_schema_change='append_new_columns' (gone columns get nulls) or 'sync_all_columns' (they are dropped), or rebuild with --full-refresh.",
        Codes.SCHEMA_CHANGED,
      );
    }
    return { steps: [], columns: target.map((c) => c.name), tableColumns: target.map((c) => c.name) };
  }
  if (!changed(diff)) return { steps: [], columns: source.map((c) => findColumn(target, c.name)!.name), tableColumns: target.map((c) => c.name) };
  if (mode === 'fail') {
    throw configError(
      node,
      'on_schema_change',
      `the model's columns changed and on_schema_change is 'fail' (${describe(diff)}); the table was left as it was`,
      "Rebuild it with --full-refresh, or set on_schema_change to 'append_new_columns' or 'sync_all_columns'.",
      Codes.SCHEMA_CHANGED,
    );
  }
  const steps: Step[] = diff.added.map((c) => ({ kind: 'sql', sql: dialect.addColumn(table, c.name, c.dataType), purpose: 'add column' }));
  if (mode === 'sync_all_columns') {
    for (const c of diff.removed) steps.push({ kind: 'sql', sql: dialect.dropColumn(table, c.name), purpose: 'drop column' });
    for (const r of diff.retyped) steps.push({ kind: 'sql', sql: dialect.alterColumnType(table, r.column.name, r.to), purpose: 'change column type' });
  }
  // Names as the table spells them (unchanged for existing columns, the model's for new ones).
  const columns = source.map((c) => findColumn(target, c.name)?.name ?? c.name);
  const tableColumns = mode === 'sync_all_columns' ? columns : [...target.map((c) => c.name), ...diff.added.map((c) => c.name)];
  return { steps, columns, tableColumns };
}
