// `drop ... cascade` also drops every view built on the dropped relation (Postgres binds views
// to the relation itself, not to its name). A table model's swap drops the old table this way,
// so the views downstream of it vanish; the relation cache must forget them too, or the next
// build of such a view would try to move a view aside that no longer exists. The connection
// asks the catalog for those views just before it runs a drop the dialect wrote, and reports
// them once the drop is committed.
import type { RelationName } from '../adapter.js';

const PART = '"((?:[^"]|"")*)"';
const DIALECT_DROP = new RegExp(`^drop (?:table|view) if exists ${PART}\\.${PART}\\.${PART} cascade$`);

/** The relation of a cascading drop written by the dialect (`drop table if exists "d"."s"."t" cascade`), else null. */
export function cascadeDropTarget(sql: string): RelationName | null {
  const m = DIALECT_DROP.exec(sql);
  if (!m) return null;
  const unquote = (s: string): string => s.replace(/""/g, '"');
  return { database: unquote(m[1]), schema: unquote(m[2]), identifier: unquote(m[3]) };
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
