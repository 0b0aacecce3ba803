// Transient failures on the real PostgreSQL are retried (profile `retries`, `connect_retries`,
// `retry_delay`), and only they: a server refusing the first connections (too many clients,
// reset) is connected to on a later attempt; a node whose transaction a real deadlock rolled
// back runs again and lands its rows; a database that does not exist, a node that already ran
// a statement outside its transaction, and `retries: 0` are never retried. Each retry is logged.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { kiln, type CliResult } from '../helpers/cli.js';
import { adminClient, pgServer } from '../helpers/postgres.js';
import { testdir } from '../helpers/testdir.js';
import { startPgProxy, type ProxyBehaviour } from './lib/pg-proxy.js';
import { postgresFaultTarget } from './lib/targets.js';
import { STACK_FRAME } from './lib/process.js';

const server = pgServer();
const target = postgresFaultTarget(server);
afterAll(() => target.cleanup());

/** A project on a fresh database; `profile` lines are added to the target (retries...). */
async function project(files: Record<string, string>, profile: Record<string, string | number>, port?: number): Promise<string> {
  const dir = testdir({ 'dbt_project.yml': 'name: transient\nprofile: transient\n', ...files });
  await target.setup(dir, 'transient');
  const file = path.join(dir, 'profiles.yml');
  let yml = fs.readFileSync(file, 'utf8');
  if (port !== undefined) yml = yml.replace(`host: ${server.host}\n`, 'host: 127.0.0.1\n').replace(`port: ${server.port}\n`, `port: ${port}\n`);
  for (const k of Object.keys(profile)) yml = yml.replace(new RegExp(`^      ${k}: .*\n`, 'm'), '');
  yml += Object.entries(profile).map(([k, v]) => `      ${k}: ${v}\n`).join('');
  fs.writeFileSync(file, yml);
  return dir;
}

function status(dir: string, name: string): string | undefined {
  const rr = JSON.parse(fs.readFileSync(path.join(dir, 'target', 'run_results.json'), 'utf8')) as { results: { unique_id: string; status: string }[] };
  return rr.results.find((r) => r.unique_id.endsWith(`.${name}`))?.status;
}

const RETRY_LINE = /failed transiently \((.+?)\); trying again in [\d.]+s \(attempt (\d+) of (\d+)\)/g;
const retries = (r: CliResult) => [...r.output.matchAll(RETRY_LINE)].map((m) => `${m[1]} → ${m[2]}/${m[3]}`);

describe('connecting: refused and reset connections are retried', () => {
  const build = async (script: readonly ProxyBehaviour[], profile: Record<string, string | number>, args: readonly string[] = ['build']) => {
    const proxy = await startPgProxy(server, script);
    try {
      const dir = await project({ 'models/a.sql': "{{ config(materialized='table') }}\nselect 1 as id, 'x' as v" }, { threads: 1, retry_delay: 0.05, ...profile }, proxy.port);
      return { dir, r: await kiln(args, dir), seen: [...proxy.seen] };
    } finally {
      await proxy.close();
    }
  };

  it('too many clients, then a reset: the third attempt connects and the build succeeds', async () => {
    const { dir, r, seen } = await build(['too-many', 'reset'], { retries: 2 });
    expect(r.code, r.output).toBe(0);
    expect(seen.slice(0, 3)).toEqual(['too-many', 'reset', 'pass']);
    const lines = retries(r);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('too many connections (53300) → 2/3');
    expect(lines[1]).toMatch(/^(connection reset|the server closed the connection during start-up) → 3\/3$/);
    expect(r.output).toMatch(/connecting to PostgreSQL at 127\.0\.0\.1:\d+, database "[^"]+", user "[^"]+" failed transiently/);
    expect(status(dir, 'a')).toBe('success');
    expect(await target.query(dir, 'select id, v from analytics.a')).toEqual([{ id: 1, v: 'x' }]);
  }, 60_000);

  it('--log-format json: each retry is an event with what, why and the attempt', async () => {
    const { r } = await build(['too-many'], { retries: 1 }, ['build', '--log-format', 'json']);
    expect(r.code, r.output).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === 'retry');
    expect(events).toEqual([
      expect.objectContaining({ level: 'warn', reason: 'too many connections (53300)', attempt: 2, attempts: 2, delay_seconds: 0.05, what: expect.stringMatching(/^connecting to PostgreSQL at 127\.0\.0\.1:\d+/) }),
    ]);
  }, 60_000);

  it('other commands that connect log their retries too (debug, run-operation)', async () => {
    for (const command of [['debug'], ['run-operation', 'noop']]) {
      const proxy = await startPgProxy(server, ['too-many']);
      try {
        const dir = await project({ 'macros/noop.sql': "{% macro noop() %}{{ log('ran noop', info=true) }}{% endmacro %}" }, { threads: 1, retry_delay: 0.05 }, proxy.port);
        const r = await kiln(command, dir);
        expect(r.code, r.output).toBe(0);
        expect(retries(r), command[0]).toEqual(['too many connections (53300) → 2/2']);
      } finally {
        await proxy.close();
      }
    }
  }, 60_000);

  it('connect_retries: 0 gives up at once with KLN502', async () => {
    const { r, seen } = await build(['too-many'], { retries: 3, connect_retries: 0 });
    expect(r.code, r.output).toBe(2);
    expect(seen).toEqual(['too-many']);
    expect(retries(r)).toEqual([]);
    expect(r.output).toMatch(/error\[KLN502\] Cannot connect to PostgreSQL at .*: sorry, too many clients already/);
    expect(r.output).not.toMatch(STACK_FRAME);
  }, 60_000);

  it('a database that does not exist is not retried, whatever `retries` says', async () => {
    const { r, seen } = await build(['no-database'], { retries: 3 });
    expect(r.code, r.output).toBe(2);
    expect(seen).toEqual(['no-database']);
    expect(retries(r)).toEqual([]);
    expect(r.output).toMatch(/error\[KLN502\][^\n]*database "gone" does not exist/);
  }, 60_000);
});

