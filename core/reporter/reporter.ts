// Human and machine output of a run. The text format is what dbt users read and grep in CI
// logs: one START and one result line per node, a summary, then every error with its location.
// `--log-format json` emits one JSON object per event instead. Writes go to sinks the CLI owns.
import pc from 'picocolors';
import type { RetryNotice } from '../../adapters/adapter.js';
import { formatLocation, KilnError } from '../errors.js';
import type { Manifest, ParsedNode } from '../nodes.js';
import type { NodeResult, RunSummary } from '../runner/results.js';
import { nodeSqlPath } from '../artifacts/paths.js';
import { operationSqlPathOfId } from '../artifacts/operation-json.js';

export interface Sinks {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export interface ReporterOptions {
  readonly format: 'text' | 'json';
  readonly color: boolean;
  readonly sinks: Sinks;
  /** Values never to print (secrets read from env vars and profiles). */
  readonly secrets?: () => ReadonlySet<string>;
  /** The least severe lines printed (--log-level; -q/--quiet is `error`): default info. */
  readonly level?: 'debug' | 'info' | 'warn' | 'error' | 'none';
  /** Receives every line at every level, uncoloured and redacted (the log file of --log-path). */
  readonly log?: (level: 'debug' | 'info' | 'warn' | 'error', text: string, data: Record<string, unknown>) => void;
  /** What a warning becomes (--warn-error, --warn-error-options): printed, an error thrown, or nothing. */
  readonly warnings?: (code: string) => 'error' | 'warn' | 'silence';
}

const RANK = { debug: 0, info: 1, warn: 2, error: 3, none: 4 } as const;

const LINE_WIDTH = 80;

export class Reporter {
  private readonly c: ReturnType<typeof pc.createColors>;
  private readonly least: number;

  constructor(private readonly opts: ReporterOptions) {
    this.c = pc.createColors(opts.color);
    this.least = RANK[opts.level ?? 'info'];
  }

  /** Whether informational lines are left out (-q, --log-level warn/error/none). */
  get quiet(): boolean {
    return this.least > RANK.info;
  }

  /**
   * What the command is for, on stdout as it is (compiled SQL of `compile --select x`): shown with
   * -q as dbt shows it; only --log-level none hides it.
   */
  print(text: string): void {
    if (this.least < RANK.none) this.opts.sinks.out(this.redact(text));
  }

  private redact(text: string): string {
    const secrets = this.opts.secrets?.();
    // Nearly always none: no iterator made for each of a run's thousands of lines.
    if (secrets === undefined || secrets.size === 0) return text;
    let out = text;
    for (const s of secrets) if (s.length >= 3) out = out.split(s).join('*****');
    return out;
  }

