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
}

export function readTestEntry(entry: unknown, loc: SourceLocation): TestEntry {
  if (typeof entry === 'string') return { ...splitName(entry), customName: null, args: {}, config: {} };
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new KilnError(Codes.CONFIG_INVALID, `A test entry must be a test name or a mapping, got ${describe(entry)}`, {
      loc,
      hint: 'Write `- unique` or `- accepted_values: {values: [a, b]}`.',
    });
  }
  const obj = entry as Record<string, unknown>;
  let testName: string;
  let body: Record<string, unknown>;
  if (typeof obj.test_name === 'string') {
    testName = obj.test_name;
    const { test_name: _ignored, ...rest } = obj;
    body = rest;
  } else {
    const keys = Object.keys(obj);
    if (keys.length !== 1) {
      throw new KilnError(Codes.CONFIG_INVALID, `A test entry must have exactly one test name as its key, got ${keys.map((k) => `'${k}'`).join(', ')}`, {
        loc,
        hint: 'Indent the test arguments under the test name, or use `test_name:` with `name:`.',
      });
    }
    testName = keys[0];
    const value = obj[testName];
    if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
      throw new KilnError(Codes.CONFIG_INVALID, `The arguments of test '${testName}' must be a mapping, got ${describe(value)}`, { loc });
    }
    body = { ...((value as Record<string, unknown> | null) ?? {}) };
  }
  const customName = typeof body.name === 'string' ? body.name : null;
  delete body.name;
  const config: Record<string, unknown> = {};
  if (body.config && typeof body.config === 'object' && !Array.isArray(body.config)) Object.assign(config, body.config);
  delete body.config;
  let args: Record<string, unknown>;
  if (body.arguments && typeof body.arguments === 'object' && !Array.isArray(body.arguments)) {
    args = { ...(body.arguments as Record<string, unknown>) };
    delete body.arguments;
    for (const [k, v] of Object.entries(body)) config[k] = v;
  } else {
    args = {};
    for (const [k, v] of Object.entries(body)) {
      if (TEST_CONFIG_KEYS.has(k)) config[k] = v;
      else args[k] = v;
    }
  }
  return { ...splitName(testName), customName, args, config };
}

function splitName(name: string): { testName: string; namespace: string | null } {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return { testName: name, namespace: null };
  return { testName: name.slice(dot + 1), namespace: name.slice(0, dot) };
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}
