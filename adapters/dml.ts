// The statements incremental loads and snapshots need, in the SQL both DuckDB and PostgreSQL
// accept. Each dialect spreads these in and overrides the few that differ.
import { DEST_ALIAS, SOURCE_ALIAS, type IndexSpec, type MergeSpec, type RelationName, type SqlDialect } from './adapter.js';

/** Both databases run every strategy (merge falls back to update + insert where MERGE is missing). */
export const INCREMENTAL_STRATEGIES: readonly string[] = ['append', 'merge', 'delete+insert', 'microbatch'];

type DmlBuilders = Pick<
  SqlDialect,
  'insertInto' | 'deleteWhere' | 'deleteUsing' | 'updateFrom' | 'merge' | 'addColumn' | 'dropColumn' | 'alterColumnType' | 'createIndex' | 'timestamp' | 'hash'
>;

export function dmlBuilders(renderRelation: (rel: RelationName) => string, quoteIdentifier: (name: string) => string, quoteLiteral: (v: string) => string): DmlBuilders {
  const cols = (names: readonly string[], prefix = ''): string => names.map((c) => prefix + quoteIdentifier(c)).join(', ');
  const setList = (set: readonly (readonly [string, string])[]): string => set.map(([c, e]) => `${quoteIdentifier(c)} = ${e}`).join(',\n    ');
  return {
    insertInto: (target, columns, source, where) =>
      `insert into ${renderRelation(target)} (${cols(columns)})\nselect ${cols(columns, `${SOURCE_ALIAS}.`)}\nfrom ${renderRelation(source)} as ${SOURCE_ALIAS}` +
      (where ? `\nwhere ${where}` : ''),
    deleteWhere: (target, condition) => `delete from ${renderRelation(target)} as ${DEST_ALIAS}\nwhere ${condition}`,
    deleteUsing: (target, source, condition) =>
      `delete from ${renderRelation(target)} as ${DEST_ALIAS}\nusing ${renderRelation(source)} as ${SOURCE_ALIAS}\nwhere ${condition}`,
    updateFrom: (target, source, set, condition) =>
      `update ${renderRelation(target)} as ${DEST_ALIAS}\nset ${setList(set)}\nfrom ${renderRelation(source)} as ${SOURCE_ALIAS}\nwhere ${condition}`,
    merge: (target: RelationName, source: RelationName, spec: MergeSpec) => {
      const lines = [`merge into ${renderRelation(target)} as ${DEST_ALIAS}`, `using ${renderRelation(source)} as ${SOURCE_ALIAS}`, `on ${spec.on}`];
      // Target columns of `set` are unqualified in both databases' MERGE.
      if (spec.update.length) lines.push(`when matched then update set\n    ${setList(spec.update)}`);
      lines.push(`when not matched then insert (${cols(spec.insertColumns)})`, `values (${cols(spec.insertColumns, `${SOURCE_ALIAS}.`)})`);
      return lines.join('\n');
    },
    addColumn: (rel, column, dataType) => `alter table ${renderRelation(rel)} add column ${quoteIdentifier(column)} ${dataType}`,
    dropColumn: (rel, column) => `alter table ${renderRelation(rel)} drop column ${quoteIdentifier(column)}`,
    alterColumnType: (rel, column, dataType) =>
      `alter table ${renderRelation(rel)} alter column ${quoteIdentifier(column)} type ${dataType} using cast(${quoteIdentifier(column)} as ${dataType})`,
    // Index columns are written as given (dbt's rule), so expressions work too.
    createIndex: (rel, name, index: IndexSpec) =>
      `create ${index.unique ? 'unique ' : ''}index ${quoteIdentifier(name)} on ${renderRelation(rel)}` +
      `${index.type ? ` using ${index.type}` : ''} (${index.columns.join(', ')})`,
    timestamp: (text) => `cast(${quoteLiteral(text)} as timestamp)`,
    hash: (expressions) => `md5(${expressions.map((e) => `coalesce(cast(${e} as varchar), '')`).join(" || '|' || ")})`,
  };
}
