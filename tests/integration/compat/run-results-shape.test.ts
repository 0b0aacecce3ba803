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
    // dbt 1.11's worker threads (Python's ThreadPool): "Thread-1 (worker)"
    for (const x of results) expect((x as Result & { thread_id: string }).thread_id).toMatch(/^Thread-\d+ \(worker\)$/);
  });

  it('writes args.vars parsed, as dbt does', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: rr\nprofile: rr\n',
      'profiles.yml': 'rr:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: rr.duckdb\n',
      'models/m.sql': "select {{ var('x', 0) }} as x",
    });
    expect((await kiln(['run', '--vars', '{x: 1, "y": [a]}'], dir)).code).toBe(0);
    // dbt-core 1.11.16: "vars": {"x": 1, "y": ["a"]}
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')).args.vars).toEqual({ x: 1, y: ['a'] });
    expect((await kiln(['run'], dir)).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')).args.vars).toEqual({});
  });
});

describe('the order of run_results.json results', () => {
  // dbt 1.11 appends each result as its node completes (RunnableTask._handle_result): with more
  // than one thread the order changes from run to run; what holds is that a node comes after its
  // parents. kiln writes them in dependency order: that guarantee, and the same order whatever
  // the threads and timing.
  it('is the same with 1 and 4 threads, each node after its parents', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: rr\nprofile: rr\n',
      'profiles.yml': 'rr:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: rr.duckdb\n',
      'seeds/codes.csv': 'code\na\nb\n',
      'models/a.sql': "select * from {{ ref('codes') }}",
      'models/b.sql': "select * from {{ ref('a') }}",
      'models/c.sql': "select * from {{ ref('codes') }}",
      'models/d.sql': "select * from {{ ref('b') }} union select * from {{ ref('c') }}",
      'models/schema.yml': 'version: 2\nmodels:\n' + ['a', 'b', 'c', 'd'].map((m) => `  - name: ${m}\n    columns:\n      - name: code\n        data_tests: [not_null, unique]\n`).join(''),
    });
    const order = async (threads: string) => {
      const r = await kiln(['build', '--threads', threads], dir);
      expect(r.code, r.output).toBe(0);
      return (JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')) as { results: Result[] }).results.map((x) => x.unique_id);
    };
    const one = await order('1');
    expect(one).toHaveLength(13);
    for (let i = 0; i < 3; i++) expect(await order('4')).toEqual(one);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { parent_map: Record<string, string[]> };
    for (const [i, id] of one.entries()) for (const p of manifest.parent_map[id] ?? []) expect(one.indexOf(p), `${p} before ${id}`).toBeLessThan(i);
  });
});
