// run_results.json made from entries made as results came in (runResultsText, ResultTexts) is
// byte for byte the JSON.stringify of the whole object it replaces.
import { describe, expect, it } from 'vitest';
import { ResultTexts, runResultsText } from '../../../core/artifacts/run-results.js';
import { runResultsJson } from '../../../core/artifacts/write.js';
import { Codes, KilnError } from '../../../core/errors.js';
import type { NodeResult, RunSummary } from '../../../core/runner/results.js';

const meta = { invocationId: '0b7c1c52-2f7e-4c4d-9d38-6a1c1b0c5b1e', generatedAt: new Date('2026-11-26T10:00:00.123Z'), adapterType: 'postgres' };

function result(id: string, over: Partial<NodeResult> = {}): NodeResult {
  return {
    uniqueId: id,
    status: 'success',
    message: 'CREATE VIEW',
    executionTime: 0.0123,
    timing: [
      { name: 'compile', started_at: '2026-11-26T10:00:00.200Z', completed_at: '2026-11-26T10:00:00.201Z' },
      { name: 'execute', started_at: '2026-11-26T10:00:00.201Z', completed_at: '2026-11-26T10:00:00.213Z' },
    ],
    threadId: 'Thread-1',
    rowsAffected: null,
    adapterMessage: 'CREATE VIEW',
    compiledCode: 'select 1 as id\nfrom "db"."s"."t" -- a "quoted" \\ line\twith tab',
    relationName: '"db"."s"."m"',
    ...over,
  };
}

const args = { which: 'run', select: ['tag:nightly', 'm+'], exclude: [], vars: '{}', threads: null, full_refresh: false };

