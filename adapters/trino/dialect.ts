// SQL text in Trino's dialect. Pure string building. Trino has no parameter binding in its HTTP
// protocol, so every literal kiln sends is quoted here.
import { Codes, KilnError } from '../../core/errors.js';
import type { ConstraintSpec, ContractColumn, QuotePolicy, Relation, RelationName, SeedColumn, SeedColumnType, SqlDialect } from '../adapter.js';
import { QUOTE_ALL, quoteAs, quoteIdentifier, quoteString, renderRelation } from '../sql-quoting.js';

export { quoteIdentifier, renderRelation };

/** The aliases kiln's incremental and snapshot plans write their conditions over (dbt's names). */
const DEST = 'DBT_INTERNAL_DEST';
const SOURCE = 'DBT_INTERNAL_SOURCE';

/** One `merge into`: match on `on`, update `update` (none: matched rows stay), insert the rest. */
interface MergeParts {
  readonly on: string;
  readonly update: readonly (readonly [string, string])[];
  readonly insertColumns: readonly string[];
}

const SEED_TYPES: Record<SeedColumnType, string> = {
  integer: 'integer',
  bigint: 'bigint',
  // As on DuckDB: a double needs no precision and scale guessed from the data.
  numeric: 'double',
  boolean: 'boolean',
  date: 'date',
  // Iceberg stores microseconds only; timestamp(3), Trino's default, is refused there.
  timestamp: 'timestamp(6)',
  text: 'varchar',
};

/** Trino string literals have no escapes but the doubled quote. */
export function quoteLiteral(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan()';
    if (!Number.isFinite(value)) return value > 0 ? 'infinity()' : '-infinity()';
    // Integers stay integers; other numbers are doubles (a plain `2.5` would be a decimal).
    return Number.isInteger(value) ? String(value) : `double '${value}'`;
  }
  return quoteString(value);
}

/**
 * A model's SQL as the query of a CREATE ... AS: trailing `;` removed, on its own lines, never in
 * parentheses (Trino's grammar does not allow a WITH query inside them) and followed by a line
 * break so a trailing `-- comment` cannot swallow anything after it.
 */
function body(sql: string): string {
  return `\n${sql.replace(/[\s;]+$/, '')}\n`;
}

function unsupported(what: string): never {
  throw new KilnError(Codes.CONFIG_INVALID, `Trino has no ${what}`, { hint: 'remove that config for this target' });
}

const cols = (names: readonly string[], prefix = ''): string => names.map((c) => prefix + quoteIdentifier(c)).join(', ');
const setList = (set: readonly (readonly [string, string])[]): string => set.map(([c, e]) => `${quoteIdentifier(c)} = ${e}`).join(',\n    ');

/** The statements of incremental loads and snapshots, in Trino's SQL (MERGE stands in for what Trino lacks). */
const trinoDml = {
  insertInto: (target: RelationName, columns: readonly string[], source: RelationName, where?: string): string =>
    `insert into ${renderRelation(target)} (${cols(columns)})\nselect ${cols(columns, `${SOURCE}.`)}\nfrom ${renderRelation(source)} as ${SOURCE}` +
    (where ? `\nwhere ${where}` : ''),
  // DELETE takes no alias in Trino: a row-deleting MERGE does, and runs where DELETE runs.
  deleteWhere: (target: RelationName, condition: string): string =>
    `merge into ${renderRelation(target)} as ${DEST}\nusing (values 1) as dbt_internal_one(x)\non (${condition})\nwhen matched then delete`,
  // No UPDATE ... FROM either: a MERGE that only updates.
  updateFrom: (target: RelationName, source: RelationName, set: readonly (readonly [string, string])[], condition: string): string =>
    `merge into ${renderRelation(target)} as ${DEST}\nusing ${renderRelation(source)} as ${SOURCE}\non (${condition})\nwhen matched then update set\n    ${setList(set)}`,
  merge: (target: RelationName, source: RelationName, spec: MergeParts): string => {
    const lines = [`merge into ${renderRelation(target)} as ${DEST}`, `using ${renderRelation(source)} as ${SOURCE}`, `on (${spec.on})`];
    if (spec.update.length) lines.push(`when matched then update set\n    ${setList(spec.update)}`);
    lines.push(`when not matched then insert (${cols(spec.insertColumns)})`, `values (${cols(spec.insertColumns, `${SOURCE}.`)})`);
    return lines.join('\n');
  },
  addColumn: (rel: RelationName, column: string, dataType: string): string => `alter table ${renderRelation(rel)} add column ${quoteIdentifier(column)} ${dataType}`,
  dropColumn: (rel: RelationName, column: string): string => `alter table ${renderRelation(rel)} drop column ${quoteIdentifier(column)}`,
  alterColumnType: (rel: RelationName, column: string, dataType: string): string =>
    `alter table ${renderRelation(rel)} alter column ${quoteIdentifier(column)} set data type ${dataType}`,
  createIndex: (): string => unsupported('indexes'),
  timestamp: (text: string): string => `cast(${quoteLiteral(text)} as timestamp(6))`,
  hash: (expressions: readonly string[]): string =>
    `lower(to_hex(md5(to_utf8(${expressions.map((e) => `coalesce(cast(${e} as varchar), '')`).join(" || '|' || ")}))))`,
  currentTimestamp: (): string => "cast(current_timestamp at time zone 'UTC' as timestamp(6))",
};

