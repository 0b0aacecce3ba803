// SIGKILL in the middle of builds on PostgreSQL: nothing half-built, nothing lost, the killed
// session's run lock and transaction die with it, and the next build converges (see
// lib/harness.ts). A fixed seed makes the kill moments reproducible; tests/bench/fault-soak.ts
// runs many more.
import { afterAll, describe, expect, it } from 'vitest';
import { pgServer } from '../helpers/postgres.js';
import { runFaultInjection } from './lib/harness.js';
import { postgresFaultTarget } from './lib/targets.js';

const target = postgresFaultTarget(pgServer());
afterAll(() => target.cleanup());

describe('fault injection on PostgreSQL', () => {
  it('survives 10 kills at random moments of a build', async () => {
    const report = await runFaultInjection(target, { kills: 10, seed: 12, log: (l) => console.log(l) });
    expect(report.problems).toEqual([]);
    expect(report.kills).toBeGreaterThanOrEqual(10);
    expect(report.iterations.some((i) => i.killed && i.replaced.length > 0)).toBe(true);
    expect(report.iterations.some((i) => i.killed && i.inFlight.length > 0)).toBe(true);
  }, 300_000);
});
