// Minimal Python `datetime`, `pytz` and `re` modules for dbt's `modules.*` context entry.
// Values behave like their Python counterparts where templates touch them: str()/isoformat/
// strftime output, + and - with timedeltas, comparisons via valueOf, re match objects.
import { bindParams, pyStr, splitArgs, toList } from './values.js';

// ---------------------------------------------------------------- time zones

const dtfCache = new Map<string, Intl.DateTimeFormat>();

function zoneOffsetMinutes(zone: string, instantMs: number): number {
  let dtf = dtfCache.get(zone);
  if (!dtf) {
    dtf = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    dtfCache.set(zone, dtf);
  }
  const parts: Record<string, number> = {};
  for (const p of dtf.formatToParts(new Date(instantMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((wall - Math.floor(instantMs / 1000) * 1000) / 60000);
}

/** A tzinfo: a fixed offset, or an IANA zone whose offset depends on the instant. */
export class PyTimezone {
  constructor(
    readonly zone: string | null,
    readonly fixedMinutes: number,
    readonly label: string,
  ) {}
  offsetAt(instantMs: number): number {
    return this.zone === null ? this.fixedMinutes : zoneOffsetMinutes(this.zone, instantMs);
  }
  utcoffset(): PyTimedelta {
    return new PyTimedelta(0, this.offsetAt(Date.now()) * 60, 0);
  }
  tzname(): string {
    return this.label;
  }
  toString(): string {
    return this.label;
  }
  /** pytz style: attach the zone to a naive datetime. */
  localize(dt: PyDateTime): PyDateTime {
    return dt.replace(Object.assign({ tzinfo: this }, { __keywords: true }));
  }
}

export const UTC = new PyTimezone(null, 0, 'UTC');

function formatOffset(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return sign + String(Math.floor(m / 60)).padStart(2, '0') + (colon ? ':' : '') + String(m % 60).padStart(2, '0');
}

// ---------------------------------------------------------------- timedelta

const US_PER_DAY = 86_400_000_000;

export class PyTimedelta {
  readonly days: number;
  readonly seconds: number;
  readonly microseconds: number;
  /** Total microseconds; keeps arithmetic exact for the ranges templates use. */
  readonly totalUs: number;

  constructor(days = 0, seconds = 0, microseconds = 0) {
    const total = Math.round(days * US_PER_DAY + seconds * 1e6 + microseconds);
    this.totalUs = total;
    this.days = Math.floor(total / US_PER_DAY);
    const rem = total - this.days * US_PER_DAY;
    this.seconds = Math.floor(rem / 1e6);
    this.microseconds = rem - this.seconds * 1e6;
  }

  static fromArgs(args: unknown[]): PyTimedelta {
    const [days, seconds, microseconds, milliseconds, minutes, hours, weeks] = bindParams('timedelta', args, [
      'days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks',
    ]).map((x) => Number(x ?? 0));
    return new PyTimedelta(days + weeks * 7, seconds + minutes * 60 + hours * 3600, microseconds + milliseconds * 1000);
  }

  total_seconds(): number {
    return this.totalUs / 1e6;
  }
  __add__(o: unknown): unknown {
    if (o instanceof PyTimedelta) return new PyTimedelta(0, 0, this.totalUs + o.totalUs);
    if (o instanceof PyDate) return o.__add__(this);
    throw new TypeError('unsupported operand type(s) for +: timedelta');
  }
  __radd__(o: unknown): unknown {
    return this.__add__(o);
  }
  __sub__(o: unknown): unknown {
    if (o instanceof PyTimedelta) return new PyTimedelta(0, 0, this.totalUs - o.totalUs);
    throw new TypeError('unsupported operand type(s) for -: timedelta');
  }
  __eq__(o: unknown): boolean {
    return o instanceof PyTimedelta && o.totalUs === this.totalUs;
  }
  valueOf(): number {
    return this.totalUs;
  }
  toString(): string {
    const h = Math.floor(this.seconds / 3600);
    const m = Math.floor((this.seconds % 3600) / 60);
    const s = this.seconds % 60;
    let out = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
    if (this.microseconds) out += '.' + String(this.microseconds).padStart(6, '0');
    if (this.days) out = `${this.days} day${Math.abs(this.days) === 1 ? '' : 's'}, ${out}`;
    return out;
  }
}

// ---------------------------------------------------------------- date / datetime

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

const p2 = (n: number): string => String(n).padStart(2, '0');

/** A date; `wall` is the wall-clock time as if it were UTC, in ms. */
export class PyDate {
  constructor(readonly wall: number) {}

  static of(year: number, month: number, day: number): PyDate {
    return new PyDate(Date.UTC(year, month - 1, day));
  }
  protected d(): Date {
    return new Date(this.wall);
  }
  get year(): number {
    return this.d().getUTCFullYear();
  }
  get month(): number {
    return this.d().getUTCMonth() + 1;
  }
  get day(): number {
    return this.d().getUTCDate();
  }
  weekday(): number {
    return (this.d().getUTCDay() + 6) % 7;
  }
  isoweekday(): number {
    return this.weekday() + 1;
  }
  toordinal(): number {
    return Math.floor(this.wall / 86_400_000) + 719_163;
  }
  isoformat(): string {
    return `${String(this.year).padStart(4, '0')}-${p2(this.month)}-${p2(this.day)}`;
  }
  strftime(fmt: unknown): string {
    return strftime(this, String(fmt));
  }
  replace(...args: unknown[]): PyDate {
    const [year, month, day] = bindParams('replace', args, ['year', 'month', 'day']);
    return PyDate.of(Number(year ?? this.year), Number(month ?? this.month), Number(day ?? this.day));
  }
  __add__(o: unknown): unknown {
    if (o instanceof PyTimedelta) return new PyDate(this.wall + o.days * 86_400_000);
    throw new TypeError('unsupported operand type(s) for +: date');
  }
  __sub__(o: unknown): unknown {
    if (o instanceof PyTimedelta) return new PyDate(this.wall - o.days * 86_400_000);
    if (o instanceof PyDate) return new PyTimedelta(0, 0, (this.valueOf() - o.valueOf()) * 1000);
    throw new TypeError('unsupported operand type(s) for -: date');
  }
  __eq__(o: unknown): boolean {
    return o instanceof PyDate && o.valueOf() === this.valueOf();
  }
  valueOf(): number {
    return this.wall;
  }
  toString(): string {
    return this.isoformat();
  }
  toJSON(): string {
    return this.isoformat();
  }
}

export class PyDateTime extends PyDate {
  constructor(
    wall: number,
    readonly us: number = 0,
    readonly tzinfo: PyTimezone | null = null,
  ) {
    super(wall);
  }

  /** A datetime for a JS Date instant, in UTC (aware) or as naive UTC wall time. */
  static fromDate(date: Date, aware = true): PyDateTime {
    return new PyDateTime(date.getTime(), 0, aware ? UTC : null);
  }
  static fromInstant(instantMs: number, us: number, tz: PyTimezone | null): PyDateTime {
    const wall = tz ? instantMs + tz.offsetAt(instantMs) * 60000 : instantMs - new Date(instantMs).getTimezoneOffset() * 60000;
    return new PyDateTime(wall, us, tz);
  }
  static override of(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, microsecond = 0, tz: PyTimezone | null = null): PyDateTime {
    const ms = Math.floor(microsecond / 1000);
    return new PyDateTime(Date.UTC(year, month - 1, day, hour, minute, second, ms), microsecond % 1000, tz);
  }

  get hour(): number {
    return this.d().getUTCHours();
  }
  get minute(): number {
    return this.d().getUTCMinutes();
  }
  get second(): number {
    return this.d().getUTCSeconds();
  }
  get microsecond(): number {
    return this.d().getUTCMilliseconds() * 1000 + this.us;
  }
  /** The instant in epoch ms (naive values are taken as UTC). */
  instant(): number {
    return this.tzinfo ? this.wall - this.tzinfo.offsetAt(this.wall) * 60000 : this.wall;
  }
  offsetMinutes(): number | null {
    return this.tzinfo ? Math.round((this.wall - this.instant()) / 60000) : null;
  }
  date(): PyDate {
    return new PyDate(Math.floor(this.wall / 86_400_000) * 86_400_000);
  }
  timestamp(): number {
    return (this.tzinfo ? this.instant() : this.wall + new Date(this.wall).getTimezoneOffset() * 60000) / 1000 + this.us / 1e6;
  }
  utcoffset(): PyTimedelta | null {
    const m = this.offsetMinutes();
    return m === null ? null : new PyTimedelta(0, m * 60);
  }
  tzname(): string | null {
    return this.tzinfo ? this.tzinfo.label : null;
  }
  astimezone(tz?: unknown): PyDateTime {
    const target = tz instanceof PyTimezone ? tz : UTC;
    return PyDateTime.fromInstant(this.instant(), this.us, target);
  }
  override replace(...args: unknown[]): PyDateTime {
    const { kwargs } = splitArgs(args);
    const [year, month, day, hour, minute, second, microsecond] = bindParams('replace', args, [
      'year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'tzinfo',
    ]);
    const tz = 'tzinfo' in kwargs ? ((kwargs.tzinfo as PyTimezone | null) ?? null) : this.tzinfo;
    return PyDateTime.of(
      Number(year ?? this.year), Number(month ?? this.month), Number(day ?? this.day),
      Number(hour ?? this.hour), Number(minute ?? this.minute), Number(second ?? this.second),
      Number(microsecond ?? this.microsecond), tz,
    );
  }
  isoTime(timespec = 'auto'): string {
    let t = `${p2(this.hour)}:${p2(this.minute)}`;
    if (timespec === 'minutes') return t;
    t += ':' + p2(this.second);
    if (timespec === 'milliseconds') t += '.' + String(Math.floor(this.microsecond / 1000)).padStart(3, '0');
    else if (timespec === 'microseconds' || (timespec === 'auto' && this.microsecond)) t += '.' + String(this.microsecond).padStart(6, '0');
    return t;
  }
  override isoformat(...args: unknown[]): string {
    const [sep, timespec] = bindParams('isoformat', args, ['sep', 'timespec']);
    const off = this.offsetMinutes();
    return super.isoformat() + (sep === undefined ? 'T' : String(sep)) + this.isoTime(timespec === undefined ? 'auto' : String(timespec)) + (off === null ? '' : formatOffset(off, true));
  }
  override __add__(o: unknown): unknown {
    if (o instanceof PyTimedelta) {
      const totalUs = this.us + o.totalUs;
      const ms = Math.floor(totalUs / 1000);
      return new PyDateTime(this.wall + ms, totalUs - ms * 1000, this.tzinfo);
    }
    throw new TypeError('unsupported operand type(s) for +: datetime');
  }
  override __sub__(o: unknown): unknown {
    if (o instanceof PyTimedelta) return this.__add__(new PyTimedelta(0, 0, -o.totalUs));
    if (o instanceof PyDateTime) return new PyTimedelta(0, 0, (this.instant() - o.instant()) * 1000 + (this.us - o.us));
    throw new TypeError('unsupported operand type(s) for -: datetime');
  }
  override __eq__(o: unknown): boolean {
    return o instanceof PyDateTime && o.instant() === this.instant() && o.us === this.us;
  }
  override valueOf(): number {
    return this.instant() + this.us / 1000;
  }
  override toString(): string {
    return this.isoformat(' ');
  }
  override toJSON(): string {
    return this.isoformat();
  }
}

function strftime(d: PyDate, fmt: string): string {
  const dt = d instanceof PyDateTime ? d : null;
  return fmt.replace(/%([a-zA-Z%])/g, (w, c: string) => {
    const hour = dt ? dt.hour : 0;
    switch (c) {
      case 'Y': return String(d.year).padStart(4, '0');
      case 'y': return p2(d.year % 100);
      case 'm': return p2(d.month);
      case 'd': return p2(d.day);
      case 'e': return String(d.day).padStart(2, ' ');
      case 'H': return p2(hour);
      case 'I': return p2(hour % 12 || 12);
      case 'p': return hour < 12 ? 'AM' : 'PM';
      case 'M': return p2(dt ? dt.minute : 0);
      case 'S': return p2(dt ? dt.second : 0);
      case 'f': return String(dt ? dt.microsecond : 0).padStart(6, '0');
      case 'b': return MONTHS[d.month - 1].slice(0, 3);
      case 'B': return MONTHS[d.month - 1];
      case 'a': return DAYS[d.weekday()].slice(0, 3);
      case 'A': return DAYS[d.weekday()];
      case 'w': return String((d.weekday() + 1) % 7);
      case 'u': return String(d.isoweekday());
      case 'j': return String(Math.floor((d.wall - Date.UTC(d.year, 0, 1)) / 86_400_000) + 1).padStart(3, '0');
      case 'z': {
        const off = dt?.offsetMinutes();
        return off === null || off === undefined ? '' : formatOffset(off, false);
      }
      case 'Z': return dt?.tzinfo ? dt.tzinfo.label : '';
      case 'F': return `${String(d.year).padStart(4, '0')}-${p2(d.month)}-${p2(d.day)}`;
      case 'T': return `${p2(hour)}:${p2(dt ? dt.minute : 0)}:${p2(dt ? dt.second : 0)}`;
      case 'D': return `${p2(d.month)}/${p2(d.day)}/${p2(d.year % 100)}`;
      case 'c': return `${DAYS[d.weekday()].slice(0, 3)} ${MONTHS[d.month - 1].slice(0, 3)} ${String(d.day).padStart(2, ' ')} ${p2(hour)}:${p2(dt ? dt.minute : 0)}:${p2(dt ? dt.second : 0)} ${d.year}`;
      case 'x': return `${p2(d.month)}/${p2(d.day)}/${p2(d.year % 100)}`;
      case 'X': return `${p2(hour)}:${p2(dt ? dt.minute : 0)}:${p2(dt ? dt.second : 0)}`;
      case '%': return '%';
      default: return w;
    }
  });
}

const STRPTIME: Record<string, [string, string]> = {
  Y: ['(\\d{4})', 'year'],
  y: ['(\\d{2})', 'year2'],
  m: ['(\\d{1,2})', 'month'],
  d: ['(\\d{1,2})', 'day'],
  H: ['(\\d{1,2})', 'hour'],
  I: ['(\\d{1,2})', 'hour12'],
  p: ['(AM|PM|am|pm)', 'ampm'],
  M: ['(\\d{1,2})', 'minute'],
  S: ['(\\d{1,2})', 'second'],
  f: ['(\\d{1,6})', 'micro'],
  b: ['([A-Za-z]{3})', 'mon'],
  B: ['([A-Za-z]+)', 'mon'],
  a: ['[A-Za-z]{3}', ''],
  A: ['[A-Za-z]+', ''],
  j: ['(\\d{1,3})', 'yday'],
  z: ['([+-]\\d{2}:?\\d{2}|Z)', 'tz'],
  Z: ['(UTC|GMT|[A-Z]{2,5})?', ''],
};

function strptime(text: string, fmt: string): PyDateTime {
  const fields: string[] = [];
  let re = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c === '%' && i + 1 < fmt.length) {
      const d = fmt[++i];
      if (d === '%') re += '%';
      else {
        const spec = STRPTIME[d];
        if (!spec) throw new Error(`'${d}' is a bad directive in format '${fmt}'`);
        re += spec[0];
        if (spec[1]) fields.push(spec[1]);
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  const m = new RegExp('^' + re + '$').exec(text);
  if (!m) throw new Error(`time data '${text}' does not match format '${fmt}'`);
  const v: Record<string, string> = {};
  fields.forEach((f, i) => (v[f] = m[i + 1]));
  let year = v.year ? Number(v.year) : v.year2 ? 2000 + Number(v.year2) - (Number(v.year2) >= 69 ? 100 : 0) : 1900;
  let month = v.month ? Number(v.month) : 1;
  if (v.mon) month = MONTHS.findIndex((x) => x.toLowerCase().startsWith(v.mon.toLowerCase().slice(0, 3))) + 1;
  let day = v.day ? Number(v.day) : 1;
  if (v.yday) {
    const dt = new Date(Date.UTC(year, 0, Number(v.yday)));
    year = dt.getUTCFullYear();
    month = dt.getUTCMonth() + 1;
    day = dt.getUTCDate();
  }
  let hour = v.hour ? Number(v.hour) : 0;
  if (v.hour12) hour = (Number(v.hour12) % 12) + (v.ampm?.toUpperCase() === 'PM' ? 12 : 0);
  const micro = v.micro ? Number(v.micro.padEnd(6, '0')) : 0;
  let tz: PyTimezone | null = null;
  if (v.tz) {
    if (v.tz === 'Z') tz = UTC;
    else {
      const t = /([+-])(\d{2}):?(\d{2})/.exec(v.tz) as RegExpExecArray;
      const mins = (t[1] === '-' ? -1 : 1) * (Number(t[2]) * 60 + Number(t[3]));
      tz = mins === 0 ? UTC : new PyTimezone(null, mins, 'UTC' + formatOffset(mins, true));
    }
  }
  return PyDateTime.of(year, month, day, hour, Number(v.minute ?? 0), Number(v.second ?? 0), micro, tz);
}

function fromIsoFormat(text: string): PyDateTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!m) throw new Error(`Invalid isoformat string: '${text}'`);
  let tz: PyTimezone | null = null;
  if (m[8]) {
    if (m[8] === 'Z') tz = UTC;
    else {
      const t = /([+-])(\d{2}):?(\d{2})/.exec(m[8]) as RegExpExecArray;
      const mins = (t[1] === '-' ? -1 : 1) * (Number(t[2]) * 60 + Number(t[3]));
      tz = mins === 0 ? UTC : new PyTimezone(null, mins, 'UTC' + formatOffset(mins, true));
    }
  }
  return PyDateTime.of(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), m[7] ? Number(m[7].padEnd(6, '0')) : 0, tz);
}

function tzArg(v: unknown): PyTimezone | null {
  return v instanceof PyTimezone ? v : null;
}

/** `modules.datetime`. */
export function makeDatetimeModule(now: () => number = Date.now): Record<string, unknown> {
  const datetime = Object.assign(
    (...args: unknown[]) => {
      const [y, mo, d, h, mi, s, us, tz] = bindParams('datetime', args, ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'tzinfo']);
      return PyDateTime.of(Number(y), Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), Number(us ?? 0), tzArg(tz));
    },
    {
      now: (tz?: unknown) => PyDateTime.fromInstant(now(), 0, tzArg(tz)),
      utcnow: () => new PyDateTime(now(), 0, null),
      today: () => PyDateTime.fromInstant(now(), 0, null),
      strptime: (text: unknown, fmt: unknown) => strptime(pyStr(text), pyStr(fmt)),
      fromisoformat: (text: unknown) => fromIsoFormat(pyStr(text)),
      fromtimestamp: (ts: unknown, tz?: unknown) => PyDateTime.fromInstant(Number(ts) * 1000, 0, tzArg(tz)),
      utcfromtimestamp: (ts: unknown) => new PyDateTime(Number(ts) * 1000, 0, null),
      combine: (d: unknown, t?: unknown) => {
        const date = d as PyDate;
        const time = t instanceof PyDateTime ? t : null;
        return PyDateTime.of(date.year, date.month, date.day, time?.hour ?? 0, time?.minute ?? 0, time?.second ?? 0, time?.microsecond ?? 0);
      },
    },
  );
  const date = Object.assign((y: unknown, m: unknown, d: unknown) => PyDate.of(Number(y), Number(m), Number(d)), {
    today: () => PyDateTime.fromInstant(now(), 0, null).date(),
    fromisoformat: (text: unknown) => fromIsoFormat(pyStr(text)).date(),
  });
  const timedelta = (...args: unknown[]) => PyTimedelta.fromArgs(args);
  const timezone = Object.assign(
    (offset: unknown, name?: unknown) => {
      const mins = offset instanceof PyTimedelta ? Math.round(offset.totalUs / 60e6) : 0;
      return new PyTimezone(null, mins, name !== undefined ? pyStr(name) : mins === 0 ? 'UTC' : 'UTC' + formatOffset(mins, true));
    },
    { utc: UTC },
  );
  return { datetime, date, timedelta, timezone, MINYEAR: 1, MAXYEAR: 9999 };
}

