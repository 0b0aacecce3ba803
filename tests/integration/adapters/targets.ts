// The same project on every adapter: a profile per adapter and a way to read back what landed.
import fs from 'node:fs';
import path from 'node:path';
import type { Adapter } from '../../../adapters/adapter.js';
import { createAdapter } from '../../../adapters/registry.js';
import { loadProfile } from '../../../core/project/load-profile.js';
import { queryDuckDb } from '../../helpers/duckdb-query.js';
import { adminClient, freshDatabase, pgServer } from '../../helpers/postgres.js';
import { dropSchema, freshSchemaName, trinoProfileYaml, trinoQuery, trinoReady } from '../../helpers/trino.js';

export interface AdapterTarget {
  readonly name: 'duckdb' | 'postgres' | 'trino';
  /** The schema models land in (Trino: the schema of the project set up last; each gets its own). */
  readonly schema: string;
  /** Waits for the server where it starts in the background (Trino). */
  ready?(): Promise<void>;
  /** Writes profiles.yml for `profile` into the project folder. */
  setup(dir: string, profile: string): Promise<void>;
  query(dir: string, sql: string): Promise<Record<string, unknown>[]>;
  relations(dir: string): Promise<{ name: string; type: string }[]>;
  /** Turns a DuckDB-flavoured check query (or model) into this database's dialect. */
  dialect(sql: string): string;
  /** Names fold to lower case even when quoted (Trino's connectors): expectations fold too. */
  readonly foldsIdentifierCase?: boolean;
  /** Integers beyond 2^53 come back as exact text; false where the protocol sends JSON numbers (Trino). */
  readonly exactBigints?: boolean;
  cleanup(): Promise<void>;
}

/**
 * Opens kiln's own adapter for the project's profile (as the CLI would), runs `fn`, closes it:
 * what kiln reads back through the contract must agree across databases.
 */
export async function withAdapter<T>(dir: string, profileName: string, fn: (adapter: Adapter) => Promise<T>): Promise<T> {
  const { target, file } = loadProfile({ projectDir: dir, profilesDir: dir, profileName, render: (text) => text });
  const adapter = await createAdapter(target, dir, file);
  await adapter.open();
  try {
    return await fn(adapter);
  } finally {
    await adapter.close();
  }
}

/** Rows of a query through kiln's adapter, as objects keyed by column name. */
export async function adapterRows(adapter: Adapter, sql: string): Promise<Record<string, unknown>[]> {
  const conn = await adapter.acquire();
  try {
    const res = await conn.query(sql);
    return res.rows.map((r) => Object.fromEntries(res.columns.map((c, i) => [c, r[i]])));
  } finally {
    adapter.release(conn);
  }
}

/**
 * The family of a column type as each database names it (`INTEGER` / `integer`, `VARCHAR` /
 * `text`, DuckDB's `DOUBLE` for decimal seeds / Postgres' `numeric`), so introspection can be
 * compared across databases.
 */
export function typeFamily(dataType: string): string {
  const t = dataType.toLowerCase();
  if (/^(integer|int4?|int32|smallint|int2)$/.test(t)) return 'integer';
  if (/^(bigint|int8|int64)$/.test(t)) return 'bigint';
  if (/^(double|double precision|float8|real|float4?|numeric|decimal)(\(.*\))?$/.test(t)) return 'number';
  if (t === 'boolean' || t === 'bool') return 'boolean';
  if (t === 'date') return 'date';
  if (/^timestamp( without time zone)?(\(\d\))?$/.test(t)) return 'timestamp';
  if (/^(varchar|text|character varying|string)(\(\d+\))?$/.test(t)) return 'text';
  return t;
}

export function duckdbTarget(): AdapterTarget {
  const db = (dir: string) => path.join(dir, 'conformance.duckdb');
  return {
    name: 'duckdb',
    schema: 'main',
    async setup(dir, profile) {
      fs.writeFileSync(path.join(dir, 'profiles.yml'), `${profile}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: conformance.duckdb\n      schema: main\n      threads: 4\n`);
    },
    query: (dir, sql) => queryDuckDb(db(dir), sql),
    relations: async (dir) =>
      (await queryDuckDb(db(dir), "select table_name as name, case table_type when 'VIEW' then 'view' else 'table' end as type from information_schema.tables where table_schema = 'main' order by 1")) as { name: string; type: string }[],
    dialect: (sql) => sql,
    cleanup: async () => undefined,
  };
}

export function postgresTarget(): AdapterTarget {
  const dbs: { drop: () => Promise<void> }[] = [];
  const byDir = new Map<string, string>();
  const run = async (dir: string, sql: string) => {
    const client = await adminClient(byDir.get(dir));
    try {
      const res = await client.query({ text: sql, rowMode: 'array' });
      const names = res.fields.map((f) => f.name);
      return res.rows.map((r: unknown[]) => Object.fromEntries(r.map((v, i) => [names[i], normalize(v)])));
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    schema: 'analytics',
    async setup(dir, profile) {
      const fresh = await freshDatabase('conformance');
      dbs.push(fresh);
      byDir.set(dir, fresh.database);
      const s = pgServer();
      fs.writeFileSync(
        path.join(dir, 'profiles.yml'),
        `${profile}:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: ${s.host}\n      port: ${s.port}\n      user: ${s.user}\n${s.password ? `      password: "${s.password}"\n` : ''}      dbname: ${fresh.database}\n      schema: analytics\n      threads: 4\n      sslmode: disable\n`,
      );
    },
    query: run,
    relations: async (dir) =>
      (await run(dir, "select table_name as name, case table_type when 'VIEW' then 'view' else 'table' end as type from information_schema.tables where table_schema = 'analytics' order by 1")) as { name: string; type: string }[],
    dialect: (sql) => sql.replace(/\bas double\)/g, 'as double precision)').replace(/\bmain\./g, 'analytics.'),
    cleanup: async () => {
      for (const d of dbs) await d.drop();
    },
  };
}

/**
 * Trino's iceberg catalog. Tests share one catalog, so each project gets a schema of its own;
 * `schema` is the one of the project set up last (the suite runs its tests one after another).
 */
export function trinoTarget(): AdapterTarget {
  const schemas: string[] = [];
  let current = '';
  const run = async (sql: string) => (await trinoQuery(sql, { catalog: 'iceberg', schema: current })).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, normalize(v)])));
  return {
    name: 'trino',
    get schema() {
      return current;
    },
    ready: () => trinoReady(),
    async setup(dir, profile) {
      current = freshSchemaName('conf');
      schemas.push(current);
      fs.writeFileSync(path.join(dir, 'profiles.yml'), trinoProfileYaml(profile, 'iceberg', current));
    },
    query: (_dir, sql) => run(sql),
    relations: async () =>
      (await run(`select table_name as name, case table_type when 'VIEW' then 'view' else 'table' end as type from iceberg.information_schema.tables where table_schema = '${current}' order by 1`)) as { name: string; type: string }[],
    // DuckDB's and Postgres' type aliases; Iceberg keeps timestamps in microseconds only.
    dialect: (sql) =>
      sql
        .replace(/\bmain\./g, `${current}.`)
        .replace(/\bfloat8\b/g, 'double')
        .replace(/\bnumeric\(/g, 'decimal(')
        .replace(/\bas timestamp\)/g, 'as timestamp(6))'),
    foldsIdentifierCase: true,
    exactBigints: false,
    cleanup: async () => {
      for (const s of schemas) await dropSchema('iceberg', s);
    },
  };
}

function normalize(v: unknown): unknown {
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) && Number.isSafeInteger(Math.trunc(Number(v)))) return Number(v);
  return v;
}
