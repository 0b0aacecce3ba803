// The Trino run lock (adapters/trino/run-lock.ts) on a real Trino: a lock table in the target
// schema that one run creates and others wait for, with a holder and a heartbeat, taken over
// when its holder is gone; and through the CLI, a locked target fails after --lock-timeout.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrinoAdapter } from '../../../adapters/trino/index.js';
import { acquireTrinoRunLock, LOCK_TABLE, type RunSql } from '../../../adapters/trino/run-lock.js';
import { KilnError } from '../../../core/errors.js';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { dropSchema, freshSchemaName, trinoProfileYaml, trinoQuery, trinoReady, trinoTarget, type TrinoCatalog } from '../../helpers/trino.js';

const schemas: [TrinoCatalog, string][] = [];
const adapters: TrinoAdapter[] = [];

beforeAll(() => trinoReady(), 200_000);
afterAll(async () => {
  await Promise.all(adapters.map((a) => a.close()));
  for (const [catalog, schema] of schemas) await dropSchema(catalog, schema);
});

function target(catalog: TrinoCatalog = 'memory'): { schema: string; adapter: () => TrinoAdapter } {
  const schema = freshSchemaName(`lock_${catalog}`);
  schemas.push([catalog, schema]);
  return {
    schema,
    adapter: () => {
      const a = new TrinoAdapter(trinoTarget(catalog, schema), process.cwd());
      adapters.push(a);
      return a;
    },
  };
}

const holders = (catalog: TrinoCatalog, schema: string) => trinoQuery(`select distinct holder, host, pid from ${catalog}.${schema}.${LOCK_TABLE}`);
const lockExists = async (catalog: TrinoCatalog, schema: string) =>
  (await trinoQuery(`select count(*) as n from ${catalog}.information_schema.tables where table_schema = '${schema}' and table_name = '${LOCK_TABLE}'`))[0].n === 1;

describe.each(['memory', 'iceberg'] as const)('Trino run lock (%s)', (catalog) => {
  it('lets one run hold the target; a second gives up naming the holder, and gets it once released', async () => {
    const t = target(catalog);
    const first = t.adapter();
    const second = t.adapter();
    let firstWaits = 0;
    const release = await first.acquireRunLock({ timeoutMs: 0, onWait: () => firstWaits++ });
    expect(firstWaits).toBe(0);
    expect(await holders(catalog, t.schema)).toEqual([{ holder: expect.stringMatching(new RegExp(`^${os.hostname()}:${process.pid}:`)), host: os.hostname(), pid: process.pid }]);

    let waits = 0;
    const err = await second.acquireRunLock({ timeoutMs: 300, pollMs: 100, onWait: () => waits++ }).catch((e: unknown) => e);
    expect(waits).toBe(1);
    expect(err).toBeInstanceOf(KilnError);
    const k = err as KilnError;
    expect(k.code).toBe('KLN502');
    expect(k.message).toMatch(
      new RegExp(
        `^Another kiln run is building schema "${t.schema}" in Trino catalog "${catalog}": its run lock \\(table ${catalog}\\.${t.schema}\\.${LOCK_TABLE}\\) is held by run ${os.hostname()}:${process.pid}:\\w+ \\(host ${os.hostname()}, process ${process.pid}, since \\d{4}-\\d\\d-\\d\\dT.+, last heartbeat \\d+ s ago\\); gave up after waiting 0\\.3 s$`,
      ),
    );
    expect(k.hint).toContain(`drop table "${catalog}"."${t.schema}"."${LOCK_TABLE}"`);

    await release();
    expect(await lockExists(catalog, t.schema)).toBe(false);
    const again = await second.acquireRunLock({ timeoutMs: 0, onWait: () => undefined });
    expect(await lockExists(catalog, t.schema)).toBe(true);
    await again();
    expect(await lockExists(catalog, t.schema)).toBe(false);
  }, 120_000);

  it('makes a second run wait and start once the first releases', async () => {
    const t = target(catalog);
    const release = await t.adapter().acquireRunLock({ timeoutMs: 0, onWait: () => undefined });
    let waits = 0;
    let releasing: Promise<void> | null = null;
    const second = t.adapter().acquireRunLock({
      timeoutMs: 60_000,
      pollMs: 100,
      onWait: () => {
        waits++;
        releasing = release();
      },
    });
    const unlock = await second;
    await releasing;
    expect(waits).toBe(1);
    expect((await holders(catalog, t.schema)).map((h) => h.holder)).toHaveLength(1);
    await unlock();
  }, 120_000);
});

