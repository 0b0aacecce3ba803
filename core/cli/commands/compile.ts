// `kiln parse` and `kiln compile`: no warehouse access; compile renders the selected nodes with
// their real relation names and writes target/compiled.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import fs from 'node:fs';
import { Codes, KilnError, KilnErrors } from '../../errors.js';
import type { Reporter } from '../../reporter/reporter.js';
import { manifestJsonChunks, type ManifestListener } from '../../artifacts/manifest-json.js';
import { writeSemanticManifest } from '../../semantic/write.js';
import type { Compiler } from '../../compiler/compile.js';
import type { ParsedNode } from '../../nodes.js';
import type { Connection } from '../../../adapters/adapter.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import { FORMAT_LIMIT, type GlobalOptions } from '../options.js';
export { FORMAT_LIMIT };
import type { Session } from '../session.js';
import { Timings } from '../timings.js';
import { envReadsInProcess, secretValues } from '../../template/env-reads.js';
import { beginCompileState, compileIfUpToDate, forgetCompileState, type ModelEntry, type RecordInput } from '../../parser/partial/compile-state.js';
import { nodeSqlPath } from '../../artifacts/paths.js';
import { forgetWarmRecord, ManifestSections } from '../../parser/partial/warm-render.js';

/**
 * What parse and a full compile need, imported when used: a compile with nothing changed
 * (compileIfUpToDate) loads none of it.
 */
async function modules() {
  const [write, compile, session, defer, shared, engine, warmRecord, selection, projectHooks] = await Promise.all([
    import('../../artifacts/write.js'),
    import('../../compiler/compile.js'),
    import('../session.js'),
    import('../defer.js'),
    import('./shared.js'),
    import('../../template/engine.js'),
    import('../../parser/partial/warm-record.js'),
    import('../../selection/select.js'),
    import('../../macros/project-hooks.js'),
  ]);
  return {
    ArtifactWriter: write.ArtifactWriter,
    jsonArtifactOptions: write.jsonArtifactOptions,
    Compiler: compile.Compiler,
    openSession: session.openSession,
    select: session.select,
    applyDefer: defer.applyDefer,
    deferState: defer.deferState,
    foundPhrase: shared.foundPhrase,
    redactor: shared.redactor,
    reportWarnings: shared.reportWarnings,
    needsWarehouse: engine.needsWarehouse,
    writeWarmRecord: warmRecord.writeWarmRecord,
    jinjaRecordOf: warmRecord.jinjaRecordOf,
    isDefaultRequest: selection.isDefaultRequest,
    compileProjectHooks: projectHooks.compileProjectHooks,
  };
}

export async function parseCommand(opts: GlobalOptions, io: Io): Promise<number> {
  const { ArtifactWriter, jsonArtifactOptions, openSession, foundPhrase, redactor, reportWarnings } = await modules();
  const reporter = makeReporter(opts, io);
  const started = performance.now();
  const session = await openSession(opts, io.cwd);
  reportWarnings(reporter, session.warnings);
  session.adapter.onRetry = (n) => reporter.retrying(n);
  const meta = { invocationId: session.invocationId, generatedAt: session.startedAt, adapterType: session.adapter.type };
  await session.timings.timeAsync('write artifacts', async () => {
    const writer = new ArtifactWriter(session.targetDir, redactor(), jsonArtifactOptions(opts));
    writer.writeJsonStream('manifest.json', manifestJsonChunks(session.manifest, session.dag, session.adapter.dialect, meta));
    writeSemanticManifest(writer, session.manifest, session.adapter.dialect);
    await writer.finish();
  });
  reporter.info(`Found ${foundPhrase(session.manifest)}`);
  const wrote = opts.writeJson === false ? '' : `; wrote ${session.loaded.project.targetPath}/manifest.json`;
  reporter.info(`Parsed in ${((performance.now() - started) / 1000).toFixed(2)}s${wrote}`);
  return ExitCode.OK;
}


export interface CompileOptions {
  /** --format (true) / --no-format (false); unset: format when the selection is small. */
  format?: boolean;
  /** --inline: a query to compile and print instead of the project's nodes. */
  inline?: string;
  /** --output: how a printed node's SQL is shown (text, or json as `{"node", "compiled"}`). */
  output?: string;
}

