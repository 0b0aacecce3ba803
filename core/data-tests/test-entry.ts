// Reading one entry of a `data_tests:` / `tests:` list. dbt accepts several spellings:
//   - unique
//   - accepted_values: {values: [...], severity: warn}          (arguments beside configs)
//   - accepted_values: {arguments: {values: [...]}, config: {severity: warn}}   (dbt >= 1.10)
//   - dbt_utils.expression_is_true: {expression: ...}           (namespaced)
//   - {name: custom_name, test_name: not_null, ...}
import { Codes, KilnError, type SourceLocation } from '../errors.js';

/** Config keys a test entry may carry beside its arguments (older syntax). */
export const TEST_CONFIG_KEYS = new Set([
  'severity', 'warn_if', 'error_if', 'fail_calc', 'where', 'limit', 'store_failures', 'store_failures_as',
  'enabled', 'tags', 'meta', 'alias', 'schema', 'database', 'group',
]);

export interface TestEntry {
  readonly testName: string;
  readonly namespace: string | null;
  /** A name the user gave the test (`name:`), replacing the generated one. */
  readonly customName: string | null;
  readonly args: Record<string, unknown>;
  readonly config: Record<string, unknown>;
  /** The arguments were given under `arguments:` (dbt then lists a column test's column_name first among them). */
  readonly nested: boolean;
}

export function readTestEntry(entry: unknown, loc: SourceLocation): TestEntry {
  // Built field by field, without spreads or deletes: 30,000 entries in a large project, and
  // V8 copies a spread of a fresh object into a literal slowly.
  if (typeof entry === 'string') return entryOf(entry, null, {}, {}, false);
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new KilnError(Codes.CONFIG_INVALID, `A test entry must be a test name or a mapping, got ${describe(entry)}`, {
      loc,
      hint: 'Write `- unique` or `- accepted_values: {values: [a, b]}`.',
    });
  }
  const obj = entry as Record<string, unknown>;
  let testName: string;
  /** The entry's body; `skip` names a key of it that is not part of the body (`test_name`). */
  let body: Readonly<Record<string, unknown>>;
  let skip: string | null = null;
  if (typeof obj.test_name === 'string') {
    testName = obj.test_name;
    body = obj;
    skip = 'test_name';
  } else {
    const keys = Object.keys(obj);
    if (keys.length !== 1) {
      throw new KilnError(Codes.CONFIG_INVALID, `A test entry must have exactly one test name as its key, got ${keys.map((k) => `'${k}'`).join(', ')}`, {
        loc,
        hint: 'Indent the test arguments under the test name, or use `test_name:` with `name:`.',
      });
    }
    testName = keys[0]!;
    const value = obj[testName];
    if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
      throw new KilnError(Codes.CONFIG_INVALID, `The arguments of test '${testName}' must be a mapping, got ${describe(value)}`, { loc });
    }
    body = (value as Record<string, unknown> | null) ?? {};
  }
  const customName = typeof body.name === 'string' ? body.name : null;
  const config: Record<string, unknown> = {};
  const bodyConfig = body.config;
  if (bodyConfig && typeof bodyConfig === 'object' && !Array.isArray(bodyConfig)) Object.assign(config, bodyConfig);
  const bodyArgs = body.arguments;
  const argsKey = !!bodyArgs && typeof bodyArgs === 'object' && !Array.isArray(bodyArgs);
  const args: Record<string, unknown> = argsKey ? { ...(bodyArgs as Record<string, unknown>) } : {};
  for (const k of Object.keys(body)) {
    if (k === skip || k === 'name' || k === 'config' || (argsKey && k === 'arguments')) continue;
    // With `arguments:`, every other key is a config; without it, only the known config keys.
    if (argsKey || TEST_CONFIG_KEYS.has(k)) config[k] = body[k];
    else args[k] = body[k];
  }
  return entryOf(testName, customName, args, config, argsKey);
}

/** A TestEntry with the test's name split from its namespace. */
function entryOf(name: string, customName: string | null, args: Record<string, unknown>, config: Record<string, unknown>, nested: boolean): TestEntry {
  const dot = name.lastIndexOf('.');
  return dot < 0
    ? { testName: name, namespace: null, customName, args, config, nested }
    : { testName: name.slice(dot + 1), namespace: name.slice(0, dot), customName, args, config, nested };
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}