const baseDialect = {
  quoteIdentifier,
  quoteLiteral,
  renderRelation,
  // Trino's connectors store names in lower case, whether written quoted or not.
  foldUnquoted: (name: string): string => name.toLowerCase(),
  createSchema: (database: string, schema: string, quoting?: QuotePolicy): string =>
    `create schema if not exists ${quoteAs(database, quoting?.database ?? true)}.${quoteAs(schema, quoting?.schema ?? true)}`,
  createTableAs: (rel: RelationName, sql: string): string => `create table ${renderRelation(rel)} as${body(sql)}`,
  createViewAs: (rel: RelationName, sql: string): string => `create view ${renderRelation(rel)} as${body(sql)}`,
  createOrReplaceTableAs: (rel: RelationName, sql: string): string => `create or replace table ${renderRelation(rel)} as${body(sql)}`,
  createOrReplaceViewAs: (rel: RelationName, sql: string): string => `create or replace view ${renderRelation(rel)} as${body(sql)}`,
  createTable: (rel: RelationName, columns: readonly SeedColumn[], quoteColumns: boolean): string => {
    const list = columns.map((c) => `  ${quoteColumns ? quoteIdentifier(c.name) : c.name} ${c.sqlType}`);
    return `create table ${renderRelation(rel)} (\n${list.join(',\n')}\n)`;
  },
  // Trino resolves an unqualified new name against the session's catalog and schema, not the
  // relation's: always qualify it.
  rename: (rel: Relation, newIdentifier: string, quoteNew = true): string =>
    `alter ${rel.type} ${renderRelation(rel)} rename to ${renderRelation({ ...rel, identifier: newIdentifier, quoting: { ...(rel.quoting ?? QUOTE_ALL), identifier: quoteNew } })}`,
  // No CASCADE in Trino: views are bound by name, so dropping a table leaves its views in place.
  drop: (rel: Relation): string => `drop ${rel.type} if exists ${renderRelation(rel)}`,
  seedType: (t: SeedColumnType): string => SEED_TYPES[t],
  /**
   * A contracted model's table: the declared types, and `not null`, the one constraint Trino
   * writes into a table (the connectors declare it: connectors.ts). Nothing else reaches here:
   * the others are warned about (KLN509) and left out, as dbt-trino does.
   */
  createContractTable: (rel: RelationName, columns: readonly ContractColumn[], _constraints: readonly ConstraintSpec[]): string => {
    const list = columns.map((c) => `  ${quoteIdentifier(c.name)} ${c.dataType}${c.constraints.some((x) => x.type === 'not_null') ? ' not null' : ''}`);
    return `create table ${renderRelation(rel)} (\n${list.join(',\n')}\n)`;
  },
  // A WITH query may stand in a FROM subquery; the line break keeps a trailing `-- comment` off the `)`.
  insertSelect: (rel: RelationName, columns: readonly string[], sql: string): string =>
    `insert into ${renderRelation(rel)} (${cols(columns)})\nselect ${cols(columns)}\nfrom (${body(sql)}) as model_subq`,
};

export const trinoDialect: SqlDialect & typeof baseDialect & typeof trinoDml = { ...baseDialect, ...trinoDml };
