// --warn-error and --warn-error-options: which warnings become errors (the command stops, exit 2),
// which stay warnings and which are not printed. dbt names its warnings by event name
// (NoNodesForSelectionCriteria, ...); kiln's warnings carry KLN codes. Both are accepted: each kiln
// code with a dbt counterpart is listed once, below.
import { parse as parseYaml } from 'yaml';
import { Codes, KilnError } from '../errors.js';
import { DBT_EVENT_NAMES } from './dbt-event-names.js';

/** kiln's warning codes and the dbt 1.11 events they stand for. */
export const DBT_EVENT_OF_CODE: Readonly<Record<string, readonly string[]>> = {
  [Codes.SELECTION_EMPTY]: ['NoNodesForSelectionCriteria'],
  [Codes.REF_DEPRECATED]: ['DeprecatedReference'],
  [Codes.CONSTRAINT_NOT_ENFORCED]: ['ConstraintNotEnforced'],
  [Codes.MACRO_UNKNOWN]: ['MacroNotFoundForPatch'],
  // an unknown key in dbt_project.yml or a property file: dbt 1.11's deprecations for custom keys
  [Codes.CONFIG_UNKNOWN_KEY]: ['CustomKeyInConfigDeprecation', 'CustomKeyInObjectDeprecation', 'CustomTopLevelKeyDeprecation'],
};

/** A test that warns (dbt's LogTestResult): an error makes it fail. */
export const TEST_WARNING = 'LogTestResult';

/** dbt's deprecation events among them (dbt's `Deprecations` group). */
const DEPRECATIONS = new Set(['DeprecatedReference', 'CustomKeyInConfigDeprecation', 'CustomKeyInObjectDeprecation', 'CustomTopLevelKeyDeprecation']);

export type WarningOutcome = 'error' | 'warn' | 'silence';

export interface WarnPolicy {
  /** What a kiln warning (by its KLN code) or a dbt event name becomes. */
  outcome(codeOrEvent: string): WarningOutcome;
  /** Whether a test that warns fails instead. */
  readonly testsFail: boolean;
}

/** Everything a warning: no --warn-error, no options. */
export const NO_POLICY: WarnPolicy = { outcome: () => 'warn', testsFail: false };

interface Options {
  readonly error: 'all' | readonly string[];
  readonly warn: readonly string[];
  readonly silence: readonly string[];
}

/**
 * The policy of --warn-error (every warning an error) or --warn-error-options (YAML text from the
 * command line or the environment, or the mapping of `flags:`). dbt refuses both at once.
 */
export function warnPolicy(warnError: boolean | undefined, options: unknown): WarnPolicy {
  const parsed = options === undefined || options === null || options === '' ? null : parseOptions(options);
  if (warnError && parsed) {
    throw new KilnError(Codes.USAGE, '--warn-error-options is not allowed with --warn-error', { hint: 'Use one: --warn-error makes every warning an error, as --warn-error-options \'{"error": "all"}\' does.' });
  }
  const o: Options | null = warnError ? { error: 'all', warn: [], silence: [] } : parsed;
  if (!o) return NO_POLICY;
  const outcome = (name: string): WarningOutcome => {
    const names = [name, ...(DBT_EVENT_OF_CODE[name] ?? [])];
    const named = (list: readonly string[]) => names.some((n) => list.includes(n));
    const deprecation = names.some((n) => DEPRECATIONS.has(n));
    // dbt's order: a name before the Deprecations group before all/*; silence before warn before error.
    if (named(o.silence)) return 'silence';
    if (named(o.warn)) return 'warn';
    if (o.error !== 'all' && named(o.error)) return 'error';
    if (deprecation && o.silence.includes('Deprecations')) return 'silence';
    if (deprecation && o.warn.includes('Deprecations')) return 'warn';
    if (deprecation && o.error !== 'all' && o.error.includes('Deprecations')) return 'error';
    return o.error === 'all' ? 'error' : 'warn';
  };
  return { outcome, testsFail: outcome(TEST_WARNING) === 'error' };
}

function parseOptions(value: unknown): Options {
  const bad = (message: string): never => {
    throw new KilnError(Codes.USAGE, `Invalid --warn-error-options: ${message}`, {
      hint: `Give a YAML mapping such as '{"error": "all", "warn": ["NoNodesForSelectionCriteria"]}' or '{"error": ["${Codes.SELECTION_EMPTY}"]}'; names are dbt's event names or kiln's KLN codes.`,
    });
  };
  let raw = value;
  if (typeof value === 'string') {
    try {
      raw = parseYaml(value);
    } catch (e) {
      bad(`not YAML (${(e as Error).message.split('\n')[0]})`);
    }
  }
  if (raw === null || raw === undefined) return { error: [], warn: [], silence: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) return bad('expected a mapping with the keys error, warn and silence');
  const m = raw as Record<string, unknown>;
  for (const key of Object.keys(m)) if (!['error', 'warn', 'silence', 'include', 'exclude'].includes(key)) bad(`unknown key '${key}' (expected error, warn, silence)`);
  // dbt's older names: include = error, exclude = warn (not both spellings at once).
  if (m.include !== undefined && m.error !== undefined) bad("'include' and 'error' both given: they are one setting (use 'error')");
  if (m.exclude !== undefined && m.warn !== undefined) bad("'exclude' and 'warn' both given: they are one setting (use 'warn')");
  const list = (key: string, v: unknown): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return bad(`'${key}' must be a list of names`);
    // dbt refuses a name that is not one of its events; kiln takes its own codes as well.
    for (const n of v as string[]) if (!DBT_EVENT_NAMES.has(n) && n !== 'Deprecations' && !/^KLN\d{3}$/.test(n)) bad(`'${n}' is not a dbt event name (nor a KLN code)`);
    return v as string[];
  };
  const errorRaw = m.error ?? m.include;
  const error: 'all' | string[] = errorRaw === 'all' || errorRaw === '*' ? 'all' : typeof errorRaw === 'string' ? bad(`'error' must be "all", "*" or a list of names`) : list('error', errorRaw);
  const warn = list('warn', m.warn ?? m.exclude);
  const silence = list('silence', m.silence);
  // dbt: `warn` only narrows an error: it needs error all/* or Deprecations in error or silence.
  if (warn.length && !(error === 'all' || error.includes('Deprecations') || silence.includes('Deprecations'))) {
    bad('\'warn\' can only be given when \'error\' is "all" or "*" (or Deprecations is in error or silence)');
  }
  return { error, warn, silence };
}
