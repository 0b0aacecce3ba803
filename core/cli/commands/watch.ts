// `kiln watch`: after each burst of saves, re-parse the project, rebuild the changed nodes and
// what depends on them inside the selection (only the changed ones with --no-downstream), run
// their tests and print a compact report. A project that does not parse or build is reported and
// watching goes on; the database stays open between rebuilds. Ctrl-C rolls back what is running
// and exits 130, as any interrupted command does.
import path from 'node:path';
import { KilnError, KilnErrors, Problems } from '../../errors.js';
import { ArtifactWriter, jsonArtifactOptions, runResultsJson } from '../../artifacts/write.js';
import { Compiler } from '../../compiler/compile.js';
import { checkCapabilities } from '../../materializations/capability-check.js';
import { checkRelations } from '../../materializations/preflight.js';
import { runProjectHooks } from '../../macros/project-hooks.js';
import type { ParsedNode } from '../../nodes.js';
import { WatchReport } from '../../reporter/watch-report.js';
import type { Reporter } from '../../reporter/reporter.js';
import { prepareSeeds } from '../../runner/preflight.js';
import type { RunSummary } from '../../runner/results.js';
import { Runner } from '../../runner/runner.js';
import { runUnitTest } from '../../unit-tests/run-unit-test.js';
import { affectedNodes, nodesOfFiles, rebuildDag, type Selection } from '../../watch/affected.js';
import { changedNodes } from '../../watch/changed-nodes.js';
import { FileWatcher } from '../../watch/file-watcher.js';
import { findProfilesFile } from '../../project/load-profile.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';
import { flushParseCaches, reparseProject, type Reparse } from '../reparse.js';
import { select, type Session } from '../session.js';
import { selectorsFile } from '../selection.js';
import { foundPhrase, redactor, reportWarnings } from './shared.js';

export interface WatchOptions {
  /** false with --no-downstream: rebuild only the changed nodes (and their tests). */
  downstream?: boolean;
}

/** What a watch builds: everything `kiln build` builds. */
const TYPES = ['seed', 'snapshot', 'model', 'test', 'unit_test'] as const;
const EVERY_TYPE: ReadonlySet<string> = new Set(TYPES);

export async function watchCommand(opts: GlobalOptions & WatchOptions, io: Io, reparse: Reparse = reparseProject): Promise<number> {
  const reporter = makeReporter(opts, io);
  const watch = new WatchLoop(opts, io, reporter, reparse);
  return watch.run();
}

/** Files that define or describe nodes and nothing else: a save of one changes only those nodes. */
const NODE_FILES = new Set(['model', 'seed', 'snapshot', 'test', 'analysis', 'properties']);

/**
 * The saved files when each one only defines or describes nodes (changedNodes then compares just
 * their nodes); null when one may reach any node: the project file, a macro, a doc block, a
 * package's files list, or a file kiln does not parse as a node.
 */
function nodeFilesOnly(previous: Session, next: Session, files: ReadonlySet<string>): ReadonlySet<string> | null {
  const kindIn = (s: Session, f: string) => s.loaded.files.find((x) => x.path === f && x.packageName === undefined)?.kind;
  for (const f of files) {
    const kind = kindIn(next, f) ?? kindIn(previous, f);
    if (kind === undefined || !NODE_FILES.has(kind)) return null;
  }
  return files;
}

class WatchLoop {
  private session: Session | null = null;
  /** Saved files not yet taken by a re-parse. */
  private queued = new Set<string>();
  /** Saved files since the last successful parse: rebuilt once the project parses again. */
  private readonly sinceGoodParse = new Set<string>();
  private working: Promise<void> | null = null;
  private runner: Runner | null = null;
  private stopping = false;
  private stop: () => void = () => undefined;
  private failure: unknown = null;
  private readonly root: string;

  constructor(
    private readonly opts: GlobalOptions & WatchOptions,
    private readonly io: Io,
    private readonly reporter: Reporter,
    private readonly reparse: Reparse,
  ) {
    this.root = path.resolve(io.cwd, opts.projectDir ?? '.');
  }

