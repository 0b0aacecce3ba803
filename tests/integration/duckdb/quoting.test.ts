// dbt's `quoting:` on DuckDB: names written unquoted keep their case there (DuckDB folds nothing,
// and matches names case-insensitively), so the relations are the same as quoted; what changes is
// the SQL kiln writes. Built twice: the second build finds the relations of the first (dbt-duckdb
// 1.11 stops there with "approximate match", looking for lower-cased names).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { queryDuckDb } from '../../helpers/duckdb-query.js';
import { testdir } from '../../helpers/testdir.js';

describe('quoting: settings on DuckDB', () => {
  it('writes the unquoted parts bare, builds twice, and keeps source() to its own quoting', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\nquoting:\n  schema: false\n  identifier: false\non-run-start:\n  - create table if not exists main."Raw_Orders" as select 1 as id\n',
      'profiles.yml': 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: Main_S\n      threads: 2\n',
      'seeds/MySeed.csv': 'id\n1\n2\n',
      'models/MyView.sql': "select id from {{ ref('MySeed') }}",
      'models/MyTable.sql':
        "{{ config(materialized='table') }}\nselect v.id from {{ ref('MyView') }} v join {{ source('raw', 'Raw_Orders') }} o on o.id = v.id\n-- {{ this }} {{ this.include(database=false) }}",
      'models/MyInc.sql': "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id\n{% if is_incremental() %}union all select 2{% endif %}",
      'models/sources.yml': 'sources:\n  - name: raw\n    schema: main\n    quoting: {database: false}\n    tables:\n      - name: Raw_Orders\n',
    });
    for (let i = 0; i < 2; i++) {
      const r = await kiln(['build'], dir);
      expect(r.code, r.output).toBe(0);
    }
    const file = path.join(dir, 'dev.duckdb');
    expect(await queryDuckDb(file, "select table_name as t from information_schema.tables where table_schema = 'Main_S' order by 1")).toEqual([
      { t: 'MyInc' },
      { t: 'MySeed' },
      { t: 'MyTable' },
      { t: 'MyView' },
    ]);
    expect(await queryDuckDb(file, 'select id from "Main_S"."MyInc" order by id')).toEqual([{ id: 1 }, { id: 2 }]);

    const compiled = fs.readFileSync(path.join(dir, 'target/compiled/p/models/MyTable.sql'), 'utf8');
    expect(compiled).toContain('from "dev".Main_S.MyView v join dev."main"."Raw_Orders" o');
    expect(compiled).toContain('-- "dev".Main_S.MyTable Main_S.MyTable');
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.metadata.quoting).toEqual({ database: true, schema: false, identifier: false, column: null });
    expect(manifest.nodes['model.p.MyInc'].relation_name).toBe('"dev".Main_S.MyInc');
    // The source's quoting over the project's (dbt's relation_name of a source).
    expect(manifest.sources['source.p.raw.Raw_Orders'].relation_name).toBe('dev.main.Raw_Orders');
    expect(manifest.sources['source.p.raw.Raw_Orders'].quoting).toEqual({ database: false, schema: null, identifier: null, column: null });
  });

  it("a source's changed quoting is state:modified (dbt's same_quoting)", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n',
      'models/s.yml': 'sources:\n  - name: raw\n    tables:\n      - name: t\n      - name: u\n',
      'models/m.sql': "select * from {{ source('raw', 't') }}",
    });
    expect((await kiln(['parse'], dir)).code).toBe(0);
    fs.cpSync(path.join(dir, 'target'), path.join(dir, 'prod'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'models/s.yml'), 'sources:\n  - name: raw\n    tables:\n      - name: t\n        quoting: {identifier: false}\n      - name: u\n');
    const r = await kiln(['ls', '-s', 'state:modified', '--state', 'prod'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['source:p.raw.t']);
  });

  it("a model's quoting config changes no name (dbt 1.11)", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\nquoting:\n  identifier: false\n',
      'profiles.yml': 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n',
      'models/M.sql': "{{ config(quoting={'identifier': true}) }}\nselect '{{ this }}' as me",
    });
    const r = await kiln(['compile'], dir);
    expect(r.code, r.output).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'target/compiled/p/models/M.sql'), 'utf8')).toContain(`'"dev"."main".M' as me`);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.nodes['model.p.M'].config.quoting).toEqual({ identifier: true });
    expect(manifest.nodes['model.p.M'].relation_name).toBe('"dev"."main".M');
  });
});
