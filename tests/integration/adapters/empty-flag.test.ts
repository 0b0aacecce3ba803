// `--empty`: a schema-only dry run. Every ref and source reads as zero rows, so each model's SQL
// runs against the real relations (a wrong column fails) and its relation is created with its
// columns, but no data is read; seeds are created with their columns and no rows. A normal build
// afterwards fills everything.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { duckdbTarget, postgresTarget, type AdapterTarget } from './targets.js';

const FILES: Record<string, string> = {
  'dbt_project.yml': 'name: ef\nprofile: ef\n',
  'seeds/people.csv': 'id,name\n1,ann\n2,bob\n3,cy\n',
  'models/sources.yml': 'sources:\n  - name: raw\n    schema: "{{ target.schema }}"\n    tables:\n      - name: people\n',
  'models/from_source.sql': "select id, upper(name) as name from {{ source('raw', 'people') }}",
  // Refs aliased (bare and with AS) and one referred to by its own name: dbt's --empty breaks all three.
  'models/big.sql': "{{ config(materialized='table') }}\nselect p.id, s.name, {{ 'true' if flags.EMPTY else 'false' }} as dry from {{ ref('people') }} p join {{ ref('from_source') }} as s on s.id = p.id join {{ ref('people') }} on people.id = p.id",
  'models/schema.yml': 'models:\n  - name: big\n    columns:\n      - name: id\n        data_tests: [not_null, unique]\n',
};

describe.each([duckdbTarget(), postgresTarget()])('--empty: $name', (target: AdapterTarget) => {
  const dirs: string[] = [];
  afterAll(async () => {
    await target.cleanup();
  });

  it('builds every relation with its columns and no rows, then a normal build fills them', async () => {
    const dir = testdir(FILES);
    dirs.push(dir);
    await target.setup(dir, 'ef');
    const s = target.schema;
    // The source reads the seed's table, which the DAG does not know (and PostgreSQL drops the
    // view on it when the seed is rebuilt): seeds first, then models and tests.
    expect((await kiln(['seed', '--empty'], dir)).code).toBe(0);
    const dry = await kiln(['build', '--empty', '--exclude', 'resource_type:seed'], dir);
    expect(dry.code, dry.output).toBe(0);
    expect((await target.relations(dir)).map((r) => r.name).sort()).toEqual(['big', 'from_source', 'people']);
    for (const rel of ['people', 'from_source', 'big']) {
      expect(await target.query(dir, `select count(*) as n from ${s}.${rel}`)).toEqual([{ n: expect.anything() }]);
      const [{ n }] = await target.query(dir, `select count(*) as n from ${s}.${rel}`);
      expect(Number(n), rel).toBe(0);
    }
    const compiled = fs.readFileSync(path.join(dir, 'target/compiled/ef/models/big.sql'), 'utf8');
    expect(compiled).toMatch(/\(select \* from \S+people" where false limit 0\) p join/);
    expect(compiled).toMatch(/\(select \* from \S+from_source" where false limit 0\) as s on/);
    expect(compiled).toMatch(/\(select \* from \S+people" where false limit 0\) "people" on people\.id/);
    // The columns are the model's own, typed from its (empty) inputs.
    const cols = await target.query(dir, `select column_name from information_schema.columns where table_schema = '${s}' and table_name = 'big' order by ordinal_position`);
    expect(cols.map((c) => c.column_name)).toEqual(['id', 'name', 'dry']);

    expect((await kiln(['seed'], dir)).code).toBe(0);
    const full = await kiln(['build', '--exclude', 'resource_type:seed'], dir);
    expect(full.code, full.output).toBe(0);
    const rows = await target.query(dir, `select id, name, dry from ${s}.big order by id`);
    expect(rows.map((r) => [Number(r.id), r.name, r.dry])).toEqual([[1, 'ANN', false], [2, 'BOB', false], [3, 'CY', false]]);
  });

  it('a model naming a column its input lacks fails under --empty too: the dry run checks the SQL', async () => {
    const dir = testdir({ ...FILES, 'models/wrong.sql': "select no_such_column from {{ ref('people') }}" });
    dirs.push(dir);
    await target.setup(dir, 'ef');
    const r = await kiln(['build', '--empty'], dir);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/no_such_column/);
  });

  it('keeps the history of an existing snapshot (hard deletes) and a microbatch model: their SQL is only checked', async () => {
    const dir = testdir({
      ...FILES,
      'snapshots/snap.sql': "{% snapshot snap %}\n{{ config(unique_key='id', strategy='check', check_cols='all', hard_deletes='invalidate', target_schema=target.schema) }}\nselect id, name from {{ ref('people') }}\n{% endsnapshot %}\n",
      'models/events.sql': "{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='event_at', batch_size='day', begin='2024-01-01', lookback=2) }}\nselect id, cast('2024-01-01' as date) + cast(id as integer) as event_at from {{ ref('people') }}",
    });
    dirs.push(dir);
    await target.setup(dir, 'ef');
    const s = target.schema;
    expect((await kiln(['seed'], dir)).code).toBe(0);
    const first = await kiln(['build', '-s', 'snap', 'events', '--event-time-start', '2024-01-01', '--event-time-end', '2024-01-05'], dir);
    expect(first.code, first.output).toBe(0);
    const before = await target.query(dir, `select count(*) as n from ${s}.events`);
    expect(Number(before[0].n)).toBe(3);

    const dry = await kiln(['build', '--empty', '-s', 'snap', 'events', '--event-time-start', '2024-01-01', '--event-time-end', '2024-01-05'], dir);
    expect(dry.code, dry.output).toBe(0);
    const open = await target.query(dir, `select count(*) as n from ${s}.snap where dbt_valid_to is null`);
    expect(Number(open[0].n)).toBe(3);
    const after = await target.query(dir, `select count(*) as n from ${s}.events`);
    expect(Number(after[0].n)).toBe(3);

    // A broken query is still an error under --empty.
    fs.writeFileSync(path.join(dir, 'snapshots/snap.sql'), "{% snapshot snap %}\n{{ config(unique_key='id', strategy='check', check_cols='all', target_schema=target.schema) }}\nselect id, nope from {{ ref('people') }}\n{% endsnapshot %}\n");
    const broken = await kiln(['snapshot', '--empty'], dir);
    expect(broken.code).toBe(1);
    expect(broken.output).toMatch(/nope/);
  });
});
