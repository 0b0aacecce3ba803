// `kiln source freshness`: check every selected source table's last load against its thresholds
// and write target/sources.json.
import { criteriaOf, checkFreshness, type FreshnessResult } from '../../freshness/freshness.js';
import { ArtifactWriter, jsonArtifactOptions } from '../../artifacts/write.js';
import { metadata } from '../../artifacts/manifest-json.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';
import { openSession, select, type Session } from '../session.js';
import { redactor, reportWarnings } from './shared.js';
import { Compiler } from '../../compiler/compile.js';
import { inlineNode } from '../inline-node.js';
import { Codes, KilnError, KilnErrors } from '../../errors.js';
import type { SourceTable } from '../../nodes.js';

/**
 * Renders source tables' loaded_at_query as dbt's freshness task does: the project's macros and
 * context, with `this` the source table. One compiler for the command, made at the first query
 * with Jinja in it.
 */
function queryRenderer(session: Session): (source: SourceTable) => (query: string) => string {
  let compiler: Compiler | null = null;
  return (source) => (query) => {
    if (!query.includes('{{') && !query.includes('{%')) return query;
    compiler ??= new Compiler(session.manifest, session.engine, session.deps, session.profile.profileName);
    const node = { ...inlineNode(session, query), name: source.name, database: source.database, schema: source.schema, alias: source.identifier, quotePolicy: source.projectQuotePolicy, loc: source.loc, originalFilePath: source.originalFilePath };
    try {
      return compiler.compile(node).sql;
    } catch (e) {
      // (one error for the table, with the YAML file: checkFreshness reports it)
      if (e instanceof KilnErrors) throw e.errors[0] ?? new KilnError(Codes.JINJA_RENDER, e.message);
      throw e;
    }
  };
}

export async function freshnessCommand(opts: GlobalOptions & { output?: string }, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  const session = await openSession(opts, io.cwd);
  reportWarnings(reporter, session.warnings);
  session.adapter.onRetry = (n) => reporter.retrying(n);
  // The full selection: --selector, selectors.yml's default and --state (source_status:) too.
  const chosen = select(session, opts, ['source'], (w) => reporter.kilnError(w, 'warn'));
  const sources = [...session.manifest.sources.values()].filter((s) => chosen.has(s.uniqueId));
  const checks = sources.map((s) => ({ s, c: criteriaOf(s) })).filter((x) => x.c !== null);
  if (checks.length === 0) {
    reporter.warn('No selected source has `freshness` and `loaded_at_field` (or `loaded_at_query`); nothing to check.');
    return ExitCode.OK;
  }
  await session.adapter.open();
  const results: FreshnessResult[] = [];
  const started = performance.now();
  const conn = await session.adapter.acquire();
  try {
    const renderFor = queryRenderer(session);
    let i = 0;
    for (const { s, c } of checks) {
      i++;
      const r = await checkFreshness(session.adapter, conn, s, c!, renderFor(s));
      results.push(r);
      const label = r.status === 'pass' ? 'PASS' : r.status === 'warn' ? 'WARN' : r.status === 'error' ? 'ERROR STALE' : 'ERROR';
      reporter.info(`${i} of ${checks.length} ${label} freshness of ${s.sourceName}.${s.name} ... [${label} in ${r.executionTime.toFixed(2)}s] ${r.message}`, {
        event: 'freshness',
        unique_id: s.uniqueId,
        status: r.status,
        max_loaded_at: r.maxLoadedAt,
        age_seconds: r.ageSeconds,
      });
      if (r.error) reporter.kilnError(r.error, 'error', 'out');
    }
  } finally {
    session.adapter.release(conn);
    await session.adapter.close();
  }
  const meta = { invocationId: session.invocationId, generatedAt: session.startedAt, adapterType: session.adapter.type };
  const writer = new ArtifactWriter(session.targetDir, redactor(), jsonArtifactOptions(opts));
  writer.writeJson(opts.output ?? 'sources.json', {
    metadata: metadata(meta, 'sources/v3'),
    elapsed_time: (performance.now() - started) / 1000,
    results: results.map((r) => ({
      unique_id: r.uniqueId,
      status: r.status,
      max_loaded_at: r.maxLoadedAt,
      snapshotted_at: r.snapshottedAt,
      max_loaded_at_time_ago_in_s: r.ageSeconds,
      criteria: {
        warn_after: r.criteria.warnAfter ?? { count: null, period: null },
        error_after: r.criteria.errorAfter ?? { count: null, period: null },
        filter: r.criteria.filter,
      },
      execution_time: r.executionTime,
      adapter_response: {},
      thread_id: 'Thread-1 (worker)',
      timing: [],
      error: r.error?.message,
    })),
  });
  const count = (st: string) => results.filter((r) => r.status === st).length;
  const errors = count('error') + count('runtime error');
  reporter.info('');
  reporter.info(`Done. PASS=${count('pass')} WARN=${count('warn')} ERROR=${errors} TOTAL=${results.length}`, { event: 'summary' });
  return errors ? ExitCode.NODE_FAILED : ExitCode.OK;
}