  private emit(level: 'info' | 'warn' | 'error' | 'debug', msg: string, data: Record<string, unknown> = {}, stream: 'out' | 'err' = 'out'): void {
    const shown = RANK[level] >= this.least;
    if (!shown && !this.opts.log) return;
    const text = this.redact(msg);
    this.opts.log?.(level, text, data);
    if (!shown) return;
    if (this.opts.format === 'json') {
      const event = { ts: new Date().toISOString(), level, msg: text.replace(/\x1b\[[0-9;]*m/g, ''), ...data };
      this.opts.sinks.out(`${this.redact(JSON.stringify(event))}\n`);
      return;
    }
    const line = `${this.c.dim(clock())}  ${text}\n`;
    if (stream === 'err') this.opts.sinks.err(line);
    else this.opts.sinks.out(line);
  }

  info(msg: string, data?: Record<string, unknown>): void {
    this.emit('info', msg, data);
  }

  /** The output of {{ print() }}: shown however quiet (dbt's PrintEvent), unless --log-level none. */
  printed(msg: string): void {
    if (this.least < RANK.none) this.emit(this.quiet ? 'error' : 'info', msg, { event: 'print' });
  }

  warn(msg: string, data?: Record<string, unknown>): void {
    this.emit('warn', `${this.c.yellow('Warning')} ${msg}`, data);
  }

  /** Work that failed transiently is about to be tried again (a deadlock, a refused connection). */
  retrying(n: RetryNotice): void {
    const wait = Number.isInteger(n.delaySeconds) ? `${n.delaySeconds}` : n.delaySeconds.toFixed(2);
    this.warn(`${n.what} failed transiently (${n.reason}); trying again in ${wait}s (attempt ${n.attempt} of ${n.attempts})`, {
      event: 'retry',
      what: n.what,
      reason: n.reason,
      attempt: n.attempt,
      attempts: n.attempts,
      delay_seconds: n.delaySeconds,
    });
  }

  /** A user error (or several), with code, location and hint. */
  userErrors(errors: readonly KilnError[], heading?: string): void {
    if (heading) this.emit('error', this.c.red(heading), { event: 'errors', count: errors.length }, 'err');
    for (const e of errors) this.kilnError(e);
  }

  kilnError(e: KilnError, level: 'error' | 'warn' = 'error', stream?: 'out' | 'err'): void {
    if (level === 'warn' && this.opts.warnings) {
      const becomes = this.opts.warnings(e.code);
      if (becomes === 'silence') return;
      // dbt raises the warning as an error where it happens: the command stops (exit 2).
      if (becomes === 'error') {
        const hint = `${e.hint ? `${e.hint}\n` : ''}(a warning, made an error by --warn-error or --warn-error-options)`;
        throw new KilnError(e.code, e.message, { loc: e.loc, node: e.node, related: e.related, hint });
      }
    }
    const where = e.where();
    const head = `${level === 'error' ? this.c.red(`error[${e.code}]`) : this.c.yellow(`warning[${e.code}]`)} ${e.message}`;
    const lines = [head];
    if (where) lines.push(`  --> ${where}`);
    for (const r of e.related) lines.push(`  --> ${formatLocation(r)}`);
    if (e.hint) {
      // A hint may end with a code frame (`> 3 | text` / `  | ^`): print it on lines of its own,
      // indented as a block so its caret stays under the column.
      const all = e.hint.split('\n');
      const frameAt = all.findIndex((l) => /^\s*>?\s*\d*\s\|/.test(l));
      const text = frameAt === -1 ? all : all.slice(0, frameAt);
      if (text.length) lines.push(`  ${this.c.cyan('hint:')} ${text[0]}`, ...text.slice(1).map((l) => `        ${l}`));
      if (frameAt !== -1) lines.push(...all.slice(frameAt).map((l) => `    ${l}`));
    }
    if (this.opts.format === 'json') this.emit(level, e.message, { event: 'kiln_error', ...e.toJSON() }, 'err');
    else for (const l of lines) this.emit(level, l, {}, stream ?? (level === 'error' ? 'err' : 'out'));
  }

  /** A run whose selection has nothing to build: dbt 1.11 prints no Concurrency line, and its NothingToDo warning without a prefix. */
  nothingToDo(version: string, counts: string, selectionWarnings: readonly KilnError[] = []): void {
    this.started(version, counts, selectionWarnings);
    this.emit('warn', 'Nothing to do. Try checking your model configs and model specification args', { event: 'nothing_to_do' });
  }

  header(version: string, counts: string, threads: number, target: string, selectionWarnings: readonly KilnError[] = []): void {
    this.started(version, counts, selectionWarnings);
    // (dbt 1.11 leaves a line empty before and after the Concurrency line)
    this.info('');
    this.info(`Concurrency: ${threads} thread${threads === 1 ? '' : 's'} (target='${target}')`, { event: 'concurrency', threads, target });
    this.info('');
  }

  /** The warnings of the selection (KLN309) come after the Found line, where dbt 1.11 prints its NoNodesForSelectionCriteria. */
  private started(version: string, counts: string, selectionWarnings: readonly KilnError[]): void {
    this.info(`Running with kiln=${version}`, { event: 'run_started', version });
    this.info(`Found ${counts}`, { event: 'project_found' });
    for (const w of selectionWarnings) this.kilnError(w, 'warn');
  }

  nodeStarted(node: ParsedNode, index: number, total: number): void {
    if (node.resourceType === 'test' || node.resourceType === 'unit_test') {
      this.line(`${index} of ${total} START ${node.resourceType === 'unit_test' ? 'unit_test' : 'test'} ${testLabel(node)}`, '[RUN]', { event: 'node_start', unique_id: node.uniqueId, index, total });
      return;
    }
    const what = describeNode(node);
    this.line(`${index} of ${total} START ${what}`, '[RUN]', { event: 'node_start', unique_id: node.uniqueId, index, total });
  }

  nodeFinished(node: ParsedNode, index: number, total: number, r: NodeResult): void {
    const data = { event: 'node_finished', unique_id: node.uniqueId, index, total, status: r.status, execution_time: r.executionTime, rows_affected: r.rowsAffected };
    const secs = `${r.executionTime.toFixed(2)}s`;
    if ((node.resourceType === 'test' || node.resourceType === 'unit_test') && r.status !== 'skipped') {
      const name = testLabel(node);
      const data2 = { ...data, failures: r.failures ?? null };
      const n = r.failures ?? 0;
      if (r.status === 'pass') this.line(`${index} of ${total} ${this.c.green('PASS')} ${name}`, `[${this.c.green('PASS')} in ${secs}]`, data2);
      else if (r.status === 'warn') this.line(`${index} of ${total} ${this.c.yellow(`WARN ${n}`)} ${name}`, `[${this.c.yellow(`WARN ${n}`)} in ${secs}]`, data2, 'warn');
      else if (r.status === 'fail') this.line(`${index} of ${total} ${this.c.red(`FAIL ${n}`)} ${name}`, `[${this.c.red(`FAIL ${n}`)} in ${secs}]`, data2, 'error');
      else this.line(`${index} of ${total} ${this.c.red('ERROR')} ${name}`, `[${this.c.red('ERROR')} in ${secs}]`, data2, 'error');
      return;
    }
    if (r.status === 'success') {
      const verb = node.resourceType === 'seed' ? 'loaded' : 'created';
      const status = node.resourceType === 'seed' ? `INSERT ${r.rowsAffected ?? 0}` : r.adapterMessage || 'OK';
      const done = node.resourceType === 'snapshot' ? `snapshotted ${node.schema}.${node.alias}` : `${verb} ${describeNode(node)}`;
      this.line(`${index} of ${total} ${this.c.green('OK')} ${done}`, `[${this.c.green(status)} in ${secs}]`, data);
    } else if (r.status === 'error') {
      this.line(`${index} of ${total} ${this.c.red('ERROR')} creating ${describeNode(node)}`, `[${this.c.red('ERROR')} in ${secs}]`, data, 'error');
    } else if (r.status === 'partial success') {
      // A microbatch model some of whose batches failed (the others were kept).
      this.line(`${index} of ${total} ${this.c.red('PARTIAL SUCCESS')} (${r.message}) ${describeNode(node)}`, `[${this.c.red('PARTIAL SUCCESS')} in ${secs}]`, data, 'error');
    } else if (r.ephemeralFailure) {
      // dbt's line for a node skipped because an ephemeral model it inlines failed to compile
      this.line(`${index} of ${total} SKIP relation ${node.schema}.${node.alias} due to ephemeral model status 'error'`, `[${this.c.red('ERROR SKIP')}]`, data);
    } else if (node.resourceType === 'test' || node.resourceType === 'unit_test') {
      this.line(`${index} of ${total} ${this.c.yellow('SKIP')} test ${testLabel(node)}`, `[${this.c.yellow('SKIP')}]`, data);
    } else {
      this.line(`${index} of ${total} ${this.c.yellow('SKIP')} relation ${node.schema}.${node.alias}`, `[${this.c.yellow('SKIP')}]`, data);
    }
  }

  /** An exposure in a build, as dbt 1.11 (no START line): `22 of 26 NO-OP exposure weekly_dashboard ... [NO-OP in 0.00s]`, or SKIP. */
  exposureFinished(name: string, id: string, index: number, total: number, r: NodeResult): void {
    const data = { event: 'node_finished', unique_id: id, index, total, status: r.status, execution_time: r.executionTime, rows_affected: null };
    if (r.status === 'skipped') this.line(`${index} of ${total} ${this.c.yellow('SKIP')} exposure ${name}`, `[${this.c.yellow('SKIP')}]`, data);
    else this.line(`${index} of ${total} ${this.c.yellow('NO-OP')} exposure ${name}`, `[${this.c.yellow('NO-OP')} in ${r.executionTime.toFixed(2)}s]`, data);
  }

  /** A project hook (on-run-start / on-run-end) starting: `1 of 2 START hook: shop.on-run-start.0`, as dbt 1.11. */
  hookStarted(name: string, index: number, total: number, id: string): void {
    this.line(`${index} of ${total} START hook: ${name}`, '[RUN]', { event: 'hook_start', unique_id: id, index, total });
  }

  hookFinished(name: string, index: number, total: number, r: NodeResult): void {
    const data = { event: 'hook_finished', unique_id: r.uniqueId, index, total, status: r.status, execution_time: r.executionTime };
    const secs = `${r.executionTime.toFixed(2)}s`;
    const word = r.status === 'success' ? this.c.green('OK') : r.status === 'skipped' ? this.c.yellow('SKIP') : this.c.red('ERROR');
    this.line(`${index} of ${total} ${word} hook: ${name}`, `[${word} in ${secs}]`, data);
  }

  /** `level`: dbt's for the line (a failed node's is an error: -q still shows it). */
  private line(left: string, right: string, data: Record<string, unknown>, level: 'info' | 'warn' | 'error' = 'info'): void {
    // dbt's format_fancy_output_line: `left ` filled with dots to 80 columns, then ` [status]`
    // (a longer left part gets no dots).
    const dots = LINE_WIDTH - visible(left) - 1;
    this.emit(level, dots > 0 ? `${left} ${this.c.dim('.'.repeat(dots))} ${right}` : `${left}  ${right}`, data);
  }

  summary(summary: RunSummary, manifest: Pick<Manifest, 'nodes' | 'packageRoots'>, finishedWhat: string): void {
    this.info('');
    this.info(`Finished running ${finishedWhat}${humanTime(summary.elapsedSeconds)} (${summary.elapsedSeconds.toFixed(2)}s).`, { event: 'run_finished', elapsed: summary.elapsedSeconds });
    if (summary.cancelled) this.info(this.c.yellow('Stopped early: nodes that had not finished were rolled back, the rest skipped.'));
    this.endOfRun(summary.results, manifest);
  }

  /**
   * dbt 1.11's print_run_end_messages: the "Completed" line, each failure and warning, the Done line.
   * Also the whole end of a seed or clone that had nothing to do (TOTAL=0); run, test, build and
   * snapshot print none then.
   */
  endOfRun(results: readonly NodeResult[], manifest: Pick<Manifest, 'nodes' | 'packageRoots'>): void {
    const nodes = manifest.nodes;
    const failed = results.filter((r) => r.status === 'error' || r.status === 'fail' || r.status === 'partial success');
    const warned = results.filter((r) => r.status === 'warn');
    const skipped = results.filter((r) => r.status === 'skipped');
    // Skipped for an ephemeral model's compile error: an error of the run (dbt counts them so in
    // "Completed with"; its Done line counts them skipped). Each such model's error is told once.
    const errorSkips = skipped.filter((r) => r.ephemeralFailure);
    // (dbt counts a hook skipped after a failed one likewise: it has a message.)
    const errors = failed.length + errorSkips.length + skipped.filter((r) => r.uniqueId.startsWith('operation.')).length;
    this.info('');
    // dbt 1.11's EndOfRunSummary: a partial success (microbatch) is counted apart there, an error in the Done line.
    const partial = failed.filter((r) => r.status === 'partial success').length;
    const [errorsOf, partialOf, warningsOf] = [plural(errors - partial, 'error'), `${partial} partial ${partial === 1 ? 'success' : 'successes'}`, plural(warned.length, 'warning')];
    if (errors > partial) this.info(this.c.red(`Completed with ${errorsOf}, ${partialOf}, and ${warningsOf}:`));
    else if (partial > 0) this.info(this.c.yellow(`Completed with ${partialOf} and ${warningsOf}`));
    else if (warned.length > 0) this.info(this.c.yellow(`Completed with ${warningsOf}:`));
    else this.info(this.c.green('Completed successfully'));
    for (const r of failed) this.nodeProblem(r, nodes.get(r.uniqueId), manifest.packageRoots);
    const told = new Set<string>();
    for (const r of errorSkips) {
      if (told.has(r.skippedBecause!)) continue;
      told.add(r.skippedBecause!);
      this.ephemeralProblem(r.ephemeralFailure!, nodes.get(r.skippedBecause!));
    }
    for (const r of warned) this.nodeProblem(r, nodes.get(r.uniqueId), manifest.packageRoots);
    const pass = results.filter((r) => r.status === 'success' || r.status === 'pass').length;
    const noop = results.filter((r) => r.status === 'no-op').length;
    // dbt 1.11's StatsLine, NO-OP= included whatever the command (run, build, test, seed, snapshot).
    this.info('');
    this.info(`Done. PASS=${pass} WARN=${warned.length} ERROR=${failed.length} SKIP=${skipped.length} NO-OP=${noop} TOTAL=${results.length}`, {
      event: 'summary',
      pass,
      warn: warned.length,
      error: failed.length,
      skip: skipped.length,
      no_op: noop,
      total: results.length,
    });
  }

  /** An ephemeral model that failed to compile (its dependents were skipped): `Failure in model e (models/e.sql)`, as dbt. */
  private ephemeralProblem(error: KilnError, node: ParsedNode | undefined): void {
    this.info('');
    this.emit('error', `Failure in model ${node?.name ?? error.node ?? ''} (${node?.originalFilePath ?? error.loc?.file ?? ''})`, {}, 'out');
    this.kilnError(error, 'error', 'out');
  }

  /** What went wrong with one node and where to look. */
  private nodeProblem(r: NodeResult, node: ParsedNode | undefined, roots: ReadonlyMap<string, string> | undefined): void {
    this.info('');
    // A project hook is no node of kiln's manifest: dbt names it `operation shop-on-run-start-0 (dbt_project.yml)`.
    const operation = !node && r.uniqueId.startsWith('operation.');
    const kind = node?.resourceType ?? (operation ? 'operation' : 'node');
    const word = r.status === 'warn' ? this.c.yellow('Warning') : this.c.red('Failure');
    const name = node?.name ?? (operation ? r.uniqueId.split('.').slice(2).join('.') : r.uniqueId);
    const where = node?.originalFilePath ?? (operation ? (r.error?.loc?.file ?? 'dbt_project.yml') : '');
    this.emit(r.status === 'warn' ? 'warn' : 'error', `${word} in ${kind} ${name} (${where})`, {}, 'out');
    if (r.error) this.kilnError(r.error, 'error', 'out');
    // (dbt indents an error's message, not a warning's: RunResultError and RunResultWarningMessage)
    else this.info(r.status === 'warn' ? r.message : `  ${r.message}`);
    // dbt 1.11's print_run_result_error: an empty line before the compiled code's path, and
    // before the query that shows the stored failing rows.
    if (node && r.compiledCode !== null && node.resourceType !== 'seed') {
      this.info('');
      this.info(`  compiled code at target/compiled/${nodeSqlPath(node, roots)}`);
    } else if (operation && r.compiledCode !== null) {
      this.info('');
      this.info(`  compiled code at target/compiled/${operationSqlPathOfId(r.uniqueId)}`);
    }
    if (r.storedFailures) {
      const query = `select * from ${r.storedFailures}`;
      const border = '-'.repeat(query.length);
      this.info('');
      this.info(`  See test failures:\n  ${border}\n  ${query}\n  ${border}`);
    }
  }
}

/** Unit tests read as `model::test`, as dbt prints them. */
function testLabel(node: ParsedNode): string {
  return node.resourceType === 'unit_test' && node.unitTest ? `${node.unitTest.model}::${node.name}` : node.name;
}

export function describeNode(node: ParsedNode): string {
  const rel = `${node.schema}.${node.alias}`;
  if (node.resourceType === 'seed') return `seed file ${rel}`;
  if (node.resourceType === 'snapshot') return `snapshot ${rel}`;
  return `sql ${node.config.materialized} model ${rel}`;
}

/** Length on screen: without colour codes (present only with colour on, so most lines skip the scan). */
function visible(s: string): number {
  return s.includes('\x1b') ? s.replace(/\x1b\[[0-9;]*m/g, '').length : s.length;
}

/** The clock of the last line and the second it shows: a run prints many lines a second. */
let clockSecond = NaN;
let clockText = '';

function clock(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second === clockSecond) return clockText;
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, '0');
  clockSecond = second;
  clockText = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return clockText;
}

/**
 * What a run ran, as dbt 1.11's "Finished running" line counts it (its get_counts): models by
 * materialization, project hooks, seeds, snapshots, tests, unit tests, sorted by dbt's key
 * (`incremental model`, `project hook`, `seed`, ..., `test`, `unit_test`, `view model`); a test
 * is `1 test` but `2 data tests`, as dbt pluralizes it.
 */
export function countPhrase(nodes: Iterable<ParsedNode>, hooks = 0, exposures = 0): string {
  const counts = new Map<string, number>();
  if (hooks) counts.set('project hook', hooks);
  if (exposures) counts.set('exposure', exposures);
  for (const n of nodes) {
    if (n.config.materialized === 'ephemeral') continue;
    const key = n.resourceType === 'model' ? `${n.config.materialized} model` : n.resourceType;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const plural: Readonly<Record<string, string>> = { test: 'data tests', unit_test: 'unit tests', analysis: 'analyses' };
  const keys = [...counts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.map((k) => `${counts.get(k)} ${(counts.get(k) === 1 ? k : (plural[k] ?? `${k}s`)).replace('_', ' ')}`).join(', ') || 'nothing';
}

/** dbt's pluralize: `1 error`, `0 errors`. */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** dbt's humanize_execution_time: ` in 0 hours 1 minutes and 2.50 seconds`. */
function humanTime(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return ` in ${Math.floor(minutes / 60)} hours ${minutes % 60} minutes and ${(seconds - minutes * 60).toFixed(2)} seconds`;
}
