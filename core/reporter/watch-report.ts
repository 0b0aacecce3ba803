// `kiln watch`'s compact report of one rebuild: a line per node as it finishes (status, name,
// kind, seconds; names aligned within the rebuild), then one summary line with the time the
// save took to parse and to build. Failures follow with their location, as in a run's summary.
import type { ParsedNode } from '../nodes.js';
import type { NodeResult, RunSummary } from '../runner/results.js';
import type { Reporter } from './reporter.js';

export class WatchReport {
  private readonly width: number;

  constructor(
    private readonly reporter: Reporter,
    nodes: readonly ParsedNode[],
  ) {
    this.width = Math.min(48, Math.max(8, ...nodes.map((n) => label(n).length)));
  }

  node(node: ParsedNode, r: NodeResult): void {
    const status = statusWord(node, r);
    const secs = r.status === 'skipped' ? '' : ` ${r.executionTime.toFixed(2)}s`;
    this.reporter.info(`${status.padEnd(6)} ${label(node).padEnd(this.width)} ${kind(node).padEnd(11)}${secs}`.trimEnd(), {
      event: 'watch_node',
      unique_id: node.uniqueId,
      status: r.status,
      execution_time: r.executionTime,
      failures: r.failures ?? null,
    });
  }

  /** The summary line, then what failed and where. */
  done(summary: RunSummary, nodes: ReadonlyMap<string, ParsedNode>, seconds: { total: number; parse: number; build: number }): void {
    const results = summary.results;
    const count = (...s: string[]) => results.filter((r) => s.includes(r.status)).length;
    const pass = count('success', 'pass');
    const warn = count('warn');
    const error = count('error', 'fail');
    const skip = count('skipped');
    const f = (s: number) => `${s.toFixed(2)}s`;
    this.reporter.info(`Rebuilt ${results.length} node${results.length === 1 ? '' : 's'} in ${f(seconds.total)} (parse ${f(seconds.parse)}, build ${f(seconds.build)}): PASS=${pass} WARN=${warn} ERROR=${error} SKIP=${skip}`, {
      event: 'watch_rebuilt',
      pass,
      warn,
      error,
      skip,
      total: results.length,
      elapsed: seconds.total,
      parse: seconds.parse,
      build: seconds.build,
    });
    for (const r of results) {
      if (r.status !== 'error' && r.status !== 'fail' && r.status !== 'warn') continue;
      const node = nodes.get(r.uniqueId);
      if (r.error) this.reporter.kilnError(r.error, r.status === 'warn' ? 'warn' : 'error', 'out');
      else this.reporter.info(`  ${node?.name ?? r.uniqueId} (${node?.originalFilePath ?? ''}): ${r.message}`);
    }
  }
}

function label(node: ParsedNode): string {
  return node.resourceType === 'unit_test' && node.unitTest ? `${node.unitTest.model}::${node.name}` : node.name;
}

function kind(node: ParsedNode): string {
  switch (node.resourceType) {
    case 'model':
      return String(node.config.materialized);
    case 'unit_test':
      return 'unit test';
    default:
      return node.resourceType;
  }
}

function statusWord(node: ParsedNode, r: NodeResult): string {
  switch (r.status) {
    case 'success':
      return node.resourceType === 'seed' ? 'LOADED' : 'OK';
    case 'pass':
      return 'PASS';
    case 'warn':
      return `WARN ${r.failures ?? ''}`.trim();
    case 'fail':
      return `FAIL ${r.failures ?? ''}`.trim();
    case 'error':
      return 'ERROR';
    case 'skipped':
      return 'SKIP';
    case 'partial success':
      return 'PARTIAL';
    case 'no-op':
      return 'NO-OP';
  }
}
