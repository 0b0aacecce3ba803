// Human and machine output of a run. The text format is what dbt users read and grep in CI
// logs: one START and one result line per node, a summary, then every error with its location.
// `--log-format json` emits one JSON object per event instead. Writes go to sinks the CLI owns.
import pc from 'picocolors';
import { formatLocation, KilnError } from '../errors.js';
import type { ParsedNode } from '../nodes.js';
import type { NodeResult, RunSummary } from '../runner/results.js';

export interface Sinks {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export interface ReporterOptions {
  readonly format: 'text' | 'json';
  readonly color: boolean;
  readonly sinks: Sinks;
  /** Values never to print (secrets read from env vars and profiles). */
  readonly secrets?: () => Iterable<string>;
}

const LINE_WIDTH = 80;

export class Reporter {
  private readonly c: ReturnType<typeof pc.createColors>;

  constructor(private readonly opts: ReporterOptions) {
    this.c = pc.createColors(opts.color);
  }

  private redact(text: string): string {
    let out = text;
    for (const s of this.opts.secrets?.() ?? []) if (s.length >= 3) out = out.split(s).join('*****');
    return out;
  }

  private emit(level: 'info' | 'warn' | 'error' | 'debug', msg: string, data: Record<string, unknown> = {}, stream: 'out' | 'err' = 'out'): void {
    const text = this.redact(msg);
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

  warn(msg: string, data?: Record<string, unknown>): void {
    this.emit('warn', `${this.c.yellow('Warning')} ${msg}`, data);
  }

  /** A user error (or several), with code, location and hint. */
  userErrors(errors: readonly KilnError[], heading?: string): void {
    if (heading) this.emit('error', this.c.red(heading), { event: 'errors', count: errors.length }, 'err');
    for (const e of errors) this.kilnError(e);
  }

  kilnError(e: KilnError, level: 'error' | 'warn' = 'error', stream?: 'out' | 'err'): void {
    const where = e.where();
    const head = `${level === 'error' ? this.c.red(`error[${e.code}]`) : this.c.yellow(`warning[${e.code}]`)} ${e.message}`;
    const lines = [head];
    if (where) lines.push(`  --> ${where}`);
    for (const r of e.related) lines.push(`  --> ${formatLocation(r)}`);
    if (e.hint) lines.push(`  ${this.c.cyan('hint:')} ${e.hint}`);
    if (this.opts.format === 'json') this.emit(level, e.message, { event: 'kiln_error', ...e.toJSON() }, 'err');
    else for (const l of lines) this.emit(level, l, {}, stream ?? (level === 'error' ? 'err' : 'out'));
  }

  header(version: string, counts: string, threads: number, target: string): void {
    this.info(`Running with kiln=${version}`, { event: 'run_started', version });
    this.info(`Found ${counts}`, { event: 'project_found' });
    this.info(`Concurrency: ${threads} thread${threads === 1 ? '' : 's'} (target='${target}')`, { event: 'concurrency', threads, target });
    this.info('');
  }

  nodeStarted(node: ParsedNode, index: number, total: number): void {
    const what = describeNode(node);
    this.line(`${index} of ${total} START ${what}`, '[RUN]', { event: 'node_start', unique_id: node.uniqueId, index, total });
  }

  nodeFinished(node: ParsedNode, index: number, total: number, r: NodeResult): void {
    const data = { event: 'node_finished', unique_id: node.uniqueId, index, total, status: r.status, execution_time: r.executionTime, rows_affected: r.rowsAffected };
    const secs = `${r.executionTime.toFixed(2)}s`;
    if (r.status === 'success') {
      const verb = node.resourceType === 'seed' ? 'loaded' : 'created';
      const status = node.resourceType === 'seed' ? `INSERT ${r.rowsAffected ?? 0}` : r.adapterMessage || 'OK';
      this.line(`${index} of ${total} ${this.c.green('OK')} ${verb} ${describeNode(node)}`, `[${this.c.green(status)} in ${secs}]`, data);
    } else if (r.status === 'error') {
      this.line(`${index} of ${total} ${this.c.red('ERROR')} creating ${describeNode(node)}`, `[${this.c.red('ERROR')} in ${secs}]`, data);
    } else {
      this.line(`${index} of ${total} ${this.c.yellow('SKIP')} relation ${node.schema}.${node.alias}`, `[${this.c.yellow('SKIP')}]`, data);
    }
  }

  private line(left: string, right: string, data: Record<string, unknown>): void {
    const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
    const dots = Math.max(3, LINE_WIDTH - visible(left) - visible(right) - 2);
    this.emit('info', `${left} ${this.c.dim('.'.repeat(dots))} ${right}`, data);
  }

  summary(summary: RunSummary, nodes: ReadonlyMap<string, ParsedNode>, finishedWhat: string): void {
    const { results } = summary;
    this.info('');
    this.info(`Finished running ${finishedWhat} in ${summary.elapsedSeconds.toFixed(2)}s.`, { event: 'run_finished', elapsed: summary.elapsedSeconds });
    const errors = results.filter((r) => r.status === 'error');
    const skipped = results.filter((r) => r.status === 'skipped');
    if (summary.cancelled) this.info(this.c.yellow('Stopped early: nodes that had not finished were rolled back, the rest skipped.'));
    if (errors.length === 0) {
      this.info('');
      this.info(this.c.green('Completed successfully'));
    } else {
      this.info('');
      this.info(this.c.red(`Completed with ${errors.length} error${errors.length === 1 ? '' : 's'}:`));
      for (const r of errors) {
        const node = nodes.get(r.uniqueId);
        this.info('');
        const kind = node?.resourceType ?? 'node';
        this.emit('error', `${this.c.red('Failure')} in ${kind} ${node?.name ?? r.uniqueId} (${node?.originalFilePath ?? ''})`, {}, 'out');
        if (r.error) this.kilnError(r.error, 'error', 'out');
        else this.info(`  ${r.message}`);
        if (node && r.compiledCode !== null && node.resourceType !== 'seed') {
          this.info(`  compiled code at target/compiled/${node.packageName}/${node.originalFilePath}`);
        }
      }
    }
    const pass = results.filter((r) => r.status === 'success').length;
    this.info('');
    this.info(`Done. PASS=${pass} WARN=0 ERROR=${errors.length} SKIP=${skipped.length} TOTAL=${results.length}`, {
      event: 'summary',
      pass,
      error: errors.length,
      skip: skipped.length,
      total: results.length,
    });
  }
}

export function describeNode(node: ParsedNode): string {
  const rel = `${node.schema}.${node.alias}`;
  if (node.resourceType === 'seed') return `seed file ${rel}`;
  return `sql ${node.config.materialized} model ${rel}`;
}

function clock(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** `3 seeds, 2 view models, 1 table model` style counts. */
export function countPhrase(nodes: Iterable<ParsedNode>, byMaterialization: boolean): string {
  const counts = new Map<string, number>();
  for (const n of nodes) {
    if (n.config.materialized === 'ephemeral' && byMaterialization) continue;
    const key = n.resourceType === 'seed' ? 'seed' : byMaterialization ? `${n.config.materialized} model` : 'model';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const order = ['seed', 'model', 'view model', 'table model', 'incremental model'];
  const keys = [...counts.keys()].sort((a, b) => (order.indexOf(a) + 100) % 100 - (order.indexOf(b) + 100) % 100 || a.localeCompare(b));
  return keys.map((k) => `${counts.get(k)} ${k}${counts.get(k) === 1 ? '' : 's'}`).join(', ') || 'nothing';
}
