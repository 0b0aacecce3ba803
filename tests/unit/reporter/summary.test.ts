// The end of a run's output, as dbt 1.11 prints it (dbt/task/printer.py print_run_end_messages,
// events EndOfRunSummary and StatsLine): checked against dbt-core 1.11.16 runs.
import { describe, expect, it } from 'vitest';
import { Reporter } from '../../../core/reporter/reporter.js';
import type { NodeResult, NodeStatus } from '../../../core/runner/results.js';

function result(uniqueId: string, status: NodeStatus): NodeResult {
  return { uniqueId, status, message: status, executionTime: 0.01, timing: [], threadId: 'Thread-1', rowsAffected: null, adapterMessage: '', compiledCode: null, relationName: null };
}

function summaryOf(statuses: NodeStatus[], format: 'text' | 'json' = 'text', elapsedSeconds = 1): string[] {
  let out = '';
  const reporter = new Reporter({ format, color: false, sinks: { out: (t) => void (out += t), err: (t) => void (out += t) } });
  const results = statuses.map((s, i) => result(`model.shop.m${i}`, s));
  reporter.summary({ results, elapsedSeconds, cancelled: false, interrupted: false }, { nodes: new Map(), packageRoots: new Map() }, `${results.length} models`);
  return out.split('\n').map((l) => l.replace(/^\d\d:\d\d:\d\d {2}/, '')).filter((l) => l.startsWith('Completed') || l.startsWith('Done') || l.includes('"summary"') || l.startsWith('Finished'));
}

describe('the summary of a run', () => {
  it("tells the time as dbt's FinishedRunningStats does", () => {
    expect(summaryOf(['success'], 'text', 1.234)[0]).toBe('Finished running 1 models in 0 hours 0 minutes and 1.23 seconds (1.23s).');
    expect(summaryOf(['success'], 'text', 3725.5)[0]).toBe('Finished running 1 models in 1 hours 2 minutes and 5.50 seconds (3725.50s).');
  });

  it('prints NO-OP= in the Done line whatever the results', () => {
    expect(summaryOf(['success', 'success']).slice(1)).toEqual(['Completed successfully', 'Done. PASS=2 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=2']);
    expect(summaryOf(['success', 'no-op']).slice(1)).toEqual(['Completed successfully', 'Done. PASS=1 WARN=0 ERROR=0 SKIP=0 NO-OP=1 TOTAL=2']);
    expect(JSON.parse(summaryOf(['pass'], 'json').find((l) => l.includes('"summary"'))!)).toMatchObject({ event: 'summary', pass: 1, warn: 0, error: 0, skip: 0, no_op: 0, total: 1 });
  });

  it("names errors, partial successes and warnings as dbt's EndOfRunSummary does", () => {
    expect(summaryOf(['error', 'skipped', 'pass'])[1]).toBe('Completed with 1 error, 0 partial successes, and 0 warnings:');
    expect(summaryOf(['error', 'fail', 'warn'])[1]).toBe('Completed with 2 errors, 0 partial successes, and 1 warning:');
    expect(summaryOf(['error', 'partial success']).slice(1)).toEqual(['Completed with 1 error, 1 partial success, and 0 warnings:', 'Done. PASS=0 WARN=0 ERROR=2 SKIP=0 NO-OP=0 TOTAL=2']);
    expect(summaryOf(['partial success', 'partial success', 'warn'])[1]).toBe('Completed with 2 partial successes and 1 warning');
    expect(summaryOf(['warn', 'warn', 'pass'])[1]).toBe('Completed with 2 warnings:');
    expect(summaryOf(['warn'])[1]).toBe('Completed with 1 warning:');
  });
});
