// Python/Jinja value semantics for JS values: str(), repr(), truthiness, equality, `in`,
// arithmetic and keyword-argument handling. Templates are compiled to call these, so they
// stay small and branch on the common case first.
import { SafeString } from './nunjucks-internals.js';

export type Dict = Record<string, unknown>;

// ---------------------------------------------------------------- tuples and floats

/** Marks an array as a Python tuple: it prints `(1, 2)` (SQL `in (...)` lists rely on it) and equals only tuples. */
export const TUPLE = Symbol('kiln.tuple');

export function tuple<T>(items: T[]): T[] {
  Object.defineProperty(items, TUPLE, { value: true, enumerable: false });
  return items;
}

export function isTuple(v: unknown): boolean {
  return Array.isArray(v) && (v as unknown as Record<symbol, unknown>)[TUPLE] === true;
}

/**
 * A float whose value is a whole number (`2.0`, `6 / 3`). JS numbers cannot tell 2 from 2.0;
 * Python prints them differently and SQL divides them differently (`5 / {{ 4 / 2 }}`), so
 * integral floats are kept in this box. Other floats are plain numbers (never integral).
 */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return floatRepr(this.value);
  }
  toJSON(): number {
    return this.value;
  }
}

/** A float result: boxed when it is a whole number. */
export function pyFloat(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

/** Whether a value is a Python float (a boxed integral float or a non-integral number). */
export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

/** A float's or int's JS number (unboxed). */
export function toNumber(v: unknown): number {
  return v instanceof PyFloat ? v.value : (v as number);
}

function floatRepr(n: number): string {
  if (!Number.isFinite(n)) return pyNumber(n);
  if (Math.abs(n) >= 1e16) return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return Object.is(n, -0) ? '-0.0' : `${n}.0`;
}

/** Values leaving templates for TS code: floats unboxed, deeply (tuples stay arrays). */
export function plainValue(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const x = plainValue(v[i]);
      if (x !== v[i]) (out ??= v.slice())[i] = x;
    }
    return out ?? v;
  }
  if (isPlainObject(v)) {
    let out: Dict | null = null;
    for (const k of Object.keys(v)) {
      const x = plainValue(v[k]);
      if (x !== v[k]) (out ??= { ...v })[k] = x;
    }
    if (out && isKwargs(v)) Object.defineProperty(out, KEYWORDS, { value: true, enumerable: false });
    return out ?? v;
  }
  return v;
}

/** nunjucks marks keyword arguments with this own property on a trailing object. */
export const KEYWORDS = '__keywords';

export function isKwargs(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && Object.prototype.hasOwnProperty.call(v, KEYWORDS);
}

/** Marks an object as keyword arguments, for calling macros/functions from TS with kwargs. */
export function kwargs(obj: Dict): Dict {
  return Object.defineProperty({ ...obj }, KEYWORDS, { value: true, enumerable: false });
}

/** nunjucks passes keyword args as a trailing object {..., __keywords: true}. Split them. */
export function splitArgs(args: unknown[]): { positional: unknown[]; kwargs: Dict } {
  const n = args.length;
  if (n > 0) {
    const last = args[n - 1];
    if (isKwargs(last)) {
      const kw: Dict = {};
      for (const k of Object.keys(last)) if (k !== KEYWORDS) kw[k] = last[k];
      return { positional: args.slice(0, n - 1), kwargs: kw };
    }
  }
  return { positional: args, kwargs: {} };
}

/**
 * Binds call arguments to Python-style parameters (positional first, then by name).
 * Unknown keywords are an error, as in Python.
 */
export function bindParams(fnName: string, args: unknown[], params: readonly string[]): unknown[] {
  const { positional, kwargs: kw } = splitArgs(args);
  if (positional.length > params.length) {
    throw new TypeError(`${fnName}() takes at most ${params.length} argument(s) (${positional.length} given)`);
  }
  const out = positional.slice();
  // no holes: callers map/destructure the result
  while (out.length < params.length) out.push(undefined);
  for (const k of Object.keys(kw)) {
    const i = params.indexOf(k);
    if (i < 0) throw new TypeError(`${fnName}() got an unexpected keyword argument '${k}'`);
    out[i] = kw[k];
  }
  return out;
}

