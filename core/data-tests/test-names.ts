// dbt's generated names for generic tests, so `-s not_null_orders_id` keeps working:
// `<test>_<model>_<arg values>`, or a truncated prefix plus an md5 when 64 characters or longer.
// crypto.hash: one call, no Hash object per name (30,000 tests in a large project).
import { hash } from 'node:crypto';
import { isWholeFloat } from '../project/yaml-floats.js';
import { PyFloat } from '../template/values.js';

export function genericTestName(testName: string, namespace: string | null, target: string, args: Readonly<Record<string, unknown>>): { name: string; fullName: string } {
  // The argument values' str(), each cleaned, joined by `__`: written out directly (no arrays
  // or closures per test).
  let unique: string | null = null;
  for (const key of sortedInPlace(Object.keys(args))) {
    if (key === 'model') continue;
    const v = args[key];
    if (Array.isArray(v)) for (const p of v) unique = joined(unique, p);
    else if (v && typeof v === 'object' && !isWholeFloat(v)) for (const p of Object.values(v)) unique = joined(unique, p);
    else unique = joined(unique, v);
  }
  const identifier = `${namespace ? `${namespace.replace(/\./g, '_')}_` : ''}${testName}_${target}`;
  const fullName = `${identifier}_${unique ?? ''}`;
  if (fullName.length >= 64) {
    return { name: `${identifier.slice(0, 30)}_${hash('md5', fullName, 'hex')}`, fullName };
  }
  return { name: fullName, fullName };
}

/** A character a name's argument part replaces (runs of them become one `_`). */
const NOT_NAME_CHAR = /[^0-9a-zA-Z_]/;
const NOT_NAME_CHARS = /[^0-9a-zA-Z_]+/g;

/** `soFar` and the cleaned str() of one argument value, joined by `__` (most values, column names, need no cleaning). */
function joined(soFar: string | null, value: unknown): string {
  const s = pyStr(value);
  const a = NOT_NAME_CHAR.test(s) ? s.replace(NOT_NAME_CHARS, '_') : s;
  return soFar === null ? a : `${soFar}__${a}`;
}

/**
 * dbt's unique_id of a generic test: `test.<project>.<name>.<hash>`, where the hash is the last ten
 * hex digits of md5(name + repr(test_metadata)), the metadata made hashable as dbt does (keys
 * sorted, scalars as Python str()) and its kwargs holding the `model` argument as dbt writes it.
 * Equal ids for the same test, so manifests and state comparisons line up with dbt's.
 */
export function testUniqueId(projectName: string, name: string, metadata: TestMetadata, modelArg: string): string {
  return `test.${projectName}.${name}.${testIdHash(name, metadata, modelArg)}`;
}

/** What a test's unique_id hashes (dbt's test_metadata). */
export interface TestMetadata {
  readonly name: string;
  readonly namespace: string | null;
  readonly kwargs: Readonly<Record<string, unknown>>;
}

/** The hash that ends a test's unique_id (testUniqueId): ten hex digits. */
export function testIdHash(name: string, metadata: TestMetadata, modelArg: string): string {
  // repr({'kwargs': {**kwargs, 'model': modelArg}, 'name': ..., 'namespace': ...}) written out
  // directly (the outer keys in sorted order): no copy of kwargs per test.
  const keys = Object.keys(metadata.kwargs);
  if (!keys.includes('model')) keys.push('model');
  sortedInPlace(keys);
  let kwargs = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    kwargs += `${i ? ', ' : ''}${pyStrRepr(k)}: ${k === 'model' ? modelRepr(modelArg) : pyRepr(metadata.kwargs[k])}`;
  }
  const repr = `{'kwargs': ${kwargs}}, 'name': ${pyRepr(metadata.name)}, 'namespace': ${pyRepr(metadata.namespace)}}`;
  return hash('md5', name + repr, 'hex').slice(-10);
}

/** The last `model` argument's repr: a node's tests, built one after the other, share it (and it has quotes to escape). */
let lastModelArg: string | undefined;
let lastModelRepr = '';

function modelRepr(modelArg: string): string {
  if (modelArg !== lastModelArg) {
    lastModelRepr = pyRepr(modelArg);
    lastModelArg = modelArg;
  }
  return lastModelRepr;
}

/** The `model` kwarg dbt records for a generic test on a model/seed/snapshot or a source table. */
export function modelArgument(target: { kind: string; name: string; sourceName?: string; version?: string | number }): string {
  if (target.kind === 'source') return `{{ get_where_subquery(source('${target.sourceName}', '${target.name}')) }}`;
  // A version is written as a string, whatever its YAML type.
  return target.version !== undefined ? `{{ get_where_subquery(ref('${target.name}', version='${target.version}')) }}` : `{{ get_where_subquery(ref('${target.name}')) }}`;
}

/**
 * `keys.sort()` for the few keys of a test's arguments: an insertion sort, comparing code units
 * as sort() does. Array.prototype.sort set up a work area on each of the 60,000 calls of a
 * large project's parse (a quarter of what building the tests allocated).
 */
function sortedInPlace(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

/** Python's repr() of dbt's hashable form: dicts with sorted keys, lists, everything else str(). */
function pyRepr(v: unknown): string {
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ', ' : '') + pyRepr(v[i]);
    return `${out}]`;
  }
  if (v && typeof v === 'object' && !isWholeFloat(v)) {
    const o = v as Record<string, unknown>;
    const keys = sortedInPlace(Object.keys(o));
    let out = '{';
    for (let i = 0; i < keys.length; i++) out += `${i ? ', ' : ''}${pyStrRepr(keys[i]!)}: ${pyRepr(o[keys[i]!])}`;
    return `${out}}`;
  }
  return pyStrRepr(pyStr(v));
}

/** Characters pyStrRepr must look at one by one: quotes, backslash, control characters. */
const NEEDS_ESCAPE = /['"\\\x00-\x1f\x7f]/;

const BACKSLASH_OR_CONTROL = /[\\\x00-\x1f\x7f]/;

/** Python's repr() of a str: single quotes unless the text has ' and no ", backslash escapes. */
function pyStrRepr(s: string): string {
  // Names, columns and most argument values need no escape: quoted as they are.
  if (!NEEDS_ESCAPE.test(s)) return `'${s}'`;
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  // Quotes but no backslash or control character (a ref in a test's model argument): only the
  // quote character itself is escaped.
  if (!BACKSLASH_OR_CONTROL.test(s)) return quote + (quote === "'" ? s.replaceAll("'", "\\'") : s) + quote;
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return quote + out + quote;
}

/** Python's str() of a YAML value, which is what dbt's names are built from. */
function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  // A whole-number float written `1.0` in YAML (yaml-floats.ts): Python prints `1.0`.
  if (isWholeFloat(v)) return String(new PyFloat(v.valueOf()));
  return String(v);
}
