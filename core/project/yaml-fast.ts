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

/** resolvePlain, with floats to note (yaml-floats.ts) returned as FloatScalar. */
function resolveNoted(s: string): unknown {
  const c = s.charCodeAt(0);
  // Every number (and .inf/.nan) starts with a digit, sign or dot: any other text is a null or
  // bool word (five letters at most) or itself, whatever the other patterns say (`name`, keys).
  if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) {
    if (s.length > 5) return s;
    if (NULL_RE.test(s)) return null;
    return BOOL_RE.test(s) ? isTrueWord(s) : s;
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

/** Whether `line` holds a sequence item's dash at `at` (`-` alone or `- ...`), without slicing it. */
function isDashAt(line: string, at: number): boolean {
  return line.charCodeAt(at) === 45 && (line.length === at + 1 || line.charCodeAt(at + 1) === 32);
}

/** Characters that may not start a plain scalar. */
const INDICATORS = new Set(['-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);

class FastReader {
  private readonly lines: string[];
  private readonly indents: number[];
  /** Whether a line holds nothing but spaces and/or a comment. */
  private readonly empty: boolean[];
  private i = 0;
  readonly positions = new Map<object, (string | number)[]>();
  private floatTexts: Map<object, Map<string | number, string>> | undefined;

  constructor(private readonly text: string) {
    this.lines = text.split('\n');
    const n = this.lines.length;
    this.indents = new Array<number>(n);
    this.empty = new Array<boolean>(n);
    const cr = text.includes('\r');
    for (let k = 0; k < n; k++) {
      let line = this.lines[k]!;
      if (cr) {
        if (line.endsWith('\r')) line = this.lines[k] = line.slice(0, -1);
        if (line.includes('\r')) giveUp();
      }
      let ind = 0;
      while (ind < line.length && line.charCodeAt(ind) === 32) ind++;
      this.indents[k] = ind;
      this.empty[k] = ind === line.length || line.charCodeAt(ind) === 35; // '#'
    }
  }

  document(): FastYaml {
    let j = this.nextContent();
    if (j >= 0) {
      const first = this.lines[j]!;
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
    while (this.i < this.lines.length && this.empty[this.i]) this.i++;
    return this.i < this.lines.length ? this.i : -1;
  }

  private record(container: object, key: string | number, line: number, col: number): void {
    let m = this.positions.get(container);
    if (!m) this.positions.set(container, (m = []));
    // A list's items are recorded in order (key === m.length); a mapping's keys once each.
    if (Array.isArray(container)) m.push(line * POS_SCALE + col);
    else m.push(key, line * POS_SCALE + col);
  }

  /** A block mapping or sequence starting on the current content line, at `indent`. */
  private blockNode(indent: number): unknown {
    const j = this.nextContent();
    if (isDashAt(this.lines[j]!, indent)) return this.sequence(indent);
    return this.mapping(indent);
  }

  /** `indent`: the column of the dashes. */
  private sequence(indent: number): unknown[] {
    const arr: unknown[] = [];
    for (;;) {
      const j = this.nextContent();
      if (j < 0 || this.indents[j]! < indent) break;
      if (this.indents[j]! > indent) giveUp();
      const line = this.lines[j]!;
      if (!isDashAt(line, indent)) break;
      this.i = j + 1;
      let k = indent + 1;
      while (k < line.length && line.charCodeAt(k) === 32) k++;
      const rest = line.slice(k);
      const idx = arr.length;
      if (rest === '' || rest.startsWith('#')) {
        const n = this.nextContent();
        if (n >= 0 && this.indents[n]! > indent) {
          this.record(arr, idx, n + 1, this.indents[n]! + 1);
          arr.push(this.blockNode(this.indents[n]!));
        } else {
          this.record(arr, idx, j + 1, indent + 2);
          arr.push(null);
        }
        continue;
      }
      this.record(arr, idx, j + 1, k + 1);
      if (rest === '-' || rest.startsWith('- ')) giveUp(); // `- - x`
      if (this.startsMapEntry(rest)) arr.push(this.mapping(k, rest, j));
      else {
        const v = this.inlineValue(rest, indent, j, k);
        arr.push(v instanceof FloatScalar ? this.note(arr, idx, v) : v);
      }
    }
    return arr;
  }

  /**
   * A block mapping at `indent`. `firstText` is the rest of a `- key: value` line (the mapping
   * starts inside a sequence item on line `firstLine`).
   */
  private mapping(indent: number, firstText?: string, firstLine?: number): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    let pending = firstText;
    for (;;) {
      let body: string;
      let lineIdx: number;
      if (pending !== undefined) {
        body = pending;
        lineIdx = firstLine!;
        pending = undefined;
      } else {
        const j = this.nextContent();
        if (j < 0 || this.indents[j]! < indent) break;
        if (this.indents[j]! > indent) giveUp();
        if (isDashAt(this.lines[j]!, indent)) break; // a sequence at the key's indent ends here
        body = this.lines[j]!.slice(indent);
        lineIdx = j;
        this.i = j + 1;
      }
      const { key, rest } = this.mapKey(body);
      if (key === '<<' || key === '__proto__' || Object.prototype.hasOwnProperty.call(obj, key)) giveUp();
      this.record(obj, key, lineIdx + 1, indent + 1);
      const valueCol = indent + (body.length - rest.length);
      const v = this.valueAfterKey(rest, indent, lineIdx, valueCol);
      obj[key] = v instanceof FloatScalar ? this.note(obj, key, v) : v;
    }
    return obj;
  }

  /** Splits `key: rest`; gives up on keys that are not plain strings. */
  private mapKey(body: string): { key: string; rest: string } {
    const c = body[0]!;
    let key: string;
    let after: string;
    if (c === '"' || c === "'") {
      const q = this.quoted(body);
      key = q.value;
      after = q.rest.trimStart();
      if (!after.startsWith(':')) giveUp();
      after = after.slice(1);
    } else {
      if (INDICATORS.has(c)) giveUp();
      const colon = findKeyColon(body);
      if (colon < 0) giveUp();
      key = body.slice(0, colon).trimEnd();
      if (key.includes(' #') || typeof resolvePlain(key) !== 'string') giveUp();
      after = body.slice(colon + 1);
    }
    if (after !== '' && after[0] !== ' ') giveUp();
    return { key, rest: after.trimStart() };
  }

  /** Whether `s` (the rest of a `- ` line) starts a `key: value` mapping. */
  private startsMapEntry(s: string): boolean {
    const c = s[0]!;
    if (c === '"' || c === "'") {
      const q = this.quoted(s);
      const after = q.rest.trimStart();
      return after.startsWith(':') && (after.length === 1 || after[1] === ' ');
    }
    if (INDICATORS.has(c)) return false;
    return findKeyColon(s) >= 0;
  }

  /** The value after `key:`; `indent` is the key's column. */
  private valueAfterKey(rest: string, indent: number, lineIdx: number, col: number): unknown {
    if (rest === '' || rest.startsWith('#')) {
      const n = this.nextContent();
      if (n < 0) return null;
      if (this.indents[n]! > indent) return this.blockNode(this.indents[n]!);
      if (this.indents[n] === indent) {
        const body = this.lines[n]!.slice(indent);
        if (body === '-' || body.startsWith('- ')) return this.sequence(indent);
      }
      return null;
    }
    return this.inlineValue(rest, indent, lineIdx, col);
  }

  /** A value written on the same line; `owner` is the indent below which it may not continue. */
  private inlineValue(rest: string, owner: number, lineIdx: number, col: number): unknown {
    const c = rest[0]!;
    let value: unknown;
    if (c === '|' || c === '>') return this.blockScalar(rest, owner);
    if (c === '"' || c === "'") {
      const q = this.quoted(rest);
      this.endOfLine(q.rest);
      value = q.value;
    } else if (c === '[' || c === '{') {
      const f = new FlowReader(rest, (container, key, offset) => this.record(container, key, lineIdx + 1, col + offset + 1), this);
      value = f.node();
      this.endOfLine(rest.slice(f.pos));
    } else if (INDICATORS.has(c) && !((c === '-' || c === ':' || c === '?') && rest.length > 1 && rest[1] !== ' ')) {
      giveUp();
    } else {
      let end = rest.indexOf(' #');
      if (end < 0) end = rest.length;
      const plain = rest.slice(0, end).trimEnd();
      if (plain.includes(': ') || plain.endsWith(':')) giveUp();
      value = resolveNoted(plain);
    }
    // A deeper line after a one-line value would continue it (multi-line scalar) or be an error.
    const n = this.nextContent();
    if (n >= 0 && this.indents[n]! > owner) giveUp();
    return value;
  }

  private endOfLine(rest: string): void {
    const t = rest.trimStart();
    if (t !== '' && !(t.startsWith('#') && rest.length > t.length)) giveUp();
  }

  /** One-line quoted scalar at the start of `s`; `rest` is what follows the closing quote. */
  private quoted(s: string): { value: string; rest: string } {
    return readQuoted(s);
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
    while (end < this.lines.length) {
      const line = this.lines[end]!;
      const ind = this.indents[end]!;
      const blank = ind === line.length;
      if (!blank) {
        if (ind <= owner) break;
        if (blockIndent < 0) blockIndent = ind;
        else if (ind < blockIndent) giveUp();
        if (folded && ind > blockIndent) giveUp();
      }
      end++;
    }
    if (end === this.lines.length && !this.text.endsWith('\n')) giveUp();
    this.i = end;
    if (blockIndent < 0) giveUp(); // an empty block: rare, leave it to the full parser
    const raw: string[] = [];
    for (let k = start; k < end; k++) {
      const line = this.lines[k]!;
      if (this.indents[k] === line.length) {
        if (line.length > blockIndent) giveUp(); // spaces that would be content
        raw.push('');
      } else raw.push(line.slice(blockIndent));
    }
    let trailing = 0;
    while (raw.length && raw[raw.length - 1] === '') {
      raw.pop();
      trailing++;
    }
    if (trailing > 0 && end === this.lines.length) trailing--; // the split's last '' is no line
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

/** Index of the `:` ending a plain key (followed by a space or the end), or -1. */
function findKeyColon(s: string): number {
  let from = 0;
  for (;;) {
    const k = s.indexOf(':', from);
    if (k < 0) return -1;
    if (k === s.length - 1 || s[k + 1] === ' ') return k;
    from = k + 1;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
};

function readQuoted(s: string): { value: string; rest: string } {
  const q = s[0];
  if (q === "'") {
    let out = '';
    let k = 1;
    for (;;) {
      const next = s.indexOf("'", k);
      if (next < 0) giveUp();
      out += s.slice(k, next);
      if (s[next + 1] === "'") {
        out += "'";
        k = next + 2;
      } else return { value: out, rest: s.slice(next + 1) };
    }
  }
  const close = s.indexOf('"', 1);
  if (close < 0) giveUp();
  const slash = s.indexOf('\\', 1);
  if (slash < 0 || slash > close) return { value: s.slice(1, close), rest: s.slice(close + 1) };
  let out = '';
  let k = 1;
  while (k < s.length) {
    const ch = s[k]!;
    if (ch === '"') return { value: out, rest: s.slice(k + 1) };
    if (ch !== '\\') {
      out += ch;
      k++;
      continue;
    }
    const e = s[k + 1];
    if (e === undefined) giveUp();
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen) {
      const hex = s.slice(k + 2, k + 2 + hexLen);
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
      const q = readQuoted(this.s.slice(this.pos));
      this.pos = this.s.length - q.rest.length;
      return q.value;
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