export function isSafeString(v: unknown): boolean {
  return v instanceof SafeString;
}

/** A JS string for string-like values (str and nunjucks SafeString), else null. */
export function asString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof SafeString) return String(v);
  return null;
}

export function isPlainObject(v: unknown): v is Dict {
  if (typeof v !== 'object' || v === null) return false;
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Python mappings: plain objects and Maps. */
export function isMapping(v: unknown): boolean {
  return isPlainObject(v) || v instanceof Map;
}

/**
 * Marks a class whose instances Python code treats as a Mapping (`x is mapping`) though they are
 * objects with attributes of their own, not dicts (dbt's relations).
 */
export const PY_MAPPING: unique symbol = Symbol('kiln.pyMapping');

/** `x is mapping`: dicts, and instances of classes marked with PY_MAPPING. */
export function isMappingLike(v: unknown): boolean {
  return isMapping(v) || (typeof v === 'object' && v !== null && (v as { [PY_MAPPING]?: unknown })[PY_MAPPING] === true);
}

function pyNumber(n: number): string {
  if (Number.isInteger(n)) return Object.is(n, -0) ? '0' : String(n);
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  // Python's repr switches to an exponent below 1e-4 (JS only below 1e-6), and pads exponents
  // to two digits: 5e-05, 1e-07.
  const text = Math.abs(n) < 1e-4 ? n.toExponential() : String(n);
  return text.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Python repr() of a string: single quotes unless the string contains ' and no ". */
export function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += '\\' + q;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + q;
}

function hasOwnToString(v: object): boolean {
  const ts = (v as { toString?: unknown }).toString;
  return typeof ts === 'function' && ts !== Object.prototype.toString && ts !== Array.prototype.toString;
}

function dictRepr(entries: Iterable<[unknown, unknown]>): string {
  const parts: string[] = [];
  for (const [k, v] of entries) {
    if (k === KEYWORDS) continue;
    parts.push(`${pyRepr(k)}: ${pyRepr(v)}`);
  }
  return '{' + parts.join(', ') + '}';
}

/** Python repr(): used for values inside lists/dicts and by `|pprint`. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return pyStrRepr(v);
  if (v instanceof SafeString) return pyStrRepr(String(v));
  if (v === undefined || v === null) return 'None';
  return pyStr(v);
}

/** Python str() / Jinja output of a value: True/False/None, ['a', 2], {'a': 1}; undefined → ''. */
export function pyStr(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return pyNumber(v);
    case 'boolean':
      return v ? 'True' : 'False';
    case 'undefined':
      return '';
    case 'bigint':
      return v.toString();
    case 'function':
      return `<function ${v.name || 'anonymous'}>`;
    case 'symbol':
      return v.toString();
    default:
      break;
  }
  if (v === null) return 'None';
  if (Array.isArray(v)) {
    const t = (v as unknown as Record<symbol, unknown>)[TUPLE] === true;
    let s = t ? '(' : '[';
    for (let i = 0; i < v.length; i++) s += (i ? ', ' : '') + pyRepr(v[i]);
    return s + (t ? (v.length === 1 ? ',)' : ')') : ']');
  }
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (v instanceof SafeString) return String(v);
  if (isPlainObject(v)) return dictRepr(Object.entries(v));
  if (v instanceof Map) return dictRepr(v.entries());
  if (v instanceof Set) return v.size ? '{' + [...v].map(pyRepr).join(', ') + '}' : 'set()';
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace('Z', '+00:00');
  if (hasOwnToString(v as object)) return String(v);
  return `<${(v as object).constructor?.name ?? 'object'} object>`;
}