describe('runResultsText', () => {
  it('is JSON.stringify(runResultsJson(...)) (one line, as dbt writes it), whatever the results hold', () => {
    const results: NodeResult[] = [
      result('model.p.a'),
      result('model.p.b', { status: 'error', message: 'relation "x" does not exist\nLINE 1', error: new KilnError(Codes.DATABASE_ERROR, 'relation "x" does not exist', { hint: 'Check the ref.' }) }),
      result('model.p.c', { status: 'skipped', message: 'SKIP', compiledCode: null, skippedBecause: 'model.p.b' }),
      result('test.p.t', { status: 'fail', failures: 3, compiledCode: 'select * from x where id is null', message: 'Got 3 results, configured to fail if != 0' }),
      result('operation.p.on-run-end.0', { relationName: null, message: 'ünïcödé ✓ \u2028' }),
      result('model.p.mb', { batchResults: { successful: [['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z']], failed: [] } as unknown as NodeResult['batchResults'] }),
    ];
    const summary: RunSummary = { results, elapsedSeconds: 1.2345, cancelled: false, interrupted: false };
    const expected = JSON.stringify(runResultsJson(summary, meta, args));
    expect(runResultsText(summary, meta, args)).toBe(expected);
    // Entries made as results came in, some of them before the end.
    const texts = new ResultTexts();
    results.slice(0, 3).forEach((r) => texts.add(r));
    expect(runResultsText(summary, meta, args, undefined, texts.textOf)).toBe(expected);
    // An adapter answering dbt-duckdb's `OK` (adapterResponse 'ok'): the same with that style.
    const okTexts = new ResultTexts('ok');
    results.slice(0, 2).forEach((r) => okTexts.add(r));
    const okExpected = JSON.stringify(runResultsJson(summary, meta, args, 'ok'));
    expect(okExpected).not.toBe(expected);
    expect(runResultsText(summary, meta, args, 'ok', okTexts.textOf)).toBe(okExpected);
    expect(JSON.parse(expected).results).toHaveLength(6);
  });

  it('writes each kind of entry as JSON.stringify does (the entries written directly, and those it falls back for)', () => {
    const variants: NodeResult[] = [
      result('model.p.a'),
      result('model.p.rows', { rowsAffected: 42, adapterMessage: 'INSERT 0 42', message: 'INSERT 0 42' }),
      result('model.p.notime', { timing: [], executionTime: 0 }),
      result('model.p.nan', { executionTime: NaN }),
      result('model.p.tiny', { executionTime: 1e-7 }),
      result('model.p.quote"d', { relationName: '"db"."s"."quote""d"', compiledCode: '' }),
      result('model.p.emoji', { compiledCode: 'select \'😀\' as e, \'\ud800\' as lone' }),
      result('model.p.ctl', { compiledCode: 'select 1\u0000\u001f\u007f\u2028' }),
      result('model.p.norel', { relationName: null }),
      result('model.p.undefrel', { relationName: undefined as unknown as null }),
      result('model.p.undefmsg', { message: undefined as unknown as string }),
      result('model.p.undefrows', { rowsAffected: undefined as unknown as null }),
      result('model.p.skip', { status: 'skipped', message: 'SKIP', compiledCode: null, skippedBecause: 'model.p.a' }),
      result('model.p.err', { status: 'error', message: 'boom', error: new KilnError(Codes.DATABASE_ERROR, 'boom') }),
      result('model.p.errmsg', { status: 'error', message: 'boom without an error object' }),
      result('seed.p.s', { adapterMessage: 'INSERT 10', rowsAffected: 10, message: 'INSERT 10', compiledCode: null }),
      result('test.p.t', { status: 'pass', failures: 0, compiledCode: 'select 1' }),
      result('test.p.w', { status: 'warn', failures: 2, message: 'Got 2 results' }),
      result('snapshot.p.snap', { adapterMessage: 'OK' }),
      result('exposure.p.e', { status: 'skipped', compiledCode: null, relationName: null }),
      result('exposure.p.n', { status: 'no-op', message: 'NO-OP', compiledCode: null, relationName: null }),
      result('operation.p.on-run-start.0', { relationName: null, message: 'on-run-start.0 passed' }),
      result('model.p.clone', { adapterMessage: 'No-op', message: 'No-op' }),
      result('model.p.mb', { batchResults: { successful: [], failed: [['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z']] } as unknown as NodeResult['batchResults'] }),
    ];
    for (const style of [undefined, 'ok', 'status'] as const) {
      const summary: RunSummary = { results: variants, elapsedSeconds: 0.5, cancelled: false, interrupted: false };
      const expected = JSON.stringify(runResultsJson(summary, meta, args, style));
      expect(runResultsText(summary, meta, args, style)).toBe(expected);
      for (const r of variants) {
        const one: RunSummary = { results: [r], elapsedSeconds: 0.5, cancelled: false, interrupted: false };
        expect(runResultsText(one, meta, args, style)).toBe(JSON.stringify(runResultsJson(one, meta, args, style)));
      }
    }
  });

  it('writes an empty run as before', () => {
    const summary: RunSummary = { results: [], elapsedSeconds: 0, cancelled: false, interrupted: false };
    expect(runResultsText(summary, meta, args)).toBe(JSON.stringify(runResultsJson(summary, meta, args)));
  });

  it('makes the entries added, a batch at a time between turns of the event loop, each once', async () => {
    const texts = new ResultTexts();
    const rs = Array.from({ length: 50 }, (_, i) => result(`model.p.m${i}`));
    const made = (texts as unknown as { texts: Map<NodeResult, string> }).texts;
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    rs.slice(0, 31).forEach((r) => texts.add(r));
    await turn();
    expect(made.size).toBe(0);
    rs.slice(31, 40).forEach((r) => texts.add(r));
    await turn();
    expect(made.size).toBe(40);
    // The last ones (fewer than a batch) are made when asked for.
    rs.slice(40).forEach((r) => texts.add(r));
    await turn();
    expect(made.size).toBe(40);
    expect(texts.textOf(rs[49])).toBe(texts.textOf(rs[49]));
    expect(made.size).toBe(41);
    expect(texts.textOf(rs[0]).startsWith('{"status":"success"')).toBe(true);
  });
});
