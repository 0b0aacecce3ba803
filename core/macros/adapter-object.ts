// The `adapter` and `api` objects of dbt's template context. At run time the warehouse calls
// (execute, introspection, drops) are async builtins: a template that calls one renders on the
// engine's async path, on the connection of the node being built (so it sees that node's open
// transaction). At parse time they return dbt's parse-time stand-ins (empty results, none)
// without touching the warehouse.
import type { Adapter, Connection, QuotePolicy, Relation, RelationName, SqlDialect } from '../../adapters/adapter.js';
import { storedName } from '../../adapters/sql-quoting.js';
import { quotePolicyOf, quotingSettings } from '../project/quoting.js';
import { Codes, KilnError } from '../errors.js';
import { RelationValue } from '../compiler/relation.js';
import { asyncBuiltin } from '../template/signals.js';
import { bindParams, isPlainObject, pyStr, splitArgs, truthy, type Dict } from '../template/values.js';
import { AgateTable } from './agate.js';
import { ColumnValue } from './column.js';
import { dispatchMacro, type DispatchSettings } from './dispatch.js';

/** Warehouse access for one render: the adapter and the connection to run statements on. */
export interface Warehouse {
  readonly adapter: Adapter;
  /** The connection of the node being built (acquired on first use where there is none yet). */
  connection(): Promise<Connection>;
}

/** What adapter.execute returns first (dbt's AdapterResponse). */
export interface AdapterResponse {
  readonly _message: string;
  readonly code: string;
  readonly rows_affected: number | null;
}

function response(message: string, rows: number | null): Dict {
  return { _message: message, code: message.split(' ')[0] ?? '', rows_affected: rows, toString: () => message };
}

function relationArg(v: unknown, fn: string): RelationValue {
  if (v instanceof RelationValue) return v;
  throw new KilnError(Codes.COMPILER_ERROR, `adapter.${fn}() needs a relation (from ref(), source(), this or api.Relation.create()), got ${pyStr(v)}`);
}

/**
 * `api.Relation.create(database=, schema=, identifier=, type=, quote_policy=)` and `api.Column`.
 * `quoting`: the project's, under a `quote_policy` given (dbt's api.Relation applies both).
 */
export function apiObject(dialect: SqlDialect, defaults: { database: string; schema: string }, quoting?: QuotePolicy): Dict {
  const create = (...args: unknown[]): RelationValue => {
    const [database, schema, identifier, type, quotePolicy] = bindParams('Relation.create', args, ['database', 'schema', 'identifier', 'type', 'quote_policy', 'include_policy', 'limit', 'event_time_filter'] as const);
    const policy = quotePolicyOf(quoting && { ...quoting, column: null }, isPlainObject(quotePolicy) ? quotingSettings(quotePolicy) : null);
    return new RelationValue(
      {
        database: database == null ? defaults.database : String(database),
        schema: schema == null ? defaults.schema : String(schema),
        identifier: identifier == null ? '' : String(identifier),
        ...(policy ? { quoting: policy } : {}),
      },
      dialect,
      { type: type == null ? null : String(type) },
    );
  };
  return {
    Relation: { create },
    Column: { create: (...args: unknown[]) => ColumnValue.create(dialect, args) },
  };
}

export interface AdapterObjectOptions {
  readonly dialect: SqlDialect;
  readonly adapterType: string;
  readonly dispatch: DispatchSettings;
  /** Absent at parse time: warehouse calls return their parse-time stand-ins. */
  readonly warehouse?: Warehouse;
  /** The project's `quoting:` where it leaves a part unquoted (absent: all quoted). */
  readonly quoting?: QuotePolicy;
}