/** Jinja's rendering of a value (Python str()). */
export const jinjaRepr = pyStr;

/** Python truthiness: empty lists/dicts/sets/strings are false. */
export function truthy(v: unknown): boolean {
  if (!v) return false;
  if (typeof v !== 'object') return true;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof SafeString) return String(v).length > 0;
  if (v instanceof PyFloat) return v.value !== 0;
  if (v instanceof Set || v instanceof Map) return v.size > 0;
  if (isPlainObject(v)) {
    for (const k in v) if (k !== KEYWORDS) return true;
    return false;
  }
  const b = (v as { __bool__?: unknown }).__bool__;
  if (typeof b === 'function') return Boolean(b.call(v));
  return true;
}

/** Python ==: structural for lists/dicts/sets, 1 == 1.0 == True, SafeString == str. None == undefined (lenient). */
export function eq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof SafeString) a = String(a);
  if (b instanceof SafeString) b = String(b);
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) {
    return (a === null || a === undefined) && (b === null || b === undefined);
  }
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== 'object' || tb !== 'object') {
    if ((ta === 'number' || ta === 'boolean' || ta === 'bigint') && (tb === 'number' || tb === 'boolean' || tb === 'bigint')) {
      return Number(a) === Number(b);
    }
    if (a instanceof PyFloat || b instanceof PyFloat) {
      const other = a instanceof PyFloat ? b : a;
      return (typeof other === 'number' || typeof other === 'boolean') && Number(a) === Number(b);
    }
    if (ta === 'object' && typeof (a as { __eq__?: unknown }).__eq__ === 'function') {
      return Boolean((a as { __eq__: (o: unknown) => unknown }).__eq__(b));
    }
    return false;
  }
  const ea = (a as { __eq__?: unknown }).__eq__;
  if (typeof ea === 'function') return Boolean(ea.call(a, b));
  if (a instanceof PyFloat || b instanceof PyFloat) return Number(a) === Number(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length || isTuple(a) !== isTuple(b)) return false;
    for (let i = 0; i < a.length; i++) if (!eq(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Set) {
    if (!(b instanceof Set) || a.size !== b.size) return false;
    for (const x of a) if (!b.has(x)) return false;
    return true;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => k !== KEYWORDS);
    const kb = Object.keys(b).filter((k) => k !== KEYWORDS);
    if (ka.length !== kb.length) return false;
    for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || !eq(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** A short Python-ish type name for error messages. */
export function pyTypeName(v: unknown): string {
  if (v === null) return 'NoneType';
  if (v === undefined) return 'Undefined';
  if (typeof v === 'string' || v instanceof SafeString) return 'str';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return isTuple(v) ? 'tuple' : 'list';
  if (isPlainObject(v) || v instanceof Map) return 'dict';
  if (v instanceof Set) return 'set';
  if (typeof v === 'function') return 'function';
  return (v as object).constructor?.name ?? 'object';
}

/** Python `in`. Undefined containers hold nothing (Jinja's Undefined is an empty iterable). */
export function contains(container: unknown, item: unknown): boolean {
  if (container === undefined) return false;
  const s = asString(container);
  if (s !== null) {
    const needle = asString(item);
    if (needle === null) throw new TypeError(`'in <string>' requires string as left operand, not ${pyTypeName(item)}`);
    return s.includes(needle);
  }
  if (Array.isArray(container)) {
    for (const x of container) if (eq(x, item)) return true;
    return false;
  }
  if (container instanceof Set) {
    if (container.has(item)) return true;
    for (const x of container) if (eq(x, item)) return true;
    return false;
  }
  if (container instanceof Map) return container.has(item);
  if (container === null || typeof container !== 'object') {
    throw new TypeError(`argument of type '${pyTypeName(container)}' is not iterable`);
  }
  const c = (container as { __contains__?: unknown }).__contains__;
  if (typeof c === 'function') return Boolean(c.call(container, item));
  if (isPlainObject(container)) {
    const k = asString(item) ?? (typeof item === 'number' ? String(item) : null);
    return k !== null && k !== KEYWORDS && Object.prototype.hasOwnProperty.call(container, k);
  }
  if (Symbol.iterator in container) {
    for (const x of container as Iterable<unknown>) if (eq(x, item)) return true;
    return false;
  }
  return asString(item) !== null && (asString(item) as string) in container;
}

/** Turns any iterable value into an array for `for` loops, `|list` and friends (dict → keys). */
export function toList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) return [];
  const s = asString(v);
  if (s !== null) return Array.from(s);
  if (v instanceof Map) return Array.from(v.keys());
  if (isPlainObject(v)) return Object.keys(v).filter((k) => k !== KEYWORDS);
  if (typeof v === 'object' && Symbol.iterator in v) return Array.from(v as Iterable<unknown>);
  throw new TypeError(`'${pyTypeName(v)}' object is not iterable`);
}

