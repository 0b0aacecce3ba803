// Data tests executed per second by `kiln test` on DuckDB with 4 threads: a 1,000-model project
// with about 3,000 generic tests (issue 5's benchmark; target ≥ 1,000 tests/s).
//   node --import tsx tests/bench/tests-throughput.bench.ts [--models 1000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kiln } from '../helpers/cli.js';

const args = process.argv.slice(2);
const models = Number(args[args.indexOf('--models') + 1] || 1000) || 1000;

function generate(dir: string, n: number): void {
  fs.mkdirSync(path.join(dir, 'models'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'dbt_project.yml'), 'name: bench\nprofile: bench\n');
  fs.writeFileSync(path.join(dir, 'profiles.yml'), 'bench:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: bench.duckdb\n      schema: main\n      threads: 4\n');
  const yml: string[] = ['models:'];
  for (let i = 0; i < n; i++) {
    const name = `m${String(i).padStart(5, '0')}`;
    const sql =
      i < 50
        ? `{{ config(materialized='table') }}\nselect range as id, case when range % 3 = 0 then 'a' when range % 3 = 1 then 'b' else 'c' end as kind from range(1000)`
        : `select * from {{ ref('m${String(i % 50).padStart(5, '0')}') }}`;
    fs.writeFileSync(path.join(dir, 'models', `${name}.sql`), sql);
    yml.push(`  - name: ${name}`, '    columns:', '      - name: id', '        data_tests: [unique, not_null]', '      - name: kind', '        data_tests:', '          - accepted_values:', '              arguments:', '                values: [a, b, c]');
  }
  fs.writeFileSync(path.join(dir, 'models', 'schema.yml'), `${yml.join('\n')}\n`);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-tests-'));
generate(dir, models);
const built = await kiln(['run'], dir);
if (built.code !== 0) throw new Error(`build failed:\n${built.output.slice(-2000)}`);
const runs: { tests: number; seconds: number }[] = [];
for (let i = 0; i < 3; i++) {
  const started = performance.now();
  const r = await kiln(['test', '--threads', '4'], dir);
  const seconds = (performance.now() - started) / 1000;
  if (r.code !== 0) throw new Error(`tests failed:\n${r.output.slice(-2000)}`);
  const results = JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8'));
  runs.push({ tests: results.results.length, seconds });
}
runs.sort((a, b) => a.seconds - b.seconds);
const median = runs[1];
const figures = { benchmark: 'tests-throughput', models, tests: median.tests, threads: 4, median_seconds: +median.seconds.toFixed(3), tests_per_second: Math.round(median.tests / median.seconds), target_tests_per_second: 1000 };
console.table([figures]);
console.log(JSON.stringify(figures));
fs.rmSync(dir, { recursive: true, force: true });
