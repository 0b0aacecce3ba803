// Python methods on template values (`'a,b'.split(',')`, `l.append(x)`, `d.items()`) and
// attribute/index lookup with Python semantics (negative indexes, slices). nunjucks compiles
// `a.b` and `a['b']` to runtime.memberLookup(a, 'b'); kiln's runtime routes it here.
import { SafeString } from './nunjucks-internals.js';
import {
  KEYWORDS,
  asString,
  bindParams,
  contains,
  dictItems,
  eq,
  isPlainObject,
  pyRepr,
  pyStr,
  pyTypeName,
  splitArgs,
  strFormat,
  toList,
  truthy,
  type Dict,
} from './values.js';

type Method<T> = (self: T, args: unknown[]) => unknown;

const WS = ' \t\n\r\x0b\x0c';

function stripChars(s: string, chars: unknown, left: boolean, right: boolean): string {
  const set = chars === undefined || chars === null ? WS : String(chars);
  let a = 0;
  let b = s.length;
  if (left) while (a < b && set.includes(s[a])) a++;
  if (right) while (b > a && set.includes(s[b - 1])) b--;
  return s.slice(a, b);
}

function affixes(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => String(asString(x) ?? x));
  const s = asString(v);
  if (s === null) throw new TypeError(`startswith/endswith first arg must be str or a tuple of str, not ${pyTypeName(v)}`);
  return [s];
}

function sliceBounds(len: number, start: unknown, end: unknown): [number, number] {
  const norm = (x: unknown, d: number): number => {
    if (x === undefined || x === null) return d;
    let n = Number(x);
    if (n < 0) n += len;
    return Math.min(Math.max(n, 0), len);
  };
  return [norm(start, 0), norm(end, len)];
}

/** Python str.split / rsplit semantics (no separator splits on whitespace runs; maxsplit keeps the rest). */
export function pySplit(s: string, sep: unknown, maxsplit: unknown, fromRight = false): string[] {
  let max = maxsplit === undefined || maxsplit === null ? -1 : Number(maxsplit);
  if (sep === undefined || sep === null) {
    const words: string[] = [];
    if (!fromRight) {
      let rest = s.replace(/^\s+/, '');
      while (rest.length) {
        if (max === 0) {
          words.push(rest);
          break;
        }
        const m = /\s+/.exec(rest);
        if (!m) {
          words.push(rest);
          break;
        }
        words.push(rest.slice(0, m.index));
        rest = rest.slice(m.index + m[0].length);
        max--;
      }
      return words;
    }
    let rest = s.replace(/\s+$/, '');
    while (rest.length) {
      if (max === 0) {
        words.unshift(rest);
        break;
      }
      const m = /\s+(?=\S*$)/.exec(rest);
      if (!m) {
        words.unshift(rest);
        break;
      }
      words.unshift(rest.slice(m.index + m[0].length));
      rest = rest.slice(0, m.index);
      max--;
    }
    return words;
  }
  const d = String(asString(sep) ?? sep);
  if (d === '') throw new RangeError('empty separator');
  const parts = s.split(d);
  if (max < 0 || parts.length - 1 <= max) return parts;
  if (!fromRight) return [...parts.slice(0, max), parts.slice(max).join(d)];
  return [parts.slice(0, parts.length - max).join(d), ...parts.slice(parts.length - max)];
}

function pyReplace(s: string, old: string, rep: string, count: number): string {
  if (count < 0) return old === '' ? s.split('').join(rep).replace(/^/, rep) + rep : s.split(old).join(rep);
  let out = '';
  let i = 0;
  let n = 0;
  while (n < count) {
    const j = s.indexOf(old, i);
    if (j < 0) break;
    out += s.slice(i, j) + rep;
    i = j + old.length;
    n++;
    if (old === '') {
      if (i >= s.length) break;
      out += s[i];
      i++;
    }
  }
  return out + s.slice(i);
}

function title(s: string): string {
  return s.replace(/\p{L}[\p{L}\p{M}]*/gu, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase());
}

function p(name: string, args: unknown[], params: readonly string[]): unknown[] {
  return bindParams(name, args, params);
}

