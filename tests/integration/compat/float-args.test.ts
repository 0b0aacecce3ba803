// Generic test arguments written as floats (`1.0`, `0.0`, `2.50`, `1.0e+3`) or as what PyYAML reads
// as a string (`1e3`, `1.5e3`) give dbt's test names, unique ids and compiled SQL, on a cold parse
// and on one that reuses target/partial_parse.kiln. Expected values: dbt-core 1.11 + dbt-duckdb
// (`dbt parse`, `dbt compile`) on the same project.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { CACHE_FILE } from '../../../core/parser/partial/parse-cache.js';

const YAML = `models:
  - name: m
    columns:
      - name: x
        data_tests:
          - in_range:
              arguments:
                min_value: 0.0
                max_value: 1.0
          - in_range:
              arguments:
                min_value: 0.5
                max_value: 2.50
          - in_range:
              arguments:
                min_value: 1e3
                max_value: 1.0e+3
          - in_range:
              arguments:
                min_value: -1.0
                max_value: 1
      - name: y
        data_tests:
          - in_range:
              min_value: 1.5e3
              max_value: [1.0, 2]
`;

/** dbt's unique ids and compiled SQL (the file under target/compiled/fa/models/m.yml/) of each test. */
const DBT: readonly [string, string][] = [
  ['test.fa.in_range_m_x__1000_0__1e3.c6fe49d009', '\nselect * from "fa"."main"."m" where x < 1e3 or x > 1000.0\n'],
  ['test.fa.in_range_m_x__1_0__0_0.529ec75ee9', '\nselect * from "fa"."main"."m" where x < 0.0 or x > 1.0\n'],
  ['test.fa.in_range_m_x__1___1_0.6372b566c3', '\nselect * from "fa"."main"."m" where x < -1.0 or x > 1\n'],
  ['test.fa.in_range_m_x__2_5__0_5.f6ac61d2da', '\nselect * from "fa"."main"."m" where x < 0.5 or x > 2.5\n'],
  ['test.fa.in_range_m_y__1_0__2__1_5e3.2cca1ec1ad', '\nselect * from "fa"."main"."m" where y < 1.5e3 or y > [1.0, 2]\n'],
];

async function compiled(dir: string): Promise<[string, string][]> {
  const r = await kiln(['compile', '-s', 'test_type:generic', '--no-format'], dir);
  expect(r.code, r.output).toBe(0);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { name: string }> };
  return Object.entries(manifest.nodes)
    .filter(([id]) => id.startsWith('test.'))
    .map(([id, n]): [string, string] => [id, fs.readFileSync(path.join(dir, 'target/compiled/fa/models/m.yml', `${n.name}.sql`), 'utf8')])
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

describe('float arguments of generic tests', () => {
  it.each([['the fast YAML reader', ''], ['the yaml package', '# an anchor hands the file to the yaml package\nunused: &a 1\n']])(
    'give dbt names, ids and SQL, cold and from the partial-parse cache (%s)',
    async (_, prefix) => {
      const dir = testdir({
        'dbt_project.yml': 'name: fa\nprofile: fa\nversion: "1.0"\n',
        'profiles.yml': 'fa:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: fa.duckdb\n',
        'models/m.sql': 'select 1 as x, 0.5 as y\n',
        'models/m.yml': prefix + YAML,
        'macros/tests/in_range.sql': '{% test in_range(model, column_name, min_value, max_value) %}\nselect * from {{ model }} where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}\n{% endtest %}\n',
      });
      expect(await compiled(dir)).toEqual(DBT);
      expect(fs.existsSync(path.join(dir, 'target', CACHE_FILE))).toBe(true);
      // Again, the nodes and property file from the cache (v8-serialized), every test rendered afresh.
      fs.rmSync(path.join(dir, 'target/compiled'), { recursive: true });
      for (const f of fs.readdirSync(path.join(dir, 'target'))) if (f !== CACHE_FILE) fs.rmSync(path.join(dir, 'target', f), { recursive: true });
      expect(await compiled(dir)).toEqual(DBT);
      // A model edit: its tests from the cache, compiled against it.
      fs.writeFileSync(path.join(dir, 'models/m.sql'), 'select 2 as x, 0.5 as y\n');
      expect(await compiled(dir)).toEqual(DBT);
    },
  );
});
