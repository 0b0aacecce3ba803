// The incremental materialization. No table yet, a view in its place, or a full refresh: build
// it like a table (atomic swap). Otherwise, in one transaction: build this run's rows into a
// temp table, reconcile columns (on_schema_change), apply the strategy, drop the temp table,
// commit. Any failure rolls everything back, so a rerun starts from the previous table.
import type { ColumnDescription, RelationName } from '../../adapters/adapter.js';
import { Codes } from '../errors.js';
import type { ParsedNode } from '../nodes.js';
import { findColumn, listNames } from './columns.js';
import { configError, incrementalApplies, incrementalConfig, type IncrementalConfig } from './incremental-config.js';
import { contractCheckSteps, contractEnforced, contractTableSteps } from './contract.js';
import { afterBuildSteps } from './grants-and-docs.js';
import { indexSpecs, indexSteps } from './indexes.js';
import { formatUtc } from './microbatch.js';
import { helperNames, planSwap, targetOf, type Plan, type PlanContext, type Step, type WarehouseState } from './plan.js';
import { reconcileSchema } from './schema-change.js';
import { strategySteps } from './strategies.js';

/** One microbatch batch: its window and the model's SQL rendered for it. */
export interface Batch {
  readonly start: Date;
  readonly end: Date;
  readonly sql: string;
}

export function planIncremental(node: ParsedNode, sql: string, state: WarehouseState, ctx: PlanContext, batches?: readonly Batch[]): Plan {
  const config = incrementalConfig(node, ctx.capabilities);
  const applies = incrementalApplies(node, state.existing, !!state.fullRefresh);
  if (config.microbatch) return planMicrobatch(node, config, state, ctx, applies, batches ?? []);
  if (!applies) return firstBuild(node, sql, state, ctx, config);
  const steps: Step[] = dropLeftovers(state, ctx);
  steps.push(...withContractCheck(node, sql, ctx, incrementalTransaction(node, sql, config, ctx)));
  steps.push(...afterBuildSteps(node, { ...targetOf(node), type: 'table' }, ctx));
  return incrementalPlan(node, steps, state, ctx);
}

/** A contracted model's check, first thing in the transaction (after a batch marker and `begin`), before this run's rows are built. */
function withContractCheck(node: ParsedNode, sql: string, ctx: PlanContext, tx: Step[]): Step[] {
  if (!contractEnforced(node)) return tx;
  let at = 0;
  while (at < tx.length && (tx[at].kind === 'batch' || tx[at].kind === 'begin')) at++;
  return [...tx.slice(0, at), ...contractCheckSteps(node, sql, ctx, () => []), ...tx.slice(at)];
}

function dropLeftovers(state: WarehouseState, ctx: PlanContext): Step[] {
  return state.leftovers.map((left) => ({ kind: 'sql', sql: ctx.dialect.drop(left, { cascade: true }), purpose: 'drop leftover' }));
}

function incrementalPlan(node: ParsedNode, steps: Step[], state: WarehouseState, ctx: PlanContext): Plan {
  const { tmp, staging } = helperNames(node, ctx.capabilities);
  return { steps, result: { ...targetOf(node), type: 'table' }, dropped: [tmp, staging, ...state.leftovers], mainStep: -1 };
}

/**
 * Built like a table: into a temp name, swapped into place, then indexed (DuckDB refuses to
 * rename a table that has an index); unique_key checked on the way.
 */
function firstBuild(node: ParsedNode, sql: string, state: WarehouseState, ctx: PlanContext, config: IncrementalConfig): Plan {
  return planSwap(
    node,
    state,
    ctx,
    (tmp) => {
      const rest: Step[] = [{ kind: 'inspect', relations: [tmp], then: ([cols]) => (resolveKeys(node, config, cols, cols), []) }];
      if (contractEnforced(node)) return contractTableSteps(node, sql, tmp, ctx, rest);
      return [{ kind: 'sql', sql: ctx.dialect.createTableAs(tmp, sql), purpose: 'create table' }, ...rest];
    },
    'table',
    // Contracted: the insert is marked main; point the plan's main step at the check (never reported).
    contractEnforced(node) ? 2 : 0,
    // On the table in place: DuckDB refuses to rename a table that has an index.
    (target) => indexSteps(node, target, ctx),
  );
}

/** begin; temp table; [columns] → alters + strategy; drop temp; commit. */
function incrementalTransaction(node: ParsedNode, sql: string, config: IncrementalConfig, ctx: PlanContext, window?: { start: string; end: string }): Step[] {
  const { dialect, capabilities } = ctx;
  const { tmp } = helperNames(node, capabilities);
  const target = targetOf(node);
  const tx = capabilities.supportsTransactionalDdl;
  return [
    ...(window ? [{ kind: 'batch', ...window } as Step] : []),
    ...(tx ? [{ kind: 'begin' } as Step] : []),
    { kind: 'sql', sql: dialect.createTableAs(tmp, sql), purpose: 'build new rows' },
    {
      kind: 'inspect',
      relations: [tmp, target],
      then: ([source, existing]) => [
        ...applySteps(node, config, source, existing, target, tmp, ctx, window),
        { kind: 'sql', sql: dialect.drop({ ...tmp, type: 'table' }), purpose: 'drop temp' },
      ],
    },
    ...(tx ? [{ kind: 'commit' } as Step] : []),
  ];
}

