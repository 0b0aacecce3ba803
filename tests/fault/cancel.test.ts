// Ctrl-C (SIGINT) and SIGTERM to a real kiln process in the middle of a build, on DuckDB
// (interrupt) and PostgreSQL (cancel request): the statement in flight stops, its transaction
// rolls back (the table keeps its previous rows, no helper relation is left), what depends on it
// is skipped, run_results.json records what finished, and kiln exits 130 within 5 seconds. A
// second Ctrl-C exits at once even when the database does not answer the cancel.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kiln } from '../helpers/cli.js';
import { pgServer } from '../helpers/postgres.js';
import { testdir } from '../helpers/testdir.js';
import { startKiln, STACK_FRAME } from './lib/process.js';
import { duckdbFaultTarget, postgresFaultTarget, type FaultTarget } from './lib/targets.js';

/** `slow` takes minutes when var slow is 1 (a big cross join on DuckDB, pg_sleep on Postgres). */
const FILES = {
  'dbt_project.yml': 'name: cancel\nprofile: cancel\n',
  'models/first.sql': "{{ config(materialized='table') }}\nselect {{ var('run', 1) }} as run",
  'models/slow.sql': `{{ config(materialized='table') }}
{%- if var('slow', 0) == 0 %}
select {{ var('run', 1) }} as run from {{ ref('first') }}
{%- elif target.type == 'postgres' %}
select {{ var('run', 1) }} as run from {{ ref('first') }}, (select pg_sleep(120)) s
{%- else %}
select {{ var('run', 1) }} as run from {{ ref('first') }}, (select count(*) as n from range(300000) a, range(300000) b where a.range * b.range = -1) s
{%- endif %}`,
  'models/after.sql': "select run from {{ ref('slow') }}",
};

const targets = [duckdbFaultTarget(), postgresFaultTarget(pgServer())];
afterAll(async () => {
  for (const t of targets) await t.cleanup();
});

async function project(target: FaultTarget): Promise<string> {
  const dir = testdir(FILES);
  await target.setup(dir, 'cancel');
  const r = await kiln(['build', '--vars', '{run: 1}'], dir);
  expect(r.code, r.output).toBe(0);
  return dir;
}

interface RunResult {
  unique_id: string;
  status: string;
  message: string | null;
}

/** Starts a build whose `slow` model hangs, and waits until that model's statement runs. */
async function startSlowBuild(dir: string) {
  const k = startKiln(['build', '--vars', '{run: 2, slow: 1}'], dir);
  await k.waitFor(/START sql table model \S+\.slow /, 120_000);
  // The statement is sent right after the START line; give it a moment to reach the database.
  await new Promise((r) => setTimeout(r, 300));
  return k;
}

describe.each(targets)('cancelling a build on $name', (target) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: rolls back the statement in flight, skips the rest, records what finished, exits 130 within 5 s`, async () => {
      const dir = await project(target);
      const k = await startSlowBuild(dir);
      const sent = performance.now();
      k.child.kill(signal);
      const exit = await k.exited;
      const seconds = (performance.now() - sent) / 1000;

      expect(exit.code, k.output()).toBe(130);
      expect(seconds, 'exits within 5 s of the signal').toBeLessThan(5);
      expect(k.output()).toMatch(/Interrupted/);
      expect(k.output()).not.toMatch(STACK_FRAME);

      const results = JSON.parse(fs.readFileSync(path.join(dir, 'target', 'run_results.json'), 'utf8')).results as RunResult[];
      const status = (name: string) => results.find((r) => r.unique_id === `model.cancel.${name}`)?.status;
      expect(status('first')).toBe('success');
      expect(status('slow')).toBe('error');
      expect(results.find((r) => r.unique_id === 'model.cancel.slow')?.message).toMatch(/cancel/i);
      expect(status('after')).toBe('skipped');

      // `first` was rebuilt, `slow` keeps the rows of the previous run, nothing is half-built.
      expect(await target.query(dir, `select run from ${target.schema}.first`)).toEqual([{ run: 2 }]);
      expect(await target.query(dir, `select run from ${target.schema}.slow`)).toEqual([{ run: 1 }]);
      expect((await target.relations(dir)).filter((r) => r.includes('__dbt'))).toEqual([]);
      if (target.otherSessions) {
        // The cancelled statement and every session of the run are gone, and with them the run lock.
        await expect.poll(() => target.otherSessions!(dir), { timeout: 5_000 }).toBe(0);
      }
      const again = await kiln(['build', '--vars', '{run: 3}', '--lock-timeout', '5'], dir);
      expect(again.code, again.output).toBe(0);
      expect(await target.query(dir, `select run from ${target.schema}.after`)).toEqual([{ run: 3 }]);
    }, 180_000);
  }
});

describe('a second Ctrl-C', () => {
  const pg = targets[1]!;
  // Freezing the server process that runs the statement makes the cancel go unanswered; that
  // needs the server on this machine.
  it.skipIf(pgServer().source === 'external')('exits at once while the first still waits for the database', async () => {
    const dir = await project(pg);
    const k = await startSlowBuild(dir);
    const [backend] = await pg.query(dir, "select pid from pg_stat_activity where datname = current_database() and query like '%pg_sleep(120)%' and pid <> pg_backend_pid()");
    expect(backend, 'the slow statement runs').toBeDefined();
    const pid = Number(backend!.pid);
    process.kill(pid, 'SIGSTOP');
    try {
      k.child.kill('SIGINT');
      await k.waitFor(/Interrupted/);
      await new Promise((r) => setTimeout(r, 500));
      expect(k.child.exitCode, 'the first Ctrl-C waits for the database').toBeNull();
      const sent = performance.now();
      k.child.kill('SIGINT');
      const exit = await k.exited;
      expect(exit.code).toBe(130);
      expect(performance.now() - sent).toBeLessThan(2_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // The server rolls the abandoned transaction back: the next build finds the old table and converges.
    const again = await kiln(['build', '--vars', '{run: 3}'], dir);
    expect(again.code, again.output).toBe(0);
    expect(await pg.query(dir, `select run from ${pg.schema}.after`)).toEqual([{ run: 3 }]);
  }, 180_000);
});
