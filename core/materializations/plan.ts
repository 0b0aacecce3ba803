// The plan step: for one compiled node and the current warehouse state, the ordered statements
// that materialize it. Pure: no I/O, no dialect strings of its own (the adapter's SqlDialect
// builds every statement), capabilities instead of adapter names.
import { createHash } from 'node:crypto';
import type { AdapterCapabilities, ColumnDescription, Relation, RelationName, SeedLoad, SqlDialect } from '../../adapters/adapter.js';
import { Codes, KilnError } from '../errors.js';
import type { ParsedNode } from '../nodes.js';
import { contractCheckSteps, contractEnforced, contractTableSteps } from './contract.js';
import { afterBuildSteps } from './grants-and-docs.js';
import { indexSteps } from './indexes.js';
import { planIncremental, type Batch } from './incremental.js';
import { planSnapshot } from './snapshot.js';
import { nodeRelation } from '../project/quoting.js';

export type Step =
  | {
      readonly kind: 'sql';
      readonly sql: string;
      readonly purpose: string;
      /** its result is the one reported */
      readonly main?: boolean;
      /** Retells the database's error for this statement (a statement the user did not write). */
      readonly onError?: (e: KilnError) => KilnError;
    }
  | { readonly kind: 'begin' }
  /** A model hook: its SQL is rendered when the plan reaches it (its Jinja may query what the plan built). */
  | { readonly kind: 'hook'; readonly purpose: string; readonly render: () => Promise<string> }
  /**
   * Microbatch: the steps up to the next `batch` marker write this batch's window (`YYYY-MM-DD
   * HH:MM:SS`, UTC). The runner runs every batch; a failed one is rolled back and the next one
   * runs, except after a failed `builds` batch (the first build of the table), which no later
   * batch can do without.
   */
  | { readonly kind: 'batch'; readonly start: string; readonly end: string; readonly builds?: boolean }
  | { readonly kind: 'commit' }
  | { readonly kind: 'load'; readonly target: RelationName; readonly load: SeedLoad }
  /**
   * Read the columns of `relations` (through the plan's own connection, so relations its open
   * transaction created are visible), then run the steps `then` derives from them. `then` is
   * pure: the plan stays a function of its inputs and what the database reports.
   */
  | { readonly kind: 'inspect'; readonly relations: readonly RelationName[]; readonly then: (columns: readonly (readonly ColumnDescription[])[]) => readonly Step[] }
  /** Run a catalog query through the plan's connection, then the steps `then` derives from its rows (grants in place). */
  | { readonly kind: 'query'; readonly sql: string; readonly then: (rows: readonly (readonly unknown[])[]) => readonly Step[] };

export interface Plan {
  readonly steps: readonly Step[];
  /** The relation in place after success (null for ephemeral). */
  readonly result: Relation | null;
  /** Relation cache changes to apply after the plan succeeds. */
  readonly dropped: readonly RelationName[];
  /** The step whose result is reported (rows affected). */
  readonly mainStep: number;
  /**
   * Where the database may refuse this plan having changed nothing (a view replaced in place
   * whose new columns do not extend the old ones): an error `when` recognises rolls back what
   * the plan ran and runs `plan` instead. Any other error fails the node as usual.
   */
  readonly fallback?: { readonly when: (e: KilnError) => boolean; readonly plan: Plan };
}

/** What exists now, read from the adapter's relation cache. */
export interface WarehouseState {
  readonly existing: Relation | null;
  readonly leftovers: readonly Relation[];
  /** --full-refresh was given (a model's `full_refresh` config overrides it). */
  readonly fullRefresh?: boolean;
}

export interface PlanContext {
  readonly dialect: SqlDialect;
  readonly capabilities: AdapterCapabilities;
  /** Distinguishes this run's index names from the previous run's (they share a schema until the swap). */
  readonly nonce?: string;
}

export const TMP_SUFFIX = '__dbt_tmp';
export const BACKUP_SUFFIX = '__dbt_backup';
export const STAGING_SUFFIX = '__dbt_staging';

/** Names derived from an identifier stay within the database's limit, suffix included. */
export function suffixed(identifier: string, suffix: string, maxLength: number): string {
  if (Buffer.byteLength(identifier + suffix) <= maxLength) return identifier + suffix;
  const hash = createHash('sha256').update(identifier).digest('hex').slice(0, 8);
  let base = identifier;
  // Whole code points only: cutting between a surrogate pair would leave half an emoji.
  const chars = [...base];
  while (Buffer.byteLength(`${base}_${hash}${suffix}`) > maxLength) {
    chars.pop();
    base = chars.join('');
  }
  return `${base}_${hash}${suffix}`;
}

