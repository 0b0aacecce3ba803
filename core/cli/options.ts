// The options every project command takes, declared once and attached to each command.
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseUtc } from '../materializations/incremental-config.js';
import type { BatchResults } from '../runner/results.js';
import type { Timings } from './timings.js';
import type { PartialParseState } from '../parser/partial/state.js';
import { LOG_FORMATS, LOG_LEVELS, type LogLevel } from './flag-sources.js';
import type { WarnPolicy } from './warn-error.js';
import { DBT_NO_OPS } from './console-only.js';

export interface GlobalOptions {
  command: string;
  projectDir?: string;
  profilesDir?: string;
  /** --target-path: the folder for artifacts (over DBT_TARGET_PATH and dbt_project.yml's target-path). */
  targetPath?: string;
  target?: string;
  vars?: string;
  threads?: number;
  select?: string[];
  exclude?: string[];
  /** A named selector from selectors.yml. */
  selector?: string;
  /** eager (default), cautious, buildable or empty. */
  indirectSelection?: string;
  /** Folder with the artifacts of an earlier run (state:, --defer, source_status:). */
  state?: string;
  defer?: boolean;
  favorState?: boolean;
  /** Set by `kiln retry`: exactly these nodes, instead of evaluating the selection. */
  retryIds?: ReadonlySet<string>;
  /** Set by `kiln retry`: the previous batch results of microbatch models, whose failed batches alone rerun. */
  retryBatches?: ReadonlyMap<string, BatchResults>;
  /** Set by `kiln retry`: the retried run's start, so microbatch windows are the ones it computed. */
  retryNow?: Date;
  fullRefresh?: boolean;
  /** --empty: refs and sources read as zero rows (a schema-only dry run); seeds created without rows. */
  empty?: boolean;
  failFast?: boolean;
  warnError?: boolean;
  storeFailures?: boolean;
  junitXml?: string;
  /** Microbatch window (--event-time-start / --event-time-end), UTC. */
  eventTimeStart?: Date;
  eventTimeEnd?: Date;
  lockTimeout?: number;
  logFormat: 'text' | 'json';
  color: boolean;
  /** --use-colors / --no-use-colors (dbt's name; over --no-color when given). */
  useColors?: boolean;
  /** -q/--quiet: only errors on the console (and what the command outputs). */
  quiet?: boolean;
  /** --log-level: the least severe console lines shown. */
  logLevel?: LogLevel;
  /** --profile: the profiles.yml entry, over `profile:` of dbt_project.yml. */
  profile?: string;
  /** --warn-error-options: dbt's YAML ({error: [...], warn: [...], silence: [...]}), or its parsed value from flags:. */
  warnErrorOptions?: unknown;
  /** What each warning becomes (--warn-error, --warn-error-options); set by main(). */
  warnings?: WarnPolicy;
  /** false with --no-write-json: no JSON artifacts (manifest.json, run_results.json, ...). */
  writeJson?: boolean;
  /** false with --no-version-check: require-dbt-version is not checked. */
  versionCheck?: boolean;
  /** false with --no-print: {{ print() }} output dropped. */
  print?: boolean;
  /** --log-path: the folder of dbt.log (none written without it). */
  logPath?: string;
  logLevelFile?: string;
  logFormatFile?: string;
  /** --defer-state: the state --defer reads, over --state. */
  deferState?: string;
  /** --resource-type / --exclude-resource-type (build, test, clone, ls). */
  resourceType?: string[];
  excludeResourceType?: string[];
  debug?: boolean;
  /** --print-timings: print where the time went (also KILN_PROFILE=1). */
  printTimings?: boolean;
  /** false with --no-partial-parse: parse every file, neither reading nor writing target/partial_parse.kiln. */
  partialParse?: boolean;
  /** A long-lived process's partial parsing (kiln watch): cache in memory, only changed files re-read. */
  parseState?: PartialParseState;
  /** The invocation's phase timings; filled in by main(). */
  timings?: Timings;
}

function utcTime(value: string): Date {
  const d = parseUtc(value);
  if (!d) throw new InvalidArgumentError('expected a UTC date or time such as 2024-01-01 or 2024-01-01T10:00:00.');
  return d;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return n;
}

/** dbt's resource types for --resource-type / --exclude-resource-type (dbt 1.11). */
export const DBT_RESOURCE_TYPES = ['metric', 'semantic_model', 'saved_query', 'source', 'analysis', 'function', 'model', 'test', 'unit_test', 'exposure', 'snapshot', 'seed', 'default', 'all'] as const;

