// dbt 1.11's build reports each selected exposure as a node of its own: NO-OP once its parents
// are built (SKIP when one failed), numbered among the nodes, in run_results.json and in the
// Done line. Figures checked against dbt-core 1.11 + dbt-duckdb.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 1\n`;

const EXPOSURES = `exposures:
  - name: dash
    type: dashboard
    owner: {name: A, email: a@example.com}
    depends_on:
      - ref('a')
      - ref('b')
`;

function project(b = "select id from {{ ref('a') }}", projectYml = ''): string {
  return testdir({
    'dbt_project.yml': `name: p\nprofile: p\n${projectYml}`,
    'profiles.yml': PROFILE,
    'models/a.sql': 'select 1 as id',
    'models/b.sql': b,
    'models/c.sql': "select id from {{ ref('b') }}",
    'models/schema.yml': `version: 2\nmodels:\n  - name: b\n    columns:\n      - name: id\n        data_tests: [not_null]\n${EXPOSURES}`,
  });
}

interface Result {
  unique_id: string;
  status: string;
  message: string | null;
  adapter_response: Record<string, unknown>;
  failures: number | null;
  compiled: boolean | null;
  compiled_code: string | null;
  relation_name: string | null;
  thread_id: string;
  execution_time: number;
  timing: { name: string }[];
}

const results = (dir: string): Result[] => JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')).results;
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('exposures in a build (dbt 1.11)', () => {
  it('reports a selected exposure as NO-OP after its parents, counted in N of M, run_results.json and Done', async () => {
    const dir = project();
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    const out = plain(r.stdout);
    // No START line for it; numbered right after its last parent (b), before b's test.
    expect(out).not.toMatch(/START exposure/);
    expect(out).toMatch(/2 of 5 OK created sql view model main\.b .*\n.*3 of 5 NO-OP exposure dash \.+ \[NO-OP in 0\.00s\]/);
    expect(out).toMatch(/Finished running 1 exposure, 1 test, 3 view models in /); // dbt: "1 test", "2 data tests"
    expect(out).toContain('Done. PASS=4 WARN=0 ERROR=0 SKIP=0 NO-OP=1 TOTAL=5');
    const all = results(dir);
    expect(all.map((x) => x.unique_id)).toContain('exposure.p.dash');
    const e = all.find((x) => x.unique_id === 'exposure.p.dash')!;
    expect(e).toMatchObject({ status: 'no-op', message: 'NO-OP', adapter_response: {}, failures: 0, compiled: null, compiled_code: null, relation_name: null, batch_results: null });
    expect(e.timing.map((t) => t.name)).toEqual(['compile', 'execute']);
    expect(e.thread_id).toMatch(/^Thread-/);
    expect(all.findIndex((x) => x.unique_id === 'exposure.p.dash')).toBeGreaterThan(all.findIndex((x) => x.unique_id === 'model.p.b'));
  });

  it('selects an exposure by exposure: and +exposure:, and skips it when a parent failed', async () => {
    const dir = project();
    const alone = await kiln(['build', '-s', 'exposure:dash'], dir);
    expect(alone.code, alone.output).toBe(0);
    expect(plain(alone.stdout)).toMatch(/1 of 1 NO-OP exposure dash /);
    expect(plain(alone.stdout)).toContain('Done. PASS=0 WARN=0 ERROR=0 SKIP=0 NO-OP=1 TOTAL=1');
    expect(results(dir).map((x) => x.unique_id)).toEqual(['exposure.p.dash']);

    const up = await kiln(['build', '-s', '+exposure:dash'], dir);
    expect(up.code, up.output).toBe(0);
    expect(plain(up.stdout)).toContain('Done. PASS=3 WARN=0 ERROR=0 SKIP=0 NO-OP=1 TOTAL=4');

    fs.writeFileSync(path.join(dir, 'models/b.sql'), 'select * from no_such_table');
    const bad = await kiln(['build', '-s', '+exposure:dash'], dir);
    expect(bad.code).toBe(1);
    expect(plain(bad.stdout)).toMatch(/of 4 SKIP exposure dash \.+ \[SKIP\]/);
    expect(plain(bad.stdout)).toContain('Done. PASS=1 WARN=0 ERROR=1 SKIP=2 NO-OP=0 TOTAL=4');
    const e = results(dir).find((x) => x.unique_id === 'exposure.p.dash')!;
    expect(e).toMatchObject({ status: 'skipped', message: null, adapter_response: {}, failures: null, compiled: null, timing: [], execution_time: 0 });

    // retry takes the skipped exposure again (dbt: `2 of 3 SKIP exposure ...`), with no "no longer exists" warning.
    const again = await kiln(['retry'], dir);
    expect(plain(again.output)).not.toMatch(/no longer exist/);
    expect(plain(again.stdout)).toMatch(/2 of 3 SKIP exposure dash /);
    expect(plain(again.stdout)).toContain('Done. PASS=0 WARN=0 ERROR=1 SKIP=2 NO-OP=0 TOTAL=3');
  });

  it('leaves exposures out of run, and the Done line of a build without one as before', async () => {
    const dir = project();
    const run = await kiln(['run'], dir);
    expect(run.code, run.output).toBe(0);
    expect(plain(run.stdout)).not.toMatch(/exposure dash/);
    expect(plain(run.stdout)).toContain('Done. PASS=3 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=3');
    expect(results(dir).some((x) => x.unique_id.startsWith('exposure.'))).toBe(false);
    const b = await kiln(['build', '-s', 'b'], dir);
    expect(plain(b.stdout)).toContain('Done. PASS=2 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=2');
  });

  it('skips the exposures with the nodes when a failed on-run-start skips them all', async () => {
    // (dbt 1.11 counts the exposure in this total, then fails on it: AttributeError 'Exposure' object has no attribute 'schema'.)
    const dir = project(undefined, 'on-run-start:\n  - "select * from no_such_table"\nflags:\n  skip_nodes_if_on_run_start_fails: true\n');
    const r = await kiln(['build'], dir);
    expect(r.code).toBe(1);
    expect(plain(r.stdout)).toMatch(/5 of 5 SKIP exposure dash \.+ \[SKIP\]/);
    const e = results(dir).find((x) => x.unique_id === 'exposure.p.dash')!;
    expect(e).toMatchObject({ status: 'skipped', message: null, adapter_response: {}, compiled: null });
  });
});