/**
 * A real deadlock between the node's transaction and a session of the test. The function the
 * model selects, on its first call only (a sequence counts calls, and is not rolled back), takes
 * advisory lock 1, waits until the test's session waits for lock 1, then asks for lock 2, which
 * that session holds. Its session's deadlock_timeout is short and the test's long, so the
 * server ends kiln's transaction with 40P01, never the test's.
 */
const DEADLOCK_SQL = `
create sequence public.calls;
create table public.audit (n int);
create function public.deadlock_once() returns int language plpgsql as $$
declare n int := nextval('public.calls');
begin
  if n = 1 then
    perform set_config('deadlock_timeout', '20ms', true);
    perform pg_advisory_xact_lock(1);
    loop
      exit when exists (select 1 from pg_locks where locktype = 'advisory' and classid = 0 and objid = 1 and objsubid = 1 and not granted);
      perform pg_sleep(0.01);
    end loop;
    perform pg_advisory_xact_lock(2);
  end if;
  return n;
end $$;`;

async function buildIntoDeadlock(dir: string): Promise<CliResult> {
  await target.query(dir, DEADLOCK_SQL);
  const [{ db }] = (await target.query(dir, 'select current_database() as db')) as [{ db: string }];
  const other = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: db });
  await other.connect();
  const watcher = await adminClient(db);
  try {
    await other.query('begin');
    await other.query(`set local deadlock_timeout = '60s'`);
    await other.query('select pg_advisory_xact_lock(2)');
    const run = kiln(['build'], dir);
    // Once kiln's transaction holds lock 1, wait for it: the deadlock closes when kiln asks for 2.
    for (let i = 0; ; i++) {
      const held = await watcher.query(`select 1 from pg_locks where locktype = 'advisory' and classid = 0 and objid = 1 and objsubid = 1 and granted`);
      if (held.rowCount) break;
      if (i > 3000) throw new Error('kiln never took advisory lock 1');
      await new Promise((res) => setTimeout(res, 10));
    }
    await other.query('select pg_advisory_xact_lock(1)');
    await other.query('commit');
    return await run;
  } finally {
    await other.end();
    await watcher.end();
  }
}

describe('a deadlock rolls back the node’s transaction: the node runs again', () => {
  const MODEL = "{{ config(materialized='table') }}\nselect public.deadlock_once() as call, 'kept' as v";

  it('retries: 1 runs it again; the retry is logged and the rows land', async () => {
    const dir = await project({ 'models/locked.sql': MODEL, 'models/after.sql': 'select call from {{ ref("locked") }}' }, { retries: 1, retry_delay: 0.05 });
    const r = await buildIntoDeadlock(dir);
    expect(r.code, r.output).toBe(0);
    expect(retries(r)).toEqual(['deadlock detected (40P01) → 2/2']);
    expect(r.output).toMatch(/Warning model locked failed transiently/);
    expect(status(dir, 'locked')).toBe('success');
    expect(status(dir, 'after')).toBe('success');
    // The second call built the table: the first attempt's create was rolled back.
    expect(await target.query(dir, 'select call, v from analytics.locked')).toEqual([{ call: 2, v: 'kept' }]);
    expect((await target.relations(dir)).filter((n) => n.includes('__dbt'))).toEqual([]);
  }, 60_000);

  it('retries: 0 fails the node with the server’s message and skips its descendants', async () => {
    const dir = await project({ 'models/locked.sql': MODEL, 'models/after.sql': 'select call from {{ ref("locked") }}' }, { retries: 0 });
    const r = await buildIntoDeadlock(dir);
    expect(r.code, r.output).toBe(1);
    expect(retries(r)).toEqual([]);
    expect(r.output).toMatch(/error\[KLN501\] deadlock detected/);
    expect(status(dir, 'locked')).toBe('error');
    expect(status(dir, 'after')).toBe('skipped');
    expect(await target.relations(dir)).toEqual([]);
  }, 60_000);

  it('a statement already run outside the transaction (a transaction: false hook) forbids the retry', async () => {
    const model = `{{ config(materialized='table', pre_hook={'sql': 'insert into public.audit values (1)', 'transaction': false}) }}\nselect public.deadlock_once() as call`;
    const dir = await project({ 'models/locked.sql': model }, { retries: 3, retry_delay: 0.05 });
    const r = await buildIntoDeadlock(dir);
    expect(r.code, r.output).toBe(1);
    expect(retries(r)).toEqual([]);
    expect(r.output).toMatch(/deadlock detected/);
    // The hook ran once: a retry would have inserted its row again.
    expect(await target.query(dir, 'select count(*)::int as n from public.audit')).toEqual([{ n: 1 }]);
  }, 60_000);
});