/** Python dict items for plain objects and Maps. */
export function dictItems(v: unknown): [unknown, unknown][] {
  if (v instanceof Map) return Array.from(v.entries(), (e) => tuple(e) as [unknown, unknown]);
  if (isPlainObject(v)) return Object.keys(v).filter((k) => k !== KEYWORDS).map((k) => tuple([k, v[k]]) as [unknown, unknown]);
  throw new TypeError(`'${pyTypeName(v)}' object has no attribute 'items'`);
}

type Arith = { __add__?: (o: unknown) => unknown; __radd__?: (o: unknown) => unknown; __sub__?: (o: unknown) => unknown; __rsub__?: (o: unknown) => unknown };

/** A number result of an operation on a and b: a float (boxed when whole) when either is a float. */
function numeric(r: number, a: unknown, b: unknown): number | PyFloat {
  if (isFloat(a) || isFloat(b)) return Number.isInteger(r) ? new PyFloat(r) : r;
  // Python's ints have no negative zero: 0 * -5 is 0, and so is anything computed from it.
  return r + 0;
}

function isNum(v: unknown): boolean {
  return typeof v === 'number' || v instanceof PyFloat;
}

export function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    return Number.isInteger(r) && (!Number.isInteger(a) || !Number.isInteger(b)) ? new PyFloat(r) : r;
  }
  if (a instanceof PyFloat || b instanceof PyFloat) return numeric(Number(a) + Number(b), a, b);
  if (isTuple(a) && isTuple(b)) return tuple((a as unknown[]).concat(b));
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return a.concat(b);
  if (a !== null && typeof a === 'object' && typeof (a as Arith).__add__ === 'function') return (a as Arith).__add__!(b);
  if (b !== null && typeof b === 'object' && typeof (b as Arith).__radd__ === 'function') return (b as Arith).__radd__!(a);
  const sa = asString(a);
  const sb = asString(b);
  if (sa !== null && sb !== null) return sa + sb;
  return (a as number) + (b as number);
}

export function sub(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return numeric(a - b, a, b);
  if (a instanceof PyFloat || b instanceof PyFloat) return numeric(Number(a) - Number(b), a, b);
  if (a !== null && typeof a === 'object' && typeof (a as Arith).__sub__ === 'function') return (a as Arith).__sub__!(b);
  if (b !== null && typeof b === 'object' && typeof (b as Arith).__rsub__ === 'function') return (b as Arith).__rsub__!(a);
  if (a instanceof Set && b instanceof Set) return new Set([...a].filter((x) => !b.has(x)));
  return (a as number) - (b as number);
}

export function mul(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return numeric(a * b, a, b);
  if (isNum(a) && isNum(b)) return numeric(Number(a) * Number(b), a, b);
  const sa = asString(a);
  if (sa !== null && typeof b === 'number') return b > 0 ? sa.repeat(Math.floor(b)) : '';
  const sb = asString(b);
  if (sb !== null && typeof a === 'number') return a > 0 ? sb.repeat(Math.floor(a)) : '';
  if (Array.isArray(a) && typeof b === 'number') return repeatList(a, b);
  if (Array.isArray(b) && typeof a === 'number') return repeatList(b, a);
  return (a as number) * (b as number);
}

