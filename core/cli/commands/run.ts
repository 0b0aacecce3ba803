// `kiln run`, `kiln seed` and `kiln build`: select, validate seeds, then execute in DAG order.
import fs from 'node:fs';
import path from 'node:path';
import { Codes, KilnError, Problems } from '../../errors.js';
import { junitXml } from '../../artifacts/junit.js';
import { ArtifactWriter, jsonArtifactOptions } from '../../artifacts/write.js';
import { ResultTexts, runResultsText } from '../../artifacts/run-results.js';
import { manifestJsonChunks, type ArtifactMeta } from '../../artifacts/manifest-json.js';
import { EarlyManifest, manifestNodeOrder } from '../../artifacts/early-manifest.js';
import { runFilePath } from '../../artifacts/paths.js';
import { writeSemanticManifest } from '../../semantic/write.js';
import { Compiler } from '../../compiler/compile.js';
import { countPhrase, type Reporter } from '../../reporter/reporter.js';
import { prepareSeeds, seedReadingFailed } from '../../runner/preflight.js';
import { checkRelations } from '../../materializations/preflight.js';
import { checkHookSyntax } from '../../runner/hook-syntax.js';
import { checkCapabilities } from '../../materializations/capability-check.js';
import { Runner } from '../../runner/runner.js';
import { failsRun, resultRelationName, skippedResult, type ExposureStep, type NodeResult } from '../../runner/results.js';
import { runUnitTest } from '../../unit-tests/run-unit-test.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';
import { foundPhrase, redactor, reportWarnings } from './shared.js';
import { openSession, select, type Session } from '../session.js';
import { applyDefer, deferState } from '../defer.js';
import { narrowTypes, previousState } from '../selection.js';
import { planClone } from '../../state/clone.js';
import type { StateManifest } from '../../state/artifacts.js';
import { KILN_VERSION } from '../../artifacts/manifest-json.js';
import { appendRunHistory, historyEntry } from '../../docs/run-history.js';
import { countProjectHooks, runProjectHooks, type HookProgress } from '../../macros/project-hooks.js';
import type { Adapter } from '../../../adapters/adapter.js';
import type { ParsedNode } from '../../nodes.js';
import { makeDirs } from '../../make-dirs.js';

export type RunKind = 'run' | 'seed' | 'test' | 'build' | 'snapshot' | 'clone';

const TYPES: Record<RunKind, readonly string[]> = {
  run: ['model'],
  seed: ['seed'],
  test: ['test', 'unit_test'],
  build: ['seed', 'snapshot', 'model', 'test', 'unit_test', 'exposure'],
  snapshot: ['snapshot'],
  clone: ['model', 'seed', 'snapshot'],
};

export async function runCommand(kind: RunKind, opts: GlobalOptions, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  // The adapter starts connecting while the project is parsed (Adapter.connectAhead): a
  // PostgreSQL session costs round trips and a server process, which then overlap kiln's own
  // work. Until runWith takes the adapter over, an error on the way closes it.
  let ahead: Adapter | null = null;
  const connectAhead = (adapter: Adapter): void => {
    if (!adapter.connectAhead) return;
    adapter.connectAhead();
    ahead = adapter;
  };
  let prepared: ReturnType<typeof prepareRun>;
  // target/partial_parse.kiln is written at the run's end, while DuckDB checkpoints on a driver
  // thread (or when the command stops before): not between the parse and the first statement.
  // (Written once the first result was in, it held up the next statements as long as it took.)
  let opened: Session | null = null;
  try {
    opened = await openSession(opts, io.cwd, undefined, connectAhead, { deferParseCacheSave: true });
    prepared = prepareRun(kind, opts, reporter, opened);
  } catch (e) {
    await (opened as Session | null)?.saveParseCache?.();
    await (ahead as Adapter | null)?.close().catch(() => undefined);
    throw e;
  }
  const { session, selected, deferTo, cloneFrom, seeds } = prepared;
  const timings = session.timings;
  const meta = { invocationId: session.invocationId, generatedAt: session.startedAt, adapterType: session.adapter.type };
  // target/compiled and target/run go to disk on a worker thread: a file per node (a read to
  // compare, a write, a rename) would otherwise block the event loop every runner thread shares.
  // Everything is on disk before this command returns, whichever way it ends.
  // Two files a node (compiled and run): a run of more than a few hundred starts the worker at
  // once, rather than first writing 256 files here (a new file costs ~1 ms of this thread).
  // A rerun mostly leaves those files as they were (read, compared, left): the first 32 tell, and
  // then no worker starts for a run of up to ~2,000 nodes (see ArtifactWriterOptions.probe).
  // KILN_BACKGROUND_WRITES: 0 never starts the worker, 1 starts it without the probe (tests, benchmarks).
  const background = process.env.KILN_BACKGROUND_WRITES;
  const writer = new ArtifactWriter(session.targetDir, redactor(), { background: background !== '0', expected: 2 * selected.size, probe: background === '1' ? 0 : 32, ...jsonArtifactOptions(opts) });
  let failed = true;
  try {
    // Opening the adapter, the run lock, the nodes (compiled as they run: their compiles count
    // here too) and the hooks; without this the whole run showed up as `other`.
    const code = await timings.timeAsync('execute', () => runWith(kind, opts, io, { session, reporter, selected, deferTo, cloneFrom, seeds, exposures: prepared.exposures, selectionWarnings: prepared.selectionWarnings, meta, writer }));
    failed = false;
    return code;
  } finally {
    // Written already unless the run stopped before its end.
    await session.saveParseCache?.();
    // An error on the way out is reported rather than a write failure behind it.
    await timings.timeAsync('write artifacts', () =>
      writer.finish().catch((e: unknown) => {
        if (!failed) throw e;
      }),
    );
    timings.writer = writer.threadTimes();
  }
}

