// Jinja's built-in filters (with keyword arguments, which nunjucks' own filters ignore) and
// dbt's as_bool/as_number/as_native/as_text. Each filter receives the value first, then the
// call's arguments with keywords as a trailing {__keywords: true} object.
import { SafeString } from './nunjucks-internals.js';
import { compareValues, memberLookup } from './python-methods.js';
import { pyJsonDumps, pyLiteralEval } from './serialize.js';
import type { JinjaTest } from './jinja-tests.js';
import {
  asString,
  bindParams,
  dictItems,
  eq,
  isMapping,
  percentFormat,
  pyRepr,
  pyStr,
  pyTypeName,
  splitArgs,
  toList,
  truthy,
  PyFloat,
  pyFloat,
  add,
} from './values.js';

export type FilterFn = (this: unknown, value: unknown, ...args: unknown[]) => unknown;

export interface FilterEnv {
  getFilter(name: string): FilterFn | undefined;
  getTest(name: string): JinjaTest | undefined;
}

/** A filter with Python-style named parameters (after the value). */
function withParams(name: string, params: readonly string[], impl: (value: unknown, ...args: unknown[]) => unknown): FilterFn {
  return function (this: unknown, value: unknown, ...args: unknown[]) {
    return impl(value, ...bindParams(name, args, params));
  };
}

/** Jinja's attribute getter: 'a.b.0' walks dicts, objects and list indexes. */
export function getAttribute(item: unknown, attribute: unknown): unknown {
  if (typeof attribute === 'number') return memberLookup(item, attribute);
  let v = item;
  for (const part of String(attribute).split('.')) {
    v = memberLookup(v, /^\d+$/.test(part) && Array.isArray(v) ? Number(part) : part);
  }
  return v;
}

function sortKey(caseSensitive: boolean): (v: unknown) => unknown {
  return (v) => {
    const s = asString(v);
    return !caseSensitive && s !== null ? s.toLowerCase() : v;
  };
}

function attrKeys(attribute: unknown): (v: unknown) => unknown {
  if (attribute === undefined || attribute === null) return (v) => v;
  const parts = typeof attribute === 'string' ? attribute.split(',').map((x) => x.trim()) : [attribute];
  if (parts.length === 1) return (v) => getAttribute(v, parts[0]);
  return (v) => parts.map((p) => getAttribute(v, p));
}

function lengthOf(v: unknown): number {
  if (v === undefined || v === null) return 0;
  const s = asString(v);
  if (s !== null) return Array.from(s).length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Set || v instanceof Map) return v.size;
  if (isMapping(v)) return dictItems(v).length;
  if (typeof v === 'object' && Symbol.iterator in v) return Array.from(v as Iterable<unknown>).length;
  throw new TypeError(`object of type '${pyTypeName(v)}' has no len()`);
}

/** Python round(): banker's rounding at the given precision. */
export function pyRound(value: number, precision = 0): number {
  const f = 10 ** precision;
  const x = value * f;
  const r = Math.round(x);
  const isHalf = Math.abs(x % 1) === 0.5;
  const even = isHalf && r % 2 !== 0 ? r - 1 : r;
  return (isHalf ? even : r) / f;
}

function toInt(value: unknown, dflt: unknown = 0, base: unknown = 10): unknown {
  if (value instanceof PyFloat) value = value.value;
  // `+ 0`: Python's ints have no negative zero (int(-0.5) is 0).
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) + 0 : dflt;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const s = asString(value)?.trim().replace(/_/g, '');
  if (s === undefined || s === '') return dflt;
  const b = Number(base);
  const re = b === 16 ? /^[+-]?(0x)?[0-9a-f]+$/i : b === 8 ? /^[+-]?(0o)?[0-7]+$/i : b === 2 ? /^[+-]?(0b)?[01]+$/i : /^[+-]?\d+$/;
  if (re.test(s)) return parseInt(s.replace(/^([+-]?)0[xob]/i, '$1'), b);
  const f = Number(s);
  return Number.isFinite(f) && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Math.trunc(f) + 0 : dflt;
}

