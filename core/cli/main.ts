// The `kiln` program. The only place that decides exit codes; errors are classified once here:
// user errors (KilnError) exit 2, failed nodes exit 1, anything else is a kiln bug (exit 3).
import { Command, CommanderError, Option } from 'commander';
import { Codes, KilnError, KilnErrors } from '../errors.js';
import { KILN_VERSION } from '../version.js';
import { Reporter } from '../reporter/reporter.js';
import { addConsoleOptions, addProjectOptions, FORMAT_LIMIT, optionsOnlyFor, positiveInt, type GlobalOptions } from './options.js';
// Each command's module is imported when that command runs: starting the CLI loads no other
// command's dependencies (the docs bundler, Markdown, the SQL formatter, the warehouse drivers).
import type { ShowOptions } from './commands/show.js';
import type { RunOperationOptions } from './commands/run-operation.js';
import { addDocsCommands } from './commands/docs-cli.js';
import type { LsOptions } from './commands/ls.js';
import type { RunKind } from './commands/run.js';
import type { CompileOptions } from './commands/compile.js';
import type { WatchOptions } from './commands/watch.js';
import type { DepsOptions } from './commands/deps.js';
import { secretValues } from '../template/env-reads.js';
import { consoleSinks, type ConsoleSinks } from './console-sink.js';
import { fileSystemError } from './fs-errors.js';
import { applyFlagSources } from './flag-sources.js';
import { LogFile, type LogFileLevel } from '../reporter/log-file.js';
import path from 'node:path';
import { markMainStarted, printTimings, Timings, timingsWanted } from './timings.js';

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly isTTY: boolean;
  /** Registers a Ctrl-C handler; returns a function that removes it. */
  readonly onInterrupt: (handler: () => void) => () => void;
}

export const ExitCode = { OK: 0, NODE_FAILED: 1, USER_ERROR: 2, INTERNAL: 3, INTERRUPTED: 130 } as const;

/** One pair for the process, however many times main() runs in it: they share the streams. */
let processSinks: ConsoleSinks | null = null;