/** What a run settles before it touches the warehouse: the selection, --defer, the seeds' reading. */
function prepareRun(kind: RunKind, opts: GlobalOptions, reporter: Reporter, session: Session) {
  reportWarnings(reporter, session.warnings);
  const timings = session.timings;
  const types = narrowTypes(TYPES[kind], opts.resourceType, opts.excludeResourceType);
  // Told after the header's Found line, where dbt 1.11 tells a selection criterion matching nothing.
  const selectionWarnings: KilnError[] = [];
  try {
    const selected = timings.time('graph', () => select(session, opts, types, (w) => selectionWarnings.push(w)));
    // A build's exposures are reported, not run: kept apart from the nodes.
    const exposures = takeExposures(session, selected);
    const deferTo = deferState(session, opts);
    const cloneFrom = kind === 'clone' ? cloneState(session, opts) : null;
    if (opts.eventTimeStart && opts.eventTimeEnd && opts.eventTimeStart.getTime() >= opts.eventTimeEnd.getTime()) {
      throw new KilnError(Codes.USAGE, '--event-time-start must be before --event-time-end', { hint: 'Give the window as start < end, e.g. --event-time-start 2024-01-01 --event-time-end 2024-01-02.' });
    }
    const problems = new Problems();
    // A run of seeds only may load large seeds while reading them (see prepareSeeds); not with
    // --empty, which loads nothing (the types must be the whole file's).
    const seedsOnly = [...selected].every((id) => session.manifest.nodes.get(id)?.resourceType === 'seed');
    const loadWhileReading = seedsOnly && !opts.empty && session.adapter.capabilities.loadsSeedsWhileReading === true;
    // A clone reads no seed file: its seeds become views on the state's tables.
    const read = prepareSeeds(session.manifest, cloneFrom ? new Set() : selected, session.adapter.dialect, problems, session.targetDir, loadWhileReading, session.startedAt.getTime());
    // --empty: seeds are created with their columns and types, without rows.
    const seeds = opts.empty ? new Map([...read].map(([id, load]) => [id, { ...load, rowCount: 0 }])) : read;
    checkRelations(session.manifest, selected, session.adapter.capabilities, problems);
    checkHookSyntax(session.manifest, selected, session.loaded.project, session.engine, problems);
    problems.throwIfAny();
    return { session, selected, deferTo, cloneFrom, seeds, exposures, selectionWarnings };
  } catch (e) {
    // Stopped before the header: the selection's warnings are told with the error.
    for (const w of selectionWarnings) reporter.kilnError(w, 'warn');
    throw e;
  }
}