/** Per program (one main()): the command its arguments name first (optionsOnlyFor). */
const invokedBy = new WeakMap<Command, string>();

/**
 * Has addProjectOptions make its options only for the command `argv` names first (`kiln run
 * ...`): twenty commands' ~50 options each, commander objects all, cost the start several ms for
 * one command used. Every command gets them when options come before the command (their
 * arity is looked up across commands), for `kiln --help` and for `kiln help <command>`.
 */
export function optionsOnlyFor(program: Command, argv: readonly string[]): void {
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && first !== 'help') invokedBy.set(program, first);
}

/** Whether `cmd` (or the top-level command it is under) is the one invoked, or every command is built. */
function invoked(cmd: Command): boolean {
  let top = cmd;
  while (top.parent?.parent) top = top.parent;
  const name = top.parent ? invokedBy.get(top.parent) : undefined;
  return name === undefined || top.name() === name || top.aliases().includes(name);
}

export function addProjectOptions(cmd: Command, opts: { selection?: boolean; run?: boolean; defer?: boolean; resourceTypes?: boolean } = {}): Command {
  if (!invoked(cmd)) return cmd;
  cmd
    .option('--project-dir <dir>', 'the folder holding dbt_project.yml (default: the current folder)')
    .option('--profiles-dir <dir>', 'the folder holding profiles.yml (default: the project folder, then ~/.dbt)')
    .option('--target-path <dir>', 'the folder for compiled SQL and artifacts (default: DBT_TARGET_PATH, else target-path of dbt_project.yml, else target)')
    .option('-t, --target <name>', "the profile target to use (default: the profile's `target:`)")
    .option('--vars <yaml>', "variables for var(), as YAML or JSON: '{key: value}'")
    .option('--threads <n>', 'how many nodes to build at once (default: the target\'s threads)', positiveInt)
    .option('--profile <name>', 'the profiles.yml entry to use, over `profile:` of dbt_project.yml (also DBT_PROFILE)')
    .option('--partial-parse', 'reuse target/partial_parse.kiln for files that did not change (the default)')
    .option('--no-partial-parse', 'parse every file afresh instead of reusing target/partial_parse.kiln (also KILN_NO_PARTIAL_PARSE=1, DBT_PARTIAL_PARSE=false)');
  if (opts.selection) {
    cmd
      .option('-s, --select <spec...>', 'nodes to include: name, +name, name+, tag:x, path:dir, ... (space = union, comma = intersection)')
      .option('--exclude <spec...>', 'nodes to leave out (same syntax as --select)')
      .option('--selector <name>', 'use a named selection from selectors.yml instead of --select/--exclude')
      .addOption(new Option('--indirect-selection <mode>', 'which tests come along with the selected nodes: eager (any parent selected), cautious (all), buildable (all selected or upstream), empty (none)').choices(['eager', 'cautious', 'buildable', 'empty']))
      .option('--state <dir>', 'folder with the artifacts (manifest.json, run_results.json) of an earlier run, for state:modified and --defer (also DBT_STATE)');
  }
  if (opts.resourceTypes) {
    cmd
      // (values checked by narrowTypes, which also checks DBT_RESOURCE_TYPES: one message for both)
      .option('--resource-type <type...>', `only nodes of these types: ${DBT_RESOURCE_TYPES.join(', ')} (also --resource-types, DBT_RESOURCE_TYPES)`)
      .option('--exclude-resource-type <type...>', 'leave out nodes of these types (also --exclude-resource-types, DBT_EXCLUDE_RESOURCE_TYPES)')
      // dbt's plural spellings (commander has no option aliases): merged into the singular ones by main()
      .addOption(new Option('--resource-types <type...>').hideHelp())
      .addOption(new Option('--exclude-resource-types <type...>').hideHelp());
  }
  if (opts.defer) {
    cmd
      .option('--defer', 'resolve refs to unselected nodes that are not built here to their relation in the --state manifest (also DBT_DEFER)')
      .option('--no-defer', 'do not defer (over DBT_DEFER)')
      .option('--defer-state <dir>', 'the artifacts --defer reads, when they are not those of --state (also DBT_DEFER_STATE)')
      .option('--favor-state', 'with --defer: use the --state relation even when the node exists here')
      .option('--no-favor-state', 'with --defer: use this target\'s relation when the node exists here (the default)');
  }
  if (opts.run) {
    cmd
      .option('-f, --full-refresh', 'rebuild incremental models and seeds from scratch')
      .option('--empty', 'a schema-only dry run: every ref and source reads as zero rows, seeds are created without rows')
      .option('--no-empty', 'build with the data (the default; over DBT_EMPTY)')
      .option('-x, --fail-fast', 'stop the whole run at the first failure (also DBT_FAIL_FAST)')
      .option('--no-fail-fast', 'run everything that does not depend on a failure (the default)')
      .option('--store-failures', 'keep the failing rows of every test in a table (<schema>_dbt_test__audit)')
      .option('--junit-xml <path>', 'also write a JUnit XML report of the run, for CI systems')
      .option('--event-time-start <time>', 'microbatch models: build only batches from this time on (UTC: 2024-01-01 or 2024-01-01T10:00:00)', utcTime)
      .option('--event-time-end <time>', 'microbatch models: build only batches before this time (UTC)', utcTime)
      .option('--lock-timeout <seconds>', 'how long to wait for another run holding the target (PostgreSQL, Trino; default 600)', positiveInt);
  }
  addConsoleOptions(cmd)
    .option('--warn-error', "every warning is an error (the command stops, exit 2) and a test that warns fails; also DBT_WARN_ERROR")
    .option('--warn-error-options <yaml>', `which warnings are errors: '{"error": "all" | [names], "warn": [names], "silence": [names]}' with dbt's event names or kiln's codes (docs/errors.md); also DBT_WARN_ERROR_OPTIONS`)
    .option('--write-json', 'write the JSON artifacts (the default)')
    .option('--no-write-json', 'write no manifest.json, run_results.json, semantic_manifest.json, sources.json or catalog.json (also DBT_WRITE_JSON=false)')
    .option('--version-check', "fail when dbt_project.yml's require-dbt-version (or a package's) excludes the dbt version kiln follows (the default)")
    .option('--no-version-check', 'do not check require-dbt-version (also DBT_VERSION_CHECK=false)')
    .option('--print', 'show the output of {{ print() }} in templates, also with -q (the default)')
    .option('--no-print', 'drop the output of {{ print() }} (also DBT_PRINT=false)')
    .option('--print-timings', 'print the time spent in each phase (load, parse, graph, compile, write artifacts, execute); also KILN_PROFILE=1')
    .option('--log-path <dir>', 'also write every line, at debug level, to <dir>/dbt.log (also DBT_LOG_PATH; without it kiln writes no log file)')
    .addOption(new Option('--log-level-file <level>', 'the least severe lines in dbt.log of --log-path (default debug)').choices(LOG_LEVELS))
    .addOption(new Option('--log-format-file <format>', 'dbt.log of --log-path as text lines (default) or json').choices(LOG_FORMATS));
  for (const [flag, why] of DBT_NO_OPS) {
    const [name, arg] = flag.split(' ');
    if (arg) cmd.addOption(new Option(flag, `accepted for dbt; ${why}`).argParser(positiveInt).hideHelp());
    else cmd.addOption(new Option(`--${name}`, `accepted for dbt; ${why}`).hideHelp()).addOption(new Option(`--no-${name}`, `accepted for dbt; ${why}`).hideHelp());
  }
  return cmd.addHelpText('after', `\nAccepted for dbt and without effect in kiln, which has nothing they switch:\n  ${DBT_NO_OPS.map(([f]) => (f.includes(' ') ? f : `--[no-]${f}`)).join(', ')}`);
}

