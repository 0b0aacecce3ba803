// A fast reader for the plain YAML that property files are made of (block mappings and
// sequences, one-line scalars and flow collections, `|`/`>` block scalars, comments). The
// `yaml` package parses about 4 MB/s, which made property files the slowest part of loading a
// large project. This reader gives up (returns undefined) on anything outside its subset —
// anchors, tags, multi-line plain or quoted scalars, duplicate keys, tabs, errors — and the
// caller then uses the `yaml` package, so results are always the same as the full parser's
// (tests compare both on every shape).
import { FloatScalar, type FloatTexts, noteFloatText } from './yaml-floats.js';

/**
 * Positions of a container's keys/items: `line * POS_SCALE + col` (both 1-based). A list's are
 * its items' in order; a mapping's are its keys and their positions, alternating, in the order
 * written (a few keys each: a scan finds one). Arrays rather than a Map per container: the
 * property files of a large project have hundreds of thousands of containers, read for a few
 * error locations. A plain Map, not a WeakMap: it lives exactly as long as the parsed value
 * that holds its keys, and WeakMap entries cost the garbage collector more.
 */
export type PositionTable = ReadonlyMap<object, readonly (string | number)[]>;

/** Where `key` of `container` is written, from its entry in a PositionTable. */
export function positionIn(container: object, list: readonly (string | number)[], key: string | number): number | undefined {
  if (Array.isArray(container)) return list[Number(key)] as number | undefined;
  const k = String(key);
  for (let i = 0; i < list.length; i += 2) if (list[i] === k) return list[i + 1] as number;
  return undefined;
}

/** The first position of a container's entry in a PositionTable. */
export function firstPosition(container: object, list: readonly (string | number)[]): number | undefined {
  return list[Array.isArray(container) ? 0 : 1] as number | undefined;
}

export const POS_SCALE = 1_000_000;

export interface FastYaml {
  readonly value: unknown;
  readonly positions: PositionTable;
  /** Float scalars dbt's YAML reader reads otherwise (see yaml-floats.ts); absent when none. */
  readonly floatTexts?: FloatTexts;
}

class GiveUp extends Error {}

const giveUp = (): never => {
  throw new GiveUp();
};

/** Parses `text`, or returns undefined when the full YAML parser is needed. */
export function parseFastYaml(text: string): FastYaml | undefined {
  if (text.includes('\t') || text.includes('\0')) return undefined;
  try {
    return new FastReader(text).document();
  } catch (e) {
    if (e instanceof GiveUp) return undefined;
    throw e;
  }
}

const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
/** YAML 1.1's boolean words beyond true/false (PyYAML's, as dbt reads every YAML file). */
export const YAML11_BOOL_WORDS = '[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF';
/** A whole scalar that is one of YAML11_BOOL_WORDS. */
export const YAML11_BOOL_RE = new RegExp(`^(?:${YAML11_BOOL_WORDS})$`);
const BOOL_RE = new RegExp(`^(?:[Tt]rue|TRUE|[Ff]alse|FALSE|${YAML11_BOOL_WORDS})$`);
const OCT_RE = /^0o[0-7]+$/;
const INT_RE = /^[-+]?[0-9]+$/;
const HEX_RE = /^0x[0-9a-fA-F]+$/;
const NAN_INF_RE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** YAML 1.2 core schema resolution of a plain scalar (same order as the `yaml` package), with
 *  YAML 1.1's yes/no/on/off booleans (yaml-file.ts adds the same to the full parser). */
export function resolvePlain(s: string): unknown {
  const v = resolveNoted(s);
  return v instanceof FloatScalar ? v.value : v;
}

/**
 * The words NULL_RE and BOOL_RE match, and their values: looked up rather than matched, for the
 * short plain scalars and keys (`name`, `unique`) that make up much of a property file.
 */
const WORDS: ReadonlyMap<string, null | boolean> = new Map<string, null | boolean>([
  ['', null], ['~', null], ['null', null], ['Null', null], ['NULL', null],
  ...['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF'].map((w) => [w, isTrueWord(w)] as const),
]);

