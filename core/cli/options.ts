// The options every project command takes, declared once and attached to each command.
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseUtc } from '../materializations/incremental-config.js';
import type { BatchResults } from '../runner/results.js';
import type { Timings } from './timings.js';
import type { PartialParseState } from '../parser/partial/state.js';

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

export function addProjectOptions(cmd: Command, opts: { selection?: boolean; run?: boolean; defer?: boolean } = {}): Command {
  cmd
    .option('--project-dir <dir>', 'the folder holding dbt_project.yml (default: the current folder)')
    .option('--profiles-dir <dir>', 'the folder holding profiles.yml (default: the project folder, then ~/.dbt)')
    .option('--target-path <dir>', 'the folder for compiled SQL and artifacts (default: DBT_TARGET_PATH, else target-path of dbt_project.yml, else target)')
    .option('-t, --target <name>', "the profile target to use (default: the profile's `target:`)")
    .option('--vars <yaml>', "variables for var(), as YAML or JSON: '{key: value}'")
    .option('--threads <n>', 'how many nodes to build at once (default: the target\'s threads)', positiveInt)
    .option('--no-partial-parse', 'parse every file afresh instead of reusing target/partial_parse.kiln (also KILN_NO_PARTIAL_PARSE=1)');
  if (opts.selection) {
    cmd
      .option('-s, --select <spec...>', 'nodes to include: name, +name, name+, tag:x, path:dir, ... (space = union, comma = intersection)')
      .option('--exclude <spec...>', 'nodes to leave out (same syntax as --select)')
      .option('--selector <name>', 'use a named selection from selectors.yml instead of --select/--exclude')
      .addOption(new Option('--indirect-selection <mode>', 'which tests come along with the selected nodes: eager (any parent selected), cautious (all), buildable (all selected or upstream), empty (none)').choices(['eager', 'cautious', 'buildable', 'empty']))
      .option('--state <dir>', 'folder with the artifacts (manifest.json, run_results.json) of an earlier run, for state:modified and --defer');
  }
  if (opts.defer) {
    cmd
      .option('--defer', 'resolve refs to unselected nodes that are not built here to their relation in the --state manifest')
      .option('--favor-state', 'with --defer: use the --state relation even when the node exists here');
  }
  if (opts.run) {
    cmd
      .option('--full-refresh', 'rebuild incremental models and seeds from scratch')
      .option('--empty', 'a schema-only dry run: every ref and source reads as zero rows, seeds are created without rows')
      .option('-x, --fail-fast', 'stop the whole run at the first failure')
      .option('--warn-error', 'treat test warnings as failures')
      .option('--store-failures', 'keep the failing rows of every test in a table (<schema>_dbt_test__audit)')
      .option('--junit-xml <path>', 'also write a JUnit XML report of the run, for CI systems')
      .option('--event-time-start <time>', 'microbatch models: build only batches from this time on (UTC: 2024-01-01 or 2024-01-01T10:00:00)', utcTime)
      .option('--event-time-end <time>', 'microbatch models: build only batches before this time (UTC)', utcTime)
      .option('--lock-timeout <seconds>', 'how long to wait for another run holding the target (PostgreSQL, Trino; default 600)', positiveInt);
  }
  cmd
    .addOption(new Option('--log-format <format>', 'console output format').choices(['text', 'json']).default('text'))
    .option('--no-color', 'plain output without colours')
    .option('--debug', 'show internal details (stack traces of kiln bugs)')
    .option('--print-timings', 'print the time spent in each phase (load, parse, graph, compile, write artifacts, execute); also KILN_PROFILE=1');
  return cmd;
}

/**
 * How many compiled files `kiln compile` lays out by default. sql-formatter costs about 1.2 ms a
 * model, in the main thread: 500 models add ≈ 0.6 s, while 10,000 would add ≈ 12 s to a compile
 * that takes about one. Larger selections are written as rendered unless --format asks.
 */
export const FORMAT_LIMIT = 500;
