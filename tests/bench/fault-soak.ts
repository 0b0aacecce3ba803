// Fault-injection soak: many SIGKILLs at random moments of builds on DuckDB and PostgreSQL, with
// every check of tests/fault (complete old or new relations, no helper relations, no duplicate
// keys, one current snapshot row per key, convergence of the next build). On demand; the test
// suite runs 10 kills per adapter.
//
//   node --import tsx tests/bench/fault-soak.ts [--kills 200] [--adapters duckdb,postgres] [--seed 1]
//
// The server: KILN_TEST_POSTGRES_URL, else a throwaway cluster (tests/setup/postgres.ts).
// Prints where the kills landed and every problem found; exits 1 if there was one. Writes
// tests/bench/results/fault-soak.json.
import { parseArgs } from 'node:util';
import { runFaultInjection, type FaultReport } from '../fault/lib/harness.js';
import { duckdbFaultTarget, postgresFaultTarget, type FaultTarget } from '../fault/lib/targets.js';
import { obtainServer } from '../setup/postgres.js';
import { printTable, writeResults } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    kills: { type: 'string', default: '200' },
    adapters: { type: 'string', default: 'duckdb,postgres' },
    seed: { type: 'string', default: '1' },
    quiet: { type: 'boolean', default: false },
  },
});
const KILLS = Number(args.kills);
const SEED = Number(args.seed);
const adapters = args.adapters.split(',').map((a) => a.trim());

const reports: FaultReport[] = [];
let stopServer: (() => Promise<void>) | null = null;
try {
  for (const name of adapters) {
    let target: FaultTarget;
    if (name === 'duckdb') target = duckdbFaultTarget();
    else if (name === 'postgres') {
      const { server, stop } = await obtainServer();
      stopServer = stop;
      target = postgresFaultTarget(server);
    } else throw new Error(`unknown adapter ${name} (duckdb, postgres)`);
    const started = performance.now();
    try {
      const report = await runFaultInjection(target, { kills: KILLS, seed: SEED, log: args.quiet ? undefined : (l) => console.log(l) });
      reports.push(report);
      console.log(`${name}: ${report.kills} kills in ${((performance.now() - started) / 1000).toFixed(0)} s, ${report.problems.length} problems`);
    } finally {
      await target.cleanup();
    }
  }
} finally {
  await stopServer?.();
}

/** Where the kills landed: before any node finished, while nodes were in flight, after all. */
function landing(r: FaultReport) {
  const killed = r.iterations.filter((i) => i.killed);
  return {
    kills: killed.length,
    finishedFirst: r.iterations.length - killed.length,
    beforeAnyNode: killed.filter((i) => i.finished === 0).length,
    inFlight: killed.filter((i) => i.inFlight.length > 0).length,
    betweenNodes: killed.filter((i) => i.finished > 0 && i.inFlight.length === 0 && i.finished < r.events / 2).length,
    afterAllNodes: killed.filter((i) => i.finished >= r.events / 2).length,
    someReplaced: killed.filter((i) => i.replaced.length > 0).length,
    problems: r.problems.length,
    meanIterationMs: Math.round(r.iterations.reduce((s, i) => s + i.ms, 0) / Math.max(1, r.iterations.length)),
  };
}

const figures = reports.map((r) => ({ adapter: r.target, seed: r.seed, ...landing(r) }));
printTable(
  `fault-injection soak (seed ${SEED})`,
  ['adapter', 'kills', 'ran out first', 'before any node', 'mid-statement', 'between nodes', 'after all nodes', 'rows replaced', 'problems', 'ms / iteration'],
  figures.map((f) => [f.adapter, f.kills, f.finishedFirst, f.beforeAnyNode, f.inFlight, f.betweenNodes, f.afterAllNodes, f.someReplaced, f.problems, f.meanIterationMs]),
);
for (const r of reports) for (const p of r.problems) console.log(`PROBLEM ${r.target}: ${p}`);
writeResults('fault-soak', figures);
process.exit(reports.some((r) => r.problems.length > 0) ? 1 : 0);
