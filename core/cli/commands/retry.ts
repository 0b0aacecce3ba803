// `kiln retry`: rerun what errored, failed or was skipped in the last run_results.json, as the
// command that wrote it (run, build, test, seed, snapshot), with that run's selection and
// options; --vars, --threads and --target given now win, --warn-error also retries warnings.
// A microbatch model that partly failed reruns only its failed batches (run_results' batch_results).
import path from 'node:path';
import { Codes, KilnError } from '../../errors.js';
import { loadProject } from '../../project/load-project.js';
import { targetPathOverride } from '../../project/target-path.js';
import { readRunResults, resolveStateDir, type Json } from '../../state/artifacts.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';
import { runCommand, type RunKind } from './run.js';

const RETRYABLE_COMMANDS: readonly RunKind[] = ['run', 'build', 'test', 'seed', 'snapshot', 'clone'];
const RETRYABLE_STATUSES = ['error', 'fail', 'skipped', 'runtime error', 'partial success'];

export async function retryCommand(opts: GlobalOptions, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  const root = path.resolve(io.cwd, opts.projectDir ?? '.');
  const loaded = loadProject({ projectDir: root, vars: opts.vars, render: (t) => t, targetPath: targetPathOverride(opts.targetPath) });
  const dir = opts.state ? resolveStateDir(root, opts.state) : path.resolve(root, loaded.project.targetPath);
  const shown = path.relative(root, dir) || '.';
  const previous = readRunResults(dir, shown, '`kiln retry`');
  const which = String(previous.args.which ?? '');
  if (!(RETRYABLE_COMMANDS as readonly string[]).includes(which)) {
    throw new KilnError(Codes.STATE_INVALID, `${previous.file} was written by ${which ? `'${which}'` : 'an unknown command'}, which kiln retry cannot rerun`, {
      loc: { file: previous.file },
      hint: `kiln retry reruns ${RETRYABLE_COMMANDS.join(', ')}.`,
    });
  }
  const statuses = opts.warnError ? [...RETRYABLE_STATUSES, 'warn'] : RETRYABLE_STATUSES;
  const retried = previous.results.filter((r) => statuses.includes(r.status));
  const ids = new Set(retried.map((r) => r.uniqueId));
  // Microbatch models that ran batches: only the failed batches run again (dbt ≥ 1.9).
  const retryBatches = new Map(retried.filter((r) => r.batchResults && r.batchResults.failed.length > 0).map((r) => [r.uniqueId, r.batchResults!] as const));
  if (ids.size === 0) {
    reporter.info(`Nothing to retry: nothing errored, failed or was skipped in the last \`kiln ${which}\` (${previous.file}).`);
    return ExitCode.OK;
  }
  reporter.info(`Retrying ${ids.size} node${ids.size === 1 ? '' : 's'} of the last \`kiln ${which}\` that errored, failed or were skipped.`);
  const merged: GlobalOptions = {
    ...previousOptions(previous.args),
    // Where kiln runs and how it prints are this invocation's.
    projectDir: opts.projectDir,
    profilesDir: opts.profilesDir,
    targetPath: opts.targetPath,
    logFormat: opts.logFormat,
    color: opts.color,
    useColors: opts.useColors,
    quiet: opts.quiet,
    logLevel: opts.logLevel,
    warnings: opts.warnings,
    writeJson: opts.writeJson,
    versionCheck: opts.versionCheck,
    profile: opts.profile,
    debug: opts.debug,
    printTimings: opts.printTimings,
    timings: opts.timings,
    warnError: !!opts.warnError,
    ...(opts.vars !== undefined ? { vars: opts.vars } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    ...(opts.target !== undefined ? { target: opts.target } : {}),
    command: which,
    retryIds: ids,
    retryBatches,
    // Batches a microbatch model would compute are those of the retried run's clock, not now's.
    ...(previous.startedAt ? { retryNow: previous.startedAt } : {}),
  };
  return runCommand(which as RunKind, merged, io);
}

/** The options of the run that wrote run_results.json (its `args`), as this CLI's options. */
function previousOptions(a: Json): Omit<GlobalOptions, 'command' | 'logFormat' | 'color'> {
  const str = (k: string) => (typeof a[k] === 'string' && a[k] !== '' ? (a[k] as string) : undefined);
  const list = (k: string) => (Array.isArray(a[k]) ? (a[k] as unknown[]).map(String) : undefined);
  const date = (k: string) => (typeof a[k] === 'string' && !Number.isNaN(Date.parse(a[k] as string)) ? new Date(a[k] as string) : undefined);
  return {
    select: list('select'),
    exclude: list('exclude'),
    selector: str('selector'),
    indirectSelection: str('indirect_selection'),
    state: str('state'),
    defer: a.defer === true,
    favorState: a.favor_state === true,
    target: str('target'),
    // (a mapping as dbt writes it, or text as kiln wrote it before)
    vars: str('vars') ?? (a.vars && typeof a.vars === 'object' && !Array.isArray(a.vars) && Object.keys(a.vars).length ? JSON.stringify(a.vars) : undefined),
    threads: typeof a.threads === 'number' ? a.threads : undefined,
    fullRefresh: a.full_refresh === true,
    failFast: a.fail_fast === true,
    storeFailures: a.store_failures === true,
    // A microbatch run's window: retrying reruns the same batches.
    eventTimeStart: date('event_time_start'),
    eventTimeEnd: date('event_time_end'),
  };
}
