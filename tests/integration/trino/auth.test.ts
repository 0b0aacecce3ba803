// Password authentication over https on a real Trino (the test server's second port: a password
// file, a self-signed certificate made at start). What dbt-trino users write (`method: ldap`,
// `user`, `password`, `cert`) connects and builds; a wrong password, a missing one, an
// untrusted certificate fail before anything runs, naming where kiln connected and why, with
// exit code 2 and no stack trace.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln, kilnProcess } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { dropSchema, freshSchemaName, trinoHttps, trinoHttpsProfileYaml, trinoQuery, trinoReady, trinoServer } from '../../helpers/trino.js';

const MODELS = {
  'dbt_project.yml': 'name: t\nprofile: t\n',
  'models/people.sql': "{{ config(materialized='table') }}\nselect * from (values (1, 'ada'), (2, 'grace')) as t(id, name)",
  'models/who.sql': "{{ config(materialized='table') }}\nselect current_user as runs_as, id from {{ ref('people') }}",
};

describe('Trino over https with a password', () => {
  const schema = freshSchemaName('auth');

  beforeAll(async () => {
    await trinoReady();
  }, 200_000);
  afterAll(() => dropSchema('memory', schema));

  it('builds with the right password, verifying the server against `cert`', async () => {
    const h = trinoHttps();
    const dir = testdir({ ...MODELS, 'profiles.yml': trinoHttpsProfileYaml('t', 'memory', schema) });
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await trinoQuery(`select runs_as, id from memory.${schema}.who order by id`)).toEqual([
      { runs_as: h.user, id: 1 },
      { runs_as: h.user, id: 2 },
    ]);
  });

  it('runs the queries as impersonation_user when given', async () => {
    const dir = testdir({ ...MODELS, 'profiles.yml': trinoHttpsProfileYaml('t', 'memory', schema, { impersonation_user: 'someone_else' }) });
    const r = await kiln(['run', '--select', 'who'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await trinoQuery(`select distinct runs_as from memory.${schema}.who`)).toEqual([{ runs_as: 'someone_else' }]);
  });

  it('fails on a wrong password naming host, port, user and the cause (exit 2, no stack trace)', () => {
    const s = trinoServer();
    const h = trinoHttps();
    const dir = testdir({ ...MODELS, 'profiles.yml': trinoHttpsProfileYaml('t', 'memory', schema, { password: 'not-the-password' }) });
    const r = kilnProcess(['run'], dir);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain(`error[KLN502] Could not reach Trino (https://${s.host}:${h.port}, catalog "memory", user "${h.user}" with a password): authentication failed (HTTP 401): Access Denied: Invalid credentials`);
    expect(r.output).toMatch(/hint: check `user` and `password` in profiles\.yml/);
    expect(r.output).not.toContain('not-the-password');
    expect(r.output).not.toMatch(/\n\s+at /);
  });

  it('asks for a password when the server wants one', () => {
    const dir = testdir({ ...MODELS, 'profiles.yml': trinoHttpsProfileYaml('t', 'memory', schema, { method: '', password: '', http_scheme: 'https' }) });
    const r = kilnProcess(['run'], dir);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toMatch(/authentication failed \(HTTP 401\)[\s\S]*hint: the coordinator asks for a password: set `password`/);
    expect(r.output).not.toMatch(/\n\s+at /);
  });

  it('refuses a self-signed certificate unless `cert` trusts it, and skips the check with `cert: false`', async () => {
    const h = trinoHttps();
    const untrusted = testdir({ ...MODELS, 'profiles.yml': trinoHttpsProfileYaml('t', 'memory', schema, { cert: '' }) });
    const r = kilnProcess(['run'], untrusted);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toMatch(/Could not reach Trino \(https:[^)]*\): TLS: self-signed certificate/);
    expect(r.output).toMatch(/hint: give the coordinator's CA in `cert`/);
    expect(r.output).not.toMatch(/\n\s+at /);

    // A relative `cert` is read from the project's directory.
    const relative = testdir({ ...MODELS, 'profiles.yml': trinoHttpsProfileYaml('t', 'memory', schema, { cert: 'certs/ca.pem' }) });
    fs.mkdirSync(path.join(relative, 'certs'));
    fs.copyFileSync(h.caFile, path.join(relative, 'certs/ca.pem'));
    expect((await kiln(['run', '--select', 'people'], relative)).code).toBe(0);

    const unverified = testdir({ ...MODELS, 'profiles.yml': trinoHttpsProfileYaml('t', 'memory', schema, { cert: 'false' }) });
    const ok = await kiln(['run', '--select', 'people'], unverified);
    expect(ok.code, ok.output).toBe(0);
  });

  it('refuses to send a password over plain http, before connecting', async () => {
    const s = trinoServer();
    const dir = testdir({ ...MODELS, 'profiles.yml': trinoHttpsProfileYaml('t', 'memory', schema, { method: '', http_scheme: 'http', port: String(s.port), cert: '' }) });
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/Trino profile: a password is sent over https only, and 'http_scheme' is http/);
  });
});