export const STR_METHODS: Record<string, Method<string>> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  casefold: (s) => s.toLowerCase(),
  swapcase: (s) => s.replace(/\p{L}/gu, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())),
  title: (s) => title(s),
  capitalize: (s) => (s ? s[0].toUpperCase() + s.slice(1).toLowerCase() : s),
  strip: (s, a) => stripChars(s, p('strip', a, ['chars'])[0], true, true),
  lstrip: (s, a) => stripChars(s, p('lstrip', a, ['chars'])[0], true, false),
  rstrip: (s, a) => stripChars(s, p('rstrip', a, ['chars'])[0], false, true),
  startswith: (s, a) => {
    const [prefix, start, end] = p('startswith', a, ['prefix', 'start', 'end']);
    const [i, j] = sliceBounds(s.length, start, end);
    const sub = s.slice(i, j);
    return affixes(prefix).some((x) => sub.startsWith(x));
  },
  endswith: (s, a) => {
    const [suffix, start, end] = p('endswith', a, ['suffix', 'start', 'end']);
    const [i, j] = sliceBounds(s.length, start, end);
    const sub = s.slice(i, j);
    return affixes(suffix).some((x) => sub.endsWith(x));
  },
  removeprefix: (s, a) => {
    const x = String(p('removeprefix', a, ['prefix'])[0]);
    return x && s.startsWith(x) ? s.slice(x.length) : s;
  },
  removesuffix: (s, a) => {
    const x = String(p('removesuffix', a, ['suffix'])[0]);
    return x && s.endsWith(x) ? s.slice(0, -x.length) : s;
  },
  replace: (s, a) => {
    const [old, rep, count] = p('replace', a, ['old', 'new', 'count']);
    return pyReplace(s, pyStr(old), pyStr(rep), count === undefined || count === null ? -1 : Number(count));
  },
  split: (s, a) => {
    const [sep, max] = p('split', a, ['sep', 'maxsplit']);
    return pySplit(s, sep, max);
  },
  rsplit: (s, a) => {
    const [sep, max] = p('rsplit', a, ['sep', 'maxsplit']);
    return pySplit(s, sep, max, true);
  },
  splitlines: (s, a) => {
    const keep = truthy(p('splitlines', a, ['keepends'])[0]);
    if (!s) return [];
    const parts = s.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
    return keep ? parts : parts.map((x) => x.replace(/(\r\n|\r|\n)$/, ''));
  },
  join: (s, a) => toList(p('join', a, ['iterable'])[0]).map((x) => {
    const str = asString(x);
    if (str === null) throw new TypeError(`sequence item: expected str instance, ${pyTypeName(x)} found`);
    return str;
  }).join(s),
  format: (s, a) => {
    const { positional, kwargs } = splitArgs(a);
    return strFormat(s, positional, kwargs);
  },
  format_map: (s, a) => strFormat(s, [], (a[0] ?? {}) as Dict),
  find: (s, a) => {
    const [sub, start, end] = p('find', a, ['sub', 'start', 'end']);
    const [i, j] = sliceBounds(s.length, start, end);
    const k = s.slice(i, j).indexOf(pyStr(sub));
    return k < 0 ? -1 : k + i;
  },
  rfind: (s, a) => {
    const [sub, start, end] = p('rfind', a, ['sub', 'start', 'end']);
    const [i, j] = sliceBounds(s.length, start, end);
    const k = s.slice(i, j).lastIndexOf(pyStr(sub));
    return k < 0 ? -1 : k + i;
  },
  index: (s, a) => {
    const r = STR_METHODS.find(s, a) as number;
    if (r < 0) throw new RangeError('substring not found');
    return r;
  },
  rindex: (s, a) => {
    const r = STR_METHODS.rfind(s, a) as number;
    if (r < 0) throw new RangeError('substring not found');
    return r;
  },
  count: (s, a) => {
    const [sub, start, end] = p('count', a, ['sub', 'start', 'end']);
    const [i, j] = sliceBounds(s.length, start, end);
    const needle = pyStr(sub);
    const hay = s.slice(i, j);
    if (needle === '') return hay.length + 1;
    return hay.split(needle).length - 1;
  },
  isdigit: (s) => /^\d+$/u.test(s),
  isdecimal: (s) => /^\d+$/u.test(s),
  isnumeric: (s) => /^\p{N}+$/u.test(s),
  isalpha: (s) => /^\p{L}+$/u.test(s),
  isalnum: (s) => /^[\p{L}\p{N}]+$/u.test(s),
  isspace: (s) => /^\s+$/.test(s),
  isidentifier: (s) => /^[\p{L}_][\p{L}\p{N}_]*$/u.test(s),
  isupper: (s) => /\p{L}/u.test(s) && s === s.toUpperCase(),
  islower: (s) => /\p{L}/u.test(s) && s === s.toLowerCase(),
  istitle: (s) => /\p{L}/u.test(s) && s === title(s),
  zfill: (s, a) => {
    const w = Number(p('zfill', a, ['width'])[0]);
    const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
    return s.length >= w ? s : sign + s.slice(sign.length).padStart(w - sign.length, '0');
  },
  center: (s, a) => {
    const [w, f] = p('center', a, ['width', 'fillchar']);
    const width = Number(w);
    const fill = f === undefined ? ' ' : String(f);
    if (s.length >= width) return s;
    const total = width - s.length;
    // CPython puts the extra fill char on the left when the string length is odd
    const left = Math.floor(total / 2) + (total & width & 1);
    return fill.repeat(left) + s + fill.repeat(total - left);
  },
  ljust: (s, a) => {
    const [w, f] = p('ljust', a, ['width', 'fillchar']);
    return s.padEnd(Number(w), f === undefined ? ' ' : String(f));
  },
  rjust: (s, a) => {
    const [w, f] = p('rjust', a, ['width', 'fillchar']);
    return s.padStart(Number(w), f === undefined ? ' ' : String(f));
  },
  partition: (s, a) => {
    const sep = pyStr(p('partition', a, ['sep'])[0]);
    const i = s.indexOf(sep);
    return i < 0 ? [s, '', ''] : [s.slice(0, i), sep, s.slice(i + sep.length)];
  },
  rpartition: (s, a) => {
    const sep = pyStr(p('rpartition', a, ['sep'])[0]);
    const i = s.lastIndexOf(sep);
    return i < 0 ? ['', '', s] : [s.slice(0, i), sep, s.slice(i + sep.length)];
  },
  expandtabs: (s, a) => {
    const size = Number(p('expandtabs', a, ['tabsize'])[0] ?? 8);
    let col = 0;
    let out = '';
    for (const ch of s) {
      if (ch === '\t') {
        const n = size > 0 ? size - (col % size) : 0;
        out += ' '.repeat(n);
        col += n;
      } else {
        out += ch;
        col = ch === '\n' || ch === '\r' ? 0 : col + 1;
      }
    }
    return out;
  },
  encode: (s) => s,
  decode: (s) => s,
};