/** resolvePlain, with floats to note (yaml-floats.ts) returned as FloatScalar. */
function resolveNoted(s: string): unknown {
  const c = s.charCodeAt(0);
  // Every number (and .inf/.nan) starts with a digit, sign or dot: any other text is a null or
  // bool word (five letters at most) or itself, whatever the other patterns say (`name`, keys).
  if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) {
    if (s.length > 5) return s;
    const w = WORDS.get(s);
    return w === undefined ? s : w;
  }
  if (NULL_RE.test(s)) return null;
  if (BOOL_RE.test(s)) return isTrueWord(s);
  if (OCT_RE.test(s)) return parseInt(s.slice(2), 8);
  if (INT_RE.test(s)) return parseInt(s, 10);
  if (HEX_RE.test(s)) return parseInt(s.slice(2), 16);
  if (NAN_INF_RE.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity;
  if (FLOAT_RE.test(s)) {
    // Without an exponent, only whole numbers and `-.5`/`+.5` read otherwise in PyYAML.
    const n = parseFloat(s);
    return Number.isInteger(n) || ((c === 43 || c === 45) && s.charCodeAt(1) === 46) ? new FloatScalar(n, s) : n;
  }
  if (FLOAT_EXP_RE.test(s)) {
    const n = parseFloat(s);
    return noteFloatText(s, n) ? new FloatScalar(n, s) : n;
  }
  return s;
}

/** A BOOL_RE word's value: true, yes and on are true. */
export function isTrueWord(s: string): boolean {
  const c = s[0]!.toLowerCase();
  return c === 't' || c === 'y' || (c === 'o' && s.length === 2);
}

/** Whether a line of `s` ending at `end` holds a sequence item's dash at `at` (`-` alone or `- ...`). */
function isDashAt(s: string, at: number, end: number): boolean {
  return at < end && s.charCodeAt(at) === 45 && (at + 1 === end || s.charCodeAt(at + 1) === 32);
}

