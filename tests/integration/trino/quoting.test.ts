// dbt's `quoting:` on a real Trino (memory connector: tables swapped by rename). Trino stores every
// name in lower case, quoted or not; with `quoting: {identifier: false}` kiln writes model names
// bare, and a second run finds and replaces what the first built.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { dropSchema, freshSchemaName, trinoProfileYaml, trinoQuery, trinoReady } from '../../helpers/trino.js';

const schema = freshSchemaName('memory');

beforeAll(() => trinoReady(), 200_000);
afterAll(async () => {
  await dropSchema('memory', schema);
});

describe('quoting: {identifier: false} on Trino', () => {
  it('writes model names bare and rebuilds them', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: t\nprofile: t\nquoting:\n  identifier: false\n',
      'profiles.yml': trinoProfileYaml('t', 'memory', schema),
      'models/MyTable.sql': "{{ config(materialized='table') }}\nselect 1 as id",
      'models/MyView.sql': "select * from {{ ref('MyTable') }}",
      'models/MyInc.sql': "{{ config(materialized='incremental') }}\nselect id from {{ ref('MyTable') }}",
    });
    for (let i = 0; i < 2; i++) {
      const r = await kiln(['run'], dir);
      expect(r.code, r.output).toBe(0);
    }
    expect(fs.readFileSync(path.join(dir, 'target/compiled/t/models/MyView.sql'), 'utf8')).toContain(`"memory"."${schema}".MyTable`);
    expect(await trinoQuery(`select table_name as name from memory.information_schema.tables where table_schema = '${schema}' order by 1`)).toEqual([
      { name: 'myinc' },
      { name: 'mytable' },
      { name: 'myview' },
    ]);
    expect(await trinoQuery(`select id from memory.${schema}.myinc order by id`)).toEqual([{ id: 1 }, { id: 1 }]);
  }, 120_000);
});