export function adapterObject(o: AdapterObjectOptions): Dict {
  const { dialect } = o;
  const quote = (v: unknown) => dialect.quoteIdentifier(pyStr(v));
  const common: Dict = {
    dispatch: (...args: unknown[]) => dispatchMacro(o.dispatch, args),
    quote: (...args: unknown[]) => quote(bindParams('quote', args, ['identifier'])[0]),
    // As the project's quoting says for that part (dbt).
    quote_as_configured: (...args: unknown[]) => {
      const [identifier, key] = bindParams('quote_as_configured', args, ['identifier', 'quote_key']);
      const k = pyStr(key);
      const quoted = !(o.quoting && (k === 'database' || k === 'schema' || k === 'identifier') && !o.quoting[k]);
      return quoted ? quote(identifier) : pyStr(identifier);
    },
    quote_seed_column: (...args: unknown[]) => {
      const [column, quoteConfig] = bindParams('quote_seed_column', args, ['column', 'quote_config']);
      return quoteConfig === false ? pyStr(column) : quote(column);
    },
    type: () => o.adapterType,
    Relation: apiObject(dialect, { database: '', schema: '' }, o.quoting).Relation,
    Column: { create: (...args: unknown[]) => ColumnValue.create(dialect, args) },
  };
  const w = o.warehouse;
  if (!w) {
    // dbt's parse-time replacements: nothing reaches the warehouse while parsing
    return {
      ...common,
      execute: () => [response('', null), AgateTable.empty()],
      get_columns_in_relation: () => [],
      get_relation: () => null,
      load_relation: () => null,
      drop_relation: () => null,
      truncate_relation: () => null,
      rename_relation: () => null,
      create_schema: () => null,
      drop_schema: () => null,
      list_schemas: () => [],
      check_schema_exists: () => false,
      get_missing_columns: () => [],
      list_relations_without_caching: () => [],
      commit: () => null,
    };
  }
  const a = w.adapter;
  const toValue = (r: Relation | null): RelationValue | null => (r ? new RelationValue(r, dialect, { type: r.type }) : null);
  const getRelation = async (given: RelationName): Promise<RelationValue | null> => {
    // Where the name is written unquoted, the database holds it folded.
    const name = storedName({ database: given.database, schema: given.schema, identifier: given.identifier, quoting: given.quoting }, dialect.foldUnquoted);
    const rels = await a.listRelations(name.database, name.schema);
    const want = name.identifier.toLowerCase();
    const hit = rels.find((r) => r.identifier.toLowerCase() === want);
    if (hit) return toValue(hit);
    // Not in the relation cache: it may have been created by the template itself (run_query,
    // statement) on this connection, possibly in its open transaction. Ask the database.
    const found = await probe(name);
    if (found) a.cacheAdded(found);
    return toValue(found);
  };
  const probe = async (name: RelationName): Promise<Relation | null> => {
    const lit = (v: string) => dialect.quoteLiteral(v.toLowerCase());
    const r = await (await w.connection()).query(
      `select table_name, table_type from information_schema.tables where lower(table_schema) = ${lit(name.schema)} and lower(table_name) = ${lit(name.identifier)}`,
    );
    const row = r.rows[0];
    if (!row) return null;
    return { database: name.database, schema: name.schema, identifier: String(row[0]), type: /view/i.test(String(row[1])) ? 'view' : 'table' };
  };
  const columns = async (rel: RelationValue): Promise<ColumnValue[]> => {
    const cols = await a.getColumns({ database: rel.database, schema: rel.schema, identifier: rel.identifier }, await w.connection());
    return cols.map((c) => ColumnValue.fromDescription(c, dialect));
  };
  const kind = (rel: RelationValue): Relation => ({ database: rel.database, schema: rel.schema, identifier: rel.identifier, type: rel.type === 'view' ? 'view' : 'table', ...(rel.quoting ? { quoting: rel.quoting } : {}) });
  return {
    ...common,
    execute: asyncBuiltin(async (...args: unknown[]) => {
      const [sql, , fetch, limit] = bindParams('execute', args, ['sql', 'auto_begin', 'fetch', 'limit']);
      const conn = await w.connection();
      const text = pyStr(sql);
      if (truthy(fetch)) {
        const r = await conn.query(text);
        const rows = limit == null ? r.rows : r.rows.slice(0, Number(limit));
        return [response('SELECT ' + rows.length, rows.length), new AgateTable(r.columns, rows)];
      }
      const r = await conn.execute(text);
      return [response(r.message || 'OK', r.rowsAffected), AgateTable.empty()];
    }),
    get_columns_in_relation: asyncBuiltin(async (...args: unknown[]) => columns(relationArg(bindParams('get_columns_in_relation', args, ['relation'])[0], 'get_columns_in_relation'))),
    get_relation: asyncBuiltin(async (...args: unknown[]) => {
      const [database, schema, identifier] = bindParams('get_relation', args, ['database', 'schema', 'identifier']);
      // Names given as text are looked for as the project's quoting writes them (dbt folds the unquoted parts).
      return getRelation({ database: database == null ? a.database : pyStr(database), schema: pyStr(schema), identifier: pyStr(identifier), ...(o.quoting ? { quoting: o.quoting } : {}) });
    }),
    load_relation: asyncBuiltin(async (...args: unknown[]) => {
      const rel = relationArg(bindParams('load_relation', args, ['relation'])[0], 'load_relation');
      return getRelation(rel);
    }),
    drop_relation: asyncBuiltin(async (...args: unknown[]) => {
      const rel = relationArg(bindParams('drop_relation', args, ['relation'])[0], 'drop_relation');
      const existing = rel.type ? rel : await getRelation(rel);
      if (!existing) return null;
      await (await w.connection()).execute(dialect.drop(kind(existing), { cascade: true }));
      a.cacheDropped(existing);
      return null;
    }),
    truncate_relation: asyncBuiltin(async (...args: unknown[]) => {
      const rel = relationArg(bindParams('truncate_relation', args, ['relation'])[0], 'truncate_relation');
      await (await w.connection()).execute(`delete from ${rel.toString()}`);
      return null;
    }),
    rename_relation: asyncBuiltin(async (...args: unknown[]) => {
      const [from, to] = bindParams('rename_relation', args, ['from_relation', 'to_relation']);
      const f = relationArg(from, 'rename_relation');
      const t = relationArg(to, 'rename_relation');
      const existing = f.type ? f : await getRelation(f);
      if (!existing) throw new KilnError(Codes.DATABASE_ERROR, `adapter.rename_relation(): ${f.toString()} does not exist`);
      const quoteNew = t.quoting?.identifier ?? true;
      await (await w.connection()).execute(dialect.rename(kind(existing), t.identifier, quoteNew));
      a.cacheRenamed(existing, quoteNew ? t.identifier : dialect.foldUnquoted(t.identifier));
      return null;
    }),
    create_schema: asyncBuiltin(async (...args: unknown[]) => {
      const rel = relationArg(bindParams('create_schema', args, ['relation'])[0], 'create_schema');
      const existing = await a.listSchemas(rel.database);
      if (!existing.some((s) => s.toLowerCase() === rel.schema.toLowerCase())) await (await w.connection()).execute(dialect.createSchema(rel.database, rel.schema, rel.quoting));
      return null;
    }),
    drop_schema: asyncBuiltin(async (...args: unknown[]) => {
      const rel = relationArg(bindParams('drop_schema', args, ['relation'])[0], 'drop_schema');
      const schema = rel.quoting?.schema === false ? rel.schema : dialect.quoteIdentifier(rel.schema);
      await (await w.connection()).execute(`drop schema if exists ${schema} cascade`);
      for (const r of await a.listRelations(rel.database, rel.schema)) a.cacheDropped(r);
      return null;
    }),
    list_schemas: asyncBuiltin(async (...args: unknown[]) => {
      const [database] = bindParams('list_schemas', args, ['database']);
      return [...(await a.listSchemas(database == null ? a.database : pyStr(database)))];
    }),
    check_schema_exists: asyncBuiltin(async (...args: unknown[]) => {
      const [database, schema] = bindParams('check_schema_exists', args, ['database', 'schema']);
      const list = await a.listSchemas(database == null ? a.database : pyStr(database));
      return list.some((s) => s.toLowerCase() === pyStr(schema).toLowerCase());
    }),
    get_missing_columns: asyncBuiltin(async (...args: unknown[]) => {
      const [from, to] = bindParams('get_missing_columns', args, ['from_relation', 'to_relation']);
      const have = new Set((await columns(relationArg(to, 'get_missing_columns'))).map((c) => c.name.toLowerCase()));
      return (await columns(relationArg(from, 'get_missing_columns'))).filter((c) => !have.has(c.name.toLowerCase()));
    }),
    list_relations_without_caching: asyncBuiltin(async (...args: unknown[]) => {
      const rel = relationArg(bindParams('list_relations_without_caching', args, ['schema_relation'])[0], 'list_relations_without_caching');
      return (await a.listRelations(rel.database, rel.schema)).map((r) => toValue(r));
    }),
    // kiln commits a node's statements itself, with the node; a macro's commit() is a no-op
    commit: () => null,
  };
}

