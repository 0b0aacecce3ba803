// PostgreSQL going wrong under a running build: the session of a statement terminated by an
// administrator (pg_terminate_backend), every session of the run terminated at once (what a
// server restart does to it), and a statement_timeout set on the server. Either way
// the node fails with a clear error, what depends on it is skipped, the rest of the run goes
// on, and the table keeps its previous rows with no helper relation left behind.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kiln } from '../helpers/cli.js';
import { adminClient, pgServer } from '../helpers/postgres.js';
import { testdir } from '../helpers/testdir.js';
import { startKiln, STACK_FRAME } from './lib/process.js';
import { postgresFaultTarget } from './lib/targets.js';

const FILES = {
  'dbt_project.yml': 'name: loss\nprofile: loss\n',
  'models/first.sql': "{{ config(materialized='table') }}\nselect {{ var('run', 1) }} as run",
  'models/slow.sql': `{{ config(materialized='table') }}
select {{ var('run', 1) }} as run from {{ ref('first') }}{% if var('slow', 0) %}, (select pg_sleep(60)) s{% endif %}`,
  'models/after.sql': "select run from {{ ref('slow') }}",
  'models/independent.sql': "{{ config(materialized='table') }}\nselect {{ var('run', 1) }} as run",
};

const target = postgresFaultTarget(pgServer());
afterAll(() => target.cleanup());

async function project(): Promise<string> {
  const dir = testdir(FILES);
  await target.setup(dir, 'loss');
  const r = await kiln(['build', '--vars', '{run: 1}'], dir);
  expect(r.code, r.output).toBe(0);
  return dir;
}

function results(dir: string): Map<string, { status: string; message: string | null }> {
  const rr = JSON.parse(fs.readFileSync(path.join(dir, 'target', 'run_results.json'), 'utf8')) as { results: { unique_id: string; status: string; message: string | null }[] };
  return new Map(rr.results.map((r) => [r.unique_id.replace(/^model\.loss\./, ''), r]));
}

async function expectOldSlowAndNothingHalfBuilt(dir: string): Promise<void> {
  expect(await target.query(dir, 'select run from analytics.slow')).toEqual([{ run: 1 }]);
  expect(await target.query(dir, 'select run from analytics.independent')).toEqual([{ run: 2 }]);
  expect((await target.relations(dir)).filter((r) => r.includes('__dbt'))).toEqual([]);
  const again = await kiln(['build', '--vars', '{run: 3}'], dir);
  expect(again.code, again.output).toBe(0);
  expect(await target.query(dir, 'select run from analytics.after')).toEqual([{ run: 3 }]);
}

describe('PostgreSQL failing under a build', () => {
  it('a terminated session fails its node clearly; descendants skip, the rest runs on', async () => {
    const dir = await project();
    const k = startKiln(['build', '--vars', '{run: 2, slow: 1}'], dir);
    await k.waitFor(/START sql table model analytics\.slow /, 120_000);
    const admin = await adminClient();
    try {
      // The slow statement reaches the server just after its START line.
      let terminated = 0;
      for (let i = 0; i < 50 && terminated === 0; i++) {
        const r = await admin.query("select pg_terminate_backend(pid) as ok from pg_stat_activity where query like '%pg_sleep(60)%' and pid <> pg_backend_pid()");
        terminated = r.rows.filter((x: { ok: boolean }) => x.ok).length;
        if (!terminated) await new Promise((res) => setTimeout(res, 100));
      }
      expect(terminated).toBe(1);
    } finally {
      await admin.end();
    }
    const exit = await k.exited;
    expect(exit.code, k.output()).toBe(1);
    expect(k.output()).not.toMatch(STACK_FRAME);
    expect(k.output()).toMatch(/error\[KLN501\] terminating connection due to administrator command[\s\S]*hint: the server ended the session/);
    const r = results(dir);
    expect(r.get('slow')?.status).toBe('error');
    expect(r.get('after')?.status).toBe('skipped');
    expect(r.get('independent')?.status).toBe('success');
    await expectOldSlowAndNothingHalfBuilt(dir);
  }, 180_000);

  it('every session of the run terminated at once (as a server restart does): a clear error, no stack, nothing half-built', async () => {
    const dir = await project();
    const [{ db }] = (await target.query(dir, 'select current_database() as db')) as [{ db: string }];
    const k = startKiln(['build', '--vars', '{run: 2, slow: 1}'], dir);
    await k.waitFor(/START sql table model analytics\.slow /, 120_000);
    await new Promise((res) => setTimeout(res, 300));
    const admin = await adminClient();
    try {
      const r = await admin.query('select count(*) filter (where pg_terminate_backend(pid)) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [db]);
      expect(Number(r.rows[0].n)).toBeGreaterThanOrEqual(2);
    } finally {
      await admin.end();
    }
    const exit = await k.exited;
    expect([1, 2], k.output()).toContain(exit.code);
    expect(k.output()).not.toMatch(STACK_FRAME);
    expect(k.output()).not.toMatch(/Internal error/);
    expect(k.output()).toMatch(/error\[KLN50[12]\]/);
    expect(await target.query(dir, 'select run from analytics.slow')).toEqual([{ run: 1 }]);
    expect((await target.relations(dir)).filter((r) => r.includes('__dbt'))).toEqual([]);
    const again = await kiln(['build', '--vars', '{run: 3}'], dir);
    expect(again.code, again.output).toBe(0);
    expect(await target.query(dir, 'select run from analytics.after')).toEqual([{ run: 3 }]);
  }, 180_000);

  it('a statement_timeout on the server fails the node clearly (not as a cancel); descendants skip', async () => {
    const dir = await project();
    const [{ db }] = (await target.query(dir, 'select current_database() as db')) as [{ db: string }];
    const admin = await adminClient();
    await admin.query(`alter database "${db}" set statement_timeout = '1s'`).finally(() => admin.end());
    const r = await kiln(['build', '--vars', '{run: 2, slow: 1}'], dir);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(/error\[KLN501\] canceling statement due to statement timeout/);
    expect(r.output).not.toMatch(/Interrupted/);
    const res = results(dir);
    expect(res.get('slow')?.status).toBe('error');
    expect(res.get('after')?.status).toBe('skipped');
    expect(res.get('independent')?.status).toBe('success');
    await expectOldSlowAndNothingHalfBuilt(dir);
  }, 180_000);
});