/** The console's options: every command has them (`kiln init` too). */
export function addConsoleOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--log-format <format>', "console output format: text or json (dbt's debug and default print as text; also DBT_LOG_FORMAT)").choices(LOG_FORMATS).default('text'))
    .option('--no-color', 'plain output without colours')
    .option('--use-colors', 'colour the output even when it is not a terminal (also DBT_USE_COLORS)')
    .option('--no-use-colors', 'plain output without colours (as --no-color)')
    .option('-q, --quiet', 'print only errors, and what the command is for (the list of ls, the rows of show); also DBT_QUIET')
    .option('--no-quiet', 'print everything (the default)')
    .addOption(new Option('--log-level <level>', 'the least severe lines printed: debug, info (default), warn, error or none (also DBT_LOG_LEVEL)').choices(LOG_LEVELS))
    .option('-d, --debug', 'show internal details (stack traces of kiln bugs); also DBT_DEBUG')
    .option('--no-debug', 'no internal details (the default)');
}

/**
 * How many compiled files `kiln compile` lays out by default. sql-formatter costs about 1.2 ms a
 * model, in the main thread: 500 models add ≈ 0.6 s, while 10,000 would add ≈ 12 s to a compile
 * that takes about one. Larger selections are written as rendered unless --format asks.
 */
export const FORMAT_LIMIT = 500;