describe('Trino run lock: release', () => {
  /** Statements through a connection of `adapter`, each recorded; while `down` is set they fail as if the coordinator were unreachable. */
  async function recording(adapter: TrinoAdapter): Promise<{ sql: RunSql; log: string[]; down: boolean }> {
    const conn = await adapter.acquire();
    const r = {
      log: [] as string[],
      down: false,
      sql: async (text: string) => {
        if (r.down) throw new Error('unreachable');
        r.log.push(text);
        return (await conn.query(text)).rows;
      },
    };
    return r;
  }

  it('drops the lock with one statement while its heartbeat is fresh (no look at the holder first)', async () => {
    const t = target();
    const { sql, log } = await recording(t.adapter());
    const release = await acquireTrinoRunLock(sql, 'memory', t.schema, { timeoutMs: 0, onWait: () => undefined });
    const before = log.length;
    await release();
    expect(log.slice(before)).toEqual([`drop table if exists "memory"."${t.schema}"."${LOCK_TABLE}"`]);
    expect(await lockExists('memory', t.schema)).toBe(false);
  }, 60_000);

  it('leaves the lock alone when another run took it over (its heartbeat had gone stale)', async () => {
    const t = target();
    const first = await recording(t.adapter());
    const opts = { timeoutMs: 0, staleMs: 300, heartbeatMs: 60_000, settleMs: 10, onWait: () => undefined };
    const releaseFirst = await acquireTrinoRunLock(first.sql, 'memory', t.schema, opts);
    await new Promise((r) => setTimeout(r, 400));
    const releaseSecond = await t.adapter().acquireRunLock(opts);
    const second = (await holders('memory', t.schema)).map((h) => h.holder);
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first.log[0].match(/'([^']+)' as holder/)?.[1]);
    const before = first.log.length;
    await releaseFirst();
    expect(first.log.slice(before).some((q) => q.startsWith('drop'))).toBe(false);
    expect((await holders('memory', t.schema)).map((h) => h.holder)).toEqual(second);
    await releaseSecond();
    expect(await lockExists('memory', t.schema)).toBe(false);
  }, 60_000);

  it('a holder cut off long enough to be taken over neither beats into the new lock nor drops it when it comes back', async () => {
    const t = target();
    const first = await recording(t.adapter());
    const opts = { timeoutMs: 0, staleMs: 300, settleMs: 10, onWait: () => undefined };
    const releaseFirst = await acquireTrinoRunLock(first.sql, 'memory', t.schema, { ...opts, heartbeatMs: 100 });
    first.down = true;
    await new Promise((r) => setTimeout(r, 500));
    const releaseSecond = await t.adapter().acquireRunLock({ ...opts, heartbeatMs: 60_000 });
    const second = (await holders('memory', t.schema)).map((h) => h.holder);
    first.down = false;
    // Its heartbeats resume (two periods), then it releases.
    const beats = first.log.length;
    await new Promise((r) => setTimeout(r, 250));
    expect(first.log.length).toBeGreaterThan(beats);
    await releaseFirst();
    expect((await holders('memory', t.schema)).map((h) => h.holder)).toEqual(second);
    await releaseSecond();
  }, 60_000);
});

describe('Trino run lock: a holder that is gone', () => {
  const createLock = (schema: string, holder: string, host: string, pid: number, beatMs: string) =>
    trinoQuery(`create table memory.${schema}.${LOCK_TABLE} as select '${holder}' as holder, '${host}' as host, cast(${pid} as bigint) as pid, ${beatMs} as since_ms, ${beatMs} as beat_ms`);

  it('takes over a lock whose heartbeat is older than the stale threshold', async () => {
    const t = target();
    await trinoQuery(`create schema memory.${t.schema}`);
    // A run on another machine, last heard of an hour ago.
    await createLock(t.schema, 'elsewhere:1:dead', 'some-other-host', 1, 'cast(to_unixtime(current_timestamp) * 1000 as bigint) - 3600000');
    let waits = 0;
    const unlock = await t.adapter().acquireRunLock({ timeoutMs: 0, settleMs: 10, onWait: () => waits++ });
    expect(waits).toBe(0);
    expect((await holders('memory', t.schema)).map((h) => h.pid)).toEqual([process.pid]);
    await unlock();
  }, 60_000);

  it('takes over at once the lock of a process of this host that has ended, and keeps a fresh lock of another host', async () => {
    const t = target();
    await trinoQuery(`create schema memory.${t.schema}`);
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(child.stdout);
    await createLock(t.schema, `${os.hostname()}:${deadPid}:gone`, os.hostname(), deadPid, 'cast(to_unixtime(current_timestamp) * 1000 as bigint)');
    const unlock = await t.adapter().acquireRunLock({ timeoutMs: 0, settleMs: 10, onWait: () => undefined });
    expect((await holders('memory', t.schema)).map((h) => h.pid)).toEqual([process.pid]);
    await unlock();

    // Fresh and from another host: nothing says it is gone, so it is respected.
    await createLock(t.schema, 'elsewhere:7:alive', 'some-other-host', 7, 'cast(to_unixtime(current_timestamp) * 1000 as bigint)');
    const err = await t.adapter().acquireRunLock({ timeoutMs: 0, onWait: () => undefined }).catch((e: unknown) => e);
    expect((err as KilnError).message).toContain('held by run elsewhere:7:alive (host some-other-host, process 7');
  }, 60_000);

  it('keeps its lock alive with heartbeats while it holds it', async () => {
    const t = target();
    const unlock = await t.adapter().acquireRunLock({ timeoutMs: 0, heartbeatMs: 100, onWait: () => undefined });
    let beats = 1;
    for (let i = 0; i < 200 && beats < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      beats = Number((await trinoQuery(`select count(*) as n from memory.${t.schema}.${LOCK_TABLE}`))[0].n);
    }
    expect(beats).toBeGreaterThanOrEqual(3);
    await unlock();
    expect(await lockExists('memory', t.schema)).toBe(false);
  }, 60_000);
});

it('through the CLI: a locked Trino target fails after --lock-timeout with exit 2, then builds once released', async () => {
  const t = target();
  const dir = testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': trinoProfileYaml('p', 'memory', t.schema), 'models/m.sql': 'select 1 as id' });
  const release = await t.adapter().acquireRunLock({ timeoutMs: 0, onWait: () => undefined });
  try {
    const r = await kiln(['run', '--lock-timeout', '1'], dir);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toMatch(/waiting up to 1s/);
    expect(r.output).toContain('KLN502');
    expect(r.output).toContain(`its run lock (table memory.${t.schema}.${LOCK_TABLE})`);
  } finally {
    await release();
  }
  const ok = await kiln(['run'], dir);
  expect(ok.code, ok.output).toBe(0);
  expect(await trinoQuery(`select id from memory.${t.schema}.m`)).toEqual([{ id: 1 }]);
  expect(await lockExists('memory', t.schema)).toBe(false);
}, 120_000);
