// The statements of each incremental strategy, composed from the dialect's builders: the temp
// table holding this run's rows (DBT_INTERNAL_SOURCE) is written into the target
// (DBT_INTERNAL_DEST). Conditions are plain ANSI over quoted names.
import { DEST_ALIAS, SOURCE_ALIAS, type AdapterCapabilities, type RelationName, type SqlDialect } from '../../adapters/adapter.js';
import type { IncrementalConfig } from './incremental-config.js';
import type { Step } from './plan.js';

export interface StrategyInput {
  readonly config: IncrementalConfig;
  readonly target: RelationName;
  readonly tmp: RelationName;
  /** The columns written (target spelling). */
  readonly columns: readonly string[];
  /** unique_key resolved to real column names. */
  readonly keys: readonly string[];
  /** merge: the columns matched rows get updated (already checked against `columns`). */
  readonly updateColumns: readonly string[];
  /** microbatch: the batch's window `[start, end)` as `YYYY-MM-DD HH:MM:SS`. */
  readonly window?: { readonly start: string; readonly end: string };
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
