// run_results.json on PostgreSQL as dbt-postgres writes it: adapter_response is the status of the
// node's main statement (`_message`, `code` without counts, `rows_affected`), a model's message
// that status, a data test's the one-row SELECT that counted its failures.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { freshDatabase, pgServer, type FreshDatabase } from '../../helpers/postgres.js';
import { testdir } from '../../helpers/testdir.js';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase('rrpg');
});
afterAll(async () => {
  await db?.drop();
});

interface RunResult {
  unique_id: string;
  status: string;
  message: string | null;
  adapter_response: Record<string, unknown>;
}

describe('run_results.json on PostgreSQL', () => {
  it('reports the main statement of each node, as dbt-postgres does', async () => {
    const s = pgServer();
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': `p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: ${s.host}\n      port: ${s.port}\n      user: ${s.user}\n${s.password ? `      password: ${JSON.stringify(s.password)}\n` : ''}      dbname: ${db.database}\n      schema: rr\n      threads: 1\n      sslmode: disable\n`,
      'seeds/codes.csv': 'code\na\nb\n',
      'models/t.sql': "{{ config(materialized='table') }}\nselect * from (values (1), (2), (3)) v(id)",
      'models/schema.yml': 'version: 2\nmodels:\n  - name: t\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    const results = (JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')) as { results: RunResult[] }).results;
    const of = (prefix: string) => results.find((x) => x.unique_id.startsWith(prefix))!;
    expect(of('model.p.t')).toMatchObject({ status: 'success', message: 'SELECT 3', adapter_response: { _message: 'SELECT 3', code: 'SELECT', rows_affected: 3 } });
    expect(of('seed.p.codes')).toMatchObject({ message: 'INSERT 2', adapter_response: { _message: 'INSERT 2', code: 'INSERT', rows_affected: 2 } });
    expect(of('test.p.not_null_t_id')).toMatchObject({ status: 'pass', message: null, adapter_response: { _message: 'SELECT 1', code: 'SELECT', rows_affected: 1 } });
  });
});