/** `modules.pytz`: utc and IANA zones through Intl. */
export function makePytzModule(): Record<string, unknown> {
  return {
    utc: UTC,
    UTC,
    timezone: (name: unknown) => {
      const zone = pyStr(name);
      if (zone === 'UTC' || zone === 'Etc/UTC') return UTC;
      try {
        zoneOffsetMinutes(zone, Date.now());
      } catch {
        throw new Error(`UnknownTimeZoneError: '${zone}'`);
      }
      return new PyTimezone(zone, 0, zone);
    },
  };
}

// ---------------------------------------------------------------- re

const FLAGS = { I: 2, IGNORECASE: 2, L: 4, LOCALE: 4, M: 8, MULTILINE: 8, S: 16, DOTALL: 16, U: 32, UNICODE: 32, X: 64, VERBOSE: 64, A: 256, ASCII: 256 };

function stripVerbose(src: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      out += c + (src[i + 1] ?? '');
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (!/\s/.test(c)) out += c;
  }
  return out;
}

/** Python regex syntax → JS RegExp (named groups, \A \Z, inline flags, verbose mode). */
export function pyRegex(pattern: string, flags: number, extra = ''): RegExp {
  let src = pattern;
  let f = flags;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (inline) {
    src = src.slice(inline[0].length);
    for (const c of inline[1]) f |= ({ i: 2, L: 4, m: 8, s: 16, u: 32, x: 64, a: 256 } as Record<string, number>)[c] ?? 0;
  }
  if (f & 64) src = stripVerbose(src);
  src = src
    .replace(/\(\?P<(\w+)>/g, '(?<$1>')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
    .replace(/\\A/g, '(?<![\\s\\S])')
    .replace(/\\Z/g, '(?![\\s\\S])');
  let js = extra;
  if (f & 2) js += 'i';
  if (f & 8) js += 'm';
  if (f & 16) js += 's';
  return new RegExp(src, js);
}

export class PyMatch {
  constructor(
    private readonly m: RegExpExecArray,
    readonly string: string,
  ) {}
  group(...idx: unknown[]): unknown {
    const one = (i: unknown): unknown => {
      const v = typeof i === 'string' && !/^\d+$/.test(i) ? this.m.groups?.[i] : this.m[Number(i ?? 0)];
      return v === undefined ? null : v;
    };
    if (idx.length <= 1) return one(idx[0]);
    return idx.map(one);
  }
  groups(dflt: unknown = null): unknown[] {
    return this.m.slice(1).map((v) => (v === undefined ? dflt : v));
  }
  groupdict(dflt: unknown = null): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.m.groups ?? {})) out[k] = v === undefined ? dflt : v;
    return out;
  }
  start(): number {
    return this.m.index;
  }
  end(): number {
    return this.m.index + this.m[0].length;
  }
  span(): [number, number] {
    return [this.start(), this.end()];
  }
  toString(): string {
    return `<re.Match object; span=(${this.start()}, ${this.end()}), match='${this.m[0]}'>`;
  }
}

