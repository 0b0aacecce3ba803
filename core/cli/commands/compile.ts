// `kiln parse` and `kiln compile`: no warehouse access; compile renders the selected nodes with
// their real relation names and writes target/compiled.
import { KilnError, KilnErrors } from '../../errors.js';
import { ArtifactWriter } from '../../artifacts/write.js';
import { manifestJsonChunks } from '../../artifacts/manifest-json.js';
import { Compiler } from '../../compiler/compile.js';
import type { ParsedNode } from '../../nodes.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import { FORMAT_LIMIT, type GlobalOptions } from '../options.js';
export { FORMAT_LIMIT };
import { openSession, select } from '../session.js';
import { applyDefer, deferState } from '../defer.js';
import { foundPhrase, redactor, reportWarnings } from './shared.js';
import { needsWarehouse } from '../../template/engine.js';
import type { Session } from '../session.js';

export async function parseCommand(opts: GlobalOptions, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  const started = performance.now();
  const session = await openSession(opts, io.cwd);
  reportWarnings(reporter, session.warnings);
  session.adapter.onRetry = (n) => reporter.retrying(n);
  const meta = { invocationId: session.invocationId, generatedAt: session.startedAt, adapterType: session.adapter.type };
  session.timings.time('write artifacts', () =>
    new ArtifactWriter(session.targetDir, redactor()).writeJsonStream('manifest.json', manifestJsonChunks(session.manifest, session.dag, session.adapter.dialect, meta)),
  );
  reporter.info(`Found ${foundPhrase(session.manifest)}`);
  reporter.info(`Parsed in ${((performance.now() - started) / 1000).toFixed(2)}s; wrote ${session.loaded.project.targetPath}/manifest.json`);
  return ExitCode.OK;
}


export interface CompileOptions {
  /** --format (true) / --no-format (false); unset: format when the selection is small. */
  format?: boolean;
}

export async function compileCommand(opts: GlobalOptions & CompileOptions, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  const started = performance.now();
  const session = await openSession(opts, io.cwd);
  reportWarnings(reporter, session.warnings);
  session.adapter.onRetry = (n) => reporter.retrying(n);
  const timings = session.timings;
  const selected = timings.time('graph', () => select(session, opts, ['model', 'analysis', 'snapshot'], (w) => reporter.kilnError(w, 'warn')));
  const deferTo = deferState(session, opts);
  const compiler = new Compiler(session.manifest, session.engine, session.deps, session.profile.profileName, { staticFastPath: session.staticFastPath, empty: !!opts.empty });
  if (deferTo) {
    // Deferral asks the target which relations exist: the one warehouse read compile makes.
    await session.adapter.open();
    try {
      await applyDefer(session, opts, deferTo, selected, compiler, reporter);
    } finally {
      await session.adapter.close();
    }
  }
  const errors: KilnError[] = [];
  let count = 0;
  const queries: ParsedNode[] = [];
  // Files go to disk on a worker thread (creating 10,000 files is disk-bound, 1 to 5 s here)
  // from the first compiled node on, while this thread compiles and serializes the manifest.
  const writer = new ArtifactWriter(session.targetDir, redactor(), { background: process.env.KILN_BACKGROUND_WRITES !== '0' });
  // Only the files are laid out; what runs (and manifest.json's compiled_code) stays as rendered.
  const format = opts.format ?? selected.size <= FORMAT_LIMIT;
  const layout = format ? await formatter(session.adapter.formatterDialect) : (sql: string) => sql;
  let written = 0;
  const write = ({ node, sql }: { node: ParsedNode; sql: string }) => {
    count++;
    if (node.config.materialized === 'ephemeral') return;
    written++;
    writer.writeCompiled(node, layout(sql));
  };
  try {
    timings.time('compile', () => {
      for (const id of session.dag.topoOrder()) {
        if (!selected.has(id)) continue;
        const node = session.manifest.nodes.get(id)!;
        try {
          write({ node, sql: compiler.compile(node).sql });
        } catch (e) {
          if (needsWarehouse(e)) queries.push(node);
          else if (e instanceof KilnError) errors.push(e);
          else throw e;
        }
      }
    });
    // Templates that query the warehouse (run_query, introspection) compile against it, as in dbt.
    if (queries.length) {
      const compiled: { node: ParsedNode; sql: string }[] = [];
      await compileWithWarehouse(session, compiler, queries, compiled, errors);
      compiled.forEach(write);
    }
    timings.time('write artifacts', () => {
      const meta = { invocationId: session.invocationId, generatedAt: session.startedAt, adapterType: session.adapter.type };
      writer.writeJsonStream('manifest.json', manifestJsonChunks(session.manifest, session.dag, session.adapter.dialect, meta));
    });
  } finally {
    await timings.timeAsync('write artifacts', () => writer.finish());
  }
  if (opts.format === undefined && !format && written) reporter.info(`Wrote the compiled SQL of ${written} nodes as rendered (more than ${FORMAT_LIMIT}); --format lays it out.`);
  if (errors.length) throw errors.length === 1 ? errors[0] : new KilnErrors(errors);
  reporter.info(`Found ${foundPhrase(session.manifest)}`);
  reporter.info(`Compiled ${count} node${count === 1 ? '' : 's'} in ${((performance.now() - started) / 1000).toFixed(2)}s into ${session.loaded.project.targetPath}/compiled`);
  return ExitCode.OK;
}

/** sql-formatter is loaded only when used: it costs ≈ 0.2 s to import. */
async function formatter(dialect: string): Promise<(sql: string) => string> {
  const { formatCompiled } = await import('../../format/format-sql.js');
  return (sql) => {
    const out = formatCompiled(sql, dialect);
    return out === sql || out.endsWith('\n') ? out : `${out}\n`;
  };
}

async function compileWithWarehouse(session: Session, compiler: Compiler, nodes: readonly ParsedNode[], compiled: { node: ParsedNode; sql: string }[], errors: KilnError[]): Promise<void> {
  await session.adapter.open();
  const conn = await session.adapter.acquire();
  try {
    const warehouse = { adapter: session.adapter, connection: async () => conn };
    for (const node of nodes) {
      try {
        compiled.push({ node, sql: (await compiler.compileAsync(node, { warehouse })).sql });
      } catch (e) {
        if (e instanceof KilnError) errors.push(e);
        else throw e;
      }
    }
  } finally {
    session.adapter.release(conn);
    await session.adapter.close();
  }
}