export async function compileCommand(opts: GlobalOptions & CompileOptions, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  const output = opts.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new KilnError(Codes.USAGE, `Unknown --output '${output}'`, { hint: 'Use text or json.' });
  if (opts.inline !== undefined) return compileInline(opts, opts.inline, io, reporter, output);
  const started = performance.now();
  const startedAt = Date.now();
  const timings = opts.timings ?? new Timings();
  // Nodes named in --select have their SQL printed, as `dbt compile --select <name>` does.
  const printNames = namedInSelection(opts.select);
  // Nothing changed since the last compile: its outputs stand (see compile-state.ts).
  const meta0 = { invocationId: randomUUID(), generatedAt: new Date() };
  const upToDate = opts.retryIds ? null : await timings.timeAsync('parse cache', () => compileIfUpToDate(opts, io.cwd, meta0));
  if (upToDate) {
    const r = upToDate.report;
    if (r.formatNote) reporter.info(formatNote(r.written));
    reporter.info(`Found ${r.found}`);
    for (const p of r.printed ?? []) printCompiled(reporter, output, p.name, readCompiled(upToDate.targetDir, p.output));
    reporter.info(compiledLine(r.count, started, upToDate.targetPath), { reuse: upToDate.reuse });
    return ExitCode.OK;
  }
  const { ArtifactWriter, jsonArtifactOptions, Compiler, openSession, select, applyDefer, deferState, foundPhrase, redactor, reportWarnings, needsWarehouse, writeWarmRecord, jinjaRecordOf, isDefaultRequest, compileProjectHooks } = await modules();
  const session = await openSession({ ...opts, timings }, io.cwd);
  // The outputs are about to change: the record of the last compile no longer holds.
  forgetCompileState(session.targetDir);
  reportWarnings(reporter, session.warnings);
  session.adapter.onRetry = (n) => reporter.retrying(n);
  let selectionWarnings = 0;
  const bare = isDefaultRequest({ select: opts.select, exclude: opts.exclude, selector: opts.selector });
  const selected = timings.time('graph', () =>
    select(session, opts, compiledTypes(bare), (w) => {
      selectionWarnings++;
      reporter.kilnError(w, 'warn');
    }),
  );
  const deferTo = deferState(session, opts);
  // Ephemeral models outside the selection that selected nodes inline: compiled and filed too, as dbt does.
  const unselectedEphemerals: { node: ParsedNode; sql: string }[] = [];
  const onEphemeral = (node: ParsedNode, sql: string) => {
    if (!selected.has(node.uniqueId)) unselectedEphemerals.push({ node, sql });
  };
  const compiler = new Compiler(session.manifest, session.engine, session.deps, session.profile.profileName, { staticFastPath: session.staticFastPath, empty: !!opts.empty, onEphemeral });
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
  const redact = redactor();
  const writer = new ArtifactWriter(session.targetDir, redact, { background: process.env.KILN_BACKGROUND_WRITES !== '0', expected: selected.size, recordStats: true, ...jsonArtifactOptions(opts) });
  // Only the files are laid out; what runs (and manifest.json's compiled_code) stays as rendered.
  const format = opts.format ?? selected.size <= FORMAT_LIMIT;
  const layout = format ? await formatter(session.adapter.formatterDialect) : (sql: string) => sql;
  let written = 0;
  const outputs: string[] = [];
  const printed: PrintedNode[] = [];
  const write = ({ node, sql }: { node: ParsedNode; sql: string }) => {
    count++;
    const shown = printNames.has(node.name) ? sql : null;
    written++;
    const output = `compiled/${nodeSqlPath(node, session.manifest.packageRoots)}`;
    outputs.push(output);
    const text = layout(sql);
    if (shown !== null) printed.push({ name: node.name, output, sql: text });
    writer.writeCompiled(node, text, session.manifest.packageRoots);
  };
  let manifestHead: string | undefined;
  /** A project hook rendered against the warehouse: the compile depends on more than files. */
  let hooksQueried = false;
  /** Nodes with ephemeral ancestors injected as CTEs (see EntryOffsets). */
  const withCtes = new Set<string>();
  let models: ModelEntry[] | undefined;
  let sections: ManifestSections | null = null;
  /** The compile record's inputs' side (beginCompileState), while the compile may still be recorded. */
  let recordBegun: ReturnType<typeof beginCompileState> = null;
  let recordInput: RecordInput | null = null;
  let formatNoted = false;
  let found = '';
  forgetWarmRecord(session.targetDir);
  try {
    timings.time('compile', () => {
      for (const id of session.dag.topoOrder()) {
        if (!selected.has(id)) continue;
        const node = session.manifest.nodes.get(id)!;
        try {
          const compiled = compiler.compile(node);
          if (compiled.ephemerals.length) withCtes.add(id);
          write({ node, sql: compiled.sql });
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
    for (const { node, sql } of unselectedEphemerals) {
      const output = `compiled/${nodeSqlPath(node, session.manifest.packageRoots)}`;
      outputs.push(output);
      writer.writeCompiled(node, layout(sql), session.manifest.packageRoots);
    }
    // The project hooks, when the whole project compiles (as dbt's compile writes them; not with --select).
    if (bare && session.manifest.operations) {
      const input = { manifest: session.manifest, deps: session.deps, profileName: session.profile.profileName, engine: session.engine, adapter: session.adapter, project: session.loaded.project, packages: session.packages };
      const nodes = [...selected].map((id) => session.manifest.nodes.get(id)!);
      try {
        const hooks = await compileProjectHooks(input, nodes, async (render) => {
          hooksQueried = true;
          await withConnection(session, (conn) => render({ adapter: session.adapter, connection: async () => conn }));
        });
        for (const h of hooks) {
          writer.writeCompiledAt(h.file, h.sql);
          outputs.push(`compiled/${h.file}`);
        }
      } catch (e) {
        if (!(e instanceof KilnError)) throw e;
        errors.push(e);
      }
    }
    // Recorded for the next compile only when its outputs depend on files, arguments and the
    // environment alone. The inputs' stats are taken meanwhile, on the writer thread once it is idle.
    const recordable = () => !errors.length && !deferTo && !queries.length && !session.warnings.length && !selectionWarnings && !hooksQueried && !!session.parseCacheStats && !opts.parseState && !opts.retryIds;
    if (recordable()) {
      recordBegun = timings.time('write artifacts', () =>
        beginCompileState(
          { opts, cwd: io.cwd, root: session.root, targetDir: session.targetDir, project: session.loaded.project, files: session.loaded.files, packages: session.packages, profileFile: session.profile.file, startedAt },
          (files) => writer.statOnWriter(files),
        ),
      );
    }
    timings.time('write artifacts', () => {
      const meta = { invocationId: session.invocationId, generatedAt: session.startedAt, adapterType: session.adapter.type };
      // Where each model's entry lies in the file, for a later compile that changes only it
      // (only while nothing is redacted: then the text written is the text made).
      const track = !format && secretValues().size === 0 ? new EntryOffsets(session, withCtes) : null;
      // What re-rendering one model alone needs (warm-render.ts): with the whole project compiled alike.
      // (selectors.yml may hold a default selection: its result may change with the graph.)
      sections = track && !opts.select?.length && !opts.exclude?.length && !opts.selector && !opts.empty && session.staticFastPath && !fs.existsSync(path.join(session.root, 'selectors.yml')) ? new ManifestSections() : null;
      const listener: ManifestListener = {
        position: () => writer.streamPosition,
        head: (piece) => (manifestHead = redact(piece)),
        node: track?.onNode,
        section: sections?.section,
        end: sections?.done,
      };
      writer.writeJsonStream('manifest.json', manifestJsonChunks(session.manifest, session.dag, session.adapter.dialect, meta, listener), { offload: true });
      writeSemanticManifest(writer, session.manifest, session.adapter.dialect);
      models = track?.models;
    });
    formatNoted = opts.format === undefined && !format && written > 0;
    found = foundPhrase(session.manifest);
    if (recordBegun && manifestHead !== undefined && recordable()) {
      const salt = randomUUID();
      timings.time('write artifacts', () => {
        if (sections) {
          writeWarmRecord({
            targetDir: session.targetDir,
            salt,
            manifest: session.manifest,
            topoOrder: session.dag.topoOrder(),
            sections,
            relationOf: (n) => compiler.relationOf(n),
            dialect: session.deps.dialect,
            hasMacro: (name, pkg) => session.engine.hasMacro(name, pkg),
            jinja: jinjaRecordOf(session.loaded.files, session.packages.length),
          });
        }
      });
      recordInput = {
        salt,
        opts,
        cwd: io.cwd,
        root: session.root,
        targetDir: session.targetDir,
        project: session.loaded.project,
        files: session.loaded.files,
        packages: session.packages,
        profileFile: session.profile.file,
        envReads: envReadsInProcess(),
        outputs: [...outputs, 'manifest.json'],
        manifestHead,
        models,
        report: { found, count, written, formatNote: formatNoted, ...(printed.length ? { printed: printed.map(({ name, output }) => ({ name, output })) } : {}) },
        startedAt,
      };
    }
  } finally {
    await timings.timeAsync('write artifacts', () => writer.finish());
    timings.writer = writer.threadTimes();
  }
  if (formatNoted) reporter.info(formatNote(written));
  if (errors.length) throw errors.length === 1 ? errors[0] : new KilnErrors(errors);
  if (recordBegun && recordInput) {
    const [complete, input] = [recordBegun, recordInput];
    timings.time('write artifacts', () => complete(input, writer.writtenStats()));
  }
  reporter.info(`Found ${found}`);
  for (const p of printed) printCompiled(reporter, output, p.name, p.sql);
  reporter.info(compiledLine(count, started, session.loaded.project.targetPath), { reuse: 'none' });
  return ExitCode.OK;
}

/**
 * Data tests are compiled when the command selects (as dbt's compile does: `-s orders` compiles
 * orders and its tests). A bare `kiln compile` leaves them out: at 10,000 models their 30,000
 * files cost more than the models' own compile (≈ +40% CPU, +270 MB), and `kiln test`/`build`
 * write every test's compiled SQL anyway.
 */
function compiledTypes(bare: boolean): readonly string[] {
  return bare ? ['model', 'analysis', 'snapshot'] : ['model', 'analysis', 'snapshot', 'test'];
}

interface PrintedNode {
  readonly name: string;
  /** Its compiled file under the target folder. */
  readonly output: string;
  readonly sql: string;
}

/**
 * The node names a --select names outright (`orders`, `+orders+`, `2+orders`, `@orders`, or a
 * part of an intersection), as dbt prints the SQL of nodes named in its selection; method
 * terms (`tag:x`, `path:models`) name no node.
 */
export function namedInSelection(select: readonly string[] | undefined): Set<string> {
  const names = new Set<string>();
  for (const arg of select ?? []) {
    for (const term of arg.split(/[\s,]+/)) {
      const name = term.replace(/^(@|\d*\+)/, '').replace(/\+\d*$/, '');
      if (name && !name.includes(':') && !name.includes('*')) names.add(name);
    }
  }
  return names;
}

function printCompiled(reporter: Reporter, output: string, name: string | null, sql: string): void {
  const body = sql.replace(/\s+$/, '');
  // -q: the SQL alone, as `dbt -q compile --select x` prints it (for piping).
  if (reporter.quiet) reporter.print(`${output === 'json' ? JSON.stringify(name === null ? { compiled: body } : { node: name, compiled: body }, null, 2) : body}\n`);
  else if (output === 'json') reporter.info(JSON.stringify(name === null ? { compiled: body } : { node: name, compiled: body }, null, 2));
  else reporter.info(`${name === null ? 'Compiled inline node is' : `Compiled node '${name}' is`}:\n${body}`);
}

function readCompiled(targetDir: string, output: string): string {
  return fs.readFileSync(path.join(targetDir, output), 'utf8');
}

/** `kiln compile --inline "<sql>"`: the query compiled against the project and printed; nothing written. */
async function compileInline(opts: GlobalOptions, sql: string, io: Io, reporter: Reporter, output: string): Promise<number> {
  const { Compiler, openSession, reportWarnings } = await modules();
  const { inlineNode } = await import('../inline-node.js');
  const session = await openSession(opts, io.cwd);
  reportWarnings(reporter, session.warnings);
  const compiler = new Compiler(session.manifest, session.engine, session.deps, session.profile.profileName, { empty: !!opts.empty });
  printCompiled(reporter, output, null, compiler.compile(inlineNode(session, sql)).sql);
  return ExitCode.OK;
}

function formatNote(written: number): string {
  return `Wrote the compiled SQL of ${written} nodes as rendered (more than ${FORMAT_LIMIT}); --format lays it out.`;
}

function compiledLine(count: number, started: number, targetPath: string): string {
  return `Compiled ${count} node${count === 1 ? '' : 's'} in ${((performance.now() - started) / 1000).toFixed(2)}s into ${targetPath}/compiled`;
}

/**
 * The byte ranges of model entries in manifest.json as it is written (a ManifestListener's
 * `node`): for each model compiled from a .sql file of the project, its file, the range of its
 * JSON and its compiled file.
 */
class EntryOffsets {
  readonly models: ModelEntry[] = [];

  constructor(
    private readonly session: Session,
    private readonly withCtes: ReadonlySet<string>,
  ) {}

  readonly onNode = (id: string, start: number, end: number): void => {
    const node = this.session.manifest.nodes.get(id);
    if (node && node.resourceType === 'model' && node.packageName === this.session.loaded.project.name && node.originalFilePath.endsWith('.sql') && node.compiledCode !== undefined && node.config.materialized !== 'ephemeral' && !this.withCtes.has(id)) {
      this.models.push({ input: path.join(this.session.root, node.originalFilePath), start, end, output: `compiled/${nodeSqlPath(node)}` });
    }
  };
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
  await withConnection(session, async (conn) => {
    const warehouse = { adapter: session.adapter, connection: async () => conn };
    for (const node of nodes) {
      try {
        compiled.push({ node, sql: (await compiler.compileAsync(node, { warehouse })).sql });
      } catch (e) {
        if (e instanceof KilnError) errors.push(e);
        else throw e;
      }
    }
  });
}

/** One connection of the target, opened for `use` and closed after it. */
async function withConnection(session: Session, use: (conn: Connection) => Promise<void>): Promise<void> {
  await session.adapter.open();
  const conn = await session.adapter.acquire();
  try {
    await use(conn);
  } finally {
    session.adapter.release(conn);
    await session.adapter.close();
  }
}