function expandTemplate(repl: string, m: RegExpExecArray): string {
  return repl.replace(/\\(?:g<(\w+)>|(\d{1,2})|(.))/g, (_w, name: string | undefined, num: string | undefined, ch: string | undefined) => {
    if (name !== undefined) return (/^\d+$/.test(name) ? m[Number(name)] : m.groups?.[name]) ?? '';
    if (num !== undefined) return m[Number(num)] ?? '';
    const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\' };
    return esc[ch as string] ?? '\\' + ch;
  });
}

export class PyPattern {
  readonly flags: number;
  constructor(
    readonly pattern: string,
    flags: number,
  ) {
    this.flags = flags;
    pyRegex(pattern, flags); // validate eagerly, like re.compile
  }
  private re(extra: string): RegExp {
    return pyRegex(this.pattern, this.flags, extra);
  }
  match(s: unknown, pos?: unknown): PyMatch | null {
    const str = pyStr(s);
    const re = this.re('y');
    re.lastIndex = Number(pos ?? 0);
    const m = re.exec(str);
    return m ? new PyMatch(m, str) : null;
  }
  fullmatch(s: unknown): PyMatch | null {
    const str = pyStr(s);
    const re = pyRegex(`(?:${this.pattern.replace(/^\(\?[aiLmsux]+\)/, '')})(?![\\s\\S])`, this.flags | inlineFlags(this.pattern), 'y');
    const m = re.exec(str);
    return m ? new PyMatch(m, str) : null;
  }
  search(s: unknown, pos?: unknown): PyMatch | null {
    const str = pyStr(s);
    const re = this.re('g');
    re.lastIndex = Number(pos ?? 0);
    const m = re.exec(str);
    return m ? new PyMatch(m, str) : null;
  }
  findall(s: unknown): unknown[] {
    const out: unknown[] = [];
    for (const m of pyStr(s).matchAll(this.re('g'))) {
      if (m.length === 1) out.push(m[0]);
      else if (m.length === 2) out.push(m[1] ?? '');
      else out.push(m.slice(1).map((x) => x ?? ''));
    }
    return out;
  }
  finditer(s: unknown): PyMatch[] {
    const str = pyStr(s);
    return [...str.matchAll(this.re('g'))].map((m) => new PyMatch(m as RegExpExecArray, str));
  }
  sub(repl: unknown, s: unknown, count?: unknown): string {
    const str = pyStr(s);
    const max = Number(count ?? 0);
    let n = 0;
    return str.replace(this.re('g'), (...args: unknown[]) => {
      if (max > 0 && n >= max) return args[0] as string;
      n++;
      const groupsObj = typeof args[args.length - 1] === 'object' ? (args[args.length - 1] as Record<string, string>) : undefined;
      const idxPos = groupsObj ? args.length - 3 : args.length - 2;
      const m = Object.assign(args.slice(0, idxPos) as string[], { index: args[idxPos] as number, input: str, groups: groupsObj }) as unknown as RegExpExecArray;
      if (typeof repl === 'function') return pyStr((repl as (m: PyMatch) => unknown)(new PyMatch(m, str)));
      return expandTemplate(pyStr(repl), m);
    });
  }
  split(s: unknown, maxsplit?: unknown): unknown[] {
    const str = pyStr(s);
    const max = Number(maxsplit ?? 0);
    const out: unknown[] = [];
    let last = 0;
    let n = 0;
    for (const m of str.matchAll(this.re('g'))) {
      if (max > 0 && n >= max) break;
      if (m[0] === '' && m.index === last && m.index !== 0 && m.index === str.length) break;
      out.push(str.slice(last, m.index));
      out.push(...m.slice(1).map((x) => (x === undefined ? null : x)));
      last = (m.index ?? 0) + m[0].length;
      n++;
    }
    out.push(str.slice(last));
    return out;
  }
  toString(): string {
    return `re.compile(${JSON.stringify(this.pattern)})`;
  }
}

