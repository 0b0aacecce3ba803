// SIGKILL in the middle of builds on DuckDB: nothing half-built, nothing lost, and the next
// build converges (see lib/harness.ts). A fixed seed makes the kill moments reproducible; the
// soak script (tests/bench/fault-soak.ts) runs many more.
import { afterAll, describe, expect, it } from 'vitest';
import { runFaultInjection } from './lib/harness.js';
import { duckdbFaultTarget } from './lib/targets.js';

const target = duckdbFaultTarget();
afterAll(() => target.cleanup());

describe('fault injection on DuckDB', () => {
  it('survives 10 kills at random moments of a build', async () => {
    const report = await runFaultInjection(target, { kills: 10, seed: 11, log: (l) => console.log(l) });
    expect(report.problems).toEqual([]);
    expect(report.kills).toBeGreaterThanOrEqual(10);
    // The kills landed inside the runs, not all before or after them.
    expect(report.iterations.some((i) => i.killed && i.replaced.length > 0)).toBe(true);
    expect(report.iterations.some((i) => i.killed && i.inFlight.length > 0)).toBe(true);
  }, 300_000);
});