export function processIo(): Io {
  if (!processSinks) {
    processSinks = consoleSinks(process.stdout, process.stderr);
    // What the last turn of the event loop gathered reaches the terminal before the process ends
    // (process.exit, a forced Ctrl-C, or the loop running dry).
    process.once('exit', processSinks.flush);
  }
  const sinks = processSinks;
  return {
    stdout: sinks.stdout,
    stderr: sinks.stderr,
    cwd: process.cwd(),
    isTTY: !!process.stdout.isTTY,
    onInterrupt: (handler) => {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}

export function makeReporter(opts: Pick<GlobalOptions, 'logFormat' | 'color'> & Partial<Pick<GlobalOptions, 'useColors' | 'quiet' | 'logLevel' | 'warnings'>>, io: Io): Reporter {
  // --use-colors asks for colours even into a pipe (dbt colours whatever it writes to).
  const color = opts.logFormat !== 'json' && (opts.useColors === true || (opts.useColors !== false && opts.color !== false && io.isTTY && !process.env.NO_COLOR));
  const level = opts.logLevel === 'none' ? 'none' : opts.quiet ? 'error' : (opts.logLevel ?? 'info');
  const warnings = opts.warnings;
  return new Reporter({ format: opts.logFormat ?? 'text', color, level, sinks: { out: io.stdout, err: io.stderr }, secrets: secretValues, warnings: warnings && ((code) => warnings.outcome(code)), log: logFile?.write });
}

/** This invocation's log file (--log-path), or null. */
let logFile: LogFile | null = null;
let logFlushOnExit = false;

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  markMainStarted();
  let exitCode: number = ExitCode.OK;
  let current: GlobalOptions | null = null;
  const program = new Command('kiln');
  optionsOnlyFor(program, argv);
  program
    .description('kiln builds SQL transformation projects (dbt projects as they are) on DuckDB and PostgreSQL.')
    .version(KILN_VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run `kiln --help` or `kiln <command> --help` for usage)')
    .exitOverride()
    // Commander's own usage errors get the code every user error carries.
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (text, write) => write(text.replace(/^error: /, `error[${Codes.USAGE}] `)) });
  program.addHelpText(
    'after',
    `
A command's options may also come before it, as dbt takes them: kiln --no-color --log-format json build.

Exit codes: 0 success, 1 a node failed, 2 bad usage or a project that does not load,
3 an internal kiln error (a bug), 130 interrupted.

Examples:
  kiln init demo && cd demo && kiln build
  kiln run --select +orders --threads 8
  kiln build --project-dir project-template --exclude tag:nightly`,
  );

  const action = (command: string, fn: (opts: GlobalOptions & Record<string, unknown>, args: string[]) => Promise<number>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const opts = { ...(cmd.opts() as GlobalOptions & Record<string, unknown>), command, timings: new Timings() };
      await resolveFlags(cmd, opts, io.cwd);
      current = opts;
      try {
        exitCode = await fn(opts, cmd.args);
      } finally {
        if (timingsWanted(opts.printTimings)) printTimings(opts.timings, opts, io);
      }
    };

  program
    .command('init')
    .argument('[dir]', 'folder to create (default: the current folder, which must be empty)')
    .description('create a new project from the built-in template: seeds, staging views, marts and a DuckDB profile');
  addConsoleOptions(program.commands[program.commands.length - 1])
    .action(action('init', (o, args) => import('./commands/init.js').then((m) => m.initCommand(args[0] ?? '.', o, io))));

  addProjectOptions(program.command('debug').description('show the project, profile and target in use and test the database connection')).action(
    action('debug', (o) => import('./commands/debug.js').then((m) => m.debugCommand(o, io))),
  );
  addProjectOptions(program.command('parse').description('parse the project and write target/manifest.json; reports every problem found')).action(
    action('parse', (o) => import('./commands/compile.js').then((m) => m.parseCommand(o, io))),
  );
  addProjectOptions(program.command('compile').description('render the selected nodes to SQL under target/compiled without running anything'), {
    selection: true,
    defer: true,
  })
    .option('--format', `lay out the compiled SQL files with sql-formatter in the target's dialect (default when at most ${FORMAT_LIMIT} nodes are compiled)`)
    .option('--no-format', 'write the compiled SQL exactly as rendered')
    .option('--empty', 'render every ref and source as a zero-row subquery, as `kiln run --empty` runs it')
    .option('--inline <sql>', "compile this query against the project and print it, writing nothing: \"select * from {{ ref('orders') }}\"")
    .option('--output <format>', 'how the SQL of nodes named in --select (or --inline) is printed: text or json', 'text')
    .action(action('compile', (o) => import('./commands/compile.js').then((m) => m.compileCommand(o as GlobalOptions & CompileOptions, io))));

  const runLike = (name: RunKind, description: string) =>
    addProjectOptions(program.command(name).description(description), { selection: true, run: true, defer: true, resourceTypes: ['build', 'test', 'clone'].includes(name) }).action(
      action(name, (o) => import('./commands/run.js').then((m) => m.runCommand(name, o, io))),
    );
  runLike('run', 'build the selected models (views, tables, ephemeral CTEs) in dependency order');
  runLike('seed', 'load the selected CSV seeds into tables');
  runLike('test', 'run the data tests of the selected resources');
  runLike('snapshot', 'capture the selected snapshots: record changed rows of their sources as new versions (SCD type 2)');
  runLike('build', 'load seeds, build models and run their tests, all in dependency order (a failing test skips what depends on its model)');
  runLike('clone', "make each selected model, seed and snapshot a view on the relation it has in the --state run's manifest (e.g. production), without building it; existing relations are kept unless --full-refresh");

  addProjectOptions(program.command('watch').description('watch the project: on each save, rebuild the changed nodes and what depends on them (inside the selection), run their tests and print a short report'), { selection: true })
    .option('--no-downstream', 'rebuild only the changed nodes (and their tests), not what depends on them')
    .option('--full-refresh', 'rebuild incremental models and seeds from scratch on every rebuild')
    .option('--lock-timeout <seconds>', 'how long each rebuild waits for another run holding the target (PostgreSQL, Trino; default 600)', positiveInt)
    .action(action('watch', (o) => import('./commands/watch.js').then((m) => m.watchCommand(o as GlobalOptions & WatchOptions, io))));

  addProjectOptions(program.command('retry').description("rerun what errored, failed or was skipped in the last run (target/run_results.json), with that run's selection and options"))
    .option('--state <dir>', 'read run_results.json from this folder instead of the target folder')
    .action(action('retry', (o) => import('./commands/retry.js').then((m) => m.retryCommand(o, io))));

  addProjectOptions(program.command('ls').alias('list').description('list the selected resources'), { selection: true, resourceTypes: true })
    .option('--output <format>', 'selector, name, path or json', 'selector')
    .option('--output-keys <keys...>', "with --output json: only these keys (e.g. 'name resource_type config.materialized')")
    .action(action('ls', (o) => import('./commands/ls.js').then((m) => m.lsCommand(o as GlobalOptions & LsOptions, io))));

  addProjectOptions(program.command('show').description('compile a model (or an inline query) and print its first rows'), { selection: true })
    .option('--inline <sql>', "a query to run instead of a model; refs work: \"select * from {{ ref('orders') }}\"")
    .option('--limit <n>', 'how many rows to show (default 5; -1 for all)', (v) => Number.parseInt(v, 10))
    .option('--output <format>', 'text (an aligned table) or json', 'text')
    .action(action('show', (o) => import('./commands/show.js').then((m) => m.showCommand(o as GlobalOptions & ShowOptions, io))));

  addProjectOptions(program.command('format').argument('[paths...]', 'files or folders to format (default: every model, test, analysis and snapshot)').description("lay out SQL files in the target's dialect, in place, keeping Jinja exactly as written"))
    .option('--check', 'change nothing; exit 1 when a file would be reformatted (for CI)')
    .action(action('format', (o, args) => import('./commands/format.js').then((m) => m.formatCommand(args, o, io))));

  const source = program.command('source').description('commands about sources');
  addProjectOptions(source.command('freshness').description('check how recently each source table was loaded against its freshness thresholds; writes target/sources.json'), {
    selection: true,
  })
    .option('-o, --output <file>', 'file name under the target path (default sources.json)')
    .action(action('source freshness', (o) => import('./commands/freshness.js').then((m) => m.freshnessCommand(o, io))));

  addDocsCommands(program, action, io);

  addProjectOptions(program.command('clean').description('delete the folders listed in clean-targets (default: target/)')).action(
    action('clean', (o) => import('./commands/clean.js').then((m) => m.cleanCommand(o, io))),
  );

  addProjectOptions(program.command('deps').description('install the packages of packages.yml into dbt_packages/ (hub packages, git repositories, tarballs, local folders and vendored copies), following package-lock.yml while it matches'))
    .option('--upgrade', 'resolve every package again (newest versions the ranges allow) even when package-lock.yml matches packages.yml')
    .option('--lock', 'only write package-lock.yml (resolving packages.yml when the lock does not match it); install nothing')
    .option('--add-package <package>', "add a package to packages.yml first, then install: 'dbt-labs/dbt_utils@1.1.1' (hub), a git URL@revision, or a local path")
    .option('--source <source>', 'with --add-package: hub (the default), git or local')
    .action(action('deps', (o) => import('./commands/deps.js').then((m) => m.depsCommand(o as GlobalOptions & DepsOptions, io))));
  addProjectOptions(program.command('run-operation').argument('<macro>', 'the macro to call (package.macro for a package\'s)').description('call a macro against the warehouse, with --args as its keyword arguments'))
    .option('--args <yaml>', "the macro's keyword arguments as a YAML mapping: '{table: orders}'")
    .action(action('run-operation', (o, args) => import('./commands/run-operation.js').then((m) => m.runOperationCommand(args[0], o as RunOperationOptions, io))));

  logFile = null;
  try {
    await program.parseAsync(hoistOptions(program, argv), { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.OK;
      return ExitCode.USER_ERROR;
    }
    return reportFailure(e, current, io);
  } finally {
    // (a log file that cannot be written is not worth the command's result)
    try {
      (logFile as LogFile | null)?.flush();
    } catch {
      /* reported nowhere: the console has everything */
    }
    logFile = null;
  }
}

