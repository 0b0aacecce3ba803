import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendRunHistory, historyEntry, readRunHistory, RUN_HISTORY_COUNT, RUN_HISTORY_FILE, RUN_HISTORY_LIMIT } from '../../../core/docs/run-history.js';
import type { NodeResult, RunSummary } from '../../../core/runner/results.js';

function result(uniqueId: string, status: NodeResult['status'], executionTime: number, extra: Partial<NodeResult> = {}): NodeResult {
  return { uniqueId, status, message: `${status} message`, executionTime, timing: [], threadId: 'Thread-1', rowsAffected: null, adapterMessage: 'OK', compiledCode: null, relationName: null, ...extra };
}

const summary = (results: NodeResult[], extra: Partial<RunSummary> = {}): RunSummary => ({ results, elapsedSeconds: 1.23456, cancelled: false, interrupted: false, ...extra });

describe('run history', () => {
  it('records each node’s status and time, and messages only for problems', () => {
    const e = historyEntry(
      summary([result('model.p.a', 'success', 0.1234), result('test.p.t', 'fail', 0.02, { failures: 3 }), result('model.p.b', 'skipped', 0)]),
      { invocationId: 'i1', command: 'build', startedAt: new Date('2024-01-02T03:04:05Z'), target: 'dev', select: ['+b'] },
    );
    expect(e).toMatchObject({ invocation_id: 'i1', command: 'build', started_at: '2024-01-02T03:04:05.000Z', elapsed_time: 1.235, status: 'error', target: 'dev', select: ['+b'], exclude: [] });
    expect(e.results).toEqual([
      { id: 'model.p.a', status: 'success', time: 0.123 },
      { id: 'test.p.t', status: 'fail', time: 0.02, failures: 3, message: 'fail message' },
      { id: 'model.p.b', status: 'skipped', time: 0 },
    ]);
    expect(historyEntry(summary([], { interrupted: true, cancelled: true }), { invocationId: 'x', command: 'run', startedAt: new Date(), target: 't' }).status).toBe('interrupted');
    expect(historyEntry(summary([result('m', 'success', 1)], { cancelled: true }), { invocationId: 'x', command: 'run', startedAt: new Date(), target: 't' }).status).toBe('cancelled');
  });

  it(`keeps the newest ${RUN_HISTORY_LIMIT} runs, oldest first, and skips torn lines`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-history-'));
    for (let i = 0; i < RUN_HISTORY_LIMIT + 5; i++) {
      appendRunHistory(dir, historyEntry(summary([result('model.p.a', 'success', i)]), { invocationId: `run-${i}`, command: 'run', startedAt: new Date(), target: 'dev' }));
    }
    fs.appendFileSync(path.join(dir, RUN_HISTORY_FILE), '{"invocation_id": "torn", "resu\n');
    const runs = readRunHistory(dir);
    expect(runs).toHaveLength(RUN_HISTORY_LIMIT);
    expect(runs[0].invocation_id).toBe('run-5');
    expect(runs.at(-1)!.invocation_id).toBe(`run-${RUN_HISTORY_LIMIT + 4}`);
    expect(readRunHistory(path.join(dir, 'missing'))).toEqual([]);
  });

  it('appends without rewriting until the file holds twice the limit, then keeps the newest; a lost count compacts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-history-'));
    const file = path.join(dir, RUN_HISTORY_FILE);
    const add = (i: number) => appendRunHistory(dir, historyEntry(summary([result('model.p.a', 'success', i)]), { invocationId: `run-${i}`, command: 'run', startedAt: new Date(), target: 'dev' }));
    const lines = () => fs.readFileSync(file, 'utf8').trim().split('\n').length;
    for (let i = 0; i < 2 * RUN_HISTORY_LIMIT; i++) add(i);
    const inode = fs.statSync(file).ino;
    expect(lines()).toBe(2 * RUN_HISTORY_LIMIT);
    add(2 * RUN_HISTORY_LIMIT);
    // Compacted: a new file with the newest entries.
    expect(lines()).toBe(RUN_HISTORY_LIMIT);
    expect(fs.statSync(file).ino).not.toBe(inode);
    expect(readRunHistory(dir).at(-1)!.invocation_id).toBe(`run-${2 * RUN_HISTORY_LIMIT}`);
    // Appending again writes in place.
    const compacted = fs.statSync(file).ino;
    add(999);
    expect(fs.statSync(file).ino).toBe(compacted);
    expect(fs.readFileSync(path.join(dir, RUN_HISTORY_COUNT), 'utf8')).toBe(String(RUN_HISTORY_LIMIT + 1));
    // Without its count (an older kiln, a hand edit), the next run compacts and counts anew.
    fs.rmSync(path.join(dir, RUN_HISTORY_COUNT));
    add(1000);
    expect(lines()).toBe(RUN_HISTORY_LIMIT);
    expect(readRunHistory(dir).map((e) => e.invocation_id).slice(-2)).toEqual(['run-999', 'run-1000']);
  });

  it('redacts what it is told to', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-history-'));
    appendRunHistory(dir, historyEntry(summary([result('model.p.a', 'error', 0, { message: 'password hunter2 rejected' })]), { invocationId: 'r', command: 'run', startedAt: new Date(), target: 'dev' }), (t) => t.split('hunter2').join('*****'));
    expect(fs.readFileSync(path.join(dir, RUN_HISTORY_FILE), 'utf8')).not.toContain('hunter2');
  });
});
