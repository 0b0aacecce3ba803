// Microbatch on DuckDB and PostgreSQL: batches of a day (or a year) replace exactly their
// window, inputs with an `event_time` are narrowed to the batch, --event-time-start/-end pick the
// batches, lookback reprocesses recent ones, a failed batch is rolled back while every other one
// runs (partial success), and `kiln retry` reruns just the failed batches.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterRows, withAdapter } from '../adapters/targets.js';
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

interface RunResult {
  status: string;
  batch_results: { successful: string[][]; failed: string[][] } | null;
}

/** A node's entry in the last run_results.json. */
function runResult(p: Project, name: string): RunResult {
  const json = JSON.parse(fs.readFileSync(path.join(p.dir, 'target/run_results.json'), 'utf8')) as { results: (RunResult & { unique_id: string })[] };
  return json.results.find((r) => r.unique_id === `model.p.${name}`)!;
}

/** A statement run behind kiln's back (through its adapter, as another client would). */
async function exec(p: Project, sql: string): Promise<void> {
  await withAdapter(p.dir, 'p', (a) => adapterRows(a, sql));
}

/** A day batch of January 2024 as run_results.json writes it. */
const span = (from: number, to: number) => [`2024-01-0${from}T00:00:00+00:00`, `2024-01-0${to}T00:00:00+00:00`];

async function rowsOf(p: Project): Promise<Row[]> {
  return (await p.rows(`select id, cast(ts as varchar) as ts, amount, seen_in_batch from ${p.rel('daily')} order by id`)).map((r) => [r.id, String(r.ts).slice(0, 19), r.amount, r.seen_in_batch] as Row);
}