/** The exposures among `selected`, taken out of it, in the manifest's order. */
function takeExposures(session: Session, selected: Set<string>): ExposureStep[] {
  const out: ExposureStep[] = [];
  for (const e of session.manifest.exposures?.values() ?? []) {
    if (!selected.delete(e.uniqueId)) continue;
    out.push({ uniqueId: e.uniqueId, name: e.name, parents: e.dependsOn.nodes });
  }
  return out;
}

/** A selection warning made an error (--warn-error) stops the run at the header: the adapter, maybe connecting already (connectAhead), is closed first. */
async function closedOnThrow(session: Session, print: () => void): Promise<void> {
  try {
    print();
  } catch (e) {
    await session.adapter.close();
    throw e;
  }
}

interface RunSetup {
  readonly session: Session;
  readonly reporter: Reporter;
  readonly selected: Set<string>;
  readonly deferTo: ReturnType<typeof deferState>;
  readonly cloneFrom: StateManifest | null;
  readonly seeds: ReturnType<typeof prepareSeeds>;
  readonly exposures: readonly ExposureStep[];
  readonly selectionWarnings: readonly KilnError[];
  readonly meta: ArtifactMeta;
  readonly writer: ArtifactWriter;
}

async function runWith(kind: RunKind, opts: GlobalOptions, io: Io, { session, reporter, selected, deferTo, cloneFrom, seeds, exposures, selectionWarnings, meta, writer }: RunSetup): Promise<number> {
  const chosen = [...selected].map((id) => session.manifest.nodes.get(id)!);
  if (chosen.filter((n) => n.config.materialized !== 'ephemeral').length === 0 && exposures.length === 0) {
    await closedOnThrow(session, () => reporter.nothingToDo(KILN_VERSION, foundPhrase(session.manifest), selectionWarnings));
    // dbt 1.11's seed and clone print their end messages whatever ran (Done. ... TOTAL=0); its
    // run, test, build and snapshot print them only when something ran.
    if (kind === 'seed' || kind === 'clone') reporter.endOfRun([], session.manifest);
    await session.adapter.close(); // it may be connecting (connectAhead)
    writer.writeJsonStream('manifest.json', manifestJsonChunks(session.manifest, session.dag, session.adapter.dialect, meta));
    writeSemanticManifest(writer, session.manifest, session.adapter.dialect);
    // As dbt 1.11 writes it then: no results, an elapsed time of 0 (a tool reading the last run's results finds this one).
    const nothing = { results: [], elapsedSeconds: 0, cancelled: false, interrupted: false };
    writer.writeJsonText('run_results.json', runResultsText(nothing, meta, argsOf(kind, opts, session.loaded.cliVars), session.adapter.adapterResponse));
    return ExitCode.OK;
  }
  await closedOnThrow(session, () => reporter.header(KILN_VERSION, foundPhrase(session.manifest), session.profile.target.threads, session.profile.target.name, selectionWarnings));

  session.adapter.onRetry = (n) => reporter.retrying(n);
  // A database's warning comes from a driver's event handler: made an error by --warn-error, it
  // ends the command (exit 2) once the run is over, not inside the driver.
  let promoted: unknown = null;
  session.adapter.onWarning = (w) => {
    try {
      reporter.kilnError(new KilnError(w.code, w.message, { hint: w.hint }), 'warn');
    } catch (e) {
      promoted ??= e;
    }
  };
  await session.adapter.open();
  // What the database can do is known once it is open (Postgres' version, each Trino catalog's
  // connector): a node needing more fails here, before anything runs.
  const unable = new Problems();
  // A clone builds views only, whatever the nodes' own materializations need.
  if (!cloneFrom) checkCapabilities(session.manifest, selected, (db) => session.adapter.capabilitiesFor?.(db) ?? session.adapter.capabilities, unable);
  reportWarnings(reporter, unable.warnings);
  if (!unable.ok) {
    await session.adapter.close();
    unable.throwIfAny();
  }
  // Two kiln runs must never run DDL against one target at once.
  let waited = false;
  const unlock = session.adapter.acquireRunLock
    ? await session.adapter.acquireRunLock({
        timeoutMs: (opts.lockTimeout ?? 600) * 1000,
        onWait: () => {
          waited = true;
          reporter.info(`Another kiln run holds the lock on target '${session.profile.target.name}'; waiting up to ${opts.lockTimeout ?? 600}s (--lock-timeout)...`);
        },
      }).catch(async (e: unknown) => {
        await session.adapter.close();
        throw e;
      })
    : null;
  if (waited) reporter.info('Got the lock; starting.');
  // log(msg, info=True) in templates, hooks and macros reaches the console
  session.engine.setLogSink((m, info) => {
    // print() output shows with -q, as dbt's does; --no-print drops it
    if (info === 'print') {
      if (opts.print !== false) reporter.printed(m);
    } else if (info) reporter.info(m);
  });
  session.jinja.selectedResources = [...selected];
  // A failed on-run-start hook: dbt 1.11 runs the nodes all the same (and on-run-end after them),
  // unless the project sets `flags: {skip_nodes_if_on_run_start_fails: true}`, which skips them all.
  let startHookFailed = false;
  const skipNodesOnStartFailure = session.loaded.project.flags.skip_nodes_if_on_run_start_fails === true;
  const projectHooks = {
    manifest: session.manifest,
    deps: session.deps,
    profileName: session.profile.profileName,
    engine: session.engine,
    adapter: session.adapter,
    project: session.loaded.project,
    packages: session.packages,
    info: (m: string) => reporter.info(m),
    onCompiled: (file: string, sql: string) => writer.writeCompiledAt(file, sql),
  };
  // The hooks' results are the run's too (dbt ≥ 1.8: `operation` entries of run_results.json).
  const startResults: NodeResult[] = [];
  const endResults: NodeResult[] = [];
  const hookProgress: HookProgress = { started: (name, i, total, id) => reporter.hookStarted(name, i, total, id), finished: (name, i, total, r) => reporter.hookFinished(name, i, total, r) };
  // An ephemeral model is compiled, and its file written, when a node using it compiles (as in dbt).
  const onEphemeral = (n: ParsedNode, sql: string) => writer.writeCompiled(n, sql, session.manifest.packageRoots);
  const compiler = new Compiler(session.manifest, session.engine, session.deps, session.profile.profileName, { empty: !!opts.empty, onEphemeral });
  // manifest.json holds each node's compiled SQL, final once the node's result is in: each entry
  // is made then, while later nodes execute, not after the run. Should the run not get to
  // writing it (a kiln bug), the partial file is dropped. A clone's nodes are copies
  // (clone.manifest), and on-run-end hooks record their compiled_code once they rendered: then
  // manifest.json is made after the run.
  const endHooks = countProjectHooks('on-run-end', projectHooks);
  const lateManifest = !!cloneFrom || endHooks > 0;
  const manifestJson = new EarlyManifest(
    writer,
    (listener) => manifestJsonChunks(session.manifest, session.dag, session.adapter.dialect, meta, listener),
    lateManifest ? null : { order: manifestNodeOrder(session.manifest), pending: selected },
  );
  // run_results.json's entries, made as results come in.
  const resultTexts = new ResultTexts(session.adapter.adapterResponse);
  // A failure before the runner starts releases the lock and the adapter on its way out.
  const releasing = async (e: unknown): Promise<never> => {
    await unlock?.().catch(() => undefined);
    await session.adapter.close();
    throw e;
  };
  if (deferTo) await applyDefer(session, opts, deferTo, selected, compiler, reporter).catch(releasing);
  const clone = cloneFrom ? await planClone(session.manifest, cloneFrom, selected, session.adapter, !!opts.fullRefresh).catch(releasing) : null;
  for (const { node, why } of clone?.noops ?? []) reporter.info(`Clone of ${node.name}: nothing to do, ${why}`, { event: 'clone_noop', unique_id: node.uniqueId });
  const runner = new Runner(
    clone?.manifest ?? session.manifest,
    session.dag,
    clone?.selected ?? selected,
    session.adapter,
    compiler,
    {
      threads: session.profile.target.threads,
      failFast: !!opts.failFast,
      // --warn-error, or LogTestResult an error by --warn-error-options
      warnError: !!opts.warnings?.testsFail,
      storeFailures: !!opts.storeFailures,
      seeds,
      fullRefresh: !!opts.fullRefresh,
      empty: !!opts.empty,
      eventTimeStart: opts.eventTimeStart ?? null,
      eventTimeEnd: opts.eventTimeEnd ?? null,
      now: session.startedAt,
      microbatchNow: opts.retryNow,
      retryBatches: opts.retryBatches,
      build: kind === 'build',
      exposures,
      runUnitTest: (node, conn, statements) =>
        runUnitTest(node, conn, { manifest: session.manifest, engine: session.engine, deps: session.deps, profileName: session.profile.profileName, adapter: session.adapter }, statements),
    },
    {
      // on-run-start runs once the run's schemas exist, as in dbt
      beforeNodes: async () => {
        if (clone) return; // dbt's clone runs no on-run-start/end hooks
        try {
          if (await runProjectHooks('on-run-start', projectHooks, { nodes: chosen, record: startResults, progress: hookProgress })) reporter.info('');
        } catch (e) {
          if (!(e instanceof KilnError)) throw e;
          // The failure is in startResults; the summary reports it.
          startHookFailed = true;
          reporter.info('');
          if (skipNodesOnStartFailure) throw e;
        }
      },
      nodeStarted: (n, i, total) => {
        reporter.nodeStarted(n, i, total);
        // From the first node on: the first statement goes out before any of it is made.
        if (!lateManifest) manifestJson.start();
      },
      nodeFinished: (n, i, total, r) => {
        reporter.nodeFinished(n, i, total, r);
        manifestJson.settle(n.uniqueId);
        resultTexts.add(r);
      },
      exposureFinished: (e, i, total, r) => {
        reporter.exposureFinished(e.name, e.uniqueId, i, total, r);
        resultTexts.add(r);
      },
      retrying: (_n, notice) => reporter.retrying(notice),
      compiled: (n, sql) => writer.writeCompiled(n, sql, session.manifest.packageRoots),
      allCompiled: lateManifest ? undefined : () => manifestJson.settleAll(),
      executing: (n) => {
        n.buildPath = runFilePath(session.loaded.project.targetPath, n, session.manifest.packageRoots);
      },
      executed: (n, statements) => writer.writeRun(n, statements, session.manifest.packageRoots),
    },
  );
  let interrupts = 0;
  const off = io.onInterrupt(() => {
    interrupts++;
    if (interrupts === 1) {
      reporter.warn('Interrupted: rolling back what is running and skipping the rest (press Ctrl-C again to force).');
      void runner.cancel();
    } else {
      // Forced: what was written so far still reaches disk.
      writer.drainSync(5_000);
      process.exit(ExitCode.INTERRUPTED);
    }
  });
  let summary;
  let hookFailed = false;
  let released: Promise<void> | null = null;
  let ranToEnd = false;
  try {
    try {
      summary = await runner.run();
      // The last nodes' target/compiled and target/run files: written while DuckDB closes.
      writer.sendQueued();
    } catch (e) {
      if (!(e instanceof KilnError) || !startHookFailed) {
        manifestJson.abandon();
        throw e;
      }
      // skip_nodes_if_on_run_start_fails: every selected node is skipped, as dbt reports them
      // (no message, on dbt's main thread); on-run-end still runs, with no node results.
      const failedHook = startResults.find((r) => r.status === 'error')?.uniqueId ?? 'on-run-start';
      const skipped = chosen
        .filter((n) => n.config.materialized !== 'ephemeral')
        .map((n) => ({ ...skippedResult(n, failedHook, failedHook, resultRelationName(n, (rel) => session.adapter.dialect.renderRelation(rel))), threadId: 'MainThread' }));
      // The build's exposures are skipped too (dbt 1.11 counts them in its total, then fails on them).
      const skippedExposures = exposures.map((e) => ({ ...skippedResult(e, failedHook, failedHook), threadId: 'MainThread' }));
      const total = skipped.length + skippedExposures.length;
      skipped.forEach((r, i) => reporter.nodeFinished(session.manifest.nodes.get(r.uniqueId)!, i + 1, total, r));
      skippedExposures.forEach((r, i) => reporter.exposureFinished(exposures[i].name, r.uniqueId, skipped.length + i + 1, total, r));
      summary = { results: [...skipped, ...skippedExposures], elapsedSeconds: (Date.now() - session.startedAt.getTime()) / 1000, cancelled: false, interrupted: false };
    }
    if (startHookFailed) hookFailed = true;
    if (clone) summary = { ...summary, results: [...clone.noops.map((n) => n.result), ...summary.results] };
    else {
      if (endHooks > 0) reporter.info('');
      // A failure is in endResults; the summary reports it.
      const ran = startHookFailed && skipNodesOnStartFailure ? [] : summary.results;
      await runProjectHooks('on-run-end', projectHooks, { nodes: chosen, results: ran, record: endResults, progress: hookProgress }).catch((e: unknown) => {
        if (!(e instanceof KilnError)) throw e;
        hookFailed = true;
      });
    }
    if (startResults.length || endResults.length) summary = { ...summary, results: [...startResults, ...summary.results, ...endResults] };
    ranToEnd = true;
  } catch (e) {
    manifestJson.abandon();
    throw e;
  } finally {
    off();
    // The lock and the sessions are let go while the artifacts below are made (both start here,
    // each with its own round trip: closing a PostgreSQL session waits on the server for up to
    // tens of ms; DuckDB checkpoints on a driver thread). A run ending here waits for them; a
    // close that fails drops a manifest.json still being written (the old one stays).
    released = Promise.all([unlock?.().catch(() => undefined), session.adapter.close()]).then(
      () => undefined,
      (e: unknown) => {
        manifestJson.abandon();
        throw e;
      },
    );
    if (!ranToEnd) await released;
  }
  try {
    // While the database checkpoints (this thread would otherwise wait on it).
    await session.saveParseCache?.();
    await manifestJson.finish();
    writeSemanticManifest(writer, session.manifest, session.adapter.dialect);
    writer.writeJsonText('run_results.json', runResultsText(summary, meta, argsOf(kind, opts, session.loaded.cliVars), session.adapter.adapterResponse, resultTexts.textOf));
    appendRunHistory(
      session.targetDir,
      historyEntry(summary, { invocationId: session.invocationId, command: kind, startedAt: session.startedAt, target: session.profile.target.name, select: opts.select, exclude: opts.exclude }),
      redactor(),
    );
    if (opts.junitXml) writeJunit(path.resolve(io.cwd, opts.junitXml), junitXml(summary, session.manifest.nodes, `kiln ${kind}`));
    const hooks = startResults.length + endResults.length;
    reporter.summary(summary, session.manifest, countPhrase(chosen, hooks, exposures.length));
    if (summary.interrupted) return ExitCode.INTERRUPTED;
    if (promoted) throw promoted;
    // A seed file found bad while loading: the exit code of a bad file found before the run.
    if (seedReadingFailed(seeds)) return ExitCode.USER_ERROR;
    // A partial success (some microbatch batches failed) fails the run too, as in dbt.
    return hookFailed || summary.results.some(failsRun) ? ExitCode.NODE_FAILED : ExitCode.OK;
  } finally {
    await released;
  }
}