/**
 * The options the command line left unset, from the environment and `flags:` of dbt_project.yml
 * (dbt's order), and what they come to: dbt's log formats as kiln's, --warn-error's policy.
 */
async function resolveFlags(cmd: Command, opts: GlobalOptions & Record<string, unknown>, cwd: string): Promise<void> {
  // dbt's plural spellings, as the singular ones
  for (const [plural, singular] of [['resourceTypes', 'resourceType'], ['excludeResourceTypes', 'excludeResourceType']] as const) {
    const more = opts[plural] as string[] | undefined;
    if (!more) continue;
    opts[singular] = [...(opts[singular] ?? []), ...more];
    cmd.setOptionValueWithSource(singular, opts[singular], 'cli');
    delete opts[plural];
  }
  await applyFlagSources(cmd, opts, cwd);
  // kiln's --no-color on the command line over DBT_USE_COLORS / flags.use_colors
  if (opts.color === false && cmd.getOptionValueSource('color') === 'cli' && cmd.getOptionValueSource('useColors') !== 'cli') opts.useColors = false;
  // dbt's `default` and `debug` formats are text lines; kiln has one text format.
  if ((opts.logFormat as string) === 'default' || (opts.logFormat as string) === 'debug') opts.logFormat = 'text';
  if (opts.logLevel === 'debug' && opts.debug === undefined) opts.debug = true;
  // --log-path (or DBT_LOG_PATH): dbt.log there, at debug level unless --log-level(-file) says otherwise.
  if (typeof opts.logPath === 'string' && opts.logPath) {
    const format = opts.logFormatFile === 'json' || (opts.logFormatFile === undefined && opts.logFormat === 'json') ? 'json' : 'text';
    const level = (opts.logLevelFile ?? opts.logLevel ?? 'debug') as LogFileLevel;
    logFile = new LogFile(path.join(path.resolve(cwd, opts.logPath), 'dbt.log'), format, level, `kiln ${opts.command}`);
    // A command ended by a signal (watch, docs serve) still leaves its lines in the file.
    if (!logFlushOnExit) {
      logFlushOnExit = true;
      process.once('exit', () => {
        try {
          logFile?.flush();
        } catch {
          /* the process is ending */
        }
      });
    }
  }
  if (opts.warnError || opts.warnErrorOptions !== undefined) opts.warnings = (await import('./warn-error.js')).warnPolicy(opts.warnError, opts.warnErrorOptions);
}

