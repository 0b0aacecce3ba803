// Test helpers for the PostgreSQL server started by tests/setup/postgres.ts: a database of its
// own per test file (so files run in parallel without seeing each other's relations), and the
// profile target that points at it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { TargetConfig } from '../../core/project/types.js';
import type { PgServerInfo } from '../setup/postgres.js';

export type { PgServerInfo };

export function pgServer(): PgServerInfo {
  const server = inject('pg');
  if (!server) {
    throw new Error("No PostgreSQL server was provided: add 'tests/setup/postgres.ts' to `globalSetup` in vitest.config.ts");
  }
  return server;
}

/** A client on `database` (default: the admin database) as the server's superuser. */
export async function adminClient(database?: string): Promise<pg.Client> {
  const s = pgServer();
  const client = new pg.Client({ host: s.host, port: s.port, user: s.user, password: s.password, database: database ?? s.adminDatabase });
  await client.connect();
  return client;
}

export interface TargetOptions {
  readonly schema?: string;
  readonly threads?: number;
  /** Extra or replaced profile fields (role, search_path, port, password...). */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** A `type: postgres` target on `database`, as the profile loader would produce it. */
export function pgTarget(database: string, opts: TargetOptions = {}): TargetConfig {
  const s = pgServer();
  const schema = opts.schema ?? 'kiln';
  const threads = opts.threads ?? 4;
  const fields: Record<string, unknown> = {
    type: 'postgres',
    host: s.host,
    port: s.port,
    user: s.user,
    ...(s.password !== undefined ? { password: s.password } : {}),
    dbname: database,
    schema,
    threads,
    // The test server is local and has no SSL.
    sslmode: 'disable',
    ...opts.fields,
  };
  return {
    name: 'test',
    type: 'postgres',
    schema,
    database,
    threads,
    fields,
    secretFields: 'password' in fields ? ['password'] : [],
  };
}

export interface FreshDatabase {
  readonly database: string;
  readonly config: TargetConfig;
  /** Drops the database (forcing out sessions still connected); for afterAll. */
  readonly drop: () => Promise<void>;
}

let counter = 0;

/** Creates a database no other test uses. `label` only makes its name easier to recognise. */
export async function freshDatabase(label = 't', opts: TargetOptions = {}): Promise<FreshDatabase> {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 20);
  const database = `kiln_${slug}_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
  const admin = await adminClient();
  try {
    await admin.query(`create database "${database}"`);
  } finally {
    await admin.end();
  }
  return {
    database,
    config: pgTarget(database, opts),
    drop: async () => {
      const c = await adminClient();
      try {
        await c.query(`drop database if exists "${database}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
