// Through the CLI, on PostgreSQL: a target kiln cannot reach (wrong password, closed port,
// missing database) is one line naming host, port, user and the cause, exit 2, never the
// password; a SQL error in a model shows the server's message, the model's file and the line of
// its compiled SQL, exit 1, with descendants skipped and other branches finished; `kiln debug`
// shows what the connection found.
import fs from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln, kilnProcess } from '../../helpers/cli.js';
import { adminClient, freshDatabase, pgServer, type FreshDatabase } from '../../helpers/postgres.js';
import { testdir } from '../../helpers/testdir.js';

/** In every profile; the throwaway server trusts its superuser, so any password is ignored. */
const SECRET = pgServer().password ?? 'kiln-Secret-Pa55';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase('clierr');
});
afterAll(async () => {
  await db?.drop();
});

function project(fields: Record<string, string | number>, files: Record<string, string> = { 'models/m.sql': 'select 1 as id' }): string {
  const s = pgServer();
  const profile = { host: s.host, port: s.port, user: s.user, password: SECRET, dbname: db.database, schema: 'analytics', threads: 4, sslmode: 'disable', connect_timeout: 5, ...fields };
  const lines = Object.entries(profile).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`);
  return testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': `p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n${lines.join('\n')}\n`,
    ...files,
  });
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 1));
    });
  });
}

/** Everything kiln wrote: console output and every file under target/. */
function everything(dir: string, output: string): string {
  const target = path.join(dir, 'target');
  const files = fs.existsSync(target) ? (fs.readdirSync(target, { recursive: true }) as string[]).map((f) => path.join(target, f)).filter((f) => fs.statSync(f).isFile()) : [];
  return [output, ...files.map((f) => fs.readFileSync(f, 'utf8'))].join('\n');
}

/** The one error line (timestamp removed), after checking there is exactly one. */
function errorLine(output: string): string {
  const lines = output.split('\n').filter((l) => /error\[KLN/.test(l));
  expect(lines, output).toHaveLength(1);
  return lines[0].replace(/^\d\d:\d\d:\d\d\s+/, '');
}

describe('a target kiln cannot connect to', () => {
  const cases: { name: string; fields: () => Promise<Record<string, string | number>>; cause: (f: Record<string, string | number>) => string; runIf?: boolean }[] = [
    {
      name: 'a closed port',
      fields: async () => ({ port: await closedPort() }),
      cause: () => 'connection refused',
    },
    {
      name: 'a database that does not exist',
      fields: async () => ({ dbname: 'kiln_no_such_db' }),
      cause: () => 'database "kiln_no_such_db" does not exist',
    },
    {
      name: 'a wrong password',
      runIf: pgServer().passwordLogin !== undefined,
      fields: async () => ({ user: pgServer().passwordLogin?.user ?? '', password: SECRET }),
      cause: (f) => `password authentication failed for user "${f.user}"`,
    },
  ];

  for (const c of cases) {
    it.runIf(c.runIf ?? true)(`${c.name}: one line with host, port, user and cause; exit 2 for run and debug; no password`, async () => {
      const fields = await c.fields();
      const dir = project(fields);
      const s = pgServer();
      const user = String(fields.user ?? s.user);
      const port = Number(fields.port ?? s.port);
      const dbname = String(fields.dbname ?? db.database);
      const expected = `error[KLN502] Cannot connect to PostgreSQL at ${s.host}:${port}, database "${dbname}", user "${user}": ${c.cause(fields)}`;
      for (const command of ['run', 'debug']) {
        const r = await kiln([command], dir);
        expect(r.code, r.output).toBe(2);
        expect(errorLine(r.output)).toBe(expected);
        expect(r.output).toMatch(/hint: /);
        expect(everything(dir, r.output)).not.toContain(SECRET);
        if (command === 'debug') expect(r.output).toMatch(/connection: FAILED/);
      }
    });
  }

  it('exits 2 from the real process too, with the error on stderr and no stack trace', async () => {
    const dir = project({ port: await closedPort() });
    const r = kilnProcess(['run'], dir);
    expect(r.code, r.output).toBe(2);
    expect(r.stderr).toMatch(/error\[KLN502\] Cannot connect to PostgreSQL at 127\.0\.0\.1:\d+, database "[^"]+", user "[^"]+": connection refused/);
    expect(r.output).not.toMatch(/\n\s+at /);
    expect(r.output).not.toContain(SECRET);
  });
});

describe('a SQL error in a model', () => {
  it("shows the server's message, the model file and the line of the compiled SQL; skips descendants; finishes other branches", async () => {
    const dir = project({}, {
      'models/root.sql': 'select 1 as id',
      'models/bad.sql': "{{ config(materialized='table') }}\n-- a comment line\nselect id,\n  {{ 'no_such' ~ '_column' }} as c\nfrom {{ ref('root') }}\n",
      'models/child.sql': "select * from {{ ref('bad') }}",
      'models/grandchild.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('child') }}",
      'models/branch.sql': "{{ config(materialized='table') }}\nselect id + 1 as id from {{ ref('root') }}",
      'models/leaf.sql': "select * from {{ ref('branch') }}",
    });
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(1);
    const out = r.stdout.replace(/^\d\d:\d\d:\d\d  /gm, '');
    expect(out).toContain(
      [
        'Failure in model bad (models/bad.sql)',
        'error[KLN501] column "no_such_column" does not exist',
        'LINE 4:   no_such_column as c',
        '          ^',
        '  --> models/bad.sql',
        '  --> target/compiled/p/models/bad.sql:4:3',
      ].join('\n'),
    );
    // The line is the compiled file's.
    const compiled = fs.readFileSync(path.join(dir, 'target/compiled/p/models/bad.sql'), 'utf8').split('\n');
    expect(compiled[3]).toBe('  no_such_column as c');
    expect(out).toMatch(/SKIP relation analytics\.child/);
    expect(out).toMatch(/SKIP relation analytics\.grandchild/);
    expect(out).toMatch(/OK created sql view model analytics\.leaf/);
    expect(out).toMatch(/Done\. PASS=3 WARN=0 ERROR=1 SKIP=2 NO-OP=0 TOTAL=6/);
    const c = await adminClient(db.database);
    try {
      const rels = await c.query("select table_name from information_schema.tables where table_schema = 'analytics' order by 1");
      expect(rels.rows.map((x) => x.table_name)).toEqual(['branch', 'leaf', 'root']);
      expect((await c.query('select id from analytics.leaf')).rows).toEqual([{ id: 2 }]);
    } finally {
      await c.query('drop schema analytics cascade');
      await c.end();
    }
  });

  it("points into a data test's compiled SQL too", async () => {
    const dir = project({}, {
      'models/m.sql': 'select 1 as id',
      'tests/bad_test.sql': "select *\nfrom {{ ref('m') }}\nwhere missing_col > 0",
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(1);
    const out = r.stdout.replace(/^\d\d:\d\d:\d\d  /gm, '');
    expect(out).toContain(['error[KLN501] column "missing_col" does not exist', 'LINE 3: where missing_col > 0', '              ^'].join('\n'));
    expect(out).toContain('  --> target/compiled/p/tests/bad_test.sql:3:7');
  });

  it('keeps the executed statement\'s pointer when the error lies outside the model\'s SQL', async () => {
    // An unclosed parenthesis: the server reads on to the end of kiln's wrapper.
    const dir = project({}, { 'models/m.sql': 'select (1' });
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(1);
    expect(r.stdout).toMatch(/error\[KLN501\] syntax error at end of input\nLINE 3: \)\n/);
    expect(r.stdout).not.toMatch(/--> target\/compiled/);
  });
});

describe('kiln debug', () => {
  it('shows the server version, database, user and whether the schema exists; never the password', async () => {
    const dir = project({ schema: 'debug_schema' });
    let r = await kiln(['debug'], dir);
    expect(r.code, r.output).toBe(0);
    const out = r.stdout.replace(/^\d\d:\d\d:\d\d  /gm, '');
    expect(out).toMatch(/^connection: OK$/m);
    expect(out).toMatch(/^ {2}server: PostgreSQL \d+\.\d+/m);
    expect(out).toContain(`  connected to: database "${db.database}" as ${pgServer().user}`);
    expect(out).toContain('  ssl: off');
    expect(out).toContain('  schema "debug_schema": does not exist yet (the first run creates it)');
    expect(out).toContain('  password: *****');
    expect(out).toMatch(/All checks passed!/);
    expect(r.output).not.toContain(SECRET);

    expect((await kiln(['run'], dir)).code).toBe(0);
    r = await kiln(['debug'], dir);
    expect(r.stdout).toContain('  schema "debug_schema": exists');
    const c = await adminClient(db.database);
    await c.query('drop schema debug_schema cascade').finally(() => c.end());
  });

  it('shows the role the session runs as', async () => {
    const role = `kiln_debug_role_${process.pid}`;
    const admin = await adminClient();
    await admin.query(`create role ${role}; grant ${role} to current_user; grant create on database "${db.database}" to ${role}`);
    try {
      const r = await kiln(['debug'], project({ role }));
      expect(r.code, r.output).toBe(0);
      expect(r.stdout).toContain(`connected to: database "${db.database}" as ${pgServer().user} (role ${role})`);
    } finally {
      await admin.query(`revoke create on database "${db.database}" from ${role}; drop role ${role}`);
      await admin.end();
    }
  });
});