/** The helper relations a build may leave behind if killed: tmp, backup and (snapshots) staging. */
export function helperNames(node: Pick<ParsedNode, 'database' | 'schema' | 'alias' | 'quotePolicy'>, caps: AdapterCapabilities): { tmp: RelationName; backup: RelationName; staging: RelationName } {
  // Written as the node's own name is (an unquoted name folds; so must its helpers' names).
  const at = (identifier: string): RelationName => nodeRelation({ ...node, alias: identifier });
  return {
    tmp: at(suffixed(node.alias, TMP_SUFFIX, caps.maxIdentifierLength)),
    backup: at(suffixed(node.alias, BACKUP_SUFFIX, caps.maxIdentifierLength)),
    staging: at(suffixed(node.alias, STAGING_SUFFIX, caps.maxIdentifierLength)),
  };
}

export function targetOf(node: Pick<ParsedNode, 'database' | 'schema' | 'alias' | 'quotePolicy'>): RelationName {
  return nodeRelation(node);
}

/** Whether names the node renames to are written quoted (dbt: the project's identifier quoting). */
export function quotesIdentifier(node: Pick<ParsedNode, 'quotePolicy'>): boolean {
  return node.quotePolicy?.identifier ?? true;
}

/**
 * `batches`: a microbatch model's SQL rendered for each of its batches, in order (the runner
 * renders them; see microbatch.ts).
 */
export function planNode(node: ParsedNode, sql: string, state: WarehouseState, ctx: PlanContext, seed?: SeedLoad, batches?: readonly Batch[]): Plan {
  const m = node.config.materialized;
  switch (m) {
    case 'view':
      // A contracted view is checked first (names and types only: views carry no constraints).
      if (contractEnforced(node)) {
        return planSwap(node, state, ctx, (tmp) => contractCheckSteps(node, sql, ctx, () => [{ kind: 'sql', sql: ctx.dialect.createViewAs(tmp, sql), purpose: 'create view', main: true }]), 'view');
      }
      return planReplace(node, sql, state, ctx, 'view', () => planSwap(node, state, ctx, (tmp) => ({ kind: 'sql', sql: ctx.dialect.createViewAs(tmp, sql), purpose: 'create view' }), 'view'));
    case 'table':
      if (contractEnforced(node)) return planSwap(node, state, ctx, (tmp) => contractTableSteps(node, sql, tmp, ctx), 'table', undefined, (target) => indexSteps(node, target, ctx));
      return planReplace(node, sql, state, ctx, 'table', () => planSwap(node, state, ctx, (tmp) => [
        { kind: 'sql', sql: ctx.dialect.createTableAs(tmp, sql), purpose: 'create table' },
      ], 'table', 0, (target) => indexSteps(node, target, ctx)));
    case 'incremental':
      return planIncremental(node, sql, state, ctx, batches);
    case 'snapshot':
      return planSnapshot(node, sql, state, ctx);
    case 'seed': {
      if (!seed) throw new Error(`internal: seed ${node.uniqueId} planned without its CSV`);
      return planSwap(node, state, ctx, (tmp) => [
        { kind: 'sql', sql: ctx.dialect.createTable(tmp, seed.columns, seed.quoteColumns), purpose: 'create seed table' },
        // Nothing to load (a header-only file, or --empty): no bulk load at all.
        // (-1: not counted yet, the file is read while it loads.)
        ...(seed.rowCount !== 0 ? [{ kind: 'load' as const, target: tmp, load: seed }] : []),
      ], 'table');
    }
    case 'ephemeral':
      return { steps: [], result: null, dropped: [], mainStep: -1 };
    default:
      throw new KilnError(Codes.CONFIG_INVALID, `Materialization '${m}' is not available for ${node.name}`, {
        loc: { file: node.originalFilePath },
        node: node.uniqueId,
        hint: "Available here: 'view', 'table', 'incremental', 'ephemeral' (and seeds, snapshots). Check the spelling of `materialized`.",
      });
  }
}

/**
 * One atomic `create or replace` where the adapter replaces that kind of relation in place whatever
 * its new columns (capabilities.supportsCreateOrReplaceTable / replacesViewsInPlace), and the
 * relation is absent or of the same kind (a view cannot replace a table: that swaps). Where it
 * replaces views in place only when their new columns extend the old ones
 * (replacesCompatibleViewsInPlace), the swap is the plan's fallback for the database's refusal:
 * a rerun of an unchanged view is then one statement, and the views built on it stay as they are.
 * Steps after the replace (indexes, comments, grants) share its transaction where DDL has them.
 * Otherwise (or when the relation is of the other kind): the swap, from `swap`.
 */
