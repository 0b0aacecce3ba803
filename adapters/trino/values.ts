// Trino's JSON result values → the plain JS values of QueryResult. Integers, doubles and booleans
// arrive as JSON already; decimals arrive as text and become numbers when the double prints back
// as the same decimal value (as on PostgreSQL); dates and timestamps stay the text Trino prints.

export type Converter = (v: unknown) => unknown;

export const identity: Converter = (v) => v;

/** `NaN`, `Infinity` and `-Infinity` come as strings for doubles. */
const toDouble: Converter = (v) => (typeof v === 'string' ? Number(v) : v);

const toDecimal: Converter = (v) => {
  if (typeof v !== 'string') return v;
  const n = Number(v);
  if (!Number.isFinite(n) || (Number.isInteger(n) && !Number.isSafeInteger(n))) return v;
  return canonical(v) === canonical(String(n)) ? n : v;
};

/** `-0012.3400` → `-12.34`, `1e2` → `100`: the decimal value, for comparison. */
function canonical(s: string): string {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = '', exp = '0'] = m;
  let digits = (int + frac).replace(/^0+/, '');
  let e = Number(exp) - frac.length;
  if (digits === '') return '0';
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    e++;
  }
  return `${sign === '-' ? '-' : ''}${digits}e${e}`;
}

/** `13:45:01.500000` → `13:45:01.5`, `13:45:01.000000` → `13:45:01`: printed as DuckDB and PostgreSQL print them. */
const toTimeText: Converter = (v) => (typeof v === 'string' ? v.replace(/(\d{2}:\d{2}:\d{2})\.(\d*?)0+\b/, (_, hms: string, frac: string) => (frac ? `${hms}.${frac}` : hms)) : v);

/** The converter for a column of Trino type `type` (e.g. `decimal(10,2)`, `varchar(3)`). */
export function converterFor(type: string): Converter {
  const base = type.toLowerCase().replace(/\(.*$/, '').trim();
  if (base === 'decimal') return toDecimal;
  if (base === 'double' || base === 'real') return toDouble;
  if (base === 'timestamp' || base === 'time') return toTimeText;
  return identity;
}
