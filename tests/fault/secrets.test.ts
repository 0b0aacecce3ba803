// Secrets stay secret: the values of DBT_ENV_SECRET_* / KILN_SECRET_* env vars and profile
// passwords never appear in kiln's output (text and JSON logs, errors of every kind) nor in any
// file it writes (every file under target/ and logs/: manifest, run results, compiled and run
// SQL, run history, the docs site). The tests plant secrets where a project may use them and
// search every output for them.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { kiln, type CliResult } from '../helpers/cli.js';
import { adminClient, pgServer } from '../helpers/postgres.js';
import { testdir } from '../helpers/testdir.js';

const TOKEN = 'kiln-token-7f3a9c1e5b';
const NOTE = 'dbt-secret-note-4d2a8e';
const PG_PASSWORD = pgServer().passwordLogin?.password ?? 'pg-secret-pw-6b1f0c';
const WRONG_PASSWORD = 'wrong-secret-pw-93e7d1';
const LITERAL_PASSWORD = 'literal-profile-pw-58c2';
const SECRETS = [TOKEN, NOTE, PG_PASSWORD, WRONG_PASSWORD, LITERAL_PASSWORD];

const ENV = { KILN_SECRET_TOKEN: TOKEN, DBT_ENV_SECRET_NOTE: NOTE };

const MODELS = {
  // A secret used in SQL reaches the database (the project's choice) but no artifact.
  'models/uses_token.sql': "select '{{ env_var('KILN_SECRET_TOKEN') }}' as token, 1 as id",
  // The database's error quotes the value.
  'models/fails_with_token.sql': "{{ config(materialized='table') }}\nselect cast('{{ env_var('KILN_SECRET_TOKEN') }}' as integer) as n",
  'models/downstream.sql': "select * from {{ ref('uses_token') }}",
  // A compile-time error that quotes the value (only with --vars '{leak: true}').
  'models/raises.sql': "{% if var('leak', false) %}{{ exceptions.raise_compiler_error('the token is ' ~ env_var('KILN_SECRET_TOKEN')) }}{% endif %}\nselect 1 as id",
  'models/schema.yml': `models:
  - name: uses_token
    description: "{{ env_var('DBT_ENV_SECRET_NOTE') }}"
    columns:
      - name: token
        description: "token {{ env_var('KILN_SECRET_TOKEN') }}"
        data_tests:
          - accepted_values:
              arguments:
                values: ["{{ env_var('KILN_SECRET_TOKEN') }}x"]
`,
};

const outputs: string[] = [];

/** Every file kiln wrote (target/, logs/), as text. */
function writtenFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sub of ['target', 'logs']) {
    const root = path.join(dir, sub);
    if (!fs.existsSync(root)) continue;
    for (const rel of fs.readdirSync(root, { recursive: true, encoding: 'utf8' }) as string[]) {
      const abs = path.join(root, rel);
      if (fs.statSync(abs).isFile()) out[`${sub}/${rel}`] = fs.readFileSync(abs, 'latin1');
    }
  }
  return out;
}

function expectNoSecret(where: string, text: string): void {
  outputs.push(where);
  for (const s of SECRETS) expect(text.includes(s), `${where} contains the secret ${s}`).toBe(false);
}