function listIndex(l: unknown[], i: unknown): number {
  let n = i === undefined || i === null ? -1 : Number(i);
  if (n < 0) n += l.length;
  return n;
}

export const LIST_METHODS: Record<string, Method<unknown[]>> = {
  append: (l, a) => {
    l.push(p('append', a, ['object'])[0]);
    return null;
  },
  extend: (l, a) => {
    l.push(...toList(p('extend', a, ['iterable'])[0]));
    return null;
  },
  insert: (l, a) => {
    const [i, x] = p('insert', a, ['index', 'object']);
    let n = Number(i);
    if (n < 0) n = Math.max(0, n + l.length);
    l.splice(n, 0, x);
    return null;
  },
  pop: (l, a) => {
    if (!l.length) throw new RangeError('pop from empty list');
    const n = listIndex(l, p('pop', a, ['index'])[0]);
    if (n < 0 || n >= l.length) throw new RangeError('pop index out of range');
    return l.splice(n, 1)[0];
  },
  remove: (l, a) => {
    const x = p('remove', a, ['value'])[0];
    const i = l.findIndex((y) => eq(y, x));
    if (i < 0) throw new RangeError('list.remove(x): x not in list');
    l.splice(i, 1);
    return null;
  },
  index: (l, a) => {
    const x = p('index', a, ['value'])[0];
    const i = l.findIndex((y) => eq(y, x));
    if (i < 0) throw new RangeError(`${pyRepr(x)} is not in list`);
    return i;
  },
  count: (l, a) => {
    const x = p('count', a, ['value'])[0];
    return l.filter((y) => eq(y, x)).length;
  },
  reverse: (l) => {
    l.reverse();
    return null;
  },
  sort: (l, a) => {
    const [key, reverse] = p('sort', a, ['key', 'reverse']);
    const k = typeof key === 'function' ? (key as (x: unknown) => unknown) : (x: unknown) => x;
    l.sort((x, y) => compareValues(k(x), k(y)));
    if (truthy(reverse)) l.reverse();
    return null;
  },
  copy: (l) => l.slice(),
  clear: (l) => {
    l.length = 0;
    return null;
  },
};

