// Postgres text values → the plain JS values of QueryResult. These parsers are installed on each
// kiln client (pg's `types` option), never into pg's global registry, so other users of `pg`
// in the same process keep their behaviour. Dates and timestamps stay the text Postgres prints
// (sessions run with DateStyle ISO): a JS Date would shift them into the local time zone.
import pg from 'pg';
import type { CustomTypesConfig } from 'pg';

type Parser = (text: string) => unknown;

/** Built-in type OIDs (pg_type.oid; stable across versions). */
export const Oid = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  money: 790,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** int8: a number when exact, else its decimal text. */
export function parseInt8(text: string): number | string {
  // Up to 15 digits always fits; only longer ones need the exact check.
  if (text.length <= 15) return Number(text);
  const n = BigInt(text);
  return n <= MAX_SAFE && n >= MIN_SAFE ? Number(n) : text;
}

/**
 * numeric: a number when the double prints back as the same decimal value (so `0.1` and
 * `12.50` are numbers, `0.1000000000000000000001` and 30-digit integers stay text); NaN and
 * infinities stay text too.
 */
export function parseNumeric(text: string): number | string {
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) return text;
  return sameDecimal(text, String(n)) ? n : text;
}

/** Compares two decimal strings by value: sign, significant digits and exponent. */
function sameDecimal(a: string, b: string): boolean {
  const x = canonical(a);
  const y = canonical(b);
  return x !== null && x === y;
}

/** `-0012.3400e1` → `-1234e-1`; zero → `0`. Null for text that is not a plain decimal. */
function canonical(s: string): string | null {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(s);
  if (!m) return null;
  const [, sign, int, frac = '', exp = '0'] = m;
  let digits = int + frac;
  let e = Number(exp) - frac.length;
  digits = digits.replace(/^0+/, '');
  if (digits === '') return '0';
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  e += trailing;
  return `${sign === '-' ? '-' : ''}${digits}e${e}`;
}

const asText: Parser = (t) => t;
const asFloat: Parser = (t) => Number.parseFloat(t);
const asInt: Parser = (t) => Number.parseInt(t, 10);
const asBool: Parser = (t) => t === 't' || t === 'true';

const SCALARS = new Map<number, Parser>([
  [Oid.bool, asBool],
  [Oid.int2, asInt],
  [Oid.int4, asInt],
  [Oid.oid, asInt],
  [Oid.int8, parseInt8],
  [Oid.float4, asFloat],
  [Oid.float8, asFloat],
  [Oid.numeric, parseNumeric],
  // Printed like psql does, not as Buffer/Date/interval objects or parsed JSON (DuckDB's JSON
  // arrives as text as well).
  [Oid.bytea, asText],
  [Oid.date, asText],
  [Oid.time, asText],
  [Oid.timetz, asText],
  [Oid.timestamp, asText],
  [Oid.timestamptz, asText],
  [Oid.interval, asText],
  [Oid.json, asText],
  [Oid.jsonb, asText],
  [Oid.money, asText],
]);

/** Array type OID → element type OID, for the built-in arrays worth turning into JS arrays. */
const ARRAYS = new Map<number, number>([
  [1000, Oid.bool],
  [1005, Oid.int2],
  [1007, Oid.int4],
  [1016, Oid.int8],
  [1021, Oid.float4],
  [1022, Oid.float8],
  [1231, Oid.numeric],
  [1009, Oid.text],
  [1014, Oid.bpchar],
  [1015, Oid.varchar],
  [1182, Oid.date],
  [1183, Oid.time],
  [1115, Oid.timestamp],
  [1185, Oid.timestamptz],
  [1187, Oid.interval],
  [2951, Oid.uuid],
  [199, Oid.json],
  [3807, Oid.jsonb],
]);

export type ArrayValue = (unknown | ArrayValue)[];

/**
 * Parses Postgres' array output (`{1,NULL,"a b",{2,3}}`, optionally prefixed by bounds like
 * `[0:1]=`) into nested arrays, each element passed through `element` (NULL → null).
 */
export function parseArray(text: string, element: Parser): ArrayValue {
  let i = text.startsWith('[') ? text.indexOf('=') + 1 : 0;
  const parseLevel = (): ArrayValue => {
    const out: ArrayValue = [];
    i++; // '{'
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      if (text[i] === '{') {
        out.push(parseLevel());
      } else if (text[i] === '"') {
        let s = '';
        i++;
        while (text[i] !== '"') {
          if (text[i] === '\\') i++;
          s += text[i++];
        }
        i++;
        out.push(element(s));
      } else {
        const start = i;
        while (text[i] !== ',' && text[i] !== '}') i++;
        const raw = text.slice(start, i);
        out.push(raw === 'NULL' ? null : element(raw));
      }
      if (text[i] === ',') {
        i++;
        continue;
      }
      i++; // '}'
      return out;
    }
  };
  return parseLevel();
}

/** The parser for one result column type (text format). */
export function parserFor(oid: number): Parser {
  const scalar = SCALARS.get(oid);
  if (scalar) return scalar;
  const elementOid = ARRAYS.get(oid);
  if (elementOid !== undefined) {
    const element = SCALARS.get(elementOid) ?? asText;
    return (t) => parseArray(t, element);
  }
  // Everything else (text, varchar, uuid, enums, composite types, other arrays...) as printed.
  return asText;
}

/** The `types` option for a kiln client. */
export const kilnTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => (format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : parserFor(oid))) as CustomTypesConfig['getTypeParser'],
};