/**
 * dbt takes its flags on either side of the command (`dbt --no-use-colors build`, `dbt --log-format
 * json run`): the options written before the command are moved to just after its name (`docs
 * generate` and `source freshness` included), where the command parses them as its own. An option
 * given on both sides is refused, as dbt refuses it. Anything this does not recognize (no command,
 * --help/--version) is left as written for commander to answer.
 */
export function hoistOptions(program: Command, argv: readonly string[]): string[] {
  const options = new Map<string, Option>();
  const collect = (cmd: Command): void => {
    for (const o of cmd.options as readonly Option[]) {
      if (o.long) options.set(o.long, o);
      if (o.short) options.set(o.short, o);
    }
    for (const sub of cmd.commands as readonly Command[]) collect(sub);
  };
  for (const sub of program.commands as readonly Command[]) collect(sub);
  const commandNamed = (cmd: Command, name: string): Command | undefined => (cmd.commands as readonly Command[]).find((c) => c.name() === name || c.aliases().includes(name));
  /** The tokens of the option at argv[i] (the option and its values), or 0 when it is not one kiln knows. */
  const optionLength = (list: readonly string[], i: number, stopAt: (t: string) => boolean): number => {
    const tok = list[i];
    const eq = tok.indexOf('=');
    const o = options.get(eq > 0 && tok.startsWith('--') ? tok.slice(0, eq) : tok);
    if (!o) return 0;
    if (eq > 0 || !(o.required || o.optional)) return 1;
    let n = 1;
    if (i + n < list.length && !(o.optional && list[i + n].startsWith('-'))) n++;
    if (o.variadic) while (i + n < list.length && !list[i + n].startsWith('-') && !stopAt(list[i + n])) n++;
    return n;
  };
  const before: string[] = [];
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '-' && argv[i] !== '--') {
    if (['-h', '--help', '-v', '--version'].includes(argv[i])) return [...argv];
    // An option no command has moves too, for the command to name it in its error.
    const n = Math.max(1, optionLength(argv, i, (t) => commandNamed(program, t) !== undefined));
    before.push(...argv.slice(i, i + n));
    i += n;
  }
  if (before.length === 0 || i >= argv.length) return [...argv];
  let cmd = commandNamed(program, argv[i]);
  if (!cmd) return [...argv];
  const commandPath = [argv[i++]];
  for (let sub = i < argv.length ? commandNamed(cmd, argv[i]) : undefined; sub; sub = i < argv.length ? commandNamed(cmd, argv[i]) : undefined) {
    commandPath.push(argv[i++]);
    cmd = sub;
  }
  const rest = argv.slice(i);
  // dbt: "--x was provided both before and after the subcommand, it can only be set either before or after."
  const names = (list: readonly string[]): Map<string, string> => {
    const out = new Map<string, string>();
    for (let j = 0; j < list.length; ) {
      if (list[j] === '--') break;
      const n = list[j].startsWith('-') ? optionLength(list, j, () => false) : 0;
      if (n > 0) {
        const tok = list[j].split('=')[0];
        out.set(options.get(tok)!.attributeName(), tok);
      }
      j += Math.max(n, 1);
    }
    return out;
  };
  const after = names(rest);
  for (const [attr, tok] of names(before)) {
    if (after.has(attr)) {
      throw new KilnError(Codes.USAGE, `${tok} was given both before and after the command \`${commandPath.join(' ')}\``, { hint: `Give ${tok} once, on either side of the command.` });
    }
  }
  return [...commandPath, ...before, ...rest];
}

/** Prints a user error (exit 2) or an internal error (exit 3, stack only with --debug). */
export function reportFailure(e: unknown, opts: GlobalOptions | null, io: Io): number {
  const reporter = makeReporter({ logFormat: opts?.logFormat ?? 'text', color: opts?.color ?? true, useColors: opts?.useColors, quiet: opts?.quiet, logLevel: opts?.logLevel }, io);
  if (e instanceof KilnErrors) {
    reporter.userErrors(e.errors, `Found ${e.errors.length} problems; nothing was run.`);
    return ExitCode.USER_ERROR;
  }
  if (e instanceof KilnError) {
    reporter.kilnError(e);
    return ExitCode.USER_ERROR;
  }
  const machine = fileSystemError(e, opts?.projectDir ?? '.');
  if (machine) {
    reporter.kilnError(machine);
    return ExitCode.USER_ERROR;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  io.stderr(`Internal error: ${err.message}\nThis is a bug in kiln, not in your project. Please report it with the command you ran.\n`);
  if (opts?.debug) io.stderr(`${err.stack ?? ''}\n`);
  else io.stderr('Run again with --debug to see the stack trace.\n');
  return ExitCode.INTERNAL;
}