/** Ordering like Python's sort for the types templates compare (numbers, strings, lists). */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i]);
      if (c) return c;
    }
    return a.length - b.length;
  }
  const sa = asString(a);
  const sb = asString(b);
  if (sa !== null && sb !== null) return sa < sb ? -1 : sa > sb ? 1 : 0;
  const x = a as number;
  const y = b as number;
  return x < y ? -1 : x > y ? 1 : 0;
}

function dictKey(k: unknown): string {
  return asString(k) ?? String(k);
}

/** Dict methods that change the dict. */
const MUTATING_DICT_METHODS = new Set(['update', 'pop', 'popitem', 'setdefault', 'clear']);

/**
 * What a changing method does on a frozen dict: kiln shares one empty config, meta or tags mapping
 * between the columns and tests that have none, so changing it would change them all.
 */
function readOnlyDict(method: string): Method<Dict> {
  return () => {
    throw new TypeError(
      `.${method}() cannot change this mapping: it is read-only (kiln shares it between every column or test that has none). Change a copy instead: {% set meta = dict(column.meta) %}{% do meta.${method === 'update' ? 'update({...})' : `${method}(...)`} %}`,
    );
  };
}

export const DICT_METHODS: Record<string, Method<Dict>> = {
  keys: (d) => Object.keys(d).filter((k) => k !== KEYWORDS),
  values: (d) => Object.keys(d).filter((k) => k !== KEYWORDS).map((k) => d[k]),
  items: (d) => dictItems(d),
  iteritems: (d) => dictItems(d),
  get: (d, a) => {
    const [k, def] = p('get', a, ['key', 'default']);
    const key = dictKey(k);
    if (Object.prototype.hasOwnProperty.call(d, key)) return d[key];
    return def === undefined ? null : def;
  },
  has_key: (d, a) => Object.prototype.hasOwnProperty.call(d, dictKey(a[0])),
  update: (d, a) => {
    const { positional, kwargs } = splitArgs(a);
    for (const src of positional) {
      if (src instanceof Map) for (const [k, v] of src) d[dictKey(k)] = v;
      else if (Array.isArray(src)) for (const pair of src) d[dictKey((pair as unknown[])[0])] = (pair as unknown[])[1];
      else if (src && typeof src === 'object') for (const k of Object.keys(src)) d[k] = (src as Dict)[k];
    }
    Object.assign(d, kwargs);
    return null;
  },
  pop: (d, a) => {
    const key = dictKey(a[0]);
    if (Object.prototype.hasOwnProperty.call(d, key)) {
      const v = d[key];
      delete d[key];
      return v;
    }
    if (a.length > 1) return a[1];
    throw new RangeError(`KeyError: ${pyRepr(a[0])}`);
  },
  popitem: (d) => {
    const keys = Object.keys(d);
    if (!keys.length) throw new RangeError('popitem(): dictionary is empty');
    const k = keys[keys.length - 1];
    const v = d[k];
    delete d[k];
    return [k, v];
  },
  setdefault: (d, a) => {
    const [k, def] = p('setdefault', a, ['key', 'default']);
    const key = dictKey(k);
    if (!Object.prototype.hasOwnProperty.call(d, key)) d[key] = def === undefined ? null : def;
    return d[key];
  },
  copy: (d) => ({ ...d }),
  clear: (d) => {
    for (const k of Object.keys(d)) delete d[k];
    return null;
  },
};

export const SET_METHODS: Record<string, Method<Set<unknown>>> = {
  add: (s, a) => {
    s.add(a[0]);
    return null;
  },
  remove: (s, a) => {
    if (!s.delete(a[0])) throw new RangeError(`KeyError: ${pyRepr(a[0])}`);
    return null;
  },
  discard: (s, a) => {
    s.delete(a[0]);
    return null;
  },
  pop: (s) => {
    const first = s.values().next();
    if (first.done) throw new RangeError('pop from an empty set');
    s.delete(first.value);
    return first.value;
  },
  update: (s, a) => {
    for (const it of a) for (const x of toList(it)) s.add(x);
    return null;
  },
  union: (s, a) => new Set([...s, ...a.flatMap((x) => toList(x))]),
  intersection: (s, a) => new Set([...s].filter((x) => a.every((o) => contains(o, x)))),
  difference: (s, a) => new Set([...s].filter((x) => !a.some((o) => contains(o, x)))),
  symmetric_difference: (s, a) => {
    const o = new Set(toList(a[0]));
    return new Set([...[...s].filter((x) => !o.has(x)), ...[...o].filter((x) => !s.has(x))]);
  },
  issubset: (s, a) => [...s].every((x) => contains(a[0], x)),
  issuperset: (s, a) => toList(a[0]).every((x) => s.has(x)),
  isdisjoint: (s, a) => !toList(a[0]).some((x) => s.has(x)),
  copy: (s) => new Set(s),
  clear: (s) => {
    s.clear();
    return null;
  },
};

