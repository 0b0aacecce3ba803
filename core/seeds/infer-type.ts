// Seed column type inference, after dbt's agate type tester: a column takes the narrowest type
// every non-empty value fits. Values must be in canonical form (no surrounding spaces, no
// thousands separators): whatever is inferred here, every database's bulk loader must accept.
import type { SeedColumnType } from '../../adapters/adapter.js';

// Each value votes with the set of types it fits; a column keeps the intersection.
const INT = 1;
const NUM = 2;
const BOOL = 4;
const DATE = 8;
const TS = 16;
const ALL = INT | NUM | BOOL | DATE | TS;

const INT32_MIN = -2147483648n;
const INT32_MAX = 2147483647n;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

/** Integer width needed so far: 0 fits int32, 1 fits int64, 2 fits neither. */
type IntWidth = 0 | 1 | 2;

/** The decimal shape isDecimal and isDecimalBytes check by hand (kept as their specification). */
export const DECIMAL_RE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
// Date part, then an optional time part with a space or T: no zone (a zoned value is text,
// since a TIMESTAMP column would silently drop or shift the zone).
/** The date/timestamp shape classifyDateTime checks by hand (kept as its specification). */
export const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?)?$/;

export class ColumnInferrer {
  private mask = ALL;
  private votes = 0;
  private intWidth: IntWidth = 0;

  /** No value can change the result any more (the column is text): callers may stop feeding it. */
  get settled(): boolean {
    return this.mask === 0;
  }

  /** Feeds one raw field; empty strings are NULL and do not vote. */
  add(value: string): void {
    if (value === '' || this.mask === 0) return;
    this.votes++;
    this.mask &= this.classify(value);
  }

  /**
   * add() of the UTF-8 bytes b[start, end), without making a string: the same answer, since
   * every value a non-text type accepts is ASCII (a value with any other byte is text either way).
   */
  addBytes(b: Uint8Array, start: number, end: number): void {
    if (start === end || this.mask === 0) return;
    this.votes++;
    this.mask &= this.classifyBytes(b, start, end);
  }

  result(): SeedColumnType {
    const m = this.mask;
    if (this.votes === 0 || m === 0) return 'text';
    if (m & INT) return this.intWidth === 0 ? 'integer' : this.intWidth === 1 ? 'bigint' : 'numeric';
    if (m & NUM) return 'numeric';
    if (m & BOOL) return 'boolean';
    if (m & DATE) return 'date';
    if (m & TS) return 'timestamp';
    return 'text';
  }

  private classify(v: string): number {
    const c = v.charCodeAt(0);
    // Digits, sign or dot: a number or a date/timestamp; letters: maybe a boolean.
    if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) {
      if (this.mask & INT && isInteger(v)) {
        this.widenInt(v);
        return INT | NUM;
      }
      if (this.mask & NUM && isDecimal(v)) return NUM;
      if (this.mask & (DATE | TS)) return classifyDateTime(v);
      return 0;
    }
    if (this.mask & BOOL && (v.length === 4 || v.length === 5)) {
      const l = v.toLowerCase();
      if (l === 'true' || l === 'false') return BOOL;
    }
    return 0;
  }

  private classifyBytes(b: Uint8Array, s: number, e: number): number {
    const c = b[s];
    if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) {
      if (this.mask & INT && isIntegerBytes(b, s, e)) {
        this.widenIntBytes(b, s, e);
        return INT | NUM;
      }
      if (this.mask & NUM && isDecimalBytes(b, s, e)) return NUM;
      if (this.mask & (DATE | TS)) return classifyDateTimeBytes(b, s, e);
      return 0;
    }
    const len = e - s;
    if (this.mask & BOOL && (len === 4 || len === 5)) {
      // ASCII letters only: `| 0x20` lowercases them (and maps no other byte onto one of these).
      if (len === 4 && (b[s] | 0x20) === 116 && (b[s + 1] | 0x20) === 114 && (b[s + 2] | 0x20) === 117 && (b[s + 3] | 0x20) === 101) return BOOL;
      if (len === 5 && (b[s] | 0x20) === 102 && (b[s + 1] | 0x20) === 97 && (b[s + 2] | 0x20) === 108 && (b[s + 3] | 0x20) === 115 && (b[s + 4] | 0x20) === 101) return BOOL;
    }
    return 0;
  }

  private widenIntBytes(b: Uint8Array, s: number, e: number): void {
    if (this.intWidth === 2) return;
    const sign = b[s] === 45 || b[s] === 43 ? 1 : 0;
    const count = e - s - sign;
    if (count <= 9) return;
    if (count <= 15) {
      let x = 0;
      for (let i = s + sign; i < e; i++) x = x * 10 + (b[i] - 48);
      if (b[s] === 45) x = -x;
      if (x >= -2147483648 && x <= 2147483647) return;
      if (this.intWidth < 1) this.intWidth = 1;
      return;
    }
    this.widenInt(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1'));
  }

  private widenInt(v: string): void {
    if (this.intWidth === 2) return;
    const digits = v.length - (v.charCodeAt(0) === 45 || v.charCodeAt(0) === 43 ? 1 : 0);
    if (digits <= 9) return;
    // Up to 15 digits a double is exact: no BigInt needed (a hot path for id columns).
    if (digits <= 15) {
      const x = Number(v);
      if (x >= -2147483648 && x <= 2147483647) return;
      if (this.intWidth < 1) this.intWidth = 1;
      return;
    }
    const n = BigInt(v);
    if (n >= INT32_MIN && n <= INT32_MAX) return;
    const w: IntWidth = n >= INT64_MIN && n <= INT64_MAX ? 1 : 2;
    if (w > this.intWidth) this.intWidth = w;
  }
}