function repeatList(l: unknown[], n: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(...l);
  return out;
}

/** Python `/`: always a float. */
export function div(a: unknown, b: unknown): number | PyFloat {
  if (Number(b) === 0) throw new RangeError('division by zero');
  return pyFloat(Number(a) / Number(b));
}

export function floordiv(a: unknown, b: unknown): number | PyFloat {
  if (Number(b) === 0) throw new RangeError('integer division or modulo by zero');
  if (!isFloat(a) && !isFloat(b)) return Math.floor(Number(a) / Number(b)) + 0;
  return pyFloat(floatDivmod(Number(a), Number(b))[0]);
}

/**
 * Python's float `divmod` (CPython's float_divmod): floor(x / y) computed from fmod, so that
 * 1 // 0.1 is 9.0 as in Python (x / y rounds up to 10 in floating point), and a zero remainder
 * takes the divisor's sign.
 */
function floatDivmod(x: number, y: number): [number, number] {
  let rem = x % y;
  let div = (x - rem) / y;
  if (rem !== 0) {
    if (y < 0 !== rem < 0) {
      rem += y;
      div -= 1;
    }
  } else {
    rem = y < 0 ? -0 : 0;
  }
  let floor: number;
  if (div !== 0) {
    floor = Math.floor(div);
    if (div - floor > 0.5) floor += 1;
  } else {
    floor = x / y < 0 || Object.is(x / y, -0) ? -0 : 0;
  }
  return [floor, rem];
}

/** Python `**`: an int to a negative int power is a float. */
export function pow(a: unknown, b: unknown): number | PyFloat {
  if (Number(a) === 0 && Number(b) < 0) throw new RangeError('0.0 cannot be raised to a negative power');
  const r = Math.pow(Number(a), Number(b));
  return Number.isInteger(r) && (isFloat(a) || isFloat(b) || Number(b) < 0) ? new PyFloat(r) : r;
}

/** Unary minus / plus, keeping floats floats. */
export function neg(a: unknown): number | PyFloat {
  if (a instanceof PyFloat) return new PyFloat(-a.value);
  // -0 of an int is 0 (a float's sign is kept: -(0.5 - 0.5) is -0.0).
  return Number.isInteger(a) ? -(a as number) + 0 : -(a as number);
}
export function pos(a: unknown): number | PyFloat {
  return a instanceof PyFloat ? a : +(a as number);
}

/** Python %: printf-style formatting for strings, floored modulo for numbers. */
export function mod(a: unknown, b: unknown): unknown {
  const s = asString(a);
  if (s !== null) return percentFormat(s, b);
  const x = Number(a);
  const y = Number(b);
  if (y === 0) throw new RangeError('integer division or modulo by zero');
  if (isFloat(a) || isFloat(b)) return pyFloat(floatDivmod(x, y)[1]);
  const r = x % y;
  return r !== 0 && r < 0 !== y < 0 ? r + y : r + 0;
}

/** Jinja `~`: string concatenation of str() of both sides. */
export function concat(a: unknown, b: unknown): string {
  return (typeof a === 'string' ? a : pyStr(a)) + (typeof b === 'string' ? b : pyStr(b));
}

// ---------------------------------------------------------------- formatting

interface Spec {
  fill: string;
  align: string;
  sign: string;
  alt: boolean;
  zero: boolean;
  width: number;
  grouping: string;
  precision: number | null;
  type: string;
}

function parseSpec(spec: string): Spec {
  const m = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s.exec(spec);
  if (!m) throw new Error(`Invalid format specifier '${spec}'`);
  return {
    fill: m[1] ?? (m[5] && !m[2] ? '0' : ' '),
    align: m[2] ?? (m[5] ? '=' : ''),
    sign: m[3] ?? '-',
    alt: Boolean(m[4]),
    zero: Boolean(m[5]),
    width: m[6] ? Number(m[6]) : 0,
    grouping: m[7] ?? '',
    precision: m[8] !== undefined ? Number(m[8]) : null,
    type: m[9] ?? '',
  };
}

