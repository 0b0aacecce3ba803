// Snapshot histories over four runs on DuckDB and PostgreSQL, row by row: timestamp and check
// strategies, hard_deletes ignore / invalidate / new_record, a composite key, a YAML-declared
// snapshot (`relation: ref(...)`) with renamed meta columns and dbt_valid_to_current, target_schema and
// schema configs, a model built on a snapshot. Times the data gives are asserted exactly; times
// the snapshot takes from the clock read `NOW`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTargets, csv, project, targets, type AdapterTarget, type Project } from '../incremental/harness.js';

const TARGETS = targets();
afterAll(() => cleanupTargets(TARGETS));

const HEADER = ['id', 'region', 'status', 'amount', 'updated_at'];
const d = (n: number) => `2024-01-0${n} 00:00:00`;
/** R2: 1 paid; 2's amount changes without a new updated_at. R3: 3 deleted, 4 new. R4: 3 back, 1 shipped. */
const SOURCE = [
  [[1, 'eu', 'new', 10, d(1)], [2, 'eu', 'new', 20, d(1)], [3, 'us', 'new', 30, d(1)]],
  [[1, 'eu', 'paid', 10, d(2)], [2, 'eu', 'new', 25, d(1)], [3, 'us', 'new', 30, d(1)]],
  [[1, 'eu', 'paid', 10, d(2)], [2, 'eu', 'new', 25, d(1)], [4, 'us', 'new', 40, d(3)]],
  [[1, 'eu', 'shipped', 10, d(4)], [2, 'eu', 'new', 25, d(1)], [3, 'us', 'new', 30, d(4)], [4, 'us', 'new', 40, d(3)]],
];

const block = (name: string, config: string) =>
  `{% snapshot ${name} %}\n{{ config(${config}) }}\nselect id, region, status, amount, updated_at from {{ ref('src') }}\n{% endsnapshot %}\n`;
const TS = "unique_key='id', strategy='timestamp', updated_at='updated_at'";

const FILES = {
  'snapshots/timestamp.sql':
    block('ts_ignore', TS) + block('ts_invalidate', `${TS}, hard_deletes='invalidate'`) + block('ts_new_record', `${TS}, hard_deletes='new_record'`),
  'snapshots/check.sql':
    block('check_all', "unique_key='id', strategy='check', check_cols='all'") + block('check_list', "unique_key='id', strategy='check', check_cols=['status']"),
  'snapshots/keys.sql': block('key_list', "unique_key=['id', 'region'], strategy='timestamp', updated_at='updated_at'"),
  'snapshots/placed.sql': block('legacy', `${TS}, target_schema='snaps_legacy'`) + block('custom', `${TS}, schema='hist'`),
  'snapshots/declared.yml': `snapshots:
  - name: declared
    relation: ref('src')
    config:
      strategy: timestamp
      unique_key: id
      updated_at: updated_at
      snapshot_meta_column_names: {dbt_valid_from: valid_from, dbt_valid_to: valid_to, dbt_scd_id: scd_id, dbt_updated_at: changed_at}
      dbt_valid_to_current: "cast('9999-12-31' as timestamp)"
`,
  'models/current_orders.sql': `select id, status from {{ ref('ts_new_record') }} where dbt_valid_to is null and dbt_is_deleted = 'False'`,
};

/** id, status, amount, updated_at, valid_from, valid_to (+ is_deleted), clock times masked. */
type Version = (string | number | null)[];

function mask(v: unknown): string | number | null {
  if (v === null || typeof v === 'number') return v as number | null;
  const s = String(v);
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) return Number(s.slice(0, 4)) >= 2025 && !s.startsWith('9999') ? 'NOW' : s.slice(0, 19);
  return s;
}

async function history(p: Project, rel: string, meta = { from: 'dbt_valid_from', to: 'dbt_valid_to' }, deleted = false): Promise<Version[]> {
  const rows = await p.rows(
    `select id, status, amount, cast(updated_at as varchar) as u, cast(${meta.from} as varchar) as f, cast(${meta.to} as varchar) as t${deleted ? ', dbt_is_deleted' : ''}
     from ${rel} order by id, ${meta.from}, ${meta.to} nulls last`,
  );
  return rows.map((r): Version => [r.id as number, r.status as string, r.amount as number, mask(r.u), mask(r.f), mask(r.t), ...(deleted ? [r.dbt_is_deleted as string] : [])]);
}