describe.each(TARGETS)('microbatch on $name', (target: AdapterTarget) => {
  let p: Project;
  const after: Row[][] = [];
  let batchFailure = '';
  let compiledRun = '';
  let partial: RunResult = { status: '', batch_results: null };
  let retried: RunResult = { status: '', batch_results: null };
  let noop = '';

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
    // 4. The second of four batches fails: the others run and are kept (partial success).
    p.write('seeds/rates.csv', csv(['k', 'rate'], [1, 3]));
    await p.ok(['seed']);
    const failed = await p.run(['run', '--event-time-start', '2024-01-01', '--event-time-end', '2024-01-05'], { KILN_TEST_FAIL_AFTER: 'daily:6' });
    expect(failed.code).toBe(1);
    batchFailure = failed.stdout;
    partial = runResult(p, 'daily');
    after.push(await rowsOf(p));
    // 5. `kiln retry` reruns the failed batch alone (the new rate shows where it wrote). The
    // rate changes behind kiln's back: a `kiln seed` would be the invocation retry reruns.
    await exec(p, `update ${p.rel('rates')} set rate = 4`);
    await p.ok(['retry']);
    retried = runResult(p, 'daily');
    after.push(await rowsOf(p));
    // 6. Nothing left to retry.
    noop = (await p.ok(['retry'])).stdout;
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

  it('a failed batch is rolled back, every other batch runs and is kept: partial success', () => {
    expect(batchFailure).toMatch(/PARTIAL SUCCESS/);
    expect(batchFailure).toMatch(/Batch 2024-01-02 00:00:00 to 2024-01-03 00:00:00 failed \(the other batches were kept\)/);
    expect(batchFailure).toMatch(/kiln retry/);
    expect(batchFailure).toMatch(/--event-time-start "2024-01-02 00:00:00" --event-time-end "2024-01-03 00:00:00"/);
    expect(after[3]).toEqual([
      [1, day(1), 33, 1],
      [2, day(2), 42, 2],
      [4, day(4), 120, 1],
      [5, day(2, 23), 100, 2],
    ]);
    expect(partial.status).toBe('partial success');
    expect(partial.batch_results).toEqual({
      successful: [span(1, 2), span(3, 4), span(4, 5)],
      failed: [span(2, 3)],
    });
  });

  it('kiln retry reruns only the failed batch and records every batch as successful', () => {
    // Only Jan 2 saw rate 4; Jan 1 and Jan 4 keep the rate of the run that built them.
    expect(after[4]).toEqual([
      [1, day(1), 33, 1],
      [2, day(2), 84, 2],
      [4, day(4), 120, 1],
      [5, day(2, 23), 200, 2],
    ]);
    expect(retried.status).toBe('success');
    expect(retried.batch_results).toEqual({ successful: [span(1, 2), span(3, 4), span(4, 5), span(2, 3)], failed: [] });
    expect(noop).toMatch(/Nothing to retry/);
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

describe.each(TARGETS)('microbatch batches that fail on their data, model.batch, and retry on $name', (target: AdapterTarget) => {
  // `code` is text; a batch holding a non-number fails its cast (a real database error).
  const seed = (bad: number) => csv(['id', 'ts', 'code'], [1, day(1), bad === 1 ? 'x' : '1'], [2, day(2), bad === 2 ? 'x' : '2'], [3, day(3), '3']);
  const model = (name: string) => ({
    [`models/${name}.sql`]: `{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='ts', batch_size='day', begin='2024-01-01') }}
select id, ts, cast(code as integer) as code,
  '{{ model.batch.id }}' as batch_id, '{{ model.batch.event_time_start }}' as batch_start, '{{ model.batch.event_time_end }}' as batch_end
from {{ ref('${name}_events') }}`,
  });
  const props = (name: string) => `seeds:\n  - name: ${name}_events\n    config:\n      event_time: ts\n      column_types:\n        code: varchar(10)\n`;
  let p: Project;
  const window = ['--event-time-start', '2024-01-01', '--event-time-end', '2024-01-04'];
  const read = async (name: string) => (await p.rows(`select id, code, cast(batch_id as varchar(20)) as batch_id, batch_start, batch_end from ${p.rel(name)} order by id`)).map((r) => [r.id, r.code, String(r.batch_id), r.batch_start, r.batch_end]);
  const batchRow = (id: number, d: number) => [id, id, `2024010${d}`, `2024-01-0${d}T00:00:00+00:00`, `2024-01-0${d + 1}T00:00:00+00:00`];
  let middle: { code: number; stdout: string; rows: unknown[][]; result: RunResult };
  let middleRetried: unknown[][];
  let first: { code: number; stdout: string; relations: string[]; result: RunResult };
  let firstRetried: { rows: unknown[][]; result: RunResult };

  beforeAll(async () => {
    p = await project(target, {
      'seeds/mid_events.csv': seed(2),
      'seeds/first_events.csv': seed(1),
      'seeds/props.yml': `${props('mid')}  - name: first_events\n    config:\n      event_time: ts\n      column_types:\n        code: varchar(10)\n`,
      ...model('mid'),
      ...model('first'),
    });
    await p.ok(['seed']);
    // The middle batch of a first build fails: the table is built by the first, the third is added.
    let r = await p.run(['run', '-s', 'mid', ...window]);
    middle = { code: r.code, stdout: r.stdout, rows: await read('mid'), result: runResult(p, 'mid') };
    await exec(p, `update ${p.rel('mid_events')} set code = '2' where id = 2`);
    await p.ok(['retry']);
    middleRetried = await read('mid');
    // The first batch of a first build fails: no table, so no later batch can run; all failed.
    r = await p.run(['run', '-s', 'first', ...window]);
    first = { code: r.code, stdout: r.stdout, relations: await p.relations(), result: runResult(p, 'first') };
    await exec(p, `update ${p.rel('first_events')} set code = '1' where id = 1`);
    await p.ok(['retry']);
    firstRetried = { rows: await read('first'), result: runResult(p, 'first') };
  }, 300_000);

  it('a batch whose query fails is rolled back; the batches around it are kept', () => {
    expect(middle.code).toBe(1);
    expect(middle.result.status).toBe('partial success');
    expect(middle.result.batch_results).toEqual({ successful: [span(1, 2), span(3, 4)], failed: [span(2, 3)] });
    expect(middle.rows).toEqual([batchRow(1, 1), batchRow(3, 3)]);
    expect(middle.stdout).toMatch(/Batch 2024-01-02 00:00:00 to 2024-01-03 00:00:00 failed/);
  });

  it('model.batch holds the id and the window of the batch being rendered', () => {
    expect(middleRetried).toEqual([batchRow(1, 1), batchRow(2, 2), batchRow(3, 3)]);
  });

  it('a failed first batch of a first build fails every batch and leaves no table; retry builds them all', () => {
    expect(first.code).toBe(1);
    expect(first.result.status).toBe('error');
    expect(first.result.batch_results).toEqual({ successful: [], failed: [span(1, 2), span(2, 3), span(3, 4)] });
    expect(first.relations).not.toContain('first');
    expect(first.relations.filter((n) => n.startsWith('first__dbt'))).toEqual([]);
    expect(firstRetried.rows).toEqual([batchRow(1, 1), batchRow(2, 2), batchRow(3, 3)]);
    expect(firstRetried.result.batch_results).toEqual({ successful: [span(1, 2), span(2, 3), span(3, 4)], failed: [] });
  });
});