function group(intPart: string, sep: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

function formatNumber(n: number, s: Spec): { sign: string; body: string } {
  let type = s.type;
  if (type === 'n') type = Number.isInteger(n) ? 'd' : 'g';
  if (type === '' && !Number.isInteger(n) && s.precision !== null) type = 'g';
  const neg = n < 0 || Object.is(n, -0);
  const a = Math.abs(n);
  let body: string;
  switch (type) {
    case 'd':
      body = String(Math.trunc(a));
      break;
    case 'f':
    case 'F':
      body = a.toFixed(s.precision ?? 6);
      break;
    case 'e':
    case 'E': {
      body = a.toExponential(s.precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      if (type === 'E') body = body.toUpperCase();
      break;
    }
    case 'g':
    case 'G':
      body = String(Number(a.toPrecision(s.precision || 6)));
      break;
    case '%':
      body = (a * 100).toFixed(s.precision ?? 6) + '%';
      break;
    case 'x':
      body = (s.alt ? '0x' : '') + Math.trunc(a).toString(16);
      break;
    case 'X':
      body = (s.alt ? '0X' : '') + Math.trunc(a).toString(16).toUpperCase();
      break;
    case 'o':
      body = (s.alt ? '0o' : '') + Math.trunc(a).toString(8);
      break;
    case 'b':
      body = (s.alt ? '0b' : '') + Math.trunc(a).toString(2);
      break;
    case 'c':
      body = String.fromCodePoint(a);
      break;
    default:
      body = pyNumber(a);
  }
  if (s.grouping && /^\d/.test(body)) {
    const [i, f] = body.split('.');
    body = group(i, s.grouping) + (f !== undefined ? '.' + f : '');
  }
  const sign = neg ? '-' : s.sign === '+' ? '+' : s.sign === ' ' ? ' ' : '';
  return { sign, body };
}

function pad(text: string, sign: string, s: Spec, defaultAlign: string): string {
  const len = sign.length + text.length;
  if (len >= s.width) return sign + text;
  const n = s.width - len;
  const align = s.align || defaultAlign;
  const fill = s.fill;
  switch (align) {
    case '<':
      return sign + text + fill.repeat(n);
    case '^': {
      const l = Math.floor(n / 2);
      return fill.repeat(l) + sign + text + fill.repeat(n - l);
    }
    case '=':
      return sign + fill.repeat(n) + text;
    default:
      return fill.repeat(n) + sign + text;
  }
}

/** Applies a Python format spec (the part after ':' in str.format). */
export function formatWithSpec(value: unknown, spec: string): string {
  if (!spec) return pyStr(value);
  const s = parseSpec(spec);
  if (typeof value === 'number' || typeof value === 'boolean') {
    if (s.type === 's') return pad(pyStr(value), '', s, '<');
    const { sign, body } = formatNumber(Number(value), s);
    return pad(body, sign, s, '>');
  }
  if (value !== null && typeof value === 'object' && typeof (value as { __format__?: unknown }).__format__ === 'function') {
    return String((value as { __format__: (spec: string) => unknown }).__format__(spec));
  }
  let text = pyStr(value);
  if (s.precision !== null) text = text.slice(0, s.precision);
  return pad(text, '', s, '<');
}

function getField(args: unknown[], kw: Dict, field: string, auto: { n: number }): unknown {
  const m = /^([^.[]*)(.*)$/s.exec(field) as RegExpExecArray;
  let head = m[1];
  let value: unknown;
  if (head === '') head = String(auto.n++);
  if (/^\d+$/.test(head)) {
    const i = Number(head);
    if (i >= args.length) throw new RangeError(`Replacement index ${i} out of range for positional args tuple`);
    value = args[i];
  } else {
    if (!(head in kw)) throw new Error(`KeyError: '${head}'`);
    value = kw[head];
  }
  const rest = m[2];
  const re = /\.([^.[]+)|\[([^\]]+)\]/g;
  let part: RegExpExecArray | null;
  while ((part = re.exec(rest))) {
    const key = part[1] ?? part[2];
    const obj = value as Record<string, unknown> | unknown[];
    value = Array.isArray(obj) && /^\d+$/.test(key) ? obj[Number(key)] : (obj as Record<string, unknown>)?.[key];
  }
  return value;
}

/** Python str.format. */
export function strFormat(template: string, args: unknown[], kw: Dict): string {
  const auto = { n: 0 };
  return template.replace(/\{\{|\}\}|\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g, (whole, inner: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const body = inner ?? '';
    const m = /^([^!:]*)(?:!([rsa]))?(?::(.*))?$/s.exec(body);
    if (!m) throw new Error(`Invalid format field '{${body}}'`);
    let value = getField(args, kw, m[1], auto);
    const spec = (m[3] ?? '').replace(/\{([^{}]*)\}/g, (_w, f: string) => pyStr(getField(args, kw, f, auto)));
    if (m[2] === 'r' || m[2] === 'a') value = pyRepr(value);
    else if (m[2] === 's') value = pyStr(value);
    return formatWithSpec(value, spec);
  });
}

/** Python printf-style formatting: '%s-%05.2f' % (a, b), '%(name)s' % {'name': x}. */
export function percentFormat(template: string, arg: unknown): string {
  const re = /%(?:\(([^)]*)\))?([#0\- +]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])/g;
  const specs = template.match(re) ?? [];
  const needed = specs.filter((x) => !x.endsWith('%%') && x !== '%%').length;
  let args: unknown[];
  const mapping = isPlainObject(arg) ? arg : null;
  if (Array.isArray(arg) && (needed !== 1 || arg.length === 1)) args = arg;
  else args = [arg];
  let i = 0;
  const next = (): unknown => {
    if (i >= args.length) throw new TypeError('not enough arguments for format string');
    return args[i++];
  };
  const out = template.replace(re, (_w, key: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    const w = width === '*' ? Number(next()) : width ? Number(width) : 0;
    const p = prec === '*' ? Number(next()) : prec !== undefined ? Number(prec) : null;
    const value = key !== undefined ? (mapping ?? {})[key] : next();
    let text: string;
    let numeric = false;
    switch (conv) {
      case 's':
        text = pyStr(value);
        if (p !== null) text = text.slice(0, p);
        break;
      case 'r':
      case 'a':
        text = pyRepr(value);
        break;
      case 'c':
        text = typeof value === 'number' ? String.fromCodePoint(value) : pyStr(value);
        break;
      default: {
        numeric = true;
        const n = Number(value);
        if (Number.isNaN(n) && typeof value !== 'number') throw new TypeError(`%${conv} format: a number is required, not ${pyTypeName(value)}`);
        const t = conv === 'i' || conv === 'u' ? 'd' : conv;
        const spec: Spec = { fill: ' ', align: '', sign: flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '-', alt: flags.includes('#'), zero: false, width: 0, grouping: '', precision: p, type: t };
        const { sign, body } = formatNumber(t === 'd' || t === 'x' || t === 'X' || t === 'o' ? Math.trunc(n) : n, spec);
        text = sign + body;
      }
    }
    if (text.length < w) {
      if (flags.includes('-')) text = text.padEnd(w);
      else if (numeric && flags.includes('0')) {
        const sign = /^[+\- ]/.test(text) ? text[0] : '';
        text = sign + text.slice(sign.length).padStart(w - sign.length, '0');
      } else text = text.padStart(w);
    }
    return text;
  });
  if (mapping === null && i < args.length) throw new TypeError('not all arguments converted during string formatting');
  return out;
}