/** Per-render statement results: `store_result`, `store_raw_result` and `load_result`. */
export function statementResults(): Dict {
  const results = new Map<string, Dict>();
  return {
    store_result: (...args: unknown[]) => {
      const [name, resp, table] = bindParams('store_result', args, ['name', 'response', 'agate_table']);
      const t = table instanceof AgateTable ? table : AgateTable.empty();
      results.set(pyStr(name), { response: resp ?? null, data: t.rows.map((r) => Array.from(r)), table: t });
      return '';
    },
    store_raw_result: (...args: unknown[]) => {
      const [name, message, code, rowsAffected, table] = bindParams('store_raw_result', args, ['name', 'message', 'code', 'rows_affected', 'agate_table']);
      const t = table instanceof AgateTable ? table : AgateTable.empty();
      const resp = { _message: message ?? '', code: code ?? '', rows_affected: rowsAffected ?? null };
      results.set(pyStr(name), { response: resp, data: t.rows.map((r) => Array.from(r)), table: t });
      return '';
    },
    load_result: (...args: unknown[]) => {
      const { positional, kwargs } = splitArgs(args);
      const name = pyStr(positional[0] ?? kwargs.name);
      const r = results.get(name);
      if (r && isPlainObject(r)) return r;
      return null;
    },
  };
}