function inlineFlags(pattern: string): number {
  const inline = /^\(\?([aiLmsux]+)\)/.exec(pattern);
  let f = 0;
  if (inline) for (const c of inline[1]) f |= ({ i: 2, L: 4, m: 8, s: 16, u: 32, x: 64, a: 256 } as Record<string, number>)[c] ?? 0;
  return f;
}

function pattern(p: unknown, flags: unknown): PyPattern {
  return p instanceof PyPattern ? p : new PyPattern(pyStr(p), Number(flags ?? 0));
}

/** `modules.re`. */
export function makeReModule(): Record<string, unknown> {
  return {
    ...FLAGS,
    compile: (p: unknown, flags?: unknown) => pattern(p, flags),
    match: (p: unknown, s: unknown, flags?: unknown) => pattern(p, flags).match(s),
    fullmatch: (p: unknown, s: unknown, flags?: unknown) => pattern(p, flags).fullmatch(s),
    search: (p: unknown, s: unknown, flags?: unknown) => pattern(p, flags).search(s),
    findall: (p: unknown, s: unknown, flags?: unknown) => pattern(p, flags).findall(s),
    finditer: (p: unknown, s: unknown, flags?: unknown) => pattern(p, flags).finditer(s),
    sub: (...args: unknown[]) => {
      const [p, repl, s, count, flags] = bindParams('sub', args, ['pattern', 'repl', 'string', 'count', 'flags']);
      return pattern(p, flags).sub(repl, s, count);
    },
    split: (...args: unknown[]) => {
      const [p, s, maxsplit, flags] = bindParams('split', args, ['pattern', 'string', 'maxsplit', 'flags']);
      return pattern(p, flags).split(s, maxsplit);
    },
    escape: (s: unknown) => pyStr(s).replace(/[^A-Za-z0-9_]/g, '\\$&'),
  };
}

/** `modules.itertools`: the few helpers macros reach for. */
export function makeItertoolsModule(): Record<string, unknown> {
  return {
    chain: (...its: unknown[]) => its.flatMap((x) => toList(x)),
    product: (...its: unknown[]) =>
      its.map((x) => toList(x)).reduce<unknown[][]>((acc, l) => acc.flatMap((a) => l.map((x) => [...a, x])), [[]]),
    combinations: (it: unknown, r: unknown) => {
      const l = toList(it);
      const k = Number(r);
      const out: unknown[][] = [];
      const rec = (start: number, cur: unknown[]): void => {
        if (cur.length === k) {
          out.push(cur);
          return;
        }
        for (let i = start; i < l.length; i++) rec(i + 1, [...cur, l[i]]);
      };
      rec(0, []);
      return out;
    },
  };
}