function toFloat(value: unknown, dflt: unknown = 0): unknown {
  if (value instanceof PyFloat) return value;
  if (typeof value === 'number') return pyFloat(value);
  if (typeof value === 'boolean') return pyFloat(value ? 1 : 0);
  const s = asString(value)?.trim().toLowerCase();
  if (s === undefined || s === '') return dflt;
  if (s === 'nan') return NaN;
  if (s === 'inf' || s === '+inf' || s === 'infinity') return Infinity;
  if (s === '-inf' || s === '-infinity') return -Infinity;
  const f = Number(s);
  return Number.isNaN(f) ? dflt : pyFloat(f);
}

function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

function selectOrReject(env: FilterEnv, items: unknown[], args: unknown[], keep: boolean, attr: unknown | undefined): unknown[] {
  const getter = attr === undefined ? (v: unknown) => v : (v: unknown) => getAttribute(v, attr);
  const { positional } = splitArgs(args);
  let check: (v: unknown) => boolean;
  if (positional.length === 0) check = truthy;
  else {
    const name = String(positional[0]);
    const test = env.getTest(name);
    if (!test) throw new Error(`No test named '${name}'`);
    const rest = positional.slice(1);
    check = (v) => test(v, ...rest) === true;
  }
  return items.filter((x) => check(getter(x)) === keep);
}

function parseBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  const s = asString(value)?.trim().toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  return null;
}

/** dbt's as_number: "5432" → 5432; anything that is not a number is an error. */
export function asNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  const s = asString(value);
  if (s !== null && s.trim() !== '' && Number.isFinite(Number(s.trim().replace(/_/g, '')))) return Number(s.trim().replace(/_/g, ''));
  throw new TypeError(`Could not convert value '${pyStr(value)}' into type 'number'`);
}

/** dbt's as_bool: true/false (any case) → boolean; anything else is an error. */
export function asBool(value: unknown): boolean {
  const b = parseBool(value);
  if (b === null) throw new TypeError(`Could not convert value '${pyStr(value)}' into type 'bool'`);
  return b;
}

/** dbt's as_native: a Python literal in a string becomes that value; other strings stay strings. */
export function asNative(value: unknown): unknown {
  const s = asString(value);
  if (s === null) return value;
  try {
    return pyLiteralEval(s);
  } catch {
    return s;
  }
}

