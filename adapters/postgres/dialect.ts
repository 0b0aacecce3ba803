// SQL text in PostgreSQL's dialect. Pure string building; the only state is the database the
// adapter is connected to, since Postgres cannot touch objects in any other database.
import { Codes, KilnError } from '../../core/errors.js';
import type { Relation, SeedColumn, SeedColumnType, SqlDialect } from '../adapter.js';
import { dmlBuilders } from '../dml.js';
import { grantBuilders, schemaBuilders } from '../schema-ddl.js';
import { sqlBody } from '../sql-body.js';
import { foldAsciiLower, quoteAs, quoteIdentifier, quoteString, renderRelation, storedName } from '../sql-quoting.js';

export { quoteIdentifier, renderRelation };

const SEED_TYPES: Record<SeedColumnType, string> = {
  integer: 'integer',
  bigint: 'bigint',
  numeric: 'numeric',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp without time zone',
  text: 'text',
};

/** Every session runs with standard_conforming_strings on, so a backslash is an ordinary character. */
export function quoteLiteral(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return String(value);
    return `'${Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'}'::double precision`;
  }
  return quoteString(value);
}

/** A model's SQL without the trailing `;` users sometimes leave, which breaks `as (...)`. */
const body = sqlBody;

/** The error for any attempt to reach a database other than the connected one. */
export function crossDatabaseError(wanted: string, connected: string, what: string): KilnError {
  return new KilnError(Codes.DATABASE_ERROR, `PostgreSQL cannot ${what} in database "${wanted}": this target is connected to database "${connected}", and Postgres has no cross-database access`, {
    hint: `build into "${connected}" (remove the \`database\` config), or add a second target whose dbname is "${wanted}"`,
  });
}

export function postgresDialect(connectedDatabase: string): SqlDialect {
  return {
    relationClassName: 'PostgresRelation',
    quoteIdentifier,
    quoteLiteral,
    renderRelation,
    foldUnquoted: foldAsciiLower,
    createSchema: (database, schema, quoting) => {
      if (database !== connectedDatabase) throw crossDatabaseError(database, connectedDatabase, `create schema "${schema}"`);
      return `create schema if not exists ${quoteAs(schema, quoting?.schema ?? true)}`;
    },
    createTableAs: (rel, sql) => `create table ${renderRelation(rel)} as (\n${body(sql)}\n)`,
    createViewAs: (rel, sql) => `create view ${renderRelation(rel)} as (\n${body(sql)}\n)`,
    // Takes new columns only after the old ones, unchanged (capabilities.replacesCompatibleViewsInPlace).
    createOrReplaceViewAs: (rel, sql) => `create or replace view ${renderRelation(rel)} as (\n${body(sql)}\n)`,
    // 42P16 invalid_table_definition: "cannot drop columns from view", "cannot change name (data
    // type, collation) of view column"; the statement changed nothing.
    viewReplaceRefused: (e: KilnError) => sqlStateOf(e) === '42P16',
    createTable: (rel, columns: readonly SeedColumn[], quoteColumns) => {
      const cols = columns.map((c) => `  ${quoteColumns ? quoteIdentifier(c.name) : c.name} ${c.sqlType}`);
      return `create table ${renderRelation(rel)} (\n${cols.join(',\n')}\n)`;
    },
    // The new name takes no schema: Postgres renames within the relation's own schema.
    rename: (rel: Relation, newIdentifier, quoteNew = true) => `alter ${rel.type} ${renderRelation(rel)} rename to ${quoteAs(newIdentifier, quoteNew)}`,
    drop: (rel: Relation, opts) => `drop ${rel.type} if exists ${renderRelation(rel)}${opts?.cascade ? ' cascade' : ''}`,
    seedType: (t) => SEED_TYPES[t],
    ...dmlBuilders(renderRelation, quoteIdentifier, quoteLiteral),
    ...schemaBuilders(renderRelation, quoteIdentifier, quoteLiteral),
    ...grantBuilders(renderRelation, quoteLiteral, foldAsciiLower),
    currentTimestamp: () => 'now()::timestamp without time zone',
    uniqueIndexesQuery: (given) => {
      const rel = storedName(given, foldAsciiLower);
      return `select i.indexrelid::text, a.attname::text
         from pg_catalog.pg_index i
         join pg_catalog.pg_class c on c.oid = i.indrelid
         join pg_catalog.pg_namespace n on n.oid = c.relnamespace
         join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
        where n.nspname = ${quoteLiteral(rel.schema)} and c.relname = ${quoteLiteral(rel.identifier)}
          and i.indisunique and i.indisvalid and i.indpred is null and i.indexprs is null`;
    },
  };
}

/** The SQLSTATE of the server error behind a KilnError (its cause), if any. */
function sqlStateOf(e: KilnError): string | undefined {
  const cause = (e as { cause?: unknown }).cause;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
