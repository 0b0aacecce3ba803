// A node's START and result lines as dbt 1.11 lays them out (dbt_common format_fancy_output_line):
// `<index> of <total> <words> ` filled with dots to 80 columns, then ` [status]`; a longer left
// part gets no dots. The expected lines are dbt-core 1.11.16's for project-template.
import { describe, expect, it } from 'vitest';
import { Reporter } from '../../../core/reporter/reporter.js';
import { KilnError } from '../../../core/errors.js';
import type { ParsedNode } from '../../../core/nodes.js';
import type { NodeResult } from '../../../core/runner/results.js';

function linesOf(act: (r: Reporter) => void): string[] {
  let out = '';
  act(new Reporter({ format: 'text', color: false, sinks: { out: (t) => void (out += t), err: (t) => void (out += t) } }));
  return out.split('\n').map((l) => l.replace(/^\d\d:\d\d:\d\d {2}/, '')).filter(Boolean);
}

const seed = { uniqueId: 'seed.shop.raw_customers', resourceType: 'seed', name: 'raw_customers', schema: 'main', alias: 'raw_customers', config: {} } as unknown as ParsedNode;
const longTest = {
  uniqueId: 'test.shop.accepted_values_stg_orders_status__placed__shipped__completed__return_pending__returned.080fb20aad',
  resourceType: 'test',
  name: 'accepted_values_stg_orders_status__placed__shipped__completed__return_pending__returned',
  schema: 'main',
  alias: 'accepted_values_stg_orders_4f514bf94b77b7ea437830eec4421c58',
  config: {},
} as unknown as ParsedNode;
const result = (status: NodeResult['status'], executionTime: number, rowsAffected: number | null): NodeResult => ({ uniqueId: '', status, message: '', executionTime, timing: [], threadId: 'Thread-1 (worker)', rowsAffected, adapterMessage: '', compiledCode: null, relationName: null });

describe('node lines', () => {
  it('fills the left part with dots to 80 columns, as dbt', () => {
    expect(linesOf((r) => r.nodeStarted(seed, 1, 36))).toEqual(['1 of 36 START seed file main.raw_customers ..................................... [RUN]']);
    expect(linesOf((r) => r.nodeFinished(seed, 1, 36, result('success', 0.48, 50)))).toEqual(['1 of 36 OK loaded seed file main.raw_customers ................................. [INSERT 50 in 0.48s]']);
  });

  it('puts no dots after a left part of 80 columns or more', () => {
    expect(linesOf((r) => r.nodeStarted(longTest, 9, 36))).toEqual(['9 of 36 START test accepted_values_stg_orders_status__placed__shipped__completed__return_pending__returned  [RUN]']);
    expect(linesOf((r) => r.nodeFinished(longTest, 9, 36, result('pass', 0.02, null)))).toEqual(['9 of 36 PASS accepted_values_stg_orders_status__placed__shipped__completed__return_pending__returned  [PASS in 0.02s]']);
  });
});

describe('the header of a run', () => {
  it('leaves a line empty before and after the Concurrency line, as dbt 1.11', () => {
    let out = '';
    new Reporter({ format: 'text', color: false, sinks: { out: (t) => void (out += t), err: (t) => void (out += t) } }).header('0.1.0', '6 models', 4, 'dev');
    expect(out.split('\n').map((l) => l.replace(/^\d\d:\d\d:\d\d {2}/, ''))).toEqual(['Running with kiln=0.1.0', 'Found 6 models', '', "Concurrency: 4 threads (target='dev')", '', '']);
  });
});

describe('the problems after a run', () => {
  it("print as dbt 1.11's print_run_result_error (its output for the same tests)", () => {
    const test = (name: string) => ({ uniqueId: `test.sf.${name}`, resourceType: 'test', name, packageName: 'sf', path: `${name}.sql`, originalFilePath: 'models/s.yml', schema: 'main', alias: name, config: {} }) as unknown as ParsedNode;
    const nodes = new Map([['test.sf.t_true', test('t_true')], ['test.sf.t_none', test('t_none')]]);
    const res = (id: string, status: NodeResult['status'], message: string, storedFailures: string | null): NodeResult => ({ ...result(status, 0.01, null), uniqueId: id, message, compiledCode: 'select 1', storedFailures });
    const out = linesOf((r) =>
      r.summary(
        {
          results: [res('test.sf.t_true', 'fail', 'Got 1 result, configured to fail if != 0', '"p"."main_dbt_test__audit"."t_true"'), res('test.sf.t_none', 'warn', 'Got 1 result, configured to warn if != 0', null)],
          elapsedSeconds: 1,
          cancelled: false,
          interrupted: false,
        },
        { nodes, packageRoots: new Map() },
        '2 data tests',
      ),
    );
    expect(out.slice(out.indexOf('Completed with 1 error, 0 partial successes, and 1 warning:'))).toEqual([
      'Completed with 1 error, 0 partial successes, and 1 warning:',
      'Failure in test t_true (models/s.yml)',
      '  Got 1 result, configured to fail if != 0',
      '  compiled code at target/compiled/sf/models/s.yml/t_true.sql',
      '  See test failures:',
      '  -------------------------------------------------',
      '  select * from "p"."main_dbt_test__audit"."t_true"',
      '  -------------------------------------------------',
      'Warning in test t_none (models/s.yml)',
      'Got 1 result, configured to warn if != 0',
      '  compiled code at target/compiled/sf/models/s.yml/t_none.sql',
      'Done. PASS=0 WARN=1 ERROR=1 SKIP=0 NO-OP=0 TOTAL=2',
    ]);
  });
});

describe('a run with nothing to build', () => {
  it("prints dbt 1.11's NothingToDo line, at warn level, and no Concurrency line", () => {
    expect(linesOf((r) => r.nothingToDo('0.1.0', '6 models'))).toEqual(['Running with kiln=0.1.0', 'Found 6 models', 'Nothing to do. Try checking your model configs and model specification args']);
    let out = '';
    new Reporter({ format: 'json', color: false, sinks: { out: (t) => void (out += t), err: (t) => void (out += t) } }).nothingToDo('0.1.0', '6 models');
    expect(out.trim().split('\n').map((l) => JSON.parse(l) as { level: string }).map((l) => l.level)).toEqual(['info', 'info', 'warn']);
  });

  it("tells a selection matching nothing after the Found line, as dbt 1.11's NoNodesForSelectionCriteria", () => {
    const w = [new KilnError('KLN309', "The selection 'x' in --select matches no node")];
    const said = "warning[KLN309] The selection 'x' in --select matches no node";
    expect(linesOf((r) => r.nothingToDo('0.1.0', '6 models', w))).toEqual(['Running with kiln=0.1.0', 'Found 6 models', said, 'Nothing to do. Try checking your model configs and model specification args']);
    expect(linesOf((r) => r.header('0.1.0', '6 models', 4, 'dev', w))).toEqual(['Running with kiln=0.1.0', 'Found 6 models', said, "Concurrency: 4 threads (target='dev')"]);
  });

  it("ends a seed or clone with nothing to do as dbt 1.11.16 does: Completed successfully, Done with TOTAL=0", () => {
    expect(linesOf((r) => r.endOfRun([], { nodes: new Map(), packageRoots: new Map() }))).toEqual(['Completed successfully', 'Done. PASS=0 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=0']);
  });
});
