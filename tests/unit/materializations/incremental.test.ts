// The pure parts of incremental loads: microbatch windows (dbt's rules), time parsing, column
// diffs for on_schema_change, and the statements each strategy emits in each dialect.
import { describe, expect, it } from 'vitest';
import type { AdapterCapabilities, ColumnDescription } from '../../../adapters/adapter.js';
import { duckdbDialect } from '../../../adapters/duckdb/dialect.js';
import { postgresDialect } from '../../../adapters/postgres/dialect.js';
import { incrementalConfig, parseUtc } from '../../../core/materializations/incremental-config.js';
import { batchContext, batchId, batchWindows, ceiling, offset, truncate } from '../../../core/materializations/microbatch.js';
import { diffColumns } from '../../../core/materializations/schema-change.js';
import type { Step } from '../../../core/materializations/plan.js';
import { strategySteps, uniqueIndexCovers } from '../../../core/materializations/strategies.js';
import type { ParsedNode } from '../../../core/nodes.js';

const t = (s: string) => parseUtc(s)!;
const iso = (d: Date) => d.toISOString().slice(0, 19);

describe('microbatch windows', () => {
  it('truncates, offsets and rounds up per batch size as dbt does', () => {
    const x = t('2024-09-17 16:06:00');
    expect(iso(truncate(x, 'hour'))).toBe('2024-09-17T16:00:00');
    expect(iso(offset(x, 'hour', -1))).toBe('2024-09-17T15:00:00');
    expect(iso(offset(x, 'day', 1))).toBe('2024-09-18T00:00:00');
    expect(iso(offset(x, 'month', -1))).toBe('2024-08-01T00:00:00');
    expect(iso(offset(t('2024-01-31'), 'month', 1))).toBe('2024-02-01T00:00:00');
    expect(iso(offset(x, 'year', 1))).toBe('2025-01-01T00:00:00');
    expect(iso(ceiling(x, 'day'))).toBe('2024-09-18T00:00:00');
    expect(iso(ceiling(t('2024-09-17'), 'day'))).toBe('2024-09-17T00:00:00');
  });

  const cfg = { eventTime: 'ts', batchSize: 'day' as const, begin: t('2024-09-10'), lookback: 1 };
  const windows = (opts: Parameters<typeof batchWindows>[1]) => batchWindows(cfg, opts).map((w) => `${iso(w.start)}..${iso(w.end)}`);

  it('a first run goes from begin to now, rounded up', () => {
    expect(windows({ incremental: false, now: t('2024-09-12 08:00') })).toEqual([
      '2024-09-10T00:00:00..2024-09-11T00:00:00',
      '2024-09-11T00:00:00..2024-09-12T00:00:00',
      '2024-09-12T00:00:00..2024-09-13T00:00:00',
    ]);
  });

  it('an incremental run reprocesses `lookback` batches, one more when now is on a boundary', () => {
    expect(windows({ incremental: true, now: t('2024-09-12 08:00') })).toEqual(['2024-09-11T00:00:00..2024-09-12T00:00:00', '2024-09-12T00:00:00..2024-09-13T00:00:00']);
    expect(windows({ incremental: true, now: t('2024-09-12') })).toEqual(['2024-09-10T00:00:00..2024-09-11T00:00:00', '2024-09-11T00:00:00..2024-09-12T00:00:00']);
  });

  it('--event-time-start/-end pick the window (start truncated, end rounded up)', () => {
    expect(windows({ incremental: true, now: t('2030-01-01'), start: t('2024-09-11 10:00'), end: t('2024-09-12 01:00') })).toEqual([
      '2024-09-11T00:00:00..2024-09-12T00:00:00',
      '2024-09-12T00:00:00..2024-09-13T00:00:00',
    ]);
  });

  it("names batches as dbt does and gives model.batch its window in dbt's ISO form", () => {
    expect(batchId(t('2024-09-17'), 'day')).toBe('20240917');
    expect(batchId(t('2024-09-01'), 'month')).toBe('20240901');
    expect(batchId(t('2024-09-17 16:00'), 'hour')).toBe('20240917T16');
    expect(batchContext({ start: t('2024-09-17 16:00'), end: t('2024-09-17 17:00'), id: '20240917T16' })).toEqual({
      id: '20240917T16',
      event_time_start: '2024-09-17T16:00:00+00:00',
      event_time_end: '2024-09-17T17:00:00+00:00',
    });
  });

  it('reads UTC dates and times and rejects impossible ones', () => {
    expect(iso(t('2024-01-02T03:04:05Z'))).toBe('2024-01-02T03:04:05');
    expect(parseUtc('2024-02-31')).toBeNull();
    expect(parseUtc('yesterday')).toBeNull();
  });
});