const TS_IGNORE: Version[] = [
  [1, 'new', 10, d(1), d(1), d(2)],
  [1, 'paid', 10, d(2), d(2), d(4)],
  [1, 'shipped', 10, d(4), d(4), null],
  [2, 'new', 20, d(1), d(1), null],
  [3, 'new', 30, d(1), d(1), d(4)],
  [3, 'new', 30, d(4), d(4), null],
  [4, 'new', 40, d(3), d(3), null],
];

describe.each(TARGETS)('snapshot histories on $name', (target: AdapterTarget) => {
  let p: Project;
  const outputs: string[] = [];
  const timeline = new Map<string, Version[][]>();
  let currentOrders: unknown[] = [];
  let schemas: Record<string, string> = {};

  beforeAll(async () => {
    p = await project(target, FILES);
    const commands = [['build'], ['snapshot'], ['build'], ['build']];
    for (let i = 0; i < SOURCE.length; i++) {
      p.write('seeds/src.csv', csv(HEADER, ...SOURCE[i]));
      if (commands[i][0] === 'snapshot') await p.ok(['seed']);
      outputs.push((await p.ok(commands[i])).stdout);
      const add = (name: string, v: Version[]) => timeline.set(name, [...(timeline.get(name) ?? []), v]);
      for (const s of ['ts_ignore', 'ts_invalidate', 'check_all', 'check_list', 'key_list']) add(s, await history(p, p.rel(s)));
      add('ts_new_record', await history(p, p.rel('ts_new_record'), undefined, true));
      add('declared', await history(p, p.rel('declared'), { from: 'valid_from', to: 'valid_to' }));
      add('legacy', await history(p, 'snaps_legacy.legacy'));
      add('custom', await history(p, `${target.schema}_hist.custom`));
    }
    currentOrders = (await p.rows(`select id, status from ${p.rel('current_orders')} order by id`)).map((r) => [r.id, r.status]);
    const found = await p.rows(`select table_schema, table_name from information_schema.tables where table_name in ('legacy', 'custom')`);
    schemas = Object.fromEntries(found.map((r) => [r.table_name, r.table_schema]));
  }, 300_000);

  it('timestamp, hard_deletes ignore: a version per new updated_at, vanished keys stay current', () => {
    const [r1, r2, r3] = timeline.get('ts_ignore')!;
    expect(r1).toEqual([[1, 'new', 10, d(1), d(1), null], [2, 'new', 20, d(1), d(1), null], [3, 'new', 30, d(1), d(1), null]]);
    expect(r2).toEqual([[1, 'new', 10, d(1), d(1), d(2)], [1, 'paid', 10, d(2), d(2), null], [2, 'new', 20, d(1), d(1), null], [3, 'new', 30, d(1), d(1), null]]);
    expect(r3).toEqual([[1, 'new', 10, d(1), d(1), d(2)], [1, 'paid', 10, d(2), d(2), null], [2, 'new', 20, d(1), d(1), null], [3, 'new', 30, d(1), d(1), null], [4, 'new', 40, d(3), d(3), null]]);
    expect(timeline.get('ts_ignore')![3]).toEqual(TS_IGNORE);
  });

  it('timestamp, hard_deletes invalidate: a vanished key is closed at the snapshot time; its return is a new version', () => {
    const h = timeline.get('ts_invalidate')!;
    expect(h[2].filter((v) => v[0] === 3)).toEqual([[3, 'new', 30, d(1), d(1), 'NOW']]);
    expect(h[3]).toEqual([
      [1, 'new', 10, d(1), d(1), d(2)],
      [1, 'paid', 10, d(2), d(2), d(4)],
      [1, 'shipped', 10, d(4), d(4), null],
      [2, 'new', 20, d(1), d(1), null],
      [3, 'new', 30, d(1), d(1), 'NOW'],
      [3, 'new', 30, d(4), d(4), null],
      [4, 'new', 40, d(3), d(3), null],
    ]);
  });

  it('timestamp, hard_deletes new_record: a deletion record, closed when the key returns', () => {
    const h = timeline.get('ts_new_record')!;
    expect(h[2].filter((v) => v[0] === 3)).toEqual([[3, 'new', 30, d(1), d(1), 'NOW', 'False'], [3, 'new', 30, d(1), 'NOW', null, 'True']]);
    expect(h[3]).toEqual([
      [1, 'new', 10, d(1), d(1), d(2), 'False'],
      [1, 'paid', 10, d(2), d(2), d(4), 'False'],
      [1, 'shipped', 10, d(4), d(4), null, 'False'],
      [2, 'new', 20, d(1), d(1), null, 'False'],
      [3, 'new', 30, d(1), d(1), 'NOW', 'False'],
      [3, 'new', 30, d(4), d(4), null, 'False'],
      [3, 'new', 30, d(1), 'NOW', d(4), 'True'],
      [4, 'new', 40, d(3), d(3), null, 'False'],
    ]);
  });

  it('check, check_cols all: any changed column makes a version (times from the clock)', () => {
    const h = timeline.get('check_all')!;
    expect(h[0]).toEqual([[1, 'new', 10, d(1), 'NOW', null], [2, 'new', 20, d(1), 'NOW', null], [3, 'new', 30, d(1), 'NOW', null]]);
    expect(h[1]).toEqual([[1, 'new', 10, d(1), 'NOW', 'NOW'], [1, 'paid', 10, d(2), 'NOW', null], [2, 'new', 20, d(1), 'NOW', 'NOW'], [2, 'new', 25, d(1), 'NOW', null], [3, 'new', 30, d(1), 'NOW', null]]);
    expect(h[3]).toEqual([
      [1, 'new', 10, d(1), 'NOW', 'NOW'],
      [1, 'paid', 10, d(2), 'NOW', 'NOW'],
      [1, 'shipped', 10, d(4), 'NOW', null],
      [2, 'new', 20, d(1), 'NOW', 'NOW'],
      [2, 'new', 25, d(1), 'NOW', null],
      [3, 'new', 30, d(1), 'NOW', 'NOW'],
      [3, 'new', 30, d(4), 'NOW', null],
      [4, 'new', 40, d(3), 'NOW', null],
    ]);
  });

  it('check, check_cols list: only the listed columns count', () => {
    expect(timeline.get('check_list')![3]).toEqual([
      [1, 'new', 10, d(1), 'NOW', 'NOW'],
      [1, 'paid', 10, d(2), 'NOW', 'NOW'],
      [1, 'shipped', 10, d(4), 'NOW', null],
      [2, 'new', 20, d(1), 'NOW', null],
      [3, 'new', 30, d(1), 'NOW', null],
      [4, 'new', 40, d(3), 'NOW', null],
    ]);
  });

  it('each closed version ends exactly where the next one starts (check strategy, real times)', async () => {
    const rows = await p.rows(`select id, cast(dbt_valid_from as varchar) as f, cast(dbt_valid_to as varchar) as t from ${p.rel('check_all')} order by id, dbt_valid_from`);
    for (let i = 0; i + 1 < rows.length; i++) {
      if (rows[i].id === rows[i + 1].id) expect(rows[i].t).toBe(rows[i + 1].f);
    }
    const runs = new Set(rows.map((r) => r.f));
    expect(runs.size).toBe(4); // versions from every run
  });

  it('a composite unique_key, target_schema and schema configs give the same history', () => {
    expect(timeline.get('key_list')![3]).toEqual(TS_IGNORE);
    expect(timeline.get('legacy')![3]).toEqual(TS_IGNORE);
    expect(timeline.get('custom')![3]).toEqual(TS_IGNORE);
    expect(schemas).toEqual({ legacy: 'snaps_legacy', custom: `${target.schema}_hist` });
  });

  it('a YAML snapshot (relation: ref): renamed meta columns, dbt_valid_to_current for current rows', () => {
    expect(timeline.get('declared')![3]).toEqual(TS_IGNORE.map((v) => (v[5] === null ? [...v.slice(0, 5), '9999-12-31 00:00:00'] : v)));
  });

  it('builds snapshots after their inputs and before what refs them; `kiln snapshot` runs snapshots only', () => {
    const lines = outputs[0].split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/START seed file \w+\.src/)).toBeLessThan(at(/START snapshot \w+\.ts_new_record/));
    expect(at(/OK snapshotted \w+\.ts_new_record/)).toBeLessThan(at(/START sql view model \w+\.current_orders/));
    expect(outputs[0]).toMatch(/Finished running 1 seed, 9 snapshots, 1 view model/);
    expect(outputs[1]).toMatch(/Finished running 9 snapshots in/);
    expect(outputs[1]).not.toMatch(/current_orders/);
    expect(currentOrders).toEqual([[1, 'shipped'], [2, 'new'], [3, 'new'], [4, 'new']]);
  });
});
