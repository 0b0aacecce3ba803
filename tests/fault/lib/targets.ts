// Where the fault tests build: a DuckDB file in the project folder, or a fresh PostgreSQL
// database. Independent of vitest so the soak script (tests/bench/fault-soak.ts) can use it.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { queryDuckDb } from '../../helpers/duckdb-query.js';
import type { PgServerInfo } from '../../setup/postgres.js';

export interface FaultTarget {
  readonly name: 'duckdb' | 'postgres';
  readonly schema: string;
  /** Writes profiles.yml (profile `profile`, target `dev`) into the project folder. */
  setup(dir: string, profile: string): Promise<void>;
  /** Rows of a query, keyed by column name. Throws when the query fails. */
  query(dir: string, sql: string): Promise<Record<string, unknown>[]>;
  /** Names of the relations in the target schema. */
  relations(dir: string): Promise<string[]>;
  /** Database sessions other than the caller's that are still connected (Postgres); 0 elsewhere. */
  otherSessions?(dir: string): Promise<number>;
  cleanup(): Promise<void>;
}

export function duckdbFaultTarget(): FaultTarget {
  const file = (dir: string) => path.join(dir, 'fault.duckdb');
  return {
    name: 'duckdb',
    schema: 'main',
    async setup(dir, profile) {
      fs.writeFileSync(path.join(dir, 'profiles.yml'), `${profile}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: fault.duckdb\n      threads: 4\n`);
    },
    query: (dir, sql) => queryDuckDb(file(dir), sql),
    relations: async (dir) =>
      (await queryDuckDb(file(dir), "select table_name as name from information_schema.tables where table_schema = 'main' order by 1")).map((r) => String(r.name)),
    cleanup: async () => undefined,
  };
}

export function postgresFaultTarget(server: PgServerInfo): FaultTarget {
  const databases = new Map<string, string>();
  const connect = async (database: string) => {
    const c = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
    await c.connect();
    return c;
  };
  const run = async (dir: string, sql: string) => {
    const c = await connect(databases.get(dir)!);
    try {
      return (await c.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  };
  return {
    name: 'postgres',
    schema: 'analytics',
    async setup(dir, profile) {
      const database = `kiln_fault_${process.pid}_${randomBytes(4).toString('hex')}`;
      const admin = await connect(server.adminDatabase);
      try {
        await admin.query(`create database "${database}"`);
      } finally {
        await admin.end();
      }
      databases.set(dir, database);
      fs.writeFileSync(
        path.join(dir, 'profiles.yml'),
        `${profile}:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: ${server.host}\n      port: ${server.port}\n      user: ${server.user}\n${server.password !== undefined ? `      password: "${server.password}"\n` : ''}      dbname: ${database}\n      schema: analytics\n      threads: 4\n      sslmode: disable\n`,
      );
    },
    query: run,
    relations: async (dir) =>
      (await run(dir, "select table_name as name from information_schema.tables where table_schema = 'analytics' order by 1")).map((r) => String(r.name)),
    otherSessions: async (dir) =>
      Number((await run(dir, 'select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()'))[0]!.n),
    async cleanup() {
      const admin = await connect(server.adminDatabase);
      try {
        for (const d of databases.values()) await admin.query(`drop database if exists "${d}" with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}