  async run(): Promise<number> {
    const stopped = new Promise<void>((resolve) => (this.stop = resolve));
    let interrupts = 0;
    const off = this.io.onInterrupt(() => {
      interrupts++;
      if (interrupts > 1) process.exit(ExitCode.INTERRUPTED);
      this.stopping = true;
      if (this.runner) this.reporter.warn('Interrupted: rolling back what is running (press Ctrl-C again to force).');
      else this.reporter.info('Stopped watching.', { event: 'watch_stopped' });
      void this.runner?.cancel();
      this.stop();
    });
    // The first parse says where target/ is; until the project parses, the default is assumed.
    const first = await this.parse(new Set());
    const targetPath = first?.loaded.project.targetPath ?? 'target';
    const profilesFile = first?.profile.file ?? findProfilesFile({ projectDir: this.root, profilesDir: this.opts.profilesDir && path.resolve(this.io.cwd, this.opts.profilesDir) }).file;
    const watcher = new FileWatcher({
      root: this.root,
      ignoreDirs: [targetPath, 'logs', 'node_modules'],
      // A profiles.yml outside the project (~/.dbt, --profiles-dir) is part of what a rebuild reads.
      extraFiles: profilesFile ? [profilesFile] : [],
      onBatch: (files) => this.saved(files),
      onError: (e) => this.reporter.warn(`File watching: ${e.message}`),
    });
    try {
      if (first) {
        // A database that cannot be opened (locked by another process, unreachable) is no file
        // to fix by saving: say so and stop.
        await first.adapter.open();
        if (this.reopensPerRebuild(first)) await first.adapter.close();
      }
      await watcher.start();
      if (!this.stopping) this.watching(first ? 'start' : 'broken');
      await stopped;
      await this.working;
    } finally {
      off();
      await watcher.close();
      await this.session?.adapter.close();
      // The re-parses kept the parse cache in memory; the next command starts warm from it.
      flushParseCaches();
    }
    if (this.failure) throw this.failure;
    return ExitCode.INTERRUPTED;
  }

  private watching(why: 'start' | 'broken' | 'again'): void {
    const s = this.session;
    if (why === 'start' && s) {
      const selected = this.selectedOrNull(s);
      this.reporter.info(`Watching ${path.relative(this.io.cwd, this.root) || '.'}: ${foundPhrase(s.manifest)}${selected ? `; ${selected.size} selected` : ''}. Save a file to rebuild it and what depends on it; Ctrl-C to stop.`, { event: 'watch_ready' });
    } else if (why === 'broken') {
      this.reporter.info('Watching: the project does not parse yet; fix the files above and save. Ctrl-C to stop.', { event: 'watch_ready' });
    } else {
      this.reporter.info('Watching for changes.', { event: 'watch_idle' });
    }
  }

  private saved(files: ReadonlySet<string>): void {
    if (this.stopping) return;
    for (const f of files) this.queued.add(f);
    this.working ??= this.drain().finally(() => (this.working = null));
  }

  /** Handles saves one rebuild at a time; saves during a rebuild make up the next one. */
  private async drain(): Promise<void> {
    try {
      while (this.queued.size && !this.stopping) {
        const batch = this.queued;
        this.queued = new Set();
        await this.cycle(batch);
      }
    } catch (e) {
      // A kiln bug: stop watching and let main() report it (exit 3).
      this.failure = e;
      this.stopping = true;
      void this.runner?.cancel();
      this.stop();
    }
  }

  private async cycle(batch: ReadonlySet<string>): Promise<void> {
    const started = performance.now();
    const shown = [...batch].sort();
    this.reporter.info(`Saved ${shown.slice(0, 5).join(', ')}${shown.length > 5 ? ` and ${shown.length - 5} more` : ''}`, { event: 'watch_saved', files: shown });
    const previous = this.session;
    const next = await this.parse(batch);
    if (next && !this.stopping) await this.rebuild(previous, next, started);
    if (!this.stopping) this.watching(this.session ? 'again' : 'broken');
  }

