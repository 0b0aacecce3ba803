// Quoting that DuckDB, PostgreSQL and Trino share: SQL-standard double-quoted identifiers (a quote
// inside doubled) and single-quoted strings with no escape but the doubled quote (PostgreSQL
// sessions run with standard_conforming_strings on, so a backslash is an ordinary character there
// too). Numbers, booleans and non-finite values differ per database and stay in each dialect.
import type { QuotePolicy, RelationName } from './adapter.js';

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `name` quoted, or as written when `quoted` is false (dbt's quote policy leaves it to the database to fold). */
export function quoteAs(name: string, quoted: boolean): string {
  return quoted ? quoteIdentifier(name) : name;
}

/** `"database"."schema"."identifier"`, each part unquoted where `rel.quoting` says so. */
export function renderRelation(rel: RelationName): string {
  const q = rel.quoting;
  // (No policy, the common case: one template, as before policies existed.)
  if (q === undefined) return `${quoteIdentifier(rel.database)}.${quoteIdentifier(rel.schema)}.${quoteIdentifier(rel.identifier)}`;
  return `${quoteAs(rel.database, q.database)}.${quoteAs(rel.schema, q.schema)}.${quoteAs(rel.identifier, q.identifier)}`;
}

/** Every part quoted: dbt's default policy on DuckDB, PostgreSQL and Trino. */
export const QUOTE_ALL: QuotePolicy = Object.freeze({ database: true, schema: true, identifier: true });

/**
 * The name the database stores for `rel`: each part written unquoted folded as `fold` says, and no
 * policy left (the parts are then exact). The same object when nothing is unquoted.
 */
export function storedName<R extends RelationName>(rel: R, fold: (name: string) => string): R {
  const q = rel.quoting;
  if (q === undefined) return rel;
  const { quoting: _policy, ...rest } = rel;
  return {
    ...rest,
    database: q.database ? rel.database : fold(rel.database),
    schema: q.schema ? rel.schema : fold(rel.schema),
    identifier: q.identifier ? rel.identifier : fold(rel.identifier),
  } as R;
}

/** PostgreSQL's folding of an unquoted name: ASCII letters lowered, anything else kept (its rule in UTF-8 databases). */
export function foldAsciiLower(name: string): string {
  return /[A-Z]/.test(name) ? name.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : name;
}