function bound<T>(m: Method<T>, self: T): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => m(self, args);
}

/** Python slice semantics (negative indexes, steps); strings slice to strings. */
export function pySlice(obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  const s = asString(obj);
  const seq: ArrayLike<unknown> = s !== null ? Array.from(s) : Array.isArray(obj) ? obj : toList(obj);
  const len = seq.length;
  const st = step === undefined || step === null ? 1 : Number(step);
  if (st === 0) throw new RangeError('slice step cannot be zero');
  const clamp = (v: unknown, dflt: number, lo: number, hi: number): number => {
    if (v === undefined || v === null) return dflt;
    let n = Math.trunc(Number(v));
    if (n < 0) n += len;
    return Math.min(Math.max(n, lo), hi);
  };
  const out: unknown[] = [];
  if (st > 0) {
    const a = clamp(start, 0, 0, len);
    const b = clamp(stop, len, 0, len);
    for (let i = a; i < b; i += st) out.push(seq[i]);
  } else {
    const a = clamp(start, len - 1, -1, len - 1);
    const b = clamp(stop, -1, -1, len - 1);
    for (let i = a; i > b; i += st) out.push(seq[i]);
  }
  return s !== null ? out.join('') : out;
}

const objectProto = Object.prototype as unknown as Record<string, unknown>;

/**
 * `obj.key` / `obj[key]` with Python semantics. Own dict keys win over dict methods (templates
 * cannot tell `d.items` from `d['items']` apart after parsing); methods of class instances and
 * of str/list/dict/set come back bound.
 */
export function memberLookup(obj: unknown, key: unknown, stop?: unknown, step?: unknown): unknown {
  if (arguments.length === 4) return pySlice(obj, key, stop, step);
  if (obj === undefined || obj === null) return undefined;
  if (typeof obj === 'string' || obj instanceof SafeString) {
    const s = String(obj);
    if (typeof key === 'number') return s[key < 0 ? key + s.length : key];
    const m = STR_METHODS[key as string];
    return m === undefined ? undefined : bound(m, s);
  }
  if (Array.isArray(obj)) {
    if (typeof key === 'number') return obj[key < 0 ? key + obj.length : key];
    const m = LIST_METHODS[key as string];
    if (m !== undefined) return bound(m, obj);
    return Object.prototype.hasOwnProperty.call(obj, key as string) ? obj[key as unknown as number] : undefined;
  }
  if (typeof obj !== 'object' && typeof obj !== 'function') return undefined;
  const k = key as string;
  if (isPlainObject(obj)) {
    // functions stay unbound (they may carry properties, like datetime.datetime.now);
    // calls go through runtime.callMethod, which passes the dict as `this`
    const v = obj[k];
    if (v !== undefined && (v !== objectProto[k] || Object.prototype.hasOwnProperty.call(obj, k))) return v;
    const m = DICT_METHODS[k];
    if (m !== undefined && MUTATING_DICT_METHODS.has(k) && Object.isFrozen(obj)) return bound(readOnlyDict(k), obj);
    return m === undefined ? undefined : bound(m, obj);
  }
  if (obj instanceof Set) {
    const m = SET_METHODS[k];
    return m === undefined ? undefined : bound(m, obj);
  }
  if (obj instanceof Map) {
    if (obj.has(k)) return obj.get(k);
    const m = DICT_METHODS[k];
    return m === undefined ? undefined : (...args: unknown[]) => m(Object.fromEntries(obj), args);
  }
  const v = (obj as Record<string, unknown>)[k];
  return typeof v === 'function' && typeof obj === 'object' ? (v as (...a: unknown[]) => unknown).bind(obj) : v;
}
