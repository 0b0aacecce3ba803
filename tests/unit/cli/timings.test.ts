// --print-timings: the phases of the main thread, and the artifact writer thread's time when the
// command had one (which thread a compile waits on at its end).
import { describe, expect, it } from 'vitest';
import { printTimings, Timings } from '../../../core/cli/timings.js';

describe('timings', () => {
  it('add the writer thread when one was noted, in text and JSON', () => {
    const t = new Timings();
    expect(t.format()).not.toContain('Writer thread');
    t.writer = { busyMs: 5227, aliveMs: 5300, waitedMs: 320 };
    expect(t.format().split('\n').at(-1)).toBe('Writer thread: busy 5.227s of 5.300s alive; the main thread waited 0.320s for it at the end');
    let out = '';
    printTimings(t, { logFormat: 'json' }, { stderr: (s) => (out += s) });
    expect((JSON.parse(out) as { writer: unknown }).writer).toEqual({ busy_s: 5.227, alive_s: 5.3, waited_s: 0.32 });
  });
});