async function run(args: string[], dir: string, env: Record<string, string> = {}): Promise<CliResult> {
  const saved = Object.fromEntries(Object.keys({ ...ENV, ...env }).map((k) => [k, process.env[k]]));
  Object.assign(process.env, ENV, env);
  try {
    const r = await kiln(args, dir);
    expectNoSecret(`output of kiln ${args.join(' ')}`, r.output);
    return r;
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

afterAll(() => {
  console.log(`secrets: ${SECRETS.length} planted values searched for in ${outputs.length} outputs and files`);
});

describe('secrets on DuckDB', () => {
  it('never reach output, errors, artifacts, compiled or run SQL, run history or the docs site', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: sec\nprofile: sec\n',
      'profiles.yml': 'sec:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      threads: 2\n',
      ...MODELS,
    });
    const build = await run(['build'], dir);
    expect(build.code, build.output).toBe(1);
    expect(build.output).toMatch(/fails_with_token/);
    // The database's error quoted the token: shown masked.
    expect(build.output).toMatch(/'\*{5}'/);
    expect((await run(['build', '--log-format', 'json'], dir)).code).toBe(1);
    const leak = await run(['build', '--vars', '{leak: true}'], dir);
    expect(leak.code).toBe(2);
    expect(leak.output).toMatch(/the token is \*{5}/);
    expect((await run(['compile'], dir)).code).toBe(0);
    expect((await run(['ls', '--output', 'json'], dir)).code).toBe(0);
    expect((await run(['debug'], dir)).code).toBe(0);
    expect((await run(['docs', 'generate'], dir)).code).toBe(0);
    const files = writtenFiles(dir);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['target/manifest.json', 'target/run_results.json', 'target/catalog.json', 'target/index.html']));
    expect(Object.keys(files).some((f) => f.startsWith('target/compiled/'))).toBe(true);
    expect(Object.keys(files).some((f) => f.startsWith('target/run/'))).toBe(true);
    for (const [file, text] of Object.entries(files)) expectNoSecret(file, text);
  });
});

describe('secrets on PostgreSQL', () => {
  const server = pgServer();
  const login = server.passwordLogin;
  let database = '';

  afterAll(async () => {
    if (!database) return;
    const admin = await adminClient();
    await admin.query(`drop database if exists "${database}" with (force)`).finally(() => admin.end());
  });

  it('a password from DBT_ENV_SECRET_*, a literal one and a wrong one never show', async () => {
    database = `kiln_secrets_${process.pid}`;
    const admin = await adminClient();
    try {
      await admin.query(`drop database if exists "${database}" with (force)`);
      await admin.query(`create database "${database}"`);
      // The password login role (where the test server has one) owns the database.
      if (login) await admin.query(`alter database "${database}" owner to "${login.user}"`);
    } finally {
      await admin.end();
    }
    const user = login?.user ?? server.user;
    const target = (name: string, password: string) =>
      `    ${name}:\n      type: postgres\n      host: ${server.host}\n      port: ${server.port}\n      user: ${user}\n      password: ${password}\n      dbname: ${database}\n      schema: analytics\n      threads: 2\n      sslmode: disable\n`;
    const dir = testdir({
      'dbt_project.yml': 'name: sec\nprofile: sec\n',
      'profiles.yml': `sec:\n  target: dev\n  outputs:\n${target('dev', `"{{ env_var('DBT_ENV_SECRET_PG_PASSWORD') }}"`)}${target('literal', LITERAL_PASSWORD)}`,
      ...MODELS,
    });
    const env = { DBT_ENV_SECRET_PG_PASSWORD: login ? PG_PASSWORD : (server.password ?? PG_PASSWORD) };
    const build = await run(['build'], dir, env);
    expect(build.code, build.output).toBe(1);
    expect((await run(['debug'], dir, env)).code).toBe(0);
    expect((await run(['debug', '--target', 'literal'], dir, env)).output).toMatch(/password: \*{5}/);
    if (login) {
      // A wrong password: the server refuses it, and the error says so without repeating it.
      const wrong = await run(['build'], dir, { DBT_ENV_SECRET_PG_PASSWORD: WRONG_PASSWORD });
      expect(wrong.code).toBe(2);
      expect(wrong.output).toMatch(/password/i);
    }
    for (const [file, text] of Object.entries(writtenFiles(dir))) expectNoSecret(file, text);

    // What the database itself holds is the project's business; kiln's own records there are clean.
    const c = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
    await c.connect();
    try {
      const comments = await c.query("select obj_description(c.oid) as d from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'analytics'");
      for (const r of comments.rows) expectNoSecret('a relation comment', String(r.d ?? ''));
    } finally {
      await c.end();
    }
  });
});