export function createFilters(env: FilterEnv): Record<string, FilterFn> {
  const F: Record<string, FilterFn> = {
    abs: withParams('abs', [], (v) => (v instanceof PyFloat ? new PyFloat(Math.abs(v.value)) : Math.abs(v as number))),
    attr: withParams('attr', ['name'], (v, name) => memberLookup(v, name)),
    batch: withParams('batch', ['linecount', 'fill_with'], (v, count, fill) => {
      const n = Number(count);
      const out: unknown[][] = [];
      let cur: unknown[] = [];
      for (const x of toList(v)) {
        if (cur.length === n) {
          out.push(cur);
          cur = [];
        }
        cur.push(x);
      }
      if (cur.length) {
        if (fill !== undefined && fill !== null) while (cur.length < n) cur.push(fill);
        out.push(cur);
      }
      return out;
    }),
    capitalize: withParams('capitalize', [], (v) => {
      const s = pyStr(v);
      return s ? s[0].toUpperCase() + s.slice(1).toLowerCase() : s;
    }),
    center: withParams('center', ['width'], (v, width) => {
      const s = pyStr(v);
      const w = width === undefined ? 80 : Number(width);
      if (s.length >= w) return s;
      const total = w - s.length;
      const left = Math.floor(total / 2) + (total & w & 1);
      return ' '.repeat(left) + s + ' '.repeat(total - left);
    }),
    default: withParams('default', ['default_value', 'boolean'], (v, dflt, boolean) => {
      if (v === undefined || (truthy(boolean) && !truthy(v))) return dflt === undefined ? '' : dflt;
      return v;
    }),
    dictsort: withParams('dictsort', ['case_sensitive', 'by', 'reverse'], (v, cs, by, reverse) => {
      const pos = by === 'value' ? 1 : 0;
      const key = sortKey(truthy(cs));
      const items = dictItems(v).slice();
      items.sort((a, b) => compareValues(key(a[pos]), key(b[pos])));
      if (truthy(reverse)) items.reverse();
      return items;
    }),
    escape: withParams('escape', [], (v) => (v instanceof SafeString ? v : htmlEscape(pyStr(v)))),
    forceescape: withParams('forceescape', [], (v) => htmlEscape(pyStr(v))),
    filesizeformat: withParams('filesizeformat', ['binary'], (v, binary) => {
      const bytes = Number(v);
      const base = truthy(binary) ? 1024 : 1000;
      const units = truthy(binary) ? ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] : ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
      if (bytes === 1) return '1 Byte';
      if (bytes < base) return `${bytes} Bytes`;
      let unit = units[0];
      let size = bytes / base;
      for (let i = 1; i < units.length && size >= base; i++) {
        size /= base;
        unit = units[i];
      }
      return `${size.toFixed(1)} ${unit}`;
    }),
    first: withParams('first', [], (v) => {
      const l = toList(v);
      return l.length ? l[0] : undefined;
    }),
    last: withParams('last', [], (v) => {
      const l = toList(v);
      return l.length ? l[l.length - 1] : undefined;
    }),
    float: withParams('float', ['default'], (v, d) => toFloat(v, d === undefined ? 0 : d)),
    int: withParams('int', ['default', 'base'], (v, d, base) => toInt(v, d === undefined ? 0 : d, base === undefined ? 10 : base)),
    format: function (this: unknown, value: unknown, ...args: unknown[]) {
      const { positional, kwargs } = splitArgs(args);
      return percentFormat(pyStr(value), Object.keys(kwargs).length ? kwargs : positional);
    },
    groupby: withParams('groupby', ['attribute', 'default', 'case_sensitive'], (v, attribute, dflt, cs) => {
      const key = (x: unknown): unknown => {
        const k = getAttribute(x, attribute);
        return k === undefined ? dflt : k;
      };
      const norm = sortKey(truthy(cs));
      const items = toList(v).slice().sort((a, b) => compareValues(norm(key(a)), norm(key(b))));
      const groups: unknown[] = [];
      let current: { key: unknown; list: unknown[] } | null = null;
      for (const x of items) {
        const k = key(x);
        if (!current || !eq(norm(current.key), norm(k))) {
          current = { key: k, list: [] };
          const g = Object.assign([k, current.list], { grouper: k, list: current.list });
          groups.push(g);
        }
        current.list.push(x);
      }
      return groups;
    }),
    indent: withParams('indent', ['width', 'first', 'blank'], (v, width, first, blank) => {
      const pad = typeof width === 'string' ? width : ' '.repeat(width === undefined ? 4 : Number(width));
      const lines = pyStr(v).split('\n');
      return lines
        .map((line, i) => ((i === 0 && !truthy(first)) || (!truthy(blank) && line.trim() === '') ? line : pad + line))
        .join('\n');
    }),
    items: withParams('items', [], (v) => (v === undefined ? [] : dictItems(v))),
    join: withParams('join', ['d', 'attribute'], (v, d, attribute) => {
      const sep = d === undefined ? '' : pyStr(d);
      const get = attribute === undefined || attribute === null ? (x: unknown) => x : (x: unknown) => getAttribute(x, attribute);
      return toList(v).map((x) => pyStr(get(x))).join(sep);
    }),
    length: withParams('length', [], (v) => lengthOf(v)),
    list: withParams('list', [], (v) => toList(v).slice()),
    lower: withParams('lower', [], (v) => pyStr(v).toLowerCase()),
    upper: withParams('upper', [], (v) => pyStr(v).toUpperCase()),
    map: function (this: unknown, value: unknown, ...args: unknown[]) {
      const { positional, kwargs } = splitArgs(args);
      const items = toList(value);
      if (positional.length === 0 && 'attribute' in kwargs) {
        const d = kwargs.default;
        return items.map((x) => {
          const v = getAttribute(x, kwargs.attribute);
          return v === undefined ? d : v;
        });
      }
      if (positional.length === 0) throw new Error('map requires a filter name or attribute=');
      const name = String(positional[0]);
      const f = env.getFilter(name);
      if (!f) throw new Error(`No filter named '${name}'`);
      const rest = positional.slice(1);
      const kwRest = Object.keys(kwargs).length ? [Object.assign(kwargs, { __keywords: true })] : [];
      return items.map((x) => f.call(this, x, ...rest, ...kwRest));
    },
    max: withParams('max', ['case_sensitive', 'attribute'], (v, cs, attribute) => {
      const items = toList(v);
      if (!items.length) return undefined;
      const get = attrKeys(attribute);
      const norm = sortKey(truthy(cs));
      return items.reduce((a, b) => (compareValues(norm(get(b)), norm(get(a))) > 0 ? b : a));
    }),
    min: withParams('min', ['case_sensitive', 'attribute'], (v, cs, attribute) => {
      const items = toList(v);
      if (!items.length) return undefined;
      const get = attrKeys(attribute);
      const norm = sortKey(truthy(cs));
      return items.reduce((a, b) => (compareValues(norm(get(b)), norm(get(a))) < 0 ? b : a));
    }),
    pprint: withParams('pprint', [], (v) => pyRepr(v)),
    random: withParams('random', [], (v) => {
      const l = toList(v);
      return l[Math.floor(Math.random() * l.length)];
    }),
    reject: function (value: unknown, ...args: unknown[]) {
      return selectOrReject(env, toList(value), args, false, undefined);
    },
    select: function (value: unknown, ...args: unknown[]) {
      return selectOrReject(env, toList(value), args, true, undefined);
    },
    rejectattr: function (value: unknown, attr: unknown, ...args: unknown[]) {
      return selectOrReject(env, toList(value), args, false, attr);
    },
    selectattr: function (value: unknown, attr: unknown, ...args: unknown[]) {
      return selectOrReject(env, toList(value), args, true, attr);
    },
    replace: withParams('replace', ['old', 'new', 'count'], (v, old, rep, count) => {
      const s = pyStr(v);
      const o = pyStr(old);
      const r = pyStr(rep);
      if (count === undefined || count === null) return o === '' ? s : s.split(o).join(r);
      let out = s;
      let from = 0;
      for (let n = 0; n < Number(count); n++) {
        const i = out.indexOf(o, from);
        if (i < 0) break;
        out = out.slice(0, i) + r + out.slice(i + o.length);
        from = i + r.length;
      }
      return out;
    }),
    reverse: withParams('reverse', [], (v) => {
      const s = asString(v);
      if (s !== null) return Array.from(s).reverse().join('');
      return toList(v).slice().reverse();
    }),
    // Jinja's round: ceil/floor give floats; common rounds like Python (an int stays an int)
    round: withParams('round', ['precision', 'method'], (v, precision, method) => {
      const p = precision === undefined ? 0 : Number(precision);
      const x = Number(v);
      const f = 10 ** p;
      if (method === 'ceil') return pyFloat(Math.ceil(x * f) / f);
      if (method === 'floor') return pyFloat(Math.floor(x * f) / f);
      if (method !== undefined && method !== 'common') throw new Error('method must be common, ceil or floor');
      return typeof v === 'number' && Number.isInteger(v) ? pyRound(x, p) : pyFloat(pyRound(x, p));
    }),
    safe: withParams('safe', [], (v) => (v instanceof SafeString ? v : new SafeString(pyStr(v)))),
    slice: withParams('slice', ['slices', 'fill_with'], (v, slices, fill) => {
      const items = toList(v);
      const n = Number(slices);
      const per = Math.floor(items.length / n);
      const extra = items.length % n;
      const out: unknown[][] = [];
      let offset = 0;
      for (let i = 0; i < n; i++) {
        const start = offset + i * per;
        if (i < extra) offset++;
        const end = offset + (i + 1) * per;
        const part = items.slice(start, end);
        if (fill !== undefined && fill !== null && i >= extra) part.push(fill);
        out.push(part);
      }
      return out;
    }),
    sort: withParams('sort', ['reverse', 'case_sensitive', 'attribute'], (v, reverse, cs, attribute) => {
      const get = attrKeys(attribute);
      const norm = sortKey(truthy(cs));
      const key = (x: unknown): unknown => {
        const k = get(x);
        return Array.isArray(k) && attribute !== undefined ? k.map(norm) : norm(k);
      };
      const items = toList(v).slice();
      items.sort((a, b) => compareValues(key(a), key(b)));
      if (truthy(reverse)) items.reverse();
      return items;
    }),
    string: withParams('string', [], (v) => pyStr(v)),
    striptags: withParams('striptags', [], (v) =>
      pyStr(v)
        .replace(/<!--[\s\S]*?-->|<[^>]*>/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    ),
    sum: withParams('sum', ['attribute', 'start'], (v, attribute, start) => {
      const get = attribute === undefined || attribute === null ? (x: unknown) => x : (x: unknown) => getAttribute(x, attribute);
      return toList(v).reduce((acc: unknown, x) => add(acc, get(x)), start === undefined ? 0 : start);
    }),
    title: withParams('title', [], (v) => pyStr(v).replace(/\p{L}[\p{L}\p{M}]*/gu, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase())),
    tojson: withParams('tojson', ['indent', 'sort_keys'], (v, indent, sortKeys) =>
      // Jinja's filter sorts keys and escapes <>&' (htmlsafe_json_dumps)
      pyJsonDumps(v, { indent: indent as number | null | undefined, sortKeys: sortKeys === undefined ? true : truthy(sortKeys), htmlSafe: true }),
    ),
    trim: withParams('trim', ['chars'], (v, chars) => {
      const s = pyStr(v);
      if (chars === undefined || chars === null) return s.trim();
      const set = String(chars);
      let a = 0;
      let b = s.length;
      while (a < b && set.includes(s[a])) a++;
      while (b > a && set.includes(s[b - 1])) b--;
      return s.slice(a, b);
    }),
    truncate: withParams('truncate', ['length', 'killwords', 'end', 'leeway'], (v, length, killwords, end, leeway) => {
      const s = pyStr(v);
      const len = length === undefined ? 255 : Number(length);
      const e = end === undefined ? '...' : pyStr(end);
      const lw = leeway === undefined ? 5 : Number(leeway);
      if (s.length <= len + lw) return s;
      if (truthy(killwords)) return s.slice(0, len - e.length) + e;
      const cut = s.slice(0, len - e.length);
      const i = cut.lastIndexOf(' ');
      return (i >= 0 ? cut.slice(0, i) : cut) + e;
    }),
    unique: withParams('unique', ['case_sensitive', 'attribute'], (v, cs, attribute) => {
      const get = attrKeys(attribute);
      const norm = sortKey(truthy(cs));
      const seen: unknown[] = [];
      const out: unknown[] = [];
      for (const x of toList(v)) {
        const k = norm(get(x));
        if (!seen.some((s) => eq(s, k))) {
          seen.push(k);
          out.push(x);
        }
      }
      return out;
    }),
    urlencode: withParams('urlencode', [], (v) => {
      if (isMapping(v)) return dictItems(v).map(([k, x]) => `${encodeURIComponent(pyStr(k))}=${encodeURIComponent(pyStr(x))}`).join('&');
      return encodeURIComponent(pyStr(v)).replace(/%2F/g, '/');
    }),
    wordcount: withParams('wordcount', [], (v) => (pyStr(v).match(/\w+/gu) ?? []).length),
    wordwrap: withParams('wordwrap', ['width', 'break_long_words', 'wrapstring', 'break_on_hyphens'], (v, width, _blw, wrapstring) => {
      const w = width === undefined ? 79 : Number(width);
      const sep = wrapstring === undefined ? '\n' : pyStr(wrapstring);
      return pyStr(v)
        .split('\n')
        .map((para) => {
          const lines: string[] = [];
          let line = '';
          for (const word of para.split(/\s+/).filter(Boolean)) {
            if (line && line.length + 1 + word.length > w) {
              lines.push(line);
              line = word;
            } else line = line ? `${line} ${word}` : word;
          }
          if (line) lines.push(line);
          return lines.join(sep);
        })
        .join(sep);
    }),
    bool: withParams('bool', [], (v) => {
      const s = asString(v)?.trim().toLowerCase();
      if (s !== undefined) {
        if (['true', 'yes', 'on', '1', 'y'].includes(s)) return true;
        if (['false', 'no', 'off', '0', 'n', '', 'none'].includes(s)) return false;
      }
      return truthy(v);
    }),
    // dbt's conversion filters
    as_bool: withParams('as_bool', [], (v) => asBool(v)),
    as_number: withParams('as_number', [], (v) => asNumber(v)),
    as_native: withParams('as_native', [], (v) => asNative(v)),
    as_text: withParams('as_text', [], (v) => pyStr(v)),
  };
  F.d = F.default;
  F.e = F.escape;
  F.count = F.length;
  return F;
}
