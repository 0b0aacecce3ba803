// Data tests on every adapter: each built-in and custom test type, each config that changes a
// test's verdict, stored failures, and the CI outputs (exit code, JUnit XML).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { duckdbTarget, postgresTarget, type AdapterTarget } from './targets.js';

const FILES: Record<string, string> = {
  'dbt_project.yml': 'name: dt\nprofile: dt\n',
  'seeds/people.csv': 'id,name,status,team_id\n1,ann,active,10\n2,bob,active,20\n3,cy,gone,30\n3,dee,paused,\n',
  'seeds/teams.csv': 'id,label\n10,red\n20,blue\n',
  'models/people_v.sql': "select * from {{ ref('people') }}",
  'macros/is_even.sql': "{% test is_even(model, column_name) %}\nselect * from {{ model }} where mod({{ column_name }}, 2) <> 0\n{% endtest %}",
  'tests/generic/not_empty_string.sql': "{% test not_empty_string(model, column_name) %}\nselect * from {{ model }} where trim({{ column_name }}) = ''\n{% endtest %}",
  'tests/no_ann.sql': "select * from {{ ref('people_v') }} where name = 'ann'",
  'models/sources.yml': `sources:
  - name: raw
    schema: "{{ target.schema }}"
    tables:
      - name: teams
        columns:
          - name: id
            data_tests: [unique, not_null]
`,
  'models/schema.yml': `models:
  - name: people_v
    columns:
      - name: id
        data_tests:
          - unique
          - unique:
              name: unique_id_where_active
              config:
                where: "status = 'active'"
          - is_even:
              config:
                severity: warn
          - not_null
      - name: status
        data_tests:
          - accepted_values:
              arguments:
                values: [active, paused]
          - accepted_values:
              name: status_thresholds
              values: [active]
              config:
                warn_if: ">= 1"
                error_if: "> 5"
          - not_empty_string
      - name: team_id
        data_tests:
          - relationships:
              arguments:
                to: ref('teams')
                field: id
              config:
                store_failures: true
          - not_null:
              name: team_id_limit
              config:
                limit: 0
      - name: name
        data_tests:
          - unique:
              name: unique_name_sum
              config:
                fail_calc: "sum(n_records)"
`,
};

describe.each([duckdbTarget(), postgresTarget()])('data tests: $name', (target: AdapterTarget) => {
  let dir: string;
  let out: Awaited<ReturnType<typeof kiln>>;
  beforeAll(async () => {
    dir = testdir(FILES);
    await target.setup(dir, 'dt');
    expect((await kiln(['seed'], dir)).code).toBe(0);
    out = await kiln(['build', '--junit-xml', 'reports/junit.xml'], dir);
  });
  afterAll(() => target.cleanup());

  const line = (name: string) => out.stdout.split('\n').find((l) => new RegExp(`(PASS|FAIL \\d+|WARN \\d+|ERROR) ${name} `).test(l)) ?? '';

  it('judges every built-in test as dbt does', () => {
    expect(line('unique_people_v_id')).toMatch(/FAIL 1 /);
    expect(line('unique_id_where_active')).toMatch(/PASS /);
    expect(line('not_null_people_v_id')).toMatch(/PASS /);
    expect(line('accepted_values_people_v_status__active__paused')).toMatch(/FAIL 1 /);
    expect(line('relationships_people_v_team_id__id__ref_teams_')).toMatch(/FAIL 1 /);
  });

  it('applies severity, warn_if/error_if, limit and fail_calc', () => {
    expect(line('is_even_people_v_id')).toMatch(/WARN 3 /);
    expect(line('status_thresholds')).toMatch(/WARN 2 /);
    expect(line('team_id_limit')).toMatch(/PASS /);
    expect(line('unique_name_sum')).toMatch(/PASS /);
  });

  it('runs custom generic tests from macros/ and tests/generic/, singular tests and source tests', () => {
    expect(line('not_empty_string_people_v_status')).toMatch(/PASS /);
    expect(line('no_ann')).toMatch(/FAIL 1 /);
    expect(line('source_unique_raw_teams_id')).toMatch(/PASS /);
    expect(line('source_not_null_raw_teams_id')).toMatch(/PASS /);
  });

  it('stores failing rows and says where, and exits 1', async () => {
    expect(out.code).toBe(1);
    // dbt 1.11: "  See test failures:" and the query on the stored rows between two borders
    expect(out.stdout).toMatch(/See test failures:\n +-+\n +select \* from .*dbt_test__audit.*relationships_people_v_team_id__id__ref_teams_.*\n +-+/);
    const rows = await target.query(dir, `select from_field from ${target.schema}_dbt_test__audit.relationships_people_v_team_id__id__ref_teams_`);
    expect(rows.map((r) => Number(r.from_field))).toEqual([30]);
    expect(out.stdout).toMatch(/Got 1 result, configured to fail if != 0/);
  });

  it('writes failures into run_results.json and a JUnit report', () => {
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8'));
    const unique = results.results.find((r: { unique_id: string }) => r.unique_id.startsWith('test.dt.unique_people_v_id.'));
    expect(unique).toMatchObject({ status: 'fail', failures: 1 });
    const xml = fs.readFileSync(path.join(dir, 'reports/junit.xml'), 'utf8');
    expect(xml).toMatch(/<testcase classname="test\.dt\.dt" name="unique_people_v_id"[^>]*>\s*<failure message="Got 1 result, configured to fail if != 0"/);
    expect(xml).toMatch(/failures="4"/);
  });

  it('--warn-error turns warnings into failures', async () => {
    const r = await kiln(['test', '-s', 'is_even_people_v_id', '--warn-error'], dir);
    expect(r.code, r.output).toBe(1);
    expect(r.stdout).toMatch(/FAIL 3 is_even_people_v_id/);
  });

  it('names a tested column the model does not have, at its YAML line', async () => {
    fs.writeFileSync(path.join(dir, 'models/extra.yml'), 'models:\n  - name: teams_v\n    columns:\n      - name: colour\n        data_tests: [not_null]\n');
    fs.writeFileSync(path.join(dir, 'models/teams_v.sql'), "select * from {{ ref('teams') }}");
    const r = await kiln(['build', '-s', 'teams_v'], dir);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/checks column 'colour', which teams_v does not have/);
    expect(r.output).toMatch(/models\/extra\.yml:\d+/);
  });
});