/** The state manifest `kiln clone` makes views on; --state is required. */
function cloneState(session: Session, opts: GlobalOptions): StateManifest {
  if (!opts.state) {
    throw new KilnError(Codes.STATE_MISSING, 'kiln clone needs --state <dir>: the artifacts of the run whose relations to clone', {
      hint: 'Pass the folder holding that run\'s manifest.json, e.g. `kiln clone --state prod-artifacts/ -s state:modified+`.',
    });
  }
  return previousState(session, opts).manifest();
}

/** run_results.json's `args`; `vars` parsed, as dbt writes them (a mapping, not the text given). */
function argsOf(kind: RunKind, opts: GlobalOptions, cliVars: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    which: kind,
    select: opts.select ?? [],
    exclude: opts.exclude ?? [],
    selector: opts.selector ?? null,
    indirect_selection: opts.indirectSelection ?? 'eager',
    state: opts.state ?? null,
    defer: !!opts.defer,
    favor_state: !!opts.favorState,
    target: opts.target ?? null,
    vars: cliVars,
    threads: opts.threads ?? null,
    full_refresh: !!opts.fullRefresh,
    fail_fast: !!opts.failFast,
    event_time_start: opts.eventTimeStart?.toISOString() ?? null,
    event_time_end: opts.eventTimeEnd?.toISOString() ?? null,
    warn_error: !!opts.warnError,
    store_failures: !!opts.storeFailures,
    project_dir: opts.projectDir ?? null,
    profiles_dir: opts.profilesDir ?? null,
  };
}

function writeJunit(file: string, xml: string): void {
  makeDirs(path.dirname(file));
  fs.writeFileSync(file, xml);
}
