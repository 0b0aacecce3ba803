// The options that change only what is printed or logged, never what a command writes to
// target/ or the warehouse: the warm compile record (core/parser/partial/compile-state.ts)
// leaves them out of its key, so `kiln compile -q` after `kiln compile` reuses its outputs.

/**
 * dbt's flags that switch something kiln does not have, accepted so that a dbt command line runs
 * (each as --name and --no-name unless it takes a value), kept out of --help's option list.
 */
export const DBT_NO_OPS: readonly (readonly [flag: string, why: string])[] = [
  ['use-colors-file', 'dbt.log is written without colours'],
  ['--printer-width <n>', 'kiln lines are 80 columns'],
  ['send-anonymous-usage-stats', 'kiln sends nothing anywhere'],
  ['populate-cache', 'kiln looks relations up as it needs them'],
  ['cache-selected-only', 'kiln looks relations up as it needs them'],
  ['static-parser', 'kiln always uses its static path for simple templates'],
  ['use-experimental-parser', 'kiln has one parser'],
  ['introspect', 'kiln compiles introspective queries when they run'],
  ['log-cache-events', 'kiln has no relation cache events'],
  ['show-all-deprecations', 'kiln prints each warning it has'],
];

/** An option's attribute name as commander makes it (`--printer-width <n>` → printerWidth). */
function attributeName(flag: string): string {
  return flag.replace(/^--/, '').split(' ')[0].replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Attribute names of the console-only options. `print` is here because a template calling
 * print() is never recorded; `warnings`, `timings` and `parseState` are set by kiln itself.
 */
export const CONSOLE_ONLY_OPTIONS: ReadonlySet<string> = new Set([
  'logFormat', 'color', 'useColors', 'quiet', 'logLevel', 'debug', 'printTimings', 'print',
  'logPath', 'logLevelFile', 'logFormatFile',
  'warnings', 'timings', 'parseState',
  ...DBT_NO_OPS.map(([flag]) => attributeName(flag)),
]);