describe('column diffs', () => {
  const col = (name: string, dataType: string, index = 1): ColumnDescription => ({ name, dataType, index });
  it('finds added, removed and retyped columns, names case-insensitively', () => {
    const d = diffColumns([col('ID', 'INTEGER'), col('amount', 'BIGINT'), col('extra', 'VARCHAR')], [col('id', 'integer'), col('amount', 'INTEGER'), col('old', 'DATE')]);
    expect(d.added.map((c) => c.name)).toEqual(['extra']);
    expect(d.removed.map((c) => c.name)).toEqual(['old']);
    expect(d.retyped.map((r) => [r.column.name, r.to])).toEqual([['amount', 'BIGINT']]);
  });
});

describe('strategy statements', () => {
  const caps: AdapterCapabilities = { supportsTransactionalDdl: true, supportsMerge: true, supportsCreateOrReplaceView: true, maxIdentifierLength: 63, incrementalStrategies: ['append', 'merge', 'delete+insert', 'microbatch'], supportsIndexes: true };
  const node = (config: Record<string, unknown>) => ({ name: 'm', uniqueId: 'model.p.m', resourceType: 'model', rawCode: '', originalFilePath: 'models/m.sql', loc: { file: 'models/m.sql' }, config: { materialized: 'incremental', ...config } }) as unknown as ParsedNode;
  const target = { database: 'db', schema: 's', identifier: 'm' };
  const tmp = { database: 'db', schema: 's', identifier: 'm__dbt_tmp' };
  const sql = (config: Record<string, unknown>, keys: string[], dialect = postgresDialect('db'), c = caps) =>
    strategySteps({ config: incrementalConfig(node(config), c), target, tmp, staging: { ...tmp, identifier: 'm__dbt_staging' }, columns: ['id', 'v'], tableColumns: ['id', 'v'], keys, updateColumns: ['id', 'v'] }, dialect, c).map((s) => (s.kind === 'sql' ? s.sql : s.kind));

  it('delete+insert: the matched rows deleted through `using`; with predicates one key by IN, several by EXISTS, predicates appended', () => {
    const insert = 'insert into "db"."s"."m" ("id", "v")\nselect DBT_INTERNAL_SOURCE."id", DBT_INTERNAL_SOURCE."v"\nfrom "db"."s"."m__dbt_tmp" as DBT_INTERNAL_SOURCE';
    for (const dialect of [postgresDialect('db'), duckdbDialect]) {
      expect(sql({ unique_key: 'id' }, ['id'], dialect)).toEqual([
        'delete from "db"."s"."m" as DBT_INTERNAL_DEST\nusing "db"."s"."m__dbt_tmp" as DBT_INTERNAL_SOURCE\nwhere DBT_INTERNAL_SOURCE."id" = DBT_INTERNAL_DEST."id"',
        insert,
      ]);
      expect(sql({ unique_key: ['id', 'v'] }, ['id', 'v'], dialect)[0]).toBe(
        'delete from "db"."s"."m" as DBT_INTERNAL_DEST\nusing "db"."s"."m__dbt_tmp" as DBT_INTERNAL_SOURCE\nwhere DBT_INTERNAL_SOURCE."id" = DBT_INTERNAL_DEST."id" and DBT_INTERNAL_SOURCE."v" = DBT_INTERNAL_DEST."v"',
      );
    }
    // An unqualified column in a predicate must keep naming the target's column.
    expect(sql({ unique_key: 'id', incremental_predicates: ['v > 0'] }, ['id'])).toEqual([
      'delete from "db"."s"."m" as DBT_INTERNAL_DEST\nwhere DBT_INTERNAL_DEST."id" in (select "id" from "db"."s"."m__dbt_tmp")\nand (v > 0)',
      insert,
    ]);
    expect(sql({ unique_key: ['id', 'v'], incremental_predicates: ['DBT_INTERNAL_DEST.v > 0'] }, ['id', 'v'])[0]).toBe(
      'delete from "db"."s"."m" as DBT_INTERNAL_DEST\nwhere exists (select 1 from "db"."s"."m__dbt_tmp" as DBT_INTERNAL_SOURCE where DBT_INTERNAL_SOURCE."id" = DBT_INTERNAL_DEST."id" and DBT_INTERNAL_SOURCE."v" = DBT_INTERNAL_DEST."v")\nand (DBT_INTERNAL_DEST.v > 0)',
    );
  });

  it('delete+insert over a declared unique index on the key: one MERGE once the catalog shows the index, else delete + insert', () => {
    const input = { config: incrementalConfig(node({ unique_key: 'id' }), caps), target, tmp, staging: tmp, columns: ['id', 'v'], tableColumns: ['id', 'v', 'old'], keys: ['id'], updateColumns: [], uniqueKeyIndexDeclared: true };
    const [step] = strategySteps(input, postgresDialect('db'), caps);
    if (step.kind !== 'query') throw new Error(`expected the unique index query, got ${step.kind}`);
    expect(step.sql).toMatch(/indisunique/);
    const text = (steps: readonly Step[]) => steps.map((s) => (s.kind === 'sql' ? s.sql : s.kind));
    expect(text(step.then([['17', 'id']]))).toEqual([
      `merge into "db"."s"."m" as DBT_INTERNAL_DEST
using "db"."s"."m__dbt_tmp" as DBT_INTERNAL_SOURCE
on DBT_INTERNAL_SOURCE."id" = DBT_INTERNAL_DEST."id"
when matched then update set
    "id" = DBT_INTERNAL_SOURCE."id",
    "v" = DBT_INTERNAL_SOURCE."v",
    "old" = default
when not matched then insert ("id", "v")
values (DBT_INTERNAL_SOURCE."id", DBT_INTERNAL_SOURCE."v")`,
    ]);
    // No index, or only one over another column too: the key may repeat in the table.
    for (const rows of [[], [['17', 'id'], ['17', 'v']]]) expect(text(step.then(rows))[0]).toMatch(/^delete from .*\nusing /s);
    expect(uniqueIndexCovers([['1', 'v'], ['2', 'id']], ['id'])).toBe(true);
    // Without MERGE (or on DuckDB, which has no index query) nothing changes.
    expect(text(strategySteps(input, postgresDialect('db'), { ...caps, supportsMerge: false }))[0]).toMatch(/^delete from /);
    expect(text(strategySteps(input, duckdbDialect, caps))[0]).toMatch(/^delete from /);
  });

  it('merge: native MERGE in both dialects; update + insert where there is none', () => {
    const native = `merge into "db"."s"."m" as DBT_INTERNAL_DEST
using "db"."s"."m__dbt_tmp" as DBT_INTERNAL_SOURCE
on DBT_INTERNAL_SOURCE."id" = DBT_INTERNAL_DEST."id"
when matched then update set
    "id" = DBT_INTERNAL_SOURCE."id",
    "v" = DBT_INTERNAL_SOURCE."v"
when not matched then insert ("id", "v")
values (DBT_INTERNAL_SOURCE."id", DBT_INTERNAL_SOURCE."v")`;
    expect(sql({ incremental_strategy: 'merge', unique_key: 'id' }, ['id'])).toEqual([native]);
    expect(sql({ incremental_strategy: 'merge', unique_key: 'id' }, ['id'], duckdbDialect)).toEqual([native]);
    expect(sql({ incremental_strategy: 'merge', unique_key: 'id' }, ['id'], postgresDialect('db'), { ...caps, supportsMerge: false })).toEqual([
      'update "db"."s"."m" as DBT_INTERNAL_DEST\nset "id" = DBT_INTERNAL_SOURCE."id",\n    "v" = DBT_INTERNAL_SOURCE."v"\nfrom "db"."s"."m__dbt_tmp" as DBT_INTERNAL_SOURCE\nwhere DBT_INTERNAL_SOURCE."id" = DBT_INTERNAL_DEST."id"',
      'insert into "db"."s"."m" ("id", "v")\nselect DBT_INTERNAL_SOURCE."id", DBT_INTERNAL_SOURCE."v"\nfrom "db"."s"."m__dbt_tmp" as DBT_INTERNAL_SOURCE\nwhere not exists (select 1 from "db"."s"."m" as DBT_INTERNAL_DEST where DBT_INTERNAL_SOURCE."id" = DBT_INTERNAL_DEST."id")',
    ]);
  });

  it('merge where in-place updates are slow: matched rows are deleted and inserted again', () => {
    expect(sql({ incremental_strategy: 'merge', unique_key: 'id' }, ['id'], duckdbDialect, { ...caps, prefersReplaceToUpdate: true })).toEqual([
      'delete from "db"."s"."m" as DBT_INTERNAL_DEST\nusing "db"."s"."m__dbt_tmp" as DBT_INTERNAL_SOURCE\nwhere DBT_INTERNAL_SOURCE."id" = DBT_INTERNAL_DEST."id"',
      'insert into "db"."s"."m" ("id", "v")\nselect DBT_INTERNAL_SOURCE."id", DBT_INTERNAL_SOURCE."v"\nfrom "db"."s"."m__dbt_tmp" as DBT_INTERNAL_SOURCE',
    ]);
    // Predicates in the match: `exists`, where an unqualified column resolves to the source first.
    expect(sql({ incremental_strategy: 'merge', unique_key: 'id', incremental_predicates: ['v > 0'] }, ['id'], duckdbDialect, { ...caps, prefersReplaceToUpdate: true })[0]).toBe(
      'delete from "db"."s"."m" as DBT_INTERNAL_DEST\nwhere exists (select 1 from "db"."s"."m__dbt_tmp" as DBT_INTERNAL_SOURCE where (v > 0) and DBT_INTERNAL_SOURCE."id" = DBT_INTERNAL_DEST."id")',
    );
  });

  it('defaults: delete+insert with a key, append without', () => {
    expect(incrementalConfig(node({ unique_key: 'id' }), caps).strategy).toBe('delete+insert');
    expect(incrementalConfig(node({}), caps).strategy).toBe('append');
  });
});
