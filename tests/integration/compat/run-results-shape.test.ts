// run_results.json fields as dbt-core 1.11 + dbt-duckdb writes them for the same kinds of node
// (`dbt build` on the bundled shop project): a passing test has no message, a seed has no
// compiled code, and adapter_response.code is the status message without its counts.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

interface Result {
  unique_id: string;
  status: string;
  message: string | null;
  compiled: boolean | null;
  compiled_code: string | null;
  adapter_response: { _message?: string; code?: string; rows_affected?: number | null };
}

describe('run_results.json as dbt writes it', () => {
  it('gives seeds, models and passing tests the fields dbt 1.11 gives them', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: rr\nprofile: rr\n',
      'profiles.yml': 'rr:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: rr.duckdb\n',
      'seeds/codes.csv': 'code\na\nb\nc\n',
      'models/m.sql': "select * from {{ ref('codes') }}",
      'models/schema.yml': 'version: 2\nmodels:\n  - name: m\n    columns:\n      - name: code\n        data_tests: [not_null]\n',
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    const results = (JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')) as { results: Result[] }).results;
    const of = (prefix: string) => results.find((x) => x.unique_id.startsWith(prefix))!;
    expect(of('seed.rr.codes')).toMatchObject({ status: 'success', message: 'INSERT 3', compiled: null, compiled_code: null, adapter_response: { _message: 'INSERT 3', code: 'INSERT', rows_affected: 3 } });
    expect(of('model.rr.m')).toMatchObject({ status: 'success', compiled: true });
    expect(of('model.rr.m').compiled_code).toContain('"rr"."main"."codes"');
    expect(of('test.rr.not_null_m_code')).toMatchObject({ status: 'pass', message: null, compiled: true });
  });
});
