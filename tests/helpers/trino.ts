// Test helpers for the Trino server started by tests/setup/trino.ts: wait until it answers (or
// fail loudly with why it did not), a schema of its own per test, the profile that points at it,
// and queries straight through the client (not through kiln) to check what landed.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Trino } from 'trino-client';
import { inject } from 'vitest';
import type { TargetConfig } from '../../core/project/types.js';
import type { TrinoServerInfo } from '../setup/trino.js';
import { queryRefusal } from '../setup/trino-server.js';

export type TrinoCatalog = 'memory' | 'iceberg';

export function trinoServer(): TrinoServerInfo {
  const server = inject('trino');
  if (!server) throw new Error("No Trino server was provided: add 'tests/setup/trino.ts' (after postgres.ts) to `globalSetup` in vitest.config.ts");
  if (server.failure) throw new Error(`The test Trino server could not be started:\n${server.failure}`);
  return server;
}

export const trinoUrl = (): string => {
  const s = trinoServer();
  return `http://${s.host}:${s.port}`;
};

/** Resolves once the server answers; the server boots in the background while other tests run. */
export async function trinoReady(timeoutMs = 180_000): Promise<void> {
  const s = trinoServer();
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${trinoUrl()}/v1/info`, { signal: AbortSignal.timeout(2_000) });
      const info = (await res.json()) as { starting?: boolean };
      if (info.starting === false) {
        const refused = await queryRefusal(trinoUrl());
        if (refused === null) return;
        last = refused;
      } else last = 'still starting';
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  let log = '';
  if (s.logFile) {
    try {
      log = `\nIts log (${s.logFile}) ends with:\n${readFileSync(s.logFile, 'utf8').split('\n').slice(-30).join('\n')}`;
    } catch {
      log = `\n(no log at ${s.logFile})`;
    }
  }
  throw new Error(`The test Trino server at ${trinoUrl()} did not become ready in ${timeoutMs / 1000} s (${last}).${log}`);
}

/** Rows of `sql` as objects, straight through trino-client (unqualified names resolve in `session`). Throws Trino's message on failure. */
export async function trinoQuery(sql: string, session: { catalog?: string; schema?: string } = {}): Promise<Record<string, unknown>[]> {
  const client = Trino.create({ server: trinoUrl(), source: 'kiln-tests', ...session, extraHeaders: { 'X-Trino-User': 'kiln_test', 'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME' } });
  const pages = await client.query(sql);
  let names: string[] = [];
  const rows: Record<string, unknown>[] = [];
  let failed: string | null = null;
  for await (const page of pages) {
    if (page.error) failed = page.error.message;
    if (page.columns) names = page.columns.map((c) => c.name);
    for (const r of page.data ?? []) rows.push(Object.fromEntries(r.map((v: unknown, i: number) => [names[i], v])));
  }
  if (failed) throw new Error(`${failed}\n(in: ${sql})`);
  return rows;
}

/** A schema name no other test uses (Trino folds names to lower case). */
export function freshSchemaName(label = 't'): string {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 20);
  return `kiln_${slug}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

/** Drops a schema and everything in it (best effort: the server is thrown away after the run anyway). */
export async function dropSchema(catalog: TrinoCatalog, schema: string): Promise<void> {
  await trinoQuery(`drop schema if exists ${catalog}.${schema} cascade`).catch(() => undefined);
}

/** A `type: trino` target, as the profile loader would produce it. */
export function trinoTarget(catalog: TrinoCatalog, schema: string, opts: { threads?: number; fields?: Readonly<Record<string, unknown>> } = {}): TargetConfig {
  const s = trinoServer();
  const threads = opts.threads ?? 4;
  const fields: Record<string, unknown> = { type: 'trino', host: s.host, port: s.port, user: 'kiln_test', catalog, schema, threads, ...opts.fields };
  return { name: 'test', type: 'trino', schema, database: catalog, threads, fields, secretFields: 'password' in fields ? ['password'] : [] };
}

/** profiles.yml text for `profile` with one `dev` target on the test server. */
export function trinoProfileYaml(profile: string, catalog: TrinoCatalog, schema: string, extra = ''): string {
  const s = trinoServer();
  return (
    `${profile}:\n  target: dev\n  outputs:\n    dev:\n      type: trino\n      host: ${s.host}\n      port: ${s.port}\n` +
    `      user: kiln_test\n      catalog: ${catalog}\n      schema: ${schema}\n      threads: 4\n${extra}`
  );
}

/** The test server's https side (password authentication, self-signed certificate), or a loud failure. */
export function trinoHttps(): NonNullable<TrinoServerInfo['https']> {
  const s = trinoServer();
  if (!s.https) {
    throw new Error(
      'The Trino server under test has no https side described: with KILN_TEST_TRINO_URL, also set KILN_TEST_TRINO_HTTPS_URL, KILN_TEST_TRINO_HTTPS_USER, KILN_TEST_TRINO_HTTPS_PASSWORD and KILN_TEST_TRINO_CA (tests/setup/trino.ts)',
    );
  }
  return s.https;
}

/** profiles.yml text for `profile` with one `dev` target on the test server's https port, with password authentication. */
export function trinoHttpsProfileYaml(profile: string, catalog: TrinoCatalog, schema: string, fields: Readonly<Record<string, string>> = {}): string {
  const s = trinoServer();
  const h = trinoHttps();
  const all: Record<string, string> = { type: 'trino', method: 'ldap', host: s.host, port: String(h.port), user: h.user, password: JSON.stringify(h.password), cert: JSON.stringify(h.caFile), catalog, schema, threads: '2', ...fields };
  const lines = Object.entries(all)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `      ${k}: ${v}`);
  return `${profile}:\n  target: dev\n  outputs:\n    dev:\n${lines.join('\n')}\n`;
}
