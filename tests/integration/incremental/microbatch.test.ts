// Microbatch on DuckDB and PostgreSQL: batches of a day (or a year) replace exactly their
// window, inputs with an `event_time` are narrowed to the batch, --event-time-start/-end pick the
// batches, lookback reprocesses recent ones, and a failed batch leaves the earlier ones in place
// and can be rerun alone.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTargets, csv, project, targets, type AdapterTarget, type Project } from './harness.js';

const TARGETS = targets();
afterAll(() => cleanupTargets(TARGETS));

const HEADER = ['id', 'ts', 'amount'];
const day = (d: number, h = 10) => `2024-01-0${d} ${String(h).padStart(2, '0')}:00:00`;

const FILES = {
  'seeds/events.csv': csv(HEADER, [1, day(1), 10], [2, day(2), 20], [3, day(3), 30], [4, day(4), 40]),
  'seeds/props.yml': 'seeds:\n  - name: events\n    config:\n      event_time: ts\n',
  // Not narrowed (no event_time): every batch sees all of it.
  'seeds/rates.csv': csv(['k', 'rate'], [1, 2]),
  'models/daily.sql': `{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='ts', batch_size='day', begin='2024-01-01') }}
select e.id, e.ts, e.amount * r.rate as amount, (select count(*) from {{ ref('events') }}) as seen_in_batch
from {{ ref('events') }} e cross join {{ ref('rates') }} r`,
};

type Row = [number, string, number, number];

async function rowsOf(p: Project): Promise<Row[]> {
  return (await p.rows(`select id, cast(ts as varchar) as ts, amount, seen_in_batch from ${p.rel('daily')} order by id`)).map((r) => [r.id, String(r.ts).slice(0, 19), r.amount, r.seen_in_batch] as Row);
}

describe.each(TARGETS)('microbatch on $name', (target: AdapterTarget) => {
  let p: Project;
  const after: Row[][] = [];
  let batchFailure = '';
  let compiledRun = '';

  beforeAll(async () => {
    p = await project(target, FILES);
    await p.ok(['seed']);
    // 1. First build of three day batches.
    await p.ok(['run', '--event-time-start', '2024-01-01', '--event-time-end', '2024-01-04']);
    after.push(await rowsOf(p));
    compiledRun = fs.readFileSync(path.join(p.dir, 'target/run/p/models/daily.sql'), 'utf8');
    // 2. Jan 2 changes upstream (row 2 updated, row 5 added); only that day is rebuilt.
    p.write('seeds/events.csv', csv(HEADER, [1, day(1), 11], [2, day(2), 21], [5, day(2, 23), 50], [3, day(3), 31], [4, day(4), 40]));
    await p.ok(['seed']);
    await p.ok(['run', '--event-time-start', '2024-01-02', '--event-time-end', '2024-01-03']);
    after.push(await rowsOf(p));
    // 3. Row 3 (Jan 3) deleted upstream: rebuilding Jan 3 and 4 drops it and adds Jan 4.
    p.write('seeds/events.csv', csv(HEADER, [1, day(1), 11], [2, day(2), 21], [5, day(2, 23), 50], [4, day(4), 40]));
    await p.ok(['seed']);
    await p.ok(['run', '--event-time-start', '2024-01-03', '--event-time-end', '2024-01-05']);
    after.push(await rowsOf(p));
    // 4. The second of three batches fails: the first is kept, the failed one and the rest are not run.
    p.write('seeds/rates.csv', csv(['k', 'rate'], [1, 3]));
    await p.ok(['seed']);
    const failed = await p.run(['run', '--event-time-start', '2024-01-01', '--event-time-end', '2024-01-04'], { KILN_TEST_FAIL_AFTER: 'daily:6' });
    expect(failed.code).toBe(1);
    batchFailure = failed.stdout;
    after.push(await rowsOf(p));
    // 5. Rerun just that batch, as the error says; then the last one.
    await p.ok(['run', '--event-time-start', '2024-01-02 00:00:00', '--event-time-end', '2024-01-03 00:00:00']);
    after.push(await rowsOf(p));
    await p.ok(['run', '--event-time-start', '2024-01-03', '--event-time-end', '2024-01-04']);
    after.push(await rowsOf(p));
  }, 300_000);

  it('a first build runs one batch per day, each seeing only its day of the narrowed input', () => {
    expect(after[0]).toEqual([
      [1, day(1), 20, 1],
      [2, day(2), 40, 1],
      [3, day(3), 60, 1],
    ]);
    expect(compiledRun).toMatch(/__dbt_et__events as/);
    expect(compiledRun).not.toMatch(/__dbt_et__rates/);
  });

  it('a window rebuilds exactly its batches: updated and new rows in it, nothing outside it', () => {
    expect(after[1]).toEqual([
      [1, day(1), 20, 1],
      [2, day(2), 42, 2],
      [3, day(3), 60, 1],
      [5, day(2, 23), 100, 2],
    ]);
    expect(after[2]).toEqual([
      [1, day(1), 20, 1],
      [2, day(2), 42, 2],
      [4, day(4), 80, 1],
      [5, day(2, 23), 100, 2],
    ]);
  });

  it('a failed batch keeps the batches before it and says how to rerun it alone', () => {
    expect(batchFailure).toMatch(/Batch 2024-01-02 00:00:00 to 2024-01-03 00:00:00 failed \(batches before it were kept\)/);
    expect(batchFailure).toMatch(/--event-time-start "2024-01-02 00:00:00" --event-time-end "2024-01-03 00:00:00"/);
    expect(after[3]).toEqual([
      [1, day(1), 33, 1],
      [2, day(2), 42, 2],
      [4, day(4), 80, 1],
      [5, day(2, 23), 100, 2],
    ]);
  });

  it('rerunning the failed batch, then the rest, converges to the uninterrupted result', () => {
    expect(after[4]).toEqual([
      [1, day(1), 33, 1],
      [2, day(2), 63, 2],
      [4, day(4), 80, 1],
      [5, day(2, 23), 150, 2],
    ]);
    expect(after[5]).toEqual(after[4]);
  });
});

describe.each(TARGETS)('microbatch windows from begin and lookback on $name', (target: AdapterTarget) => {
  // Yearly batches around the current year, so the default window (up to now) stays small.
  const y = new Date().getUTCFullYear();
  const row = (id: number, year: number, amount: number) => [id, `${year}-06-01 00:00:00`, amount];
  let first: unknown[][] = [];
  let second: unknown[][] = [];

  beforeAll(async () => {
    const p = await project(target, {
      'seeds/events.csv': csv(HEADER, row(1, y - 2, 1), row(2, y - 1, 2), row(3, y, 3)),
      'seeds/props.yml': 'seeds:\n  - name: events\n    config:\n      event_time: ts\n',
      'models/yearly.sql': `{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='ts', batch_size='year', begin='${y - 2}-01-01', lookback=1) }}
select id, ts, amount from {{ ref('events') }}`,
    });
    const read = async () => (await p.rows(`select id, amount from ${p.rel('yearly')} order by id`)).map((r) => [r.id, r.amount]);
    await p.ok(['build']);
    first = await read();
    // Every year's row changes; lookback 1 reprocesses last year and this year only.
    p.write('seeds/events.csv', csv(HEADER, row(1, y - 2, 10), row(2, y - 1, 20), row(3, y, 30)));
    await p.ok(['build']);
    second = await read();
  }, 300_000);

  it('a first run starts at begin; later runs reprocess `lookback` batches before the current one', () => {
    expect(first).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(second).toEqual([[1, 1], [2, 20], [3, 30]]);
  });
});