function applySteps(
  node: ParsedNode,
  config: IncrementalConfig,
  source: readonly ColumnDescription[],
  existing: readonly ColumnDescription[],
  target: RelationName,
  tmp: RelationName,
  ctx: PlanContext,
  window?: { start: string; end: string },
): Step[] {
  const keys = resolveKeys(node, config, source, existing);
  const reconciled = reconcileSchema(node, config.onSchemaChange, source, existing, target, ctx.dialect);
  const updateColumns = config.strategy === 'merge' ? mergeUpdateColumns(node, config, reconciled.columns) : [];
  return [
    ...reconciled.steps,
    ...strategySteps(
      {
        config,
        target,
        tmp,
        staging: helperNames(node, ctx.capabilities).staging,
        columns: reconciled.columns,
        tableColumns: reconciled.tableColumns,
        keys,
        updateColumns,
        window,
        uniqueKeyIndexDeclared: config.strategy === 'delete+insert' && uniqueKeyIndexDeclared(node, keys),
      },
      ctx.dialect,
      ctx.capabilities,
    ),
  ];
}

/** The `indexes` config has a unique index on plain key columns only (names compared case-insensitively). */
function uniqueKeyIndexDeclared(node: ParsedNode, keys: readonly string[]): boolean {
  const lower = new Set(keys.map((k) => k.toLowerCase()));
  return indexSpecs(node).some((spec) => spec.unique && spec.columns.length > 0 && spec.columns.every((c) => lower.has(c.toLowerCase())));
}

/** unique_key entries as the columns they name, in the model's output and (when it exists) the table. */
export function resolveKeys(node: ParsedNode, config: IncrementalConfig, source: readonly ColumnDescription[], existing: readonly ColumnDescription[]): string[] {
  if (config.strategy === 'append' || config.strategy === 'microbatch') return [];
  return config.uniqueKey.map((k) => {
    const inSource = findColumn(source, k);
    if (!inSource) {
      throw configError(node, 'unique_key', `unique_key '${k}' is not a column of the model's query (its columns: ${listNames(source)})`, 'Name an output column in unique_key (or a list of them), or add the column to the select.', Codes.COLUMN_UNKNOWN);
    }
    const inTable = findColumn(existing, k);
    if (!inTable) {
      throw configError(node, 'unique_key', `unique_key '${k}' is not a column of the existing table (its columns: ${listNames(existing)})`, 'Rebuild the table with --full-refresh so it gets the key column.', Codes.COLUMN_UNKNOWN);
    }
    return inTable.name;
  });
}

function mergeUpdateColumns(node: ParsedNode, config: IncrementalConfig, columns: readonly string[]): string[] {
  const pick = (key: string, names: readonly string[]): string[] =>
    names.map((n) => {
      const found = columns.find((c) => c === n) ?? columns.find((c) => c.toLowerCase() === n.toLowerCase());
      if (!found) {
        throw configError(node, key, `${key} names '${n}', which is not a column the model writes (${columns.join(', ')})`, `Use only columns of the model's select in ${key}.`, Codes.COLUMN_UNKNOWN);
      }
      return found;
    });
  if (config.mergeUpdateColumns) return pick('merge_update_columns', config.mergeUpdateColumns);
  if (config.mergeExcludeColumns) {
    const excluded = new Set(pick('merge_exclude_columns', config.mergeExcludeColumns));
    return columns.filter((c) => !excluded.has(c));
  }
  return [...columns];
}

/**
 * Microbatch: each batch in a transaction of its own, after a `batch` marker. On a first (or
 * full-refresh) run the first batch builds the table by the swap; every other batch deletes its
 * window and inserts the batch's rows that fall in it.
 */
function planMicrobatch(node: ParsedNode, config: IncrementalConfig, state: WarehouseState, ctx: PlanContext, applies: boolean, batches: readonly Batch[]): Plan {
  if (!batches.length) throw new Error(`internal: microbatch model ${node.uniqueId} planned without batches`);
  const ev = config.microbatch!.eventTime;
  const windowOf = (b: Batch) => ({ start: formatUtc(b.start), end: formatUtc(b.end) });
  const steps: Step[] = [];
  let rest = batches;
  let first: Plan | null = null;
  if (!applies) {
    const b = batches[0];
    const w = windowOf(b);
    const inWindow = `${ev} >= ${ctx.dialect.timestamp(w.start)} and ${ev} < ${ctx.dialect.timestamp(w.end)}`;
    first = firstBuild(node, `select * from (\n${stripSemicolon(b.sql)}\n) dbt_batch\nwhere ${inWindow}`, state, ctx, config);
    // The batch starts after the leftovers of a killed run are dropped (they are no batch's).
    const built = first.steps.map((s) => (s.kind === 'sql' && s.purpose === 'create table' ? { ...s, main: true } : s));
    const at = built.findIndex((s) => !(s.kind === 'sql' && s.purpose === 'drop leftover'));
    steps.push(...built.slice(0, at), { kind: 'batch', ...w, builds: true }, ...built.slice(at));
    rest = batches.slice(1);
  } else {
    steps.push(...dropLeftovers(state, ctx));
  }
  // Each batch checks the contract in its own transaction: a failed batch does not stop the next.
  for (const b of rest) steps.push(...withContractCheck(node, b.sql, ctx, incrementalTransaction(node, b.sql, config, ctx, windowOf(b))));
  if (!first) steps.push(...afterBuildSteps(node, { ...targetOf(node), type: 'table' }, ctx));
  const plan = incrementalPlan(node, steps, state, ctx);
  return first ? { ...plan, dropped: [...first.dropped, ...plan.dropped] } : plan;
}

function stripSemicolon(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}
