// The connection pool, real parallelism across connections, and the file lock against other
// processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Codes, KilnError } from '../../../core/errors.js';
import { repoRootFromTest } from './paths.js';
import { makeAdapter, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

// A query that keeps one DuckDB thread busy for a few seconds unless interrupted.
const LONG = 'select count(*) from range(100000000000) t(i) where hash(i) % 7 = 3';

describe('pool', () => {
  it('hands out at most `threads` connections, lazily, and queues the rest', async () => {
    const adapter = makeAdapter(tmp.dir, { path: ':memory:' }, { threads: 2 });
    await adapter.open();
    const a = await adapter.acquire();
    const b = await adapter.acquire();
    expect(a).not.toBe(b);
    let third: unknown = null;
    const waiting = adapter.acquire().then((c) => (third = c));
    await new Promise((r) => setTimeout(r, 50));
    expect(third).toBeNull();
    adapter.release(a);
    await waiting;
    expect(third).toBe(a); // reused, not a new connection
    adapter.release(b);
    expect(await adapter.acquire()).toBe(b);
    await adapter.close();
  });

  it('a connection released inside a transaction is rolled back before reuse', async () => {
    const adapter = makeAdapter(tmp.dir, { path: ':memory:' }, { threads: 1 });
    await adapter.open();
    const c = await adapter.acquire();
    await c.execute('create table t (a int)');
    await c.begin();
    await c.execute('insert into t values (1)');
    adapter.release(c);
    const again = await adapter.acquire();
    expect(again).toBe(c);
    expect((await again.query('select count(*) from t')).rows).toEqual([[0]]);
    await again.begin(); // no "transaction within a transaction"
    await again.rollback();
    await adapter.close();
  });

  it('pending acquires fail once the adapter closes', async () => {
    const adapter = makeAdapter(tmp.dir, { path: ':memory:' }, { threads: 1 });
    await adapter.open();
    await adapter.acquire();
    const pending = adapter.acquire();
    await adapter.close();
    await expect(pending).rejects.toBeInstanceOf(KilnError);
  });

  it('close() cancels statements still running instead of hanging on them', async () => {
    const adapter = makeAdapter(tmp.dir, { path: ':memory:' }, { threads: 1 });
    await adapter.open();
    const c = await adapter.acquire();
    const long = c.query(LONG).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    await adapter.close();
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(await long).toMatchObject({ code: Codes.CANCELLED });
  });

  it('two connections run queries in parallel', async () => {
    // DuckDB's own threads set to 1 so each query uses one core and any overlap is the pool's.
    const adapter = makeAdapter(tmp.dir, { path: join(tmp.dir, 'par.duckdb'), settings: { threads: 1 } }, { threads: 2 });
    await adapter.open();
    const [a, b] = await Promise.all([adapter.acquire(), adapter.acquire()]);
    // While a long query runs on `a`, `b` answers at once: one connection would serialise.
    const long = a.query(LONG).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    expect((await b.query('select 42 as x')).rows).toEqual([[42]]);
    const quick = performance.now() - t0;
    await a.cancel();
    expect(await long).toMatchObject({ code: Codes.CANCELLED });
    expect(quick).toBeLessThan(500);

    // Two equal CPU-bound queries side by side: reported, not asserted (on a shared 2-core
    // machine the ratio is noisy; the overlap above is the proof).
    const work = 'select sum(hash(i)) from range(40000000) t(i)';
    let t = performance.now();
    await a.query(work);
    const single = performance.now() - t;
    t = performance.now();
    await Promise.all([a.query(work), b.query(work)]);
    const both = performance.now() - t;
    console.log(`one query ${single.toFixed(0)} ms, two in parallel ${both.toFixed(0)} ms (serial would be ~${(2 * single).toFixed(0)})`);
    await adapter.close();
  });

  it('metadata calls do not wait for busy workers', async () => {
    const adapter = makeAdapter(tmp.dir, { path: ':memory:', settings: { threads: 1 } }, { threads: 1 });
    await adapter.open();
    const c = await adapter.acquire();
    const long = c.query(LONG).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    expect(await adapter.listSchemas('memory')).toContain('main');
    await c.cancel();
    await long;
    await adapter.close();
  });
});

describe('file lock', () => {
  function holdLock(file: string): Promise<ChildProcess> {
    // A plain DuckDB process keeps the file open until its stdin closes.
    const code = `import { DuckDBInstance } from '@duckdb/node-api';
      const inst = await DuckDBInstance.create(process.argv[1]);
      await (await inst.connect()).run('create table if not exists held (a int)');
      console.log('ready');
      process.stdin.resume();
      process.stdin.on('end', () => process.exit(0));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code, file], { cwd: repoRootFromTest, stdio: ['pipe', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
      child.on('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
    });
  }

  it('a file held by another process is DATABASE_UNREACHABLE naming the file and the holder', async () => {
    const file = join(tmp.dir, 'locked.duckdb');
    const child = await holdLock(file);
    try {
      const adapter = makeAdapter(tmp.dir, { path: 'locked.duckdb' });
      const err = await adapter.open().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KilnError);
      const k = err as KilnError;
      expect(k.code).toBe(Codes.DATABASE_UNREACHABLE);
      expect(k.message).toContain(file);
      expect(k.message).toContain(`PID ${child.pid}`);
      expect(k.hint).toMatch(/another kiln\/dbt\/duckdb process has it open; close it or use a different path/);
    } finally {
      const exited = new Promise((r) => child.on('exit', r));
      child.stdin!.end();
      await exited;
    }
    // Once the other process is gone the file opens.
    const adapter = makeAdapter(tmp.dir, { path: 'locked.duckdb' });
    await adapter.open();
    expect(adapter.database).toBe('locked');
    await adapter.close();
  });
});

describe('one instance per file in a process', () => {
  it('a second adapter on an open file is refused until the first closes', async () => {
    const first = makeAdapter(tmp.dir, { path: 'shared.duckdb' });
    await first.open();
    const second = makeAdapter(tmp.dir, { path: join(tmp.dir, 'shared.duckdb') });
    await expect(second.open()).rejects.toMatchObject({ code: Codes.DATABASE_UNREACHABLE, message: expect.stringMatching(/already open in this kiln process/) });
    await first.close();
    await second.open();
    await second.close();
  });
});
