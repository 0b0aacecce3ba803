// SQL text in DuckDB's dialect. Pure string building.
import type { Relation, SeedColumn, SeedColumnType, SqlDialect } from '../adapter.js';
import { dmlBuilders } from '../dml.js';
import { schemaBuilders } from '../schema-ddl.js';
import { sqlBody } from '../sql-body.js';
import { quoteAs, quoteIdentifier, quoteString, renderRelation } from '../sql-quoting.js';

export { quoteIdentifier, renderRelation };

const SEED_TYPES: Record<SeedColumnType, string> = {
  integer: 'INTEGER',
  bigint: 'BIGINT',
  // DOUBLE, like dbt's float8 for decimal seed columns: the shortest-repr round trip returns the
  // CSV's text for up to 15 significant digits, and it needs no precision/scale, which a
  // DECIMAL would have to guess from the data (and would reject a later, wider value).
  numeric: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  text: 'VARCHAR',
};

export function quoteLiteral(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `'${value}'::DOUBLE`;
  // Standard SQL strings: only the quote needs escaping (backslash is literal in DuckDB).
  return quoteString(value);
}

/** A model's SQL without the trailing `;` users sometimes leave, which breaks `as (...)`. */
const body = sqlBody;

export const duckdbDialect: SqlDialect = {
  relationClassName: 'DuckDBRelation',
  quoteIdentifier,
  quoteLiteral,
  renderRelation,
  // DuckDB keeps the case of an unquoted name, and matches every name case-insensitively.
  foldUnquoted: (name) => name,
  createSchema: (database, schema, quoting) => `create schema if not exists ${quoteAs(database, quoting?.database ?? true)}.${quoteAs(schema, quoting?.schema ?? true)}`,
  createTableAs: (rel, sql) => `create table ${renderRelation(rel)} as (\n${body(sql)}\n)`,
  createViewAs: (rel, sql) => `create view ${renderRelation(rel)} as (\n${body(sql)}\n)`,
  // Views bind by name when queried, so a replaced view may have any columns (capabilities.replacesViewsInPlace).
  createOrReplaceViewAs: (rel, sql) => `create or replace view ${renderRelation(rel)} as (\n${body(sql)}\n)`,
  createTable: (rel, columns: readonly SeedColumn[], quoteColumns) => {
    const cols = columns.map((c) => `  ${quoteColumns ? quoteIdentifier(c.name) : c.name} ${c.sqlType}`);
    return `create table ${renderRelation(rel)} (\n${cols.join(',\n')}\n)`;
  },
  rename: (rel: Relation, newIdentifier, quoteNew = true) => `alter ${rel.type} ${renderRelation(rel)} rename to ${quoteAs(newIdentifier, quoteNew)}`,
  drop: (rel: Relation, opts) => `drop ${rel.type} if exists ${renderRelation(rel)}${opts?.cascade ? ' cascade' : ''}`,
  seedType: (t) => SEED_TYPES[t],
  ...dmlBuilders(renderRelation, quoteIdentifier, quoteLiteral),
  ...schemaBuilders(renderRelation, quoteIdentifier, quoteLiteral),
  // DuckDB has one index method (ART).
  createIndex: (rel, name, index) => `create ${index.unique ? 'unique ' : ''}index ${quoteIdentifier(name)} on ${renderRelation(rel)} (${index.columns.join(', ')})`,
  currentTimestamp: () => 'cast(current_timestamp as timestamp)',
};
