// The statements of each incremental strategy, composed from the dialect's builders: the temp
// table holding this run's rows (DBT_INTERNAL_SOURCE) is written into the target
// (DBT_INTERNAL_DEST). Conditions are plain ANSI over quoted names.
// The temp table is deliberately not ANALYZEd: on PostgreSQL, without statistics the planner
// matches its 100,000 keys against a 10,000,000-row target through the key's index (nested
// loop, 1.6 s); with them it picked a hash join over a full scan of the target (7.5 s), for both
// the delete and MERGE. On DuckDB every key match scans the target's key column (DuckDB joins
// never use an ART index; a Bloom filter of the temp table's keys is pushed into that scan), and
// deleting rows scattered over the table costs more than the scan.
// Matched rows are deleted with `delete ... using` where the dialect has it and no
// incremental_predicates are given (see SqlDialect.deleteUsing for the measurements).
// DuckDB's MERGE INTO / UPDATE (1.5) were measured again and stay rejected: updating 50,000 of
// 10,000,000 scattered rows makes the commit's checkpoint rewrite every row group (2-8 s).
import { DEST_ALIAS, SOURCE_ALIAS, type AdapterCapabilities, type RelationName, type SqlDialect } from '../../adapters/adapter.js';
import type { IncrementalConfig } from './incremental-config.js';
import type { Step } from './plan.js';

export interface StrategyInput {
  readonly config: IncrementalConfig;
  readonly target: RelationName;
  readonly tmp: RelationName;
  /** The columns written (target spelling). */
  readonly columns: readonly string[];
  /** All columns of the table (after schema changes): a replaced row keeps those not written. */
  readonly tableColumns: readonly string[];
  /** Where a replacing merge stages its merged rows. */
  readonly staging: RelationName;
  /** unique_key resolved to real column names. */
  readonly keys: readonly string[];
  /** merge: the columns matched rows get updated (already checked against `columns`). */
  readonly updateColumns: readonly string[];
  /** microbatch: the batch's window `[start, end)` as `YYYY-MM-DD HH:MM:SS`. */
  readonly window?: { readonly start: string; readonly end: string };
  /** delete+insert: the `indexes` config declares a unique index on (some of) the key columns. */
  readonly uniqueKeyIndexDeclared?: boolean;
}

export function strategySteps(input: StrategyInput, dialect: SqlDialect, caps: AdapterCapabilities): Step[] {
  const { config, target, tmp, columns, keys } = input;
  const q = dialect.quoteIdentifier;
  const src = (c: string) => `${SOURCE_ALIAS}.${q(c)}`;
  const dest = (c: string) => `${DEST_ALIAS}.${q(c)}`;
  const predicates = config.predicates.map((p) => `(${p})`);
  const insert = (where?: string): Step => ({ kind: 'sql', sql: dialect.insertInto(target, columns, tmp, where), purpose: 'insert new rows', main: true });
  const keyMatch = keys.map((k) => `${src(k)} = ${dest(k)}`);

  switch (config.strategy) {
    case 'append':
      return [insert()];
    case 'delete+insert': {
      if (!keys.length) return [insert()];
      // `using` puts both aliases in one scope, where an unqualified column in a predicate would
      // be ambiguous: with predicates, the `in` / `exists` forms (the target's columns resolve first).
      if (dialect.deleteUsing && !predicates.length) {
        const plain: Step[] = [{ kind: 'sql', sql: dialect.deleteUsing(target, tmp, keyMatch.join(' and ')), purpose: 'delete replaced rows' }, insert()];
        if (!input.uniqueKeyIndexDeclared || !caps.supportsMerge || !dialect.uniqueIndexesQuery) return plain;
        // The table really has that index (it may have been declared after the table was built): then one MERGE.
        return [{ kind: 'query', sql: dialect.uniqueIndexesQuery(target), then: (rows) => (uniqueIndexCovers(rows, keys) ? [replacingByMerge(input, keyMatch.join(' and '), dialect)] : plain) }];
      }
      const inSource =
        keys.length === 1
          ? `${dest(keys[0])} in (select ${q(keys[0])} from ${dialect.renderRelation(tmp)})`
          : `exists (select 1 from ${dialect.renderRelation(tmp)} as ${SOURCE_ALIAS} where ${keyMatch.join(' and ')})`;
      return [{ kind: 'sql', sql: dialect.deleteWhere(target, [inSource, ...predicates].join('\nand ')), purpose: 'delete replaced rows' }, insert()];
    }
    case 'merge': {
      // No key: nothing matches (dbt's `on false`), every row is inserted.
      const on = keys.length ? [...predicates, ...keyMatch].join(' and ') : [...predicates, 'false'].join(' and ');
      const update = keys.length ? input.updateColumns.map((c) => [c, src(c)] as const) : [];
      if (keys.length && caps.prefersReplaceToUpdate) return replacingMerge(input, on, !predicates.length, dialect);
      if (caps.supportsMerge) {
        return [{ kind: 'sql', sql: dialect.merge(target, tmp, { on, update, insertColumns: columns }), purpose: 'merge', main: true }];
      }
      if (!keys.length) return [insert()];
      // The same result without MERGE: update the matched rows, then insert the unmatched ones.
      const steps: Step[] = [];
      if (update.length) steps.push({ kind: 'sql', sql: dialect.updateFrom(target, tmp, update, on), purpose: 'update matched rows' });
      steps.push(insert(`not exists (select 1 from ${dialect.renderRelation(target)} as ${DEST_ALIAS} where ${on})`));
      return steps;
    }
    case 'microbatch': {
      const w = input.window;
      const ev = config.microbatch?.eventTime;
      if (!w || !ev) throw new Error('internal: a microbatch batch planned without its window');
      const inWindow = `${ev} >= ${dialect.timestamp(w.start)} and ${ev} < ${dialect.timestamp(w.end)}`;
      return [
        { kind: 'sql', sql: dialect.deleteWhere(target, [inWindow, ...predicates].join('\nand ')), purpose: 'delete the batch window' },
        insert(inWindow),
      ];
    }
  }
}

