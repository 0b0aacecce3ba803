// dbt's flags from the environment and from `flags:` of dbt_project.yml. dbt's order: the
// command line, then the environment (DBT_QUIET, DBT_LOG_LEVEL, ...), then the project's
// `flags:` block, then the default. Applied once per invocation, before the command runs.
import fs from 'node:fs';
import path from 'node:path';
import type { Command, Option } from 'commander';
import { Codes, KilnError } from '../errors.js';

type Kind = 'bool' | 'text' | 'int' | 'list' | 'yaml' | readonly string[];

interface FlagSource {
  /** The option's attribute name (commander's camelCase). */
  readonly key: string;
  /** dbt's environment variable. */
  readonly env: string;
  /** The key under `flags:` in dbt_project.yml, when dbt reads it there (dbt's ProjectFlags). */
  readonly project?: string;
  readonly kind: Kind;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'none'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json', 'debug', 'default'] as const;

/** dbt 1.11's names (dbt/cli/params.py and contracts/project.py ProjectFlags). */
export const FLAG_SOURCES: readonly FlagSource[] = [
  { key: 'projectDir', env: 'DBT_PROJECT_DIR', kind: 'text' },
  { key: 'profile', env: 'DBT_PROFILE', kind: 'text' },
  { key: 'quiet', env: 'DBT_QUIET', kind: 'bool' },
  { key: 'logLevel', env: 'DBT_LOG_LEVEL', project: 'log_level', kind: LOG_LEVELS },
  { key: 'logLevelFile', env: 'DBT_LOG_LEVEL_FILE', project: 'log_level_file', kind: LOG_LEVELS },
  { key: 'logFormat', env: 'DBT_LOG_FORMAT', project: 'log_format', kind: LOG_FORMATS },
  { key: 'logFormatFile', env: 'DBT_LOG_FORMAT_FILE', project: 'log_format_file', kind: LOG_FORMATS },
  { key: 'logPath', env: 'DBT_LOG_PATH', kind: 'text' },
  { key: 'useColors', env: 'DBT_USE_COLORS', project: 'use_colors', kind: 'bool' },
  { key: 'useColorsFile', env: 'DBT_USE_COLORS_FILE', project: 'use_colors_file', kind: 'bool' },
  { key: 'debug', env: 'DBT_DEBUG', project: 'debug', kind: 'bool' },
  { key: 'warnError', env: 'DBT_WARN_ERROR', project: 'warn_error', kind: 'bool' },
  { key: 'warnErrorOptions', env: 'DBT_WARN_ERROR_OPTIONS', project: 'warn_error_options', kind: 'yaml' },
  { key: 'failFast', env: 'DBT_FAIL_FAST', project: 'fail_fast', kind: 'bool' },
  { key: 'writeJson', env: 'DBT_WRITE_JSON', project: 'write_json', kind: 'bool' },
  { key: 'versionCheck', env: 'DBT_VERSION_CHECK', project: 'version_check', kind: 'bool' },
  // (partial parsing reads DBT_PARTIAL_PARSE and flags.partial_parse itself: core/parser/partial/settings.ts)
  { key: 'indirectSelection', env: 'DBT_INDIRECT_SELECTION', project: 'indirect_selection', kind: ['eager', 'cautious', 'buildable', 'empty'] },
  { key: 'state', env: 'DBT_STATE', kind: 'text' },
  { key: 'defer', env: 'DBT_DEFER', kind: 'bool' },
  { key: 'deferState', env: 'DBT_DEFER_STATE', kind: 'text' },
  { key: 'favorState', env: 'DBT_FAVOR_STATE', kind: 'bool' },
  { key: 'fullRefresh', env: 'DBT_FULL_REFRESH', kind: 'bool' },
  { key: 'empty', env: 'DBT_EMPTY', kind: 'bool' },
  { key: 'storeFailures', env: 'DBT_STORE_FAILURES', kind: 'bool' },
  { key: 'resourceType', env: 'DBT_RESOURCE_TYPES', kind: 'list' },
  { key: 'excludeResourceType', env: 'DBT_EXCLUDE_RESOURCE_TYPES', kind: 'list' },
  // Accepted so that a team's settings do not fail kiln; kiln has nothing they switch.
  { key: 'printerWidth', env: 'DBT_PRINTER_WIDTH', project: 'printer_width', kind: 'int' },
  { key: 'sendAnonymousUsageStats', env: 'DBT_SEND_ANONYMOUS_USAGE_STATS', project: 'send_anonymous_usage_stats', kind: 'bool' },
  { key: 'populateCache', env: 'DBT_POPULATE_CACHE', project: 'populate_cache', kind: 'bool' },
  { key: 'staticParser', env: 'DBT_STATIC_PARSER', project: 'static_parser', kind: 'bool' },
  { key: 'introspect', env: 'DBT_INTROSPECT', kind: 'bool' },
  { key: 'cacheSelectedOnly', env: 'DBT_CACHE_SELECTED_ONLY', project: 'cache_selected_only', kind: 'bool' },
  { key: 'useExperimentalParser', env: 'DBT_USE_EXPERIMENTAL_PARSER', project: 'use_experimental_parser', kind: 'bool' },
  { key: 'logCacheEvents', env: 'DBT_LOG_CACHE_EVENTS', kind: 'bool' },
  { key: 'print', env: 'DBT_PRINT', kind: 'bool' },
];

/** click's boolean words (dbt reads its environment with click). */
const TRUE_WORDS = new Set(['1', 'true', 't', 'yes', 'y', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'f', 'no', 'n', 'off']);

/**
 * Fills in, on `opts`, every option of `cmd` that the command line did not give from the
 * environment, else from `flags:` of the project file. Throws KLN601 for a bad environment value
 * and KLN103 for a bad project value.
 */
export async function applyFlagSources(cmd: Command, opts: Record<string, unknown>, cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const fromEnv = new Set<string>();
  const declared = new Map<string, Option>();
  for (const o of cmd.options as readonly Option[]) declared.set(o.attributeName(), o);
  const given = (key: string) => cmd.getOptionValueSource(key) === 'cli';
  for (const f of FLAG_SOURCES) {
    if (!declared.has(f.key) || given(f.key)) continue;
    const raw = env[f.env];
    // (click treats an empty variable as unset)
    if (raw === undefined || raw === '') continue;
    opts[f.key] = parseValue(f, raw, `environment variable ${f.env}`, Codes.USAGE);
    fromEnv.add(f.key);
  }
  if (!declared.has('projectDir')) return;
  const projectFlags = await readProjectFlags(path.resolve(cwd, (opts.projectDir as string | undefined) ?? '.'));
  for (const f of FLAG_SOURCES) {
    if (!f.project || !declared.has(f.key) || given(f.key) || fromEnv.has(f.key)) continue;
    const v = projectFlags[f.project];
    if (v === undefined || v === null) continue;
    opts[f.key] = parseValue(f, v, `flags.${f.project} in dbt_project.yml`, Codes.CONFIG_INVALID);
  }
}

function parseValue(f: FlagSource, value: unknown, where: string, code: string): unknown {
  const bad = (expected: string): never => {
    const loc = code === Codes.CONFIG_INVALID ? { loc: { file: 'dbt_project.yml' } } : {};
    throw new KilnError(code, `Invalid value for ${where}: ${JSON.stringify(value)}`, { ...loc, hint: `Expected ${expected}.` });
  };
  const text = typeof value === 'string' ? value.trim() : value;
  switch (f.kind) {
    case 'bool': {
      if (typeof text === 'boolean') return text;
      const w = String(text).toLowerCase();
      if (TRUE_WORDS.has(w)) return true;
      if (FALSE_WORDS.has(w)) return false;
      return bad('true or false (also 1/0, yes/no, on/off)');
    }
    case 'int': {
      const n = Number(text);
      return Number.isInteger(n) ? n : bad('a whole number');
    }
    case 'text':
      return typeof text === 'string' ? text : bad('a string');
    case 'list':
      return typeof text === 'string' ? text.split(/[\s,]+/).filter(Boolean) : Array.isArray(text) ? text.map(String) : bad('names separated by spaces');
    case 'yaml':
      // Parsed where it is used (core/cli/warn-error.ts), with the command line's value.
      return value;
    default: {
      const choices = f.kind as readonly string[];
      return typeof text === 'string' && choices.includes(text) ? text : bad(`one of ${choices.join(', ')}`);
    }
  }
}

/**
 * `flags:` of dbt_project.yml, read ahead of the project (the console's settings are known before
 * anything is printed). Only a file with a top-level `flags:` key is parsed here; a file that
 * does not load reports its errors when the project is loaded.
 */
async function readProjectFlags(root: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, 'dbt_project.yml'), 'utf8');
  } catch {
    return {};
  }
  if (!/^flags\s*:/m.test(text)) return {};
  try {
    // (the YAML parser is loaded only for a project that has flags)
    const doc = (await import('yaml')).parse(text) as Record<string, unknown> | null;
    const flags = doc?.flags;
    return flags && typeof flags === 'object' && !Array.isArray(flags) ? (flags as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
