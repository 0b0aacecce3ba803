// `drop ... cascade` also drops every view built on the dropped relation (Postgres binds views
// to the relation itself, not to its name). A table model's swap drops the old table this way,
// so the views downstream of it vanish; the relation cache must forget them too, or the next
// build of such a view would try to move a view aside that no longer exists. The connection
// asks the catalog for those views just before it runs a drop the dialect wrote, and reports
// them once the drop is committed.
import type { RelationName } from '../adapter.js';
import { foldAsciiLower } from '../sql-quoting.js';

// A name part as the dialect writes it: quoted, or bare where `quoting:` leaves it unquoted (two groups each).
const PART = '(?:"((?:[^"]|"")*)"|([^\\s."(),;]+))';
const DIALECT_DROP = new RegExp(`^drop (?:table|view) if exists ${PART}\\.${PART}\\.${PART} cascade$`);

/** The stored name of the part at groups `at`, `at + 1` of a match: quoted as written, bare folded as Postgres folds it. */
function partOf(m: RegExpExecArray, at: number): string {
  return m[at] !== undefined ? m[at].replace(/""/g, '"') : foldAsciiLower(m[at + 1]);
}

function relationOf(m: RegExpExecArray): RelationName {
  return { database: partOf(m, 1), schema: partOf(m, 3), identifier: partOf(m, 5) };
}

/** The relation (as stored) of a cascading drop written by the dialect (`drop table if exists "d"."s"."t" cascade`), else null. */
export function cascadeDropTarget(sql: string): RelationName | null {
  const m = DIALECT_DROP.exec(sql);
  return m ? relationOf(m) : null;
}

/** Views and materialized views depending on relation ($1 schema, $2 name), transitively. */
export const DEPENDENT_VIEWS_SQL = `
with recursive dependents(oid) as (
  select r.ev_class
    from pg_catalog.pg_depend d join pg_catalog.pg_rewrite r on r.oid = d.objid
   where d.classid = 'pg_catalog.pg_rewrite'::regclass and d.refclassid = 'pg_catalog.pg_class'::regclass
     and d.refobjid = pg_catalog.to_regclass(pg_catalog.format('%I.%I', $1::text, $2::text))
     and r.ev_class <> d.refobjid
  union
  select r.ev_class
    from dependents x
    join pg_catalog.pg_depend d on d.refobjid = x.oid and d.refclassid = 'pg_catalog.pg_class'::regclass
     and d.classid = 'pg_catalog.pg_rewrite'::regclass
    join pg_catalog.pg_rewrite r on r.oid = d.objid and r.ev_class <> x.oid
)
select n.nspname, c.relname
  from dependents x join pg_catalog.pg_class c on c.oid = x.oid join pg_catalog.pg_namespace n on n.oid = c.relnamespace`;

// Keeping the views across a swap. A swap renames the old relation to its backup name and
// drops the backup with cascade once the new relation is in place, all in one transaction; the
// views on the old relation go with it and would be missing until rebuilt later in the run (or
// for good, when they are not selected or the run dies first). So the connection reads their
// definitions when the old relation is moved aside (the definitions still name it by its real
// name) and creates them again right after the drop, on the new relation, in the same
// transaction. A view the new relation no longer fits (a column gone) is left dropped.

const DIALECT_RENAME = new RegExp(`^alter (?:table|view) ${PART}\\.${PART}\\.${PART} rename to ${PART}$`);

/** The relation and its new name (as stored) of a rename written by the dialect, else null. */
export function dialectRename(sql: string): { from: RelationName; to: string } | null {
  const m = DIALECT_RENAME.exec(sql);
  return m ? { from: relationOf(m), to: partOf(m, 7) } : null;
}

const DIALECT_CREATE = new RegExp(`^create (?:table|view) ${PART}\\.${PART}\\.${PART}[ (\n]`);

/**
 * The relation a `create table|view` written by the dialect creates, else null. A relation
 * created in the open transaction has no views on it that another session could see, so moving
 * it needs no catalog look-up (the build's temporary relation, renamed into place).
 */
export function dialectCreate(sql: string): RelationName | null {
  const m = DIALECT_CREATE.exec(sql);
  return m ? relationOf(m) : null;
}

/** DEPENDENT_VIEWS_SQL with the relation written in as literals, to send with other statements in one simple query. */
export function dependentViewsSqlFor(rel: RelationName): string {
  const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;
  return DEPENDENT_VIEWS_SQL.replace('$1::text', `${literal(rel.schema)}::text`).replace('$2::text', `${literal(rel.identifier)}::text`);
}

export interface ViewDefinition {
  readonly schema: string;
  readonly name: string;
  /** The view's query as pg_get_viewdef prints it (no trailing semicolon). */
  readonly sql: string;
}

/**
 * Plain views depending on relation ($1 schema, $2 name), transitively, with their queries, in
 * an order they can be created in (a view after every view it reads).
 */
export const DEPENDENT_VIEW_DEFINITIONS_SQL = `
with recursive dependents(oid, depth) as (
  select r.ev_class, 1
    from pg_catalog.pg_depend d join pg_catalog.pg_rewrite r on r.oid = d.objid
   where d.classid = 'pg_catalog.pg_rewrite'::regclass and d.refclassid = 'pg_catalog.pg_class'::regclass
     and d.refobjid = pg_catalog.to_regclass(pg_catalog.format('%I.%I', $1::text, $2::text))
     and r.ev_class <> d.refobjid
  -- union, not union all: distinct (view, depth) pairs bound the work by views x depths, where
  -- every path was enumerated before (a DAG of 1,000 views never finished).
  union
  select r.ev_class, x.depth + 1
    from dependents x
    join pg_catalog.pg_depend d on d.refobjid = x.oid and d.refclassid = 'pg_catalog.pg_class'::regclass
     and d.classid = 'pg_catalog.pg_rewrite'::regclass
    join pg_catalog.pg_rewrite r on r.oid = d.objid and r.ev_class <> x.oid
   where x.depth < 100
)
select n.nspname, c.relname, pg_catalog.pg_get_viewdef(c.oid) as definition, c.relkind = 'v' as plain
  from (select oid, max(depth) as depth from dependents group by oid) x
  join pg_catalog.pg_class c on c.oid = x.oid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
 order by x.depth, n.nspname, c.relname`;
