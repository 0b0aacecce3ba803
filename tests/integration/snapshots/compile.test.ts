// `kiln compile` compiles snapshots as dbt does: each snapshot's select, rendered with real
// relation names, under target/compiled (a YAML snapshot under its YAML file), without touching
// the warehouse; `kiln snapshot` writes the statements it ran under target/run at the same path.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 2\n';
const FILES = {
  'dbt_project.yml': 'name: p\nprofile: p\n',
  'profiles.yml': PROFILE,
  'models/orders.sql': "select 1 as id, 'placed' as status, timestamp '2024-01-01' as updated_at",
  'snapshots/orders_snap.sql':
    "{% snapshot orders_snap %}\n{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at') }}\nselect * from {{ ref('orders') }} where id > 0\n{% endsnapshot %}\n",
  'snapshots/more.yml': "snapshots:\n  - name: orders_yaml\n    relation: ref('orders')\n    config:\n      strategy: check\n      check_cols: all\n      unique_key: id\n",
};

describe('kiln compile and snapshots', () => {
  it('writes the compiled select of block and YAML snapshots, and reads nothing from the warehouse', async () => {
    const d = testdir(FILES);
    const r = await kiln(['compile', '--no-format'], d);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/Compiled 3 nodes/);
    const compiled = (file: string) => fs.readFileSync(path.join(d, 'target/compiled/p', file), 'utf8').trim();
    expect(compiled('snapshots/orders_snap.sql')).toBe('select * from "dev"."main"."orders" where id > 0');
    expect(compiled('snapshots/more.yml/orders_yaml.sql')).toBe('select * from "dev"."main"."orders"');
    expect(fs.existsSync(path.join(d, 'dev.duckdb'))).toBe(false);
    // Selecting one snapshot compiles just it.
    const one = await kiln(['compile', '--no-format', '-s', 'orders_yaml'], d);
    expect(one.stdout).toMatch(/Compiled 1 node /);
  });

  it('kiln snapshot writes the same compiled select and its statements under target/run', async () => {
    const d = testdir(FILES);
    expect((await kiln(['run'], d)).code).toBe(0);
    const r = await kiln(['snapshot'], d);
    expect(r.code, r.output).toBe(0);
    expect(fs.readFileSync(path.join(d, 'target/compiled/p/snapshots/more.yml/orders_yaml.sql'), 'utf8').trim()).toBe('select * from "dev"."main"."orders"');
    expect(fs.readFileSync(path.join(d, 'target/run/p/snapshots/more.yml/orders_yaml.sql'), 'utf8')).toMatch(/dbt_scd_id/);
    expect(fs.existsSync(path.join(d, 'target/run/p/snapshots/orders_snap.sql'))).toBe(true);
  });
});
