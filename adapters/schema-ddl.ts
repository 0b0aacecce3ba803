// Contracted tables, grants and comments in the SQL both DuckDB and PostgreSQL accept (standard
// column and table constraints, `comment on`). Each dialect spreads these in.
import { sqlBody } from './sql-body.js';
import type { ConstraintSpec, ContractColumn, Relation, RelationName, SqlDialect } from './adapter.js';
import { storedName } from './sql-quoting.js';

type SchemaBuilders = Required<Pick<SqlDialect, 'createContractTable' | 'insertSelect' | 'comment'>>;

/** A model's SQL without the trailing `;` users sometimes leave, which breaks `as (...)`. */
const body = sqlBody;

export function schemaBuilders(renderRelation: (rel: RelationName) => string, quoteIdentifier: (name: string) => string, quoteLiteral: (v: string) => string): SchemaBuilders {
  const cols = (names: readonly string[]): string => names.map(quoteIdentifier).join(', ');
  const named = (c: ConstraintSpec, clause: string): string => (c.name ? `constraint ${quoteIdentifier(c.name)} ${clause}` : clause);
  const references = (c: ConstraintSpec): string =>
    c.references ? `references ${renderRelation(c.references.relation)} (${cols(c.references.columns)})` : `references ${c.expression ?? ''}`;

  /** A constraint written on its column. */
  const inline = (c: ConstraintSpec): string => {
    switch (c.type) {
      case 'not_null':
        return named(c, 'not null');
      case 'unique':
        return named(c, 'unique');
      case 'primary_key':
        return named(c, 'primary key');
      case 'check':
        return named(c, `check (${c.expression})`);
      case 'foreign_key':
        return named(c, references(c));
      default:
        return c.expression ?? '';
    }
  };
  /** A model-level constraint, over its columns. */
  const table = (c: ConstraintSpec): string => {
    switch (c.type) {
      case 'unique':
        return named(c, `unique (${cols(c.columns)})`);
      case 'primary_key':
        return named(c, `primary key (${cols(c.columns)})`);
      case 'check':
        return named(c, `check (${c.expression})`);
      case 'foreign_key':
        return named(c, `foreign key (${cols(c.columns)}) ${references(c)}`);
      default:
        return c.expression ?? '';
    }
  };

  return {
    createContractTable: (rel, columns: readonly ContractColumn[], constraints: readonly ConstraintSpec[]) => {
      const lines = [
        ...columns.map((c) => [`  ${quoteIdentifier(c.name)} ${c.dataType}`, ...c.constraints.map(inline)].join(' ')),
        ...constraints.map((c) => `  ${table(c)}`),
      ];
      return `create table ${renderRelation(rel)} (\n${lines.join(',\n')}\n)`;
    },
    insertSelect: (rel, columns, sql) => `insert into ${renderRelation(rel)} (${cols(columns)})\nselect ${cols(columns)}\nfrom (\n${body(sql)}\n) as model_subq`,
    comment: (rel: Relation, column, text) =>
      column === null ? `comment on ${rel.type} ${renderRelation(rel)} is ${quoteLiteral(text)}` : `comment on column ${renderRelation(rel)}.${quoteIdentifier(column)} is ${quoteLiteral(text)}`,
  };
}

/** Postgres-style grants (grantees as written, like dbt: unquoted role names fold to lower case). */
export function grantBuilders(
  renderRelation: (rel: RelationName) => string,
  quoteLiteral: (v: string) => string,
  /** How the database stores an unquoted name (the catalog holds `rel` so). */
  fold: (name: string) => string,
): Required<Pick<SqlDialect, 'grantsQuery' | 'grant' | 'revoke'>> {
  return {
    grantsQuery: (given) => {
      const rel = storedName(given, fold);
      return (
        `select grantee, privilege_type from information_schema.table_privileges\n` +
        `where table_schema = ${quoteLiteral(rel.schema)} and table_name = ${quoteLiteral(rel.identifier)} and grantee <> current_user\n` +
        `order by grantee, privilege_type`
      );
    },
    grant: (rel, privilege, grantees) => `grant ${privilege} on ${renderRelation(rel)} to ${grantees.join(', ')}`,
    revoke: (rel, privilege, grantees) => `revoke ${privilege} on ${renderRelation(rel)} from ${grantees.join(', ')}`,
  };
}
