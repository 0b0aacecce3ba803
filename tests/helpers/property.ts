// fast-check settings for kiln's property-based tests: a fixed seed, so a run of the suite is
// deterministic (the same inputs every time), and KILN_FC_SEED / KILN_FC_RUNS to explore other
// inputs on demand (`KILN_FC_SEED=$RANDOM KILN_FC_RUNS=5000 npx vitest run <file>`). A failure
// prints its seed and path; set KILN_FC_SEED to that seed to replay it.
import type { Parameters } from 'fast-check';

export function propertyRuns<T>(numRuns: number): Parameters<T> {
  const seed = process.env.KILN_FC_SEED === undefined ? 20261125 : Number(process.env.KILN_FC_SEED);
  const runs = process.env.KILN_FC_RUNS === undefined ? numRuns : Number(process.env.KILN_FC_RUNS);
  return { seed, numRuns: runs };
}