  private async rebuild(previous: Session | null, next: Session, started: number): Promise<void> {
    const parsed = performance.now();
    const selected = this.selectedOrNull(next);
    if (!selected) return;
    // An incremental re-parse says which nodes it parsed again and which nodes each file has:
    // only those are compared and looked up (not the 40,000 of a 10,000-model project).
    const inc = previous && next.incremental?.from === previous.manifest ? next.incremental : undefined;
    const changed = previous ? changedNodes(previous.manifest, next.manifest, nodeFilesOnly(previous, next, this.sinceGoodParse), inc?.reparsed) : new Set<string>();
    if (inc) {
      for (const f of this.sinceGoodParse) for (const id of inc.nodesOf(f)) if (next.manifest.nodes.has(id)) changed.add(id);
    } else for (const id of nodesOfFiles(next.manifest, this.sinceGoodParse)) changed.add(id);
    this.sinceGoodParse.clear();
    const ids = affectedNodes({ manifest: next.manifest, dag: next.dag, selected, changed, downstream: this.opts.downstream !== false });
    if (![...ids].some((id) => next.manifest.nodes.get(id)!.config.materialized !== 'ephemeral')) {
      this.reporter.info(changed.size ? 'Nothing to rebuild: the change reaches no selected node.' : 'Nothing to rebuild: no node changed.', { event: 'watch_nothing' });
      return;
    }
    await this.build(next, ids, { started, parsed });
  }

  /** Re-parses; a project that does not load is reported (file:line) and null returned. */
  private async parse(batch: ReadonlySet<string>): Promise<Session | null> {
    for (const f of batch) this.sinceGoodParse.add(f);
    const previous = this.session;
    try {
      const next = await this.reparse({ opts: this.opts, cwd: this.io.cwd, changedFiles: this.sinceGoodParse, previous });
      if (previous && next.adapter !== previous.adapter) await previous.adapter.close();
      this.session = next;
      reportWarnings(this.reporter, next.warnings);
      return next;
    } catch (e) {
      if (!(e instanceof KilnError || e instanceof KilnErrors)) throw e;
      this.reportProblems(e);
      return null;
    }
  }

  private reportProblems(e: KilnError | KilnErrors): void {
    const errors = e instanceof KilnErrors ? e.errors : [e];
    this.reporter.userErrors(errors, `Found ${errors.length} problem${errors.length === 1 ? '' : 's'}; nothing was rebuilt.`);
  }

  private selectedOrNull(session: Session): Selection | null {
    try {
      // No selection at all is every node: skip the selection engine's index of the graph, a
      // second or so on 40,000 nodes each time the project is re-parsed, and answer from the
      // manifest rather than gather a set of 40,000 ids that a rebuild asks about a few of.
      const o = this.opts;
      if (!o.select?.length && !o.exclude?.length && o.selector === undefined && !selectorsFile(session)?.defaultSelector) {
        const nodes = session.manifest.nodes;
        return {
          has: (id) => {
            const n = nodes.get(id);
            return n !== undefined && EVERY_TYPE.has(n.resourceType);
          },
          get size() {
            let count = 0;
            for (const n of nodes.values()) if (EVERY_TYPE.has(n.resourceType)) count++;
            return count;
          },
        };
      }
      return select(session, this.opts, TYPES, (w) => this.reporter.kilnError(w, 'warn'));
    } catch (e) {
      if (!(e instanceof KilnError || e instanceof KilnErrors)) throw e;
      this.reportProblems(e);
      return null;
    }
  }

  /**
   * A database shared with other processes (one that has a run lock: PostgreSQL) is opened for
   * each rebuild, so kiln's relation cache never outlives what others may change meanwhile. One
   * the process holds alone (DuckDB's file) stays open: each rebuild then costs only its SQL.
   */
  private reopensPerRebuild(session: Session): boolean {
    return session.adapter.acquireRunLock !== undefined;
  }