/**
 * delete+insert's result in one MERGE, where a unique index on the key columns guarantees it: no
 * two table rows share a key, so each matched table row is replaced by exactly one source row
 * (several source rows with one key fail either way: a unique violation or MERGE's "cannot affect
 * row a second time", rolled back). Table columns the model does not write get their default, as
 * the inserted row of delete+insert would. On PostgreSQL (10,000,000 rows, 1% changed) MERGE
 * writes each replaced row once where the delete and the insert visit its page and index entries
 * twice: 0.66-0.72 s against 0.82-0.86 s at load 5-7 (README, Benchmarks).
 */
function replacingByMerge(input: StrategyInput, on: string, dialect: SqlDialect): Step {
  const { target, tmp, columns, tableColumns } = input;
  const written = new Set(columns.map((c) => c.toLowerCase()));
  const update = [
    ...columns.map((c) => [c, `${SOURCE_ALIAS}.${dialect.quoteIdentifier(c)}`] as const),
    ...tableColumns.filter((c) => !written.has(c.toLowerCase())).map((c) => [c, 'default'] as const),
  ];
  return { kind: 'sql', sql: dialect.merge(target, tmp, { on, update, insertColumns: columns }), purpose: 'merge', main: true };
}

/** Some unique index of the (index id, column) rows has only key columns: the key is unique in the table. */
export function uniqueIndexCovers(rows: readonly (readonly unknown[])[], keys: readonly string[]): boolean {
  const byIndex = new Map<string, string[]>();
  for (const [id, column] of rows) byIndex.set(String(id), [...(byIndex.get(String(id)) ?? []), String(column)]);
  return [...byIndex.values()].some((cols) => cols.length > 0 && cols.every((c) => keys.includes(c)));
}

/**
 * MERGE's result without updating in place: matched rows are deleted and inserted again with
 * the merged values (update columns from the source, the rest kept), unmatched source rows are
 * inserted. When every column of the table is updated, the merged row is the source row and no
 * staging is needed.
 */
function replacingMerge(input: StrategyInput, on: string, plainOn: boolean, dialect: SqlDialect): Step[] {
  const { target, tmp, staging, columns, tableColumns, updateColumns } = input;
  const q = dialect.quoteIdentifier;
  const lower = (xs: readonly string[]) => new Set(xs.map((x) => x.toLowerCase()));
  const updated = lower(updateColumns);
  const written = lower(columns);
  // `on` with predicates keeps `exists`: in its subquery an unqualified column resolves to the
  // source first, where `using` would make it ambiguous.
  const remove: Step = {
    kind: 'sql',
    sql:
      dialect.deleteUsing && plainOn
        ? dialect.deleteUsing(target, tmp, on)
        : dialect.deleteWhere(target, `exists (select 1 from ${dialect.renderRelation(tmp)} as ${SOURCE_ALIAS} where ${on})`),
    purpose: 'delete matched rows',
  };
  if (tableColumns.every((c) => updated.has(c.toLowerCase()))) {
    return [remove, { kind: 'sql', sql: dialect.insertInto(target, columns, tmp), purpose: 'insert merged rows', main: true }];
  }
  // A matched row shows through its target key column (keys never match on null).
  const wasMatched = `${DEST_ALIAS}.${q(input.keys[0])} is not null`;
  const select = tableColumns.map((c) => {
    const expr = updated.has(c.toLowerCase())
      ? `${SOURCE_ALIAS}.${q(c)}`
      : written.has(c.toLowerCase())
        ? `case when ${wasMatched} then ${DEST_ALIAS}.${q(c)} else ${SOURCE_ALIAS}.${q(c)} end`
        : `${DEST_ALIAS}.${q(c)}`;
    return `${expr} as ${q(c)}`;
  });
  const merged = `select ${select.join(',\n  ')}\nfrom ${dialect.renderRelation(tmp)} as ${SOURCE_ALIAS}\nleft join ${dialect.renderRelation(target)} as ${DEST_ALIAS} on ${on}`;
  return [
    { kind: 'sql', sql: dialect.createTableAs(staging, merged), purpose: 'stage merged rows' },
    remove,
    { kind: 'sql', sql: dialect.insertInto(target, tableColumns, staging), purpose: 'insert merged rows', main: true },
    { kind: 'sql', sql: dialect.drop({ ...staging, type: 'table' }), purpose: 'drop staging' },
  ];
}
