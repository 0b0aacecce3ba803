// Snapshot definitions: blocks and YAML entries become manifest nodes; a missing or wrong
// strategy config is reported by `kiln parse` with the snapshot, the config and the fix; bad
// targets and unknown columns fail the run with the table untouched.
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { queryDuckDb } from '../../helpers/duckdb-query.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 2\n';
const dir = (files: Record<string, string>) => testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': PROFILE, ...files });
const snap = (name: string, config: string, sql = "select 1 as id, timestamp '2024-01-01' as updated_at") =>
  `{% snapshot ${name} %}\n{{ config(${config}) }}\n${sql}\n{% endsnapshot %}\n`;

describe('snapshot definitions', () => {
  it('puts block and YAML snapshots in the manifest with their dependencies', async () => {
    const d = dir({
      'models/orders.sql': 'select 1 as id',
      'snapshots/sub/orders_snap.sql': snap('orders_snap', "unique_key='id', strategy='check', check_cols='all'", "select * from {{ ref('orders') }}"),
      'snapshots/more.yml': "snapshots:\n  - name: orders_yaml\n    relation: ref('orders')\n    description: from YAML\n    config:\n      strategy: check\n      check_cols: all\n      unique_key: id\n",
    });
    const r = await kiln(['parse'], d);
    expect(r.code, r.output).toBe(0);
    const nodes = JSON.parse(fs.readFileSync(path.join(d, 'target/manifest.json'), 'utf8')).nodes;
    const block = nodes['snapshot.p.orders_snap'];
    expect(block).toMatchObject({ resource_type: 'snapshot', fqn: ['p', 'sub', 'orders_snap', 'orders_snap'], original_file_path: 'snapshots/sub/orders_snap.sql' });
    expect(block.depends_on.nodes).toEqual(['model.p.orders']);
    expect(block.config).toMatchObject({ materialized: 'snapshot', strategy: 'check', unique_key: 'id' });
    const yaml = nodes['snapshot.p.orders_yaml'];
    expect(yaml).toMatchObject({ resource_type: 'snapshot', description: 'from YAML', original_file_path: 'snapshots/more.yml' });
    expect(yaml.depends_on.nodes).toEqual(['model.p.orders']);
  });

  it.each([
    ['no strategy', "unique_key='id'", /Snapshot 's': the snapshot has no `strategy`/, /strategy='timestamp'/],
    ['an unknown strategy', "unique_key='id', strategy='latest'", /Snapshot 's': snapshot strategy 'latest' is not known/, /strategy='check'/],
    ['no unique_key', "strategy='check', check_cols='all'", /Snapshot 's': the snapshot has no `unique_key`/, /unique_key='id'/],
    ['timestamp without updated_at', "unique_key='id', strategy='timestamp'", /the timestamp strategy needs `updated_at`/, /updated_at='updated_at'/],
    ['check without check_cols', "unique_key='id', strategy='check'", /the check strategy needs `check_cols`/, /check_cols='all'/],
    ['an unknown hard_deletes', "unique_key='id', strategy='check', check_cols='all', hard_deletes='forget'", /`hard_deletes` must be one of ignore, invalidate, new_record/, /.*/],
  ])('`kiln parse` reports %s with the file, the config and the fix', async (_what, config, message, hint) => {
    const r = await kiln(['parse'], dir({ 'snapshots/s.sql': `-- history\n${snap('s', config)}` }));
    expect(r.code).toBe(2);
    expect(r.output).toMatch(message);
    expect(r.output).toMatch(/--> snapshots\/s\.sql:2/);
    expect(r.output).toMatch(hint);
  });

  it('a snapshot and a model cannot share a name', async () => {
    const r = await kiln(['parse'], dir({ 'models/s.sql': 'select 1 as id', 'snapshots/s.sql': snap('s', "unique_key='id', strategy='check', check_cols='all'") }));
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/KLN304/);
  });

  it('a YAML snapshot of an unknown model is a ref error', async () => {
    const r = await kiln(['parse'], dir({ 'snapshots/s.yml': "snapshots:\n  - name: s\n    relation: ref('nope')\n    config: {strategy: check, check_cols: all, unique_key: id}\n" }));
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/KLN301[\s\S]*Snapshot 's' depends on 'nope'/);
  });
});

describe('snapshot runs that cannot proceed', () => {
  it('an unknown column in unique_key / check_cols / updated_at fails the run and keeps the snapshot as it was', async () => {
    const d = dir({
      'snapshots/s.sql': snap('s', "unique_key=var('key', 'id'), strategy='check', check_cols=var('cols', ['v'])", "select 1 as id, {{ var('v', 1) }} as v"),
    });
    expect((await kiln(['snapshot'], d)).code).toBe(0);
    for (const vars of ['{key: nope, v: 2}', '{cols: [w], v: 2}']) {
      const r = await kiln(['snapshot', '--vars', vars], d);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/error\[KLN507\] Snapshot 's': (unique_key 'nope'|check_cols 'w') is not a column of the snapshot's query \(its columns: id, v\)/);
    }
    expect(await queryDuckDb(path.join(d, 'dev.duckdb'), 'select id, v, dbt_valid_to from main.s')).toEqual([{ id: 1, v: 1, dbt_valid_to: null }]);
  });

  it('refuses to snapshot into a table that is not a snapshot', async () => {
    const d = dir({ 'snapshots/s.sql': snap('s', "unique_key='id', strategy='check', check_cols='all'", 'select 2 as id') });
    const instance = await DuckDBInstance.create(path.join(d, 'dev.duckdb'));
    const conn = await instance.connect();
    await conn.run('create table main.s as select 1 as id');
    conn.closeSync();
    instance.closeSync();
    const r = await kiln(['snapshot'], d);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Snapshot 's': "dev"\."main"\."s" exists but is not a snapshot table \(it lacks dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to\)/);
    expect(await queryDuckDb(path.join(d, 'dev.duckdb'), 'select * from main.s')).toEqual([{ id: 1 }]);
  });
});
