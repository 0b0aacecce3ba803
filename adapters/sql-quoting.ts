// Quoting that DuckDB, PostgreSQL and Trino share: SQL-standard double-quoted identifiers (a quote
// inside doubled) and single-quoted strings with no escape but the doubled quote (PostgreSQL
// sessions run with standard_conforming_strings on, so a backslash is an ordinary character there
// too). Numbers, booleans and non-finite values differ per database and stay in each dialect.
import type { RelationName } from './adapter.js';

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `"database"."schema"."identifier"`. */
export function renderRelation(rel: RelationName): string {
  return `${quoteIdentifier(rel.database)}.${quoteIdentifier(rel.schema)}.${quoteIdentifier(rel.identifier)}`;
}
