// Checking one YAML value against a shape (see shape.ts: answered by hand when the value is valid,
// else by its zod schema) and turning zod's first issue into the parts of a "`key.sub` must be
// X, got Y" message. Rendered Jinja text is converted back to native values where the schema
// wants one (dbt renders YAML natively: "{{ var('on', true) }}" is a boolean).
import type { z } from 'zod';
import type { Shape } from './shape.js';
import { yamlLib } from '../yaml-lib.js';
import { isNullText, parseBool, parseNumber } from './render.js';
import { closestMatch, hasJinja } from './values.js';

export type CheckResult =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      /** Where inside the value the problem is ([] = the value itself). */
      readonly subPath: readonly (string | number)[];
      readonly expected: string;
      readonly got: unknown;
      readonly hint?: string;
    };

/**
 * `expected` describes the whole value ("a string or a list of strings"); problems deeper in
 * the value are described from the issue. Unrendered Jinja strings pass unchecked.
 */
export function checkValue(shape: Shape, expected: string, value: unknown): CheckResult {
  if (typeof value === 'string' && hasJinja(value)) return { ok: true, value };
  const valid = shape.take(value);
  if (valid) return { ok: true, value: valid.value };
  const schema = shape.zod();
  const first = schema.safeParse(value);
  if (first.success) return { ok: true, value: first.data };
  const issue = first.error.issues.find((i) => !isJinjaAt(value, i.path));
  if (!issue) return { ok: true, value };
  const coerced = coerceStrings(schema, value, first.error.issues);
  if (coerced.ok) return coerced;
  return describeIssue(expected, value, issue);
}

/**
 * Replaces rendered strings by their native meaning wherever the schema rejects them (at the
 * top or nested, as dbt renders each value natively), one failing place at a time.
 */
function coerceStrings(schema: z.ZodType, value: unknown, issues: readonly z.core.$ZodIssue[]): CheckResult {
  let current = value;
  let pending = issues;
  for (let round = 0; round < 50; round++) {
    const issue = pending.find((i) => !isJinjaAt(current, i.path));
    if (!issue) return { ok: true, value: current };
    const p = issue.path.filter((x): x is string | number => typeof x !== 'symbol');
    const leaf = valueAt(current, p);
    if (typeof leaf !== 'string') return { ok: false, subPath: [], expected: '', got: undefined };
    let fixed = false;
    for (const candidate of nativeCandidates(leaf)) {
      const next = replaceAt(current, p, candidate);
      const r = schema.safeParse(next);
      if (r.success) return { ok: true, value: r.data };
      if (!r.error.issues.some((i) => samePath(i.path, p))) {
        current = next;
        pending = r.error.issues;
        fixed = true;
        break;
      }
    }
    if (!fixed) return { ok: false, subPath: [], expected: '', got: undefined };
  }
  return { ok: false, subPath: [], expected: '', got: undefined };
}

function samePath(a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A copy of `value` with the leaf at `path` replaced (containers on the way are copied). */
function replaceAt(value: unknown, path: readonly (string | number)[], leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = value.slice();
    copy[head as number] = replaceAt(copy[head as number], rest, leaf);
    return copy;
  }
  const obj = value as Record<string, unknown>;
  return { ...obj, [head as string]: replaceAt(obj[head as string], rest, leaf) };
}

/** What a rendered string could natively mean: boolean, number, null, list/dict literal. */
export function nativeCandidates(s: string): unknown[] {
  const out: unknown[] = [];
  const b = parseBool(s);
  if (b !== undefined) out.push(b);
  const n = parseNumber(s);
  if (n !== undefined) out.push(n);
  if (isNullText(s)) out.push(null);
  const t = s.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    try {
      out.push(yamlLib().parse(t));
    } catch {
      // not a list/dict literal: leave it a string
    }
  }
  return out;
}

export function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = value;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function isJinjaAt(value: unknown, path: readonly PropertyKey[]): boolean {
  const v = valueAt(value, path);
  return typeof v === 'string' && hasJinja(v);
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  boolean: 'true or false',
  number: 'a number',
  int: 'a whole number',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function describeIssue(expected: string, value: unknown, issue: z.core.$ZodIssue): CheckResult {
  const subPath = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const got = valueAt(value, subPath);
  if (subPath.length === 0) {
    const hint = issue.code === 'invalid_value' && typeof got === 'string' ? suggestValue(got, issue.values) : undefined;
    return { ok: false, subPath, expected, got, hint };
  }
  let inner = 'a valid value';
  if (issue.code === 'invalid_type') inner = TYPE_WORDS[issue.expected] ?? `a ${issue.expected}`;
  else if (issue.code === 'invalid_value') inner = `one of ${issue.values.map(String).join(', ')}`;
  else if (issue.code === 'too_small' || issue.code === 'too_big') inner = expected;
  const hint = issue.code === 'invalid_value' && typeof got === 'string' ? suggestValue(got, issue.values) : undefined;
  return { ok: false, subPath, expected: inner, got, hint };
}

function suggestValue(got: string, values: readonly unknown[]): string | undefined {
  const s = closestMatch(got, values.map(String));
  return s ? `did you mean \`${s}\`?` : undefined;
}
