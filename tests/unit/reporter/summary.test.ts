// The end of a run's output, as dbt 1.11 prints it (dbt/task/printer.py print_run_end_messages,
// events EndOfRunSummary and StatsLine): checked against dbt-core 1.11.16 runs.
import { describe, expect, it } from 'vitest';
import { Reporter } from '../../../core/reporter/reporter.js';
import type { NodeResult, NodeStatus } from '../../../core/runner/results.js';

function result(uniqueId: string, status: NodeStatus): NodeResult {
  return { uniqueId, status, message: status, executionTime: 0.01, timing: [], threadId: 'Thread-1', rowsAffected: null, adapterMessage: '', compiledCode: null, relationName: null };
}

function summaryOf(statuses: NodeStatus[], format: 'text' | 'json' = 'text'): string[] {
  let out = '';
  const reporter = new Reporter({ format, color: false, sinks: { out: (t) => void (out += t), err: (t) => void (out += t) } });
  const results = statuses.map((s, i) => result(`model.shop.m${i}`, s));
  reporter.summary({ results, elapsedSeconds: 1, cancelled: false, interrupted: false }, { nodes: new Map(), packageRoots: new Map() }, `${results.length} models`);
  return out.split('\n').map((l) => l.replace(/^\d\d:\d\d:\d\d {2}/, '')).filter((l) => l.startsWith('Completed') || l.startsWith('Done') || l.includes('"summary"'));
}

describe('the summary of a run', () => {
  it('prints NO-OP= in the Done line whatever the results', () => {
    expect(summaryOf(['success', 'success'])).toEqual(['Completed successfully', 'Done. PASS=2 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=2']);
    expect(summaryOf(['success', 'no-op'])).toEqual(['Completed successfully', 'Done. PASS=1 WARN=0 ERROR=0 SKIP=0 NO-OP=1 TOTAL=2']);
    expect(JSON.parse(summaryOf(['pass'], 'json')[0])).toMatchObject({ event: 'summary', pass: 1, warn: 0, error: 0, skip: 0, no_op: 0, total: 1 });
  });

  it("names errors, partial successes and warnings as dbt's EndOfRunSummary does", () => {
    expect(summaryOf(['error', 'skipped', 'pass'])[0]).toBe('Completed with 1 error, 0 partial successes, and 0 warnings:');
    expect(summaryOf(['error', 'fail', 'warn'])[0]).toBe('Completed with 2 errors, 0 partial successes, and 1 warning:');
    expect(summaryOf(['error', 'partial success'])).toEqual(['Completed with 1 error, 1 partial success, and 0 warnings:', 'Done. PASS=0 WARN=0 ERROR=2 SKIP=0 NO-OP=0 TOTAL=2']);
    expect(summaryOf(['partial success', 'partial success', 'warn'])[0]).toBe('Completed with 2 partial successes and 1 warning');
    expect(summaryOf(['warn', 'warn', 'pass'])[0]).toBe('Completed with 2 warnings:');
    expect(summaryOf(['warn'])[0]).toBe('Completed with 1 warning:');
  });
});
