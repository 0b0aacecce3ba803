// Jinja's `is` tests (`x is none`, `x is in [...]`, `selectattr('a', 'equalto', 1)`).
// The compiled template compares a test's result with `=== true`, so every test returns a boolean.
import { SafeString } from './nunjucks-internals.js';
import { PyFloat, asString, contains, eq, isFloat, isMapping, isMappingLike, isPlainObject } from './values.js';

export type JinjaTest = (value: unknown, ...args: unknown[]) => boolean;

const num = (v: unknown): number => Number(v);

export const JINJA_TESTS: Record<string, JinjaTest> = {
  defined: (v) => v !== undefined,
  undefined: (v) => v === undefined,
  none: (v) => v === null,
  boolean: (v) => typeof v === 'boolean',
  true: (v) => v === true,
  false: (v) => v === false,
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => isFloat(v),
  // Python bools are numbers too
  number: (v) => typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v instanceof PyFloat,
  string: (v) => typeof v === 'string' || v instanceof SafeString,
  mapping: (v) => isMappingLike(v),
  iterable: (v) =>
    asString(v) !== null || Array.isArray(v) || (typeof v === 'object' && v !== null && (isPlainObject(v) || Symbol.iterator in v)),
  // Jinja: anything with len() and __getitem__ (strings, lists, dicts)
  sequence: (v) => asString(v) !== null || Array.isArray(v) || isMapping(v),
  list: (v) => Array.isArray(v),
  callable: (v) => typeof v === 'function',
  sameas: (v, other) => v === other,
  escaped: (v) => v instanceof SafeString,
  in: (v, container) => contains(container, v),
  eq: (v, other) => eq(v, other),
  ne: (v, other) => !eq(v, other),
  lt: (v, other) => (v as number) < (other as number),
  le: (v, other) => (v as number) <= (other as number),
  gt: (v, other) => (v as number) > (other as number),
  ge: (v, other) => (v as number) >= (other as number),
  even: (v) => num(v) % 2 === 0,
  odd: (v) => Math.abs(num(v) % 2) === 1,
  divisibleby: (v, n) => num(v) % num(n) === 0,
  lower: (v) => {
    const s = asString(v);
    return s !== null && s === s.toLowerCase();
  },
  upper: (v) => {
    const s = asString(v);
    return s !== null && s === s.toUpperCase();
  },
};

const ALIASES: Record<string, string> = {
  equalto: 'eq',
  '==': 'eq',
  '!=': 'ne',
  lessthan: 'lt',
  '<': 'lt',
  '<=': 'le',
  greaterthan: 'gt',
  '>': 'gt',
  '>=': 'ge',
};
for (const [alias, name] of Object.entries(ALIASES)) JINJA_TESTS[alias] = JINJA_TESTS[name];