function isInteger(v: string): boolean {
  let i = v.charCodeAt(0) === 45 || v.charCodeAt(0) === 43 ? 1 : 0;
  if (i === v.length) return false;
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isIntegerBytes(b: Uint8Array, s: number, e: number): boolean {
  let i = b[s] === 45 || b[s] === 43 ? s + 1 : s;
  if (i === e) return false;
  for (; i < e; i++) {
    const c = b[i];
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** DECIMAL_RE, by character codes. */
function isDecimal(v: string): boolean {
  const e = v.length;
  let i = 0;
  let c = v.charCodeAt(0);
  if (c === 45 || c === 43) i++;
  const intStart = i;
  while (i < e && (c = v.charCodeAt(i)) >= 48 && c <= 57) i++;
  if (i > intStart) {
    if (i < e && v.charCodeAt(i) === 46) {
      i++;
      while (i < e && (c = v.charCodeAt(i)) >= 48 && c <= 57) i++;
    }
  } else {
    if (i >= e || v.charCodeAt(i) !== 46) return false;
    i++;
    const fracStart = i;
    while (i < e && (c = v.charCodeAt(i)) >= 48 && c <= 57) i++;
    if (i === fracStart) return false;
  }
  if (i < e && ((c = v.charCodeAt(i)) === 101 || c === 69)) {
    i++;
    if (i < e && ((c = v.charCodeAt(i)) === 45 || c === 43)) i++;
    const expStart = i;
    while (i < e && (c = v.charCodeAt(i)) >= 48 && c <= 57) i++;
    if (i === expStart) return false;
  }
  return i === e;
}

/** DECIMAL_RE on the bytes b[s, e). */
function isDecimalBytes(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  let c = b[s];
  if (c === 45 || c === 43) i++;
  const intStart = i;
  while (i < e && (c = b[i]) >= 48 && c <= 57) i++;
  if (i > intStart) {
    if (i < e && b[i] === 46) {
      i++;
      while (i < e && (c = b[i]) >= 48 && c <= 57) i++;
    }
  } else {
    if (i >= e || b[i] !== 46) return false;
    i++;
    const fracStart = i;
    while (i < e && (c = b[i]) >= 48 && c <= 57) i++;
    if (i === fracStart) return false;
  }
  if (i < e && ((c = b[i]) === 101 || c === 69)) {
    i++;
    if (i < e && ((c = b[i]) === 45 || c === 43)) i++;
    const expStart = i;
    while (i < e && (c = b[i]) >= 48 && c <= 57) i++;
    if (i === expStart) return false;
  }
  return i === e;
}

/** classifyDateTime on the bytes b[s, e). */
function classifyDateTimeBytes(b: Uint8Array, s: number, e: number): number {
  const len = e - s;
  if (len !== 10 && len < 19) return 0;
  const y = digitsBytes(b, s, 4);
  const mo = digitsBytes(b, s + 5, 2);
  const d = digitsBytes(b, s + 8, 2);
  if (y < 0 || mo < 0 || d < 0 || b[s + 4] !== 45 || b[s + 7] !== 45) return 0;
  if (!isValidDate(y, mo, d)) return 0;
  if (len === 10) return DATE | TS;
  const sep = b[s + 10];
  if (sep !== 32 && sep !== 84) return 0;
  const h = digitsBytes(b, s + 11, 2);
  const mi = digitsBytes(b, s + 14, 2);
  const sec = digitsBytes(b, s + 17, 2);
  if (h < 0 || mi < 0 || sec < 0 || b[s + 13] !== 58 || b[s + 16] !== 58) return 0;
  if (len > 19 && (b[s + 19] !== 46 || len > 29 || len === 20 || digitsBytes(b, s + 20, len - 20) < 0)) return 0;
  if (h > 23 || mi > 59 || sec > 59) return 0;
  return TS;
}

function digitsBytes(b: Uint8Array, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = b[i] - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** DATETIME_RE, by character codes (a hot path: every value of a date or timestamp column). */
function classifyDateTime(v: string): number {
  const len = v.length;
  if (len !== 10 && len < 19) return 0;
  const y = digits(v, 0, 4);
  const mo = digits(v, 5, 2);
  const d = digits(v, 8, 2);
  if (y < 0 || mo < 0 || d < 0 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return 0;
  if (!isValidDate(y, mo, d)) return 0;
  if (len === 10) return DATE | TS;
  const sep = v.charCodeAt(10);
  if (sep !== 32 && sep !== 84) return 0;
  const h = digits(v, 11, 2);
  const mi = digits(v, 14, 2);
  const sec = digits(v, 17, 2);
  if (h < 0 || mi < 0 || sec < 0 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) return 0;
  if (len > 19 && (v.charCodeAt(19) !== 46 || len > 29 || len === 20 || digits(v, 20, len - 20) < 0)) return 0;
  if (h > 23 || mi > 59 || sec > 59) return 0;
  return TS;
}

/** The ASCII digits v[at, at+count) as a number, or -1 if any is not a digit. */
function digits(v: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isValidDate(y: number, mo: number, d: number): boolean {
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  if (mo === 2 && d === 29) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= DAYS_IN_MONTH[mo - 1];
}

/** The type of a list of raw values (convenience for callers and tests). */
export function inferColumnType(values: Iterable<string>): SeedColumnType {
  const inf = new ColumnInferrer();
  for (const v of values) inf.add(v);
  return inf.result();
}
