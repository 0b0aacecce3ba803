// Hostile names and values on DuckDB and PostgreSQL: seed headers and model, schema and column
// names with spaces, quotes, semicolons, backslashes, unicode, reserved words and mixed case, a
// name of exactly 63 bytes of two-byte characters (Postgres' limit: its helper relations must be
// shortened without splitting a character), and seed values with delimiters, quotes, newlines,
// NULL-like strings, SQL injection text, emoji and numbers beyond any integer type. Everything
// is built twice (the second time through the swap, the backup and the incremental merge) and
// read back through kiln's own adapter: every row round-trips exactly. Data tests on columns with
// `quote: true` get the quoted name.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { adapterRows, duckdbTarget, postgresTarget, withAdapter, type AdapterTarget } from './targets.js';

const targets = [duckdbTarget(), postgresTarget()];
afterAll(async () => {
  for (const t of targets) await t.cleanup();
});

const q = (name: string): string => `"${name.replace(/"/g, '""')}"`;

const SEED_NAME = 'hostile values; "quoted" ü';
const HEADER = ['id', 'Semi;colon', 'back\\slash', 'Quote"d', 'naïve 名前', 'select', 'huge', 'wide'];
const csvField = (v: string): string => (/[",\n\r]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v);
/** Rows as written in the CSV; '' is an empty field (NULL). */
const ROWS: string[][] = [
  ['1', 'a;b;c', 'C:\\path\\n', 'say "hi"', '😀 ünï 名前', 'NULL', '123456789012345678901234567890', '1e308'],
  ['2', 'null', '\\N', 'None', 'line1\nline2\r\nline3', "'; drop table x; --", '-99999999999999999999', '-1.5e-300'],
  ['3', '', '', '', '', '', '', ''],
  ['4', '  padded  ', 'tab\there', 'comma, inside', '\u0000'.replace('\u0000', 'zero\u200bwidth'), '$1 $$dollar$$', '0', '0.1'],
];
const CSV = [HEADER, ...ROWS].map((r) => r.map(csvField).join(',')).join('\n') + '\n';

/** 31 two-byte characters and one ASCII: 63 bytes, Postgres' longest identifier. */
const LONG = `${'ü'.repeat(31)}x`;
const CUSTOM_SCHEMA = 'Odd "Schema" ü';
const KEY = 'Key "K" ü';

const FILES: Record<string, string> = {
  'dbt_project.yml': `name: hostile\nprofile: hostile\nseeds:\n  hostile:\n    +quote_columns: true\n`,
  [`seeds/${SEED_NAME}.csv`]: CSV,
  'seeds/props.yml': `seeds:\n  - name: '${SEED_NAME}'\n    config:\n      column_types:\n        huge: text\n`,
  // A table, a view on it, one in a custom schema, one with the longest name, an incremental model.
  'models/Copy Of "Seed".sql': `{{ config(materialized='table') }}\nselect * from {{ ref('${SEED_NAME}') }}`,
  'models/order.sql': `select id, "select" as "from", "Semi;colon" as "Mixed Case;" from {{ ref('Copy Of "Seed"') }}`,
  'models/elsewhere.sql': `{{ config(materialized='table', schema='${CUSTOM_SCHEMA}') }}\nselect id, "naïve 名前" from {{ ref('order') }} join {{ ref('Copy Of "Seed"') }} using (id)`,
  [`models/${LONG}.sql`]: `{{ config(materialized='table') }}\nselect id, "Quote""d" from {{ ref('${SEED_NAME}') }}`,
  'models/incr ü.sql': `{{ config(materialized='incremental', unique_key='${KEY.replace(/"/g, '\\"')}') }}
select id as ${q(KEY)}, "back\\slash" as "v;al" from {{ ref('${SEED_NAME}') }}
{% if is_incremental() %}where id >= 2{% endif %}`,
  // Tests on quoted column names (`quote: true`), one with values that hold quotes and dollars.
  'models/props.yml': `models:
  - name: 'Copy Of "Seed"'
    columns:
      - name: 'Semi;colon'
        quote: true
        data_tests: [unique]
      - name: select
        quote: true
        data_tests:
          - accepted_values:
              values: ['NULL', "'; drop table x; --", '$1 $$dollar$$']
      - name: 'Quote"d'
        quote: true
        data_tests: [unique]
`,
};

/** What each CSV row reads back as: empty fields NULL, `huge` exact text, `wide` a number. */
function expectedSeedRows(): Record<string, unknown>[] {
  return ROWS.map((r) => {
    const row: Record<string, unknown> = {};
    HEADER.forEach((h, i) => {
      const v = r[i]!;
      row[h] = v === '' ? null : h === 'id' ? Number(v) : v;
    });
    return row;
  });
}

describe.each(targets)('hostile names and values: $name', (target: AdapterTarget) => {
  it('builds twice and every row round-trips', async () => {
    const dir = testdir(FILES);
    await target.setup(dir, 'hostile');
    for (const run of [1, 2]) {
      const r = await kiln(['build'], dir);
      expect(r.code, `build ${run}: ${r.output}`).toBe(0);
      expect(r.stdout).toMatch(/Done\. PASS=9 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=9/);
    }
    await withAdapter(dir, 'hostile', async (adapter) => {
      const rel = (identifier: string, schema = target.schema) => adapter.dialect.renderRelation({ database: adapter.database, schema, identifier });
      const names = (await adapter.listRelations(adapter.database, target.schema)).map((r) => r.identifier).sort();
      expect(names).toEqual([SEED_NAME, 'Copy Of "Seed"', LONG, 'incr ü', 'order'].sort());
      // No helper relation (tmp, backup) was left, and the custom schema holds only its model.
      expect((await adapter.listRelations(adapter.database, `${target.schema}_${CUSTOM_SCHEMA}`)).map((r) => r.identifier)).toEqual(['elsewhere']);

      const seedRows = await adapterRows(adapter, `select * from ${rel(SEED_NAME)} order by id`);
      const wide = seedRows.map((r) => (r.wide === null ? null : Number(r.wide)));
      expect(wide).toEqual([1e308, -1.5e-300, null, 0.1]);
      const withoutWide = (rows: Record<string, unknown>[]) => rows.map(({ wide: _w, ...rest }) => rest);
      const expected = withoutWide(expectedSeedRows());
      expect(withoutWide(seedRows)).toEqual(expected);
      expect(withoutWide(await adapterRows(adapter, `select * from ${rel('Copy Of "Seed"')} order by id`))).toEqual(expected);
      expect((await adapter.getColumns({ database: adapter.database, schema: target.schema, identifier: SEED_NAME })).map((c) => c.name)).toEqual(HEADER);

      expect(await adapterRows(adapter, `select * from ${rel('order')} order by id`)).toEqual(
        expected.map((r) => ({ id: r.id, from: r.select, 'Mixed Case;': r['Semi;colon'] })),
      );
      expect(await adapterRows(adapter, `select * from ${rel('elsewhere', `${target.schema}_${CUSTOM_SCHEMA}`)} order by id`)).toEqual(
        expected.map((r) => ({ id: r.id, 'naïve 名前': r['naïve 名前'] })),
      );
      expect(await adapterRows(adapter, `select * from ${rel(LONG)} order by id`)).toEqual(expected.map((r) => ({ id: r.id, 'Quote"d': r['Quote"d'] })));
      // The second run merged on the quoted key: each id once, values current.
      expect(await adapterRows(adapter, `select * from ${rel('incr ü')} order by 1`)).toEqual(expected.map((r) => ({ [KEY]: r.id, 'v;al': r['back\\slash'] })));
    });
  }, 120_000);

  it('snapshots on quoted key, check and updated_at columns keep one current row per key', async () => {
    const header = '"Key ""K"" ü",v;al,Upd At';
    const dir = testdir({
      'dbt_project.yml': 'name: snaps\nprofile: snaps\nseeds:\n  snaps:\n    +quote_columns: true\n',
      'seeds/src ü.csv': `${header}\n1,a,2024-01-01 00:00:00\n2,b,2024-01-01 00:00:00\n`,
      'snapshots/checked.sql': `{% snapshot checked %}\n{{ config(unique_key='"Key ""K"" ü"', strategy='check', check_cols=['"v;al"'], target_schema=target.schema) }}\nselect * from {{ ref('src ü') }}\n{% endsnapshot %}\n`,
      'snapshots/stamped.sql': `{% snapshot stamped %}\n{{ config(unique_key='"Key ""K"" ü"', strategy='timestamp', updated_at='"Upd At"', target_schema=target.schema) }}\nselect * from {{ ref('src ü') }}\n{% endsnapshot %}\n`,
    });
    await target.setup(dir, 'snaps');
    const first = await kiln(['build'], dir);
    expect(first.code, first.output).toBe(0);
    fs.writeFileSync(path.join(dir, 'seeds', 'src ü.csv'), `${header}\n1,a2,2024-01-02 00:00:00\n2,b,2024-01-01 00:00:00\n3,c,2024-01-02 00:00:00\n`);
    const second = await kiln(['build'], dir);
    expect(second.code, second.output).toBe(0);
    await withAdapter(dir, 'snaps', async (adapter) => {
      for (const name of ['checked', 'stamped']) {
        const rel = adapter.dialect.renderRelation({ database: adapter.database, schema: target.schema, identifier: name });
        expect(await adapterRows(adapter, `select ${q(KEY)} as k, "v;al" as v, dbt_valid_to is null as cur from ${rel} order by 1, 3`), name).toEqual([
          { k: 1, v: 'a', cur: false },
          { k: 1, v: 'a2', cur: true },
          { k: 2, v: 'b', cur: true },
          { k: 3, v: 'c', cur: true },
        ]);
      }
    });
  }, 120_000);
});