function planReplace(node: ParsedNode, sql: string, state: WarehouseState, ctx: PlanContext, type: 'table' | 'view', swap: () => Plan): Plan {
  const { dialect, capabilities } = ctx;
  const compatibleOnly = type === 'view' && !capabilities.replacesViewsInPlace && !!capabilities.replacesCompatibleViewsInPlace && !!dialect.viewReplaceRefused;
  const anyColumns = type === 'view' ? !!capabilities.replacesViewsInPlace : !!capabilities.supportsCreateOrReplaceTable;
  const replace = type === 'view' ? dialect.createOrReplaceViewAs : dialect.createOrReplaceTableAs;
  if (!(anyColumns || compatibleOnly) || !replace || (state.existing && state.existing.type !== type)) return swap();
  const target = targetOf(node);
  const steps: Step[] = state.leftovers.map((left) => ({ kind: 'sql', sql: dialect.drop(left, { cascade: true }), purpose: 'drop leftover' }));
  const built = afterBuildSteps(node, { ...target, type }, ctx);
  const after = type === 'table' ? [...indexSteps(node, target, ctx), ...built] : built;
  // A single statement is atomic by itself; with more after it, they commit together. Where the
  // replace may be refused (or lose a deadlock against a concurrent swap), a transaction keeps
  // the node safe to run again: nothing of it is kept until the commit.
  const tx = capabilities.supportsTransactionalDdl && (after.length > 0 || compatibleOnly);
  if (tx) steps.push({ kind: 'begin' });
  steps.push({ kind: 'sql', sql: replace.call(dialect, target, sql), purpose: `create or replace ${type}` });
  const mainStep = steps.length - 1;
  steps.push(...after);
  if (tx) steps.push({ kind: 'commit' });
  const plan: Plan = { steps, result: { ...target, type }, dropped: [...state.leftovers], mainStep };
  // Also for a view kiln found absent: one created meanwhile may have other columns.
  if (!compatibleOnly) return plan;
  return { steps, result: plan.result, dropped: plan.dropped, mainStep, fallback: new LazyFallback(dialect.viewReplaceRefused!.bind(dialect), swap) };
}

/**
 * The swap a refused replace falls back to, built when first asked for: a refusal is rare, and
 * every view of a run would otherwise plan its swap too (the same statements, built on first
 * read). A class, not an object literal with a getter: V8 builds such a literal slowly, once per view.
 */
class LazyFallback {
  private built: Plan | null = null;

  constructor(
    readonly when: (e: KilnError) => boolean,
    private readonly swap: () => Plan,
  ) {}

  get plan(): Plan {
    return (this.built ??= this.swap());
  }
}

/**
 * Build under a temporary name, move the old relation aside, move the new one into place, drop
 * the old one. With transactional DDL everything runs in one transaction, so the old relation
 * survives any failure; leftovers of a killed run are dropped first.
 */
export function planSwap(
  node: ParsedNode,
  state: WarehouseState,
  ctx: PlanContext,
  build: (tmp: RelationName) => Step | Step[],
  type: 'table' | 'view',
  /** Which of the built steps is reported (default: the last). */
  mainOfBuild?: number,
  /** Steps on the relation once it is in place, before the commit (indexes: DuckDB cannot rename an indexed table). */
  afterSwap: (target: RelationName) => Step[] = () => [],
): Plan {
  const { dialect, capabilities } = ctx;
  const { tmp, backup } = helperNames(node, capabilities);
  const target = targetOf(node);
  const steps: Step[] = [];
  for (const left of state.leftovers) steps.push({ kind: 'sql', sql: dialect.drop(left, { cascade: true }), purpose: 'drop leftover' });
  const tx = capabilities.supportsTransactionalDdl;
  if (tx) steps.push({ kind: 'begin' });
  const built = build(tmp);
  const builtSteps = Array.isArray(built) ? built : [built];
  const mainStep = steps.length + (mainOfBuild ?? builtSteps.length - 1);
  steps.push(...builtSteps);
  const after = afterSwap(target);
  if (tx && after.length && state.existing) {
    // An indexed relation: DuckDB cannot rename a table that has an index, and inside the
    // transaction dropping the old one first is as safe as moving it aside.
    steps.push({ kind: 'sql', sql: dialect.drop(state.existing, { cascade: true }), purpose: 'drop old' });
    steps.push({ kind: 'sql', sql: dialect.rename({ ...tmp, type }, node.alias, quotesIdentifier(node)), purpose: 'move new into place' }, ...after, { kind: 'commit' });
    return { steps, result: { ...target, type }, dropped: [tmp, backup, ...state.leftovers], mainStep };
  }
  if (state.existing) steps.push({ kind: 'sql', sql: dialect.rename(state.existing, backup.identifier, quotesIdentifier(node)), purpose: 'move old aside' });
  steps.push({ kind: 'sql', sql: dialect.rename({ ...tmp, type }, node.alias, quotesIdentifier(node)), purpose: 'move new into place' });
  steps.push(...afterBuildSteps(node, { ...target, type }, ctx));
  const dropBackup: Step | null = state.existing
    ? { kind: 'sql', sql: dialect.drop({ ...backup, type: state.existing.type }, { cascade: true }), purpose: 'drop old' }
    : null;
  if (dropBackup) steps.push(dropBackup);
  steps.push(...after);
  if (tx) steps.push({ kind: 'commit' });
  return {
    steps,
    result: { ...target, type },
    dropped: [tmp, backup, ...state.leftovers],
    mainStep,
  };
}