/** Characters that may not start a plain scalar. */
const INDICATORS = new Set(['-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);
const INDICATOR_CODES = new Uint8Array(128);
for (const c of INDICATORS) INDICATOR_CODES[c.charCodeAt(0)] = 1;

/** INDICATORS.has() for a character code. */
function isIndicator(c: number): boolean {
  return c < 128 && INDICATOR_CODES[c] === 1;
}

class FastReader {
  // Lines as offsets into the text rather than strings of their own (text.split('\n') made a
  // string per line: a quarter of a million at 10,000 models, most of what reading allocated).
  /** Where each line starts in the text. */
  private readonly starts: Int32Array;
  /** Where each line ends: at its `\n` (before a `\r` ending it), or the end of the text. */
  private readonly ends: Int32Array;
  private readonly indents: Int32Array;
  /** Whether a line holds nothing but spaces and/or a comment (1) or not (0). */
  private readonly empty: Uint8Array;
  /** The number of lines: one per `\n`, and the text after the last one (as split('\n') gives). */
  private readonly count: number;
  private i = 0;
  readonly positions = new Map<object, (string | number)[]>();
  private floatTexts: Map<object, Map<string | number, string>> | undefined;

  constructor(private readonly text: string) {
    let n = 1;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) n++;
    this.count = n;
    const starts = (this.starts = new Int32Array(n));
    const ends = (this.ends = new Int32Array(n));
    const indents = (this.indents = new Int32Array(n));
    const empty = (this.empty = new Uint8Array(n));
    const cr = text.includes('\r');
    let start = 0;
    for (let k = 0; k < n; k++) {
      let nl = text.indexOf('\n', start);
      if (nl === -1) nl = text.length;
      let end = nl;
      if (cr) {
        // A `\r` ending the line is dropped; one anywhere else is left to the full parser.
        if (end > start && text.charCodeAt(end - 1) === 13) end--;
        for (let c = start; c < end; c++) if (text.charCodeAt(c) === 13) giveUp();
      }
      let ind = start;
      while (ind < end && text.charCodeAt(ind) === 32) ind++;
      starts[k] = start;
      ends[k] = end;
      indents[k] = ind - start;
      empty[k] = ind === end || text.charCodeAt(ind) === 35 ? 1 : 0; // '#'
      start = nl + 1;
    }
  }

  document(): FastYaml {
    let j = this.nextContent();
    if (j >= 0) {
      const first = this.text.slice(this.starts[j]!, this.ends[j]!);
      if (first.startsWith('%') || first.startsWith('...')) giveUp();
      if (first.startsWith('---')) {
        // A comment needs a space before its `#`: `---#` is a plain scalar, not a marker.
        if (!/^---(\s+(#.*)?)?$/.test(first)) giveUp();
        this.i = j + 1;
        j = this.nextContent();
      }
    }
    if (j < 0) return { value: null, positions: this.positions };
    if (this.indents[j] !== 0) giveUp();
    const value = this.blockNode(0);
    const rest = this.nextContent();
    if (rest >= 0) giveUp(); // something we did not understand (or a second document)
    return this.floatTexts ? { value, positions: this.positions, floatTexts: this.floatTexts } : { value, positions: this.positions };
  }

  /** Notes the text of a float going to `container[key]`; its number, to store there. */
  note(container: object, key: string | number, v: FloatScalar): number {
    let m = (this.floatTexts ??= new Map()).get(container);
    if (!m) this.floatTexts.set(container, (m = new Map()));
    m.set(key, v.text);
    return v.value;
  }

  /** Index of the next line with content (advancing past blank/comment lines), or -1. */
  private nextContent(): number {
    while (this.i < this.count && this.empty[this.i] === 1) this.i++;
    return this.i < this.count ? this.i : -1;
  }

  private record(container: object, key: string | number, line: number, col: number): void {
    let m = this.positions.get(container);
    if (!m) this.positions.set(container, (m = []));
    // A list's items are recorded in order (key === m.length); a mapping's keys once each.
    if (Array.isArray(container)) m.push(line * POS_SCALE + col);
    else m.push(key, line * POS_SCALE + col);
  }

  /** Whether line `j` holds a sequence item's dash at column `col`. */
  private dashAt(j: number, col: number): boolean {
    return isDashAt(this.text, this.starts[j]! + col, this.ends[j]!);
  }

  /** A block mapping or sequence starting on the current content line, at `indent`. */
  private blockNode(indent: number): unknown {
    const j = this.nextContent();
    if (this.dashAt(j, indent)) return this.sequence(indent);
    return this.mapping(indent, -1);
  }

  // The readers below take a place in the text and the end of its line rather than the rest of
  // the line as a string of its own (nor a {key, rest} pair per entry).

  /** `indent`: the column of the dashes. */
  private sequence(indent: number): unknown[] {
    const text = this.text;
    const arr: unknown[] = [];
    // The items' positions, in order (record() without a look-up per item).
    const pos: number[] = [];
    this.positions.set(arr, pos);
    for (;;) {
      const j = this.nextContent();
      if (j < 0 || this.indents[j]! < indent) break;
      if (this.indents[j]! > indent) giveUp();
      const s = this.starts[j]!;
      const e = this.ends[j]!;
      if (!isDashAt(text, s + indent, e)) break;
      this.i = j + 1;
      let k = s + indent + 1;
      while (k < e && text.charCodeAt(k) === 32) k++;
      const idx = arr.length;
      if (k === e || text.charCodeAt(k) === 35) {
        const n = this.nextContent();
        if (n >= 0 && this.indents[n]! > indent) {
          pos.push((n + 1) * POS_SCALE + this.indents[n]! + 1);
          arr.push(this.blockNode(this.indents[n]!));
        } else {
          pos.push((j + 1) * POS_SCALE + indent + 2);
          arr.push(null);
        }
        continue;
      }
      pos.push((j + 1) * POS_SCALE + (k - s) + 1);
      if (isDashAt(text, k, e)) giveUp(); // `- - x`
      if (this.startsMapEntry(k, e)) arr.push(this.mapping(k - s, j));
      else {
        const v = this.inlineValue(k, e, indent, j);
        arr.push(v instanceof FloatScalar ? this.note(arr, idx, v) : v);
      }
    }
    return arr;
  }

  /**
   * A block mapping at `indent`. `firstLine` >= 0: the mapping starts inside a sequence item on
   * that line (`- key: value`, its key at `indent`), already consumed.
   */
  private mapping(indent: number, firstLine: number): Record<string, unknown> {
    const text = this.text;
    const obj: Record<string, unknown> = {};
    // Its keys and their positions (record() without a look-up per key).
    const pos: (string | number)[] = [];
    this.positions.set(obj, pos);
    let lineIdx = firstLine;
    for (;;) {
      if (lineIdx < 0) {
        const j = this.nextContent();
        if (j < 0 || this.indents[j]! < indent) break;
        if (this.indents[j]! > indent) giveUp();
        if (this.dashAt(j, indent)) break; // a sequence at the key's indent ends here
        lineIdx = j;
        this.i = j + 1;
      }
      const e = this.ends[lineIdx]!;
      const key = this.mapKey(this.starts[lineIdx]! + indent, e);
      if (key === '<<' || key === '__proto__' || Object.prototype.hasOwnProperty.call(obj, key)) giveUp();
      pos.push(key, (lineIdx + 1) * POS_SCALE + indent + 1);
      const at = this.valueAt;
      const v = at === e || text.charCodeAt(at) === 35 ? this.valueBelow(indent) : this.inlineValue(at, e, indent, lineIdx);
      obj[key] = v instanceof FloatScalar ? this.note(obj, key, v) : v;
      lineIdx = -1;
    }
    return obj;
  }

  /** Where the value of the entry mapKey() last read starts (its line's end: none on the line). */
  private valueAt = 0;

  /** The key of the `key: value` entry at `at`, in a line ending at `end` (see valueAt); gives up on keys that are not plain strings. */
  private mapKey(at: number, end: number): string {
    const text = this.text;
    const c = text.charCodeAt(at);
    let key: string;
    let after: number;
    if (c === 34 || c === 39) {
      key = readQuoted(text, at, end);
      const colon = skipSpaces(text, quotedEnd, end);
      if (colon >= end || text.charCodeAt(colon) !== 58) giveUp();
      after = colon + 1;
    } else {
      if (isIndicator(c)) giveUp();
      const colon = findKeyColon(text, at, end);
      if (colon < 0) giveUp();
      key = trimmedEnd(text.slice(at, colon));
      if (key.includes(' #') || typeof resolvePlain(key) !== 'string') giveUp();
      after = colon + 1;
    }
    if (after < end && text.charCodeAt(after) !== 32) giveUp();
    this.valueAt = skipSpaces(text, after, end);
    return key;
  }

  /** Whether what follows a `- ` at `at` (in a line ending at `end`) starts a `key: value` mapping. */
  private startsMapEntry(at: number, end: number): boolean {
    const text = this.text;
    const c = text.charCodeAt(at);
    if (c === 34 || c === 39) {
      readQuoted(text, at, end);
      const colon = skipSpaces(text, quotedEnd, end);
      return colon < end && text.charCodeAt(colon) === 58 && (colon + 1 === end || text.charCodeAt(colon + 1) === 32);
    }
    if (isIndicator(c)) return false;
    return findKeyColon(text, at, end) >= 0;
  }

  /** The value of a `key:` with nothing after it on its line; `indent` is the key's column. */
  private valueBelow(indent: number): unknown {
    const n = this.nextContent();
    if (n < 0) return null;
    if (this.indents[n]! > indent) return this.blockNode(this.indents[n]!);
    if (this.indents[n] === indent && this.dashAt(n, indent)) return this.sequence(indent);
    return null;
  }

  /** A value written from `at` to `end` on line `lineIdx`; `owner` is the indent below which it may not continue. */
  private inlineValue(at: number, end: number, owner: number, lineIdx: number): unknown {
    const text = this.text;
    const c = text.charCodeAt(at);
    let value: unknown;
    if (c === 124 || c === 62) return this.blockScalar(text.slice(at, end), owner); // | >
    if (c === 34 || c === 39) {
      value = readQuoted(text, at, end);
      this.endOfLine(text, quotedEnd, end);
    } else if (c === 91 || c === 123) {
      const rest = text.slice(at, end);
      const col = at - this.starts[lineIdx]!;
      const f = new FlowReader(rest, (container, key, offset) => this.record(container, key, lineIdx + 1, col + offset + 1), this);
      value = f.node();
      this.endOfLine(rest, f.pos, rest.length);
    } else if (isIndicator(c) && !((c === 45 || c === 58 || c === 63) && end - at > 1 && text.charCodeAt(at + 1) !== 32)) {
      giveUp();
    } else {
      let plain = text.slice(at, end);
      const comment = plain.indexOf(' #');
      if (comment >= 0) plain = plain.slice(0, comment);
      plain = trimmedEnd(plain);
      if (plain.includes(': ') || plain.endsWith(':')) giveUp();
      value = resolveNoted(plain);
    }
    // A deeper line after a one-line value would continue it (multi-line scalar) or be an error.
    const n = this.nextContent();
    if (n >= 0 && this.indents[n]! > owner) giveUp();
    return value;
  }

  /** Nothing but whitespace, or a comment after some, may follow a value from `from` to `end`. */
  private endOfLine(s: string, from: number, end: number): void {
    const t = skipSpaces(s, from, end);
    if (t < end && !(s.charCodeAt(t) === 35 && t > from)) giveUp();
  }

  /** `|`, `|-`, `|+`, `>`, `>-`, `>+` blocks; `owner` is the indent of the key or dash. */
  private blockScalar(header: string, owner: number): string {
    const m = /^([|>])([-+]?)\s*(#.*)?$/.exec(header);
    if (!m) giveUp();
    const folded = m![1] === '>';
    const chomp = m![2];
    const start = this.i;
    let end = start;
    let blockIndent = -1;
    while (end < this.count) {
      const ind = this.indents[end]!;
      const blank = ind === this.ends[end]! - this.starts[end]!;
      if (!blank) {
        if (ind <= owner) break;
        if (blockIndent < 0) blockIndent = ind;
        else if (ind < blockIndent) giveUp();
        if (folded && ind > blockIndent) giveUp();
      }
      end++;
    }
    if (end === this.count && !this.text.endsWith('\n')) giveUp();
    this.i = end;
    if (blockIndent < 0) giveUp(); // an empty block: rare, leave it to the full parser
    const raw: string[] = [];
    for (let k = start; k < end; k++) {
      const length = this.ends[k]! - this.starts[k]!;
      if (this.indents[k] === length) {
        if (length > blockIndent) giveUp(); // spaces that would be content
        raw.push('');
      } else raw.push(this.text.slice(this.starts[k]! + blockIndent, this.ends[k]!));
    }
    let trailing = 0;
    while (raw.length && raw[raw.length - 1] === '') {
      raw.pop();
      trailing++;
    }
    if (trailing > 0 && end === this.count) trailing--; // the split's last '' is no line
    let body: string;
    if (!folded) body = raw.join('\n');
    else {
      body = '';
      let blanks = 0;
      let started = false;
      for (const l of raw) {
        if (l === '') {
          blanks++;
          continue;
        }
        if (!started) body += '\n'.repeat(blanks);
        else body += blanks > 0 ? '\n'.repeat(blanks) : ' ';
        body += l;
        started = true;
        blanks = 0;
      }
    }
    if (chomp === '-') return body;
    if (chomp === '+') return body + '\n' + '\n'.repeat(trailing);
    return body + '\n';
  }
}

/** Index of the `:` ending a plain key (followed by a space or the line's end) in `s` from `from` to `end`, or -1. */
function findKeyColon(s: string, from: number, end: number): number {
  for (let k = from; k < end; k++) {
    if (s.charCodeAt(k) === 58 && (k === end - 1 || s.charCodeAt(k + 1) === 32)) return k;
  }
  return -1;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
};

/** Where the quoted scalar readQuoted() last read ends (the index after its closing quote). */
let quotedEnd = 0;

/** The one-line quoted scalar starting at `start` of `s`, in a line ending at `end` (see quotedEnd). */
function readQuoted(s: string, start: number, end: number): string {
  if (s.charCodeAt(start) === 39) {
    let out = '';
    let k = start + 1;
    for (;;) {
      const next = s.indexOf("'", k);
      if (next < 0 || next >= end) giveUp();
      out += s.slice(k, next);
      if (next + 1 < end && s.charCodeAt(next + 1) === 39) {
        out += "'";
        k = next + 2;
      } else {
        quotedEnd = next + 1;
        return out;
      }
    }
  }
  const close = s.indexOf('"', start + 1);
  if (close < 0 || close >= end) giveUp();
  const inner = s.slice(start + 1, close);
  if (!inner.includes('\\')) {
    quotedEnd = close + 1;
    return inner;
  }
  let out = '';
  let k = start + 1;
  while (k < end) {
    const ch = s[k]!;
    if (ch === '"') {
      quotedEnd = k + 1;
      return out;
    }
    if (ch !== '\\') {
      out += ch;
      k++;
      continue;
    }
    const e = k + 1 < end ? s[k + 1] : undefined;
    if (e === undefined) giveUp();
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen) {
      const hex = s.slice(k + 2, Math.min(k + 2 + hexLen, end));
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLen) giveUp();
      out += String.fromCodePoint(parseInt(hex, 16));
      k += 2 + hexLen;
    } else {
      const r = ESCAPES[e!];
      if (r === undefined) giveUp();
      out += r;
      k += 2;
    }
  }
  return giveUp();
}

/** Whether a character code is JavaScript whitespace (what trimStart() and trimEnd() remove). */
function isJsSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** The index of the first character of `s` from `from` to `end` that is not whitespace (as trimStart() sees it), else `end`. */
function skipSpaces(s: string, from: number, end: number): number {
  while (from < end && isJsSpace(s.charCodeAt(from))) from++;
  return from;
}

/** s.trimEnd(), without the call when `s` ends in a visible ASCII character (the usual case). */
function trimmedEnd(s: string): string {
  const last = s.charCodeAt(s.length - 1);
  return last > 32 && last < 127 ? s : s.trimEnd();
}

/** One-line flow collections: `[a, 'b', {c: 1}]`, `{a: [1, 2]}`. */
class FlowReader {
  pos = 0;
  /** `record(container, key, offset)`: where a key or item starts within the string. */
  constructor(
    private readonly s: string,
    private readonly record: (container: object, key: string | number, offset: number) => void,
    private readonly into: Pick<FastReader, 'note'>,
  ) {}

  private skipSpaces(): void {
    while (this.s[this.pos] === ' ') this.pos++;
  }

  node(): unknown {
    this.skipSpaces();
    const c = this.s[this.pos];
    if (c === '[') return this.seq();
    if (c === '{') return this.map();
    if (c === '"' || c === "'") {
      const value = readQuoted(this.s, this.pos, this.s.length);
      this.pos = quotedEnd;
      return value;
    }
    return resolveNoted(this.plain());
  }

  /** A plain scalar in flow context: ends at `,`, `]`, `}`, `: ` or ` #`. */
  private plain(): string {
    const start = this.pos;
    const c = this.s[start];
    if (c === undefined || (INDICATORS.has(c) && !(c === '-' && this.s[start + 1] !== ' ' && this.s[start + 1] !== undefined))) giveUp();
    while (this.pos < this.s.length) {
      const ch = this.s[this.pos]!;
      if (ch === ',' || ch === ']' || ch === '}' || ch === '[' || ch === '{') break;
      if (ch === ':' && (this.s[this.pos + 1] === ' ' || this.s[this.pos + 1] === ',' || this.s[this.pos + 1] === '}' || this.s[this.pos + 1] === ']' || this.pos + 1 === this.s.length)) break;
      if (ch === '#' && this.s[this.pos - 1] === ' ') giveUp();
      this.pos++;
    }
    const text = this.s.slice(start, this.pos).trim();
    if (text === '' || text.includes(': ') || text.includes(':')) giveUp();
    return text;
  }

  private seq(): unknown[] {
    this.pos++; // [
    const out: unknown[] = [];
    this.skipSpaces();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpaces();
      this.record(out, out.length, this.pos);
      const v = this.node();
      this.skipSpaces();
      if (this.s[this.pos] === ':') giveUp(); // `[a: 1]`: a single-pair map
      out.push(v instanceof FloatScalar ? this.into.note(out, out.length, v) : v);
      const c = this.s[this.pos];
      this.pos++;
      if (c === ']') return out;
      if (c !== ',') giveUp();
      this.skipSpaces();
      if (this.s[this.pos] === ']' || this.s[this.pos] === ',') giveUp(); // trailing/empty entries
    }
  }

  private map(): Record<string, unknown> {
    this.pos++; // {
    const out: Record<string, unknown> = {};
    this.skipSpaces();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpaces();
      const keyAt = this.pos;
      const k = this.node();
      if (typeof k !== 'string' || k === '__proto__' || k === '<<' || Object.prototype.hasOwnProperty.call(out, k)) giveUp();
      this.skipSpaces();
      if (this.s[this.pos] !== ':') giveUp();
      this.pos++;
      if (this.s[this.pos] !== ' ') giveUp();
      this.skipSpaces();
      this.record(out, k as string, keyAt);
      const v = this.node();
      out[k as string] = v instanceof FloatScalar ? this.into.note(out, k as string, v) : v;
      this.skipSpaces();
      const c = this.s[this.pos];
      this.pos++;
      if (c === '}') return out;
      if (c !== ',') giveUp();
      this.skipSpaces();
      if (this.s[this.pos] === '}' || this.s[this.pos] === ',') giveUp();
    }
  }
}