  /** Builds `ids` like `kiln build` does and reports them; a check that fails first is reported instead. */
  private async build(session: Session, ids: ReadonlySet<string>, t: { started: number; parsed: number }): Promise<void> {
    const { manifest, adapter } = session;
    const nodes = [...ids].map((id) => manifest.nodes.get(id)!);
    const problems = new Problems();
    const seeds = prepareSeeds(manifest, ids, adapter.dialect, problems);
    checkRelations(manifest, ids, adapter.capabilities, problems);
    try {
      problems.throwIfAny();
      await adapter.open();
      const unable = new Problems();
      checkCapabilities(manifest, ids, (db) => adapter.capabilitiesFor?.(db) ?? adapter.capabilities, unable);
      unable.throwIfAny();
    } catch (e) {
      if (!(e instanceof KilnError || e instanceof KilnErrors)) throw e;
      this.reportProblems(e);
      return;
    }
    const buildStarted = performance.now();
    const unlock = adapter.acquireRunLock
      ? await adapter.acquireRunLock({ timeoutMs: (this.opts.lockTimeout ?? 600) * 1000, onWait: () => this.reporter.info('Another kiln run holds the lock on this target; waiting...') })
      : null;
    const writer = new ArtifactWriter(session.targetDir, redactor(), jsonArtifactOptions(this.opts));
    const report = new WatchReport(this.reporter, nodes.filter((n) => n.config.materialized !== 'ephemeral'));
    session.engine.setLogSink((m, info) => {
      // print() output shows with -q, as dbt's does; --no-print drops it
      if (info === 'print') {
        if (this.opts.print !== false) this.reporter.printed(m);
      } else if (info) this.reporter.info(m);
    });
    session.jinja.selectedResources = [...ids];
    const projectHooks = { manifest, deps: session.deps, profileName: session.profile.profileName, engine: session.engine, adapter, project: session.loaded.project, packages: session.packages, info: (m: string) => this.reporter.info(m) };
    // As `kiln run`: an ephemeral model's file is written when a node inlining it compiles.
    const onEphemeral = (n: ParsedNode, sql: string) => writer.writeCompiled(n, sql, manifest.packageRoots);
    const compiler = new Compiler(manifest, session.engine, session.deps, session.profile.profileName, { staticFastPath: session.staticFastPath, onEphemeral });
    const runner = new Runner(
      manifest,
      rebuildDag(manifest, ids),
      ids,
      adapter,
      compiler,
      {
        threads: session.profile.target.threads,
        failFast: false,
        fullRefresh: !!this.opts.fullRefresh,
        seeds,
        now: new Date(),
        runUnitTest: (node, conn, statements) => runUnitTest(node, conn, { manifest, engine: session.engine, deps: session.deps, profileName: session.profile.profileName, adapter }, statements),
      },
      {
        beforeNodes: () => runProjectHooks('on-run-start', projectHooks, { nodes }).then(() => undefined),
        nodeFinished: (n: ParsedNode, _i, _t, r) => report.node(n, r),
        compiled: (n, sql) => writer.writeCompiled(n, sql, manifest.packageRoots),
        executed: (n, statements) => writer.writeRun(n, statements, manifest.packageRoots),
      },
    );
    this.runner = runner;
    this.reporter.info(`Rebuilding ${nodes.length} node${nodes.length === 1 ? '' : 's'}`, { event: 'watch_rebuilding', nodes: [...ids] });
    let summary: RunSummary;
    try {
      summary = await runner.run();
      if (!this.stopping) await runProjectHooks('on-run-end', projectHooks, { nodes, results: summary.results });
    } catch (e) {
      if (!(e instanceof KilnError || e instanceof KilnErrors)) throw e;
      this.reportProblems(e);
      return;
    } finally {
      this.runner = null;
      await unlock?.().catch(() => undefined);
      if (this.reopensPerRebuild(session)) await adapter.close();
    }
    const meta = { invocationId: session.invocationId, generatedAt: new Date(), adapterType: adapter.type };
    writer.writeJson('run_results.json', runResultsJson(summary, meta, { which: 'watch', select: this.opts.select ?? [], exclude: this.opts.exclude ?? [] }, adapter.adapterResponse));
    const done = performance.now();
    report.done(summary, manifest.nodes, { total: (done - t.started) / 1000, parse: (t.parsed - t.started) / 1000, build: (done - buildStarted) / 1000 });
  }
}
