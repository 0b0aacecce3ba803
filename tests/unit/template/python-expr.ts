// Well-typed Jinja expressions for property-based tests of the template runtime, and an
// evaluator with Python's (and Jinja's) semantics to check kiln's output against: integer vs
// true division, floor division and modulo taking the divisor's sign, `**` to a negative power
// giving a float, Python's float repr (`2.0`, `1e-05`, `1e+16`), `~` and `str()` of booleans and
// floats, slices, `round` (half to even, always a float), `int` truncating. The evaluator is
// itself checked against real Jinja on a fixed sample (tests/fixtures/jinja-conformance/
// expressions.json, written by generate-expressions.py).
import fc from 'fast-check';

export type Value = number | PyFloat | string | boolean | Value[];
/** A Python float (JS numbers stand for ints, so 2.0 and 2 stay apart). */
export class PyFloat {
  constructor(readonly v: number) {}
}
export class PyError extends Error {}
/** An int beyond 2^53: exact in Python, not in a JS number, so not comparable here. */
export class Unrepresentable extends Error {}

export interface Expr {
  readonly src: string;
  readonly eval: () => Value;
}

const f = (v: number) => new PyFloat(v);
const num = (x: Value): number => (x instanceof PyFloat ? x.v : (x as number));
const isFloat = (x: Value) => x instanceof PyFloat;
const arith = (a: Value, b: Value, v: number): Value => (isFloat(a) || isFloat(b) ? f(v) : int(v));
function int(v: number): number {
  if (!Number.isSafeInteger(v)) throw new Unrepresentable();
  return v + 0;
}

/** Python's repr of a float: shortest digits, exponent form below 1e-4 and from 1e16. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, e] = x.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 16) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const s = String(x);
  return s.includes('.') ? s : `${s}.0`;
}

/** str() of a value, as `{{ }}` prints it. */
export function pyStr(v: Value): string {
  if (v instanceof PyFloat) return floatRepr(v.v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  return `[${v.map(pyRepr).join(', ')}]`;
}

function pyRepr(v: Value): string {
  if (typeof v !== 'string') return pyStr(v);
  // Single quotes unless the text has ' and no "; backslashes and the quote escaped.
  const quote = v.includes("'") && !v.includes('"') ? '"' : "'";
  let body = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  if (quote === "'") body = body.replace(/'/g, "\\'");
  return `${quote}${body}${quote}`;
}

/** Floor division and modulo as CPython's float_divmod computes them. */
function divmod(x: number, y: number): [number, number] {
  let rem = x % y;
  let div = (x - rem) / y;
  if (rem !== 0) {
    if (y < 0 !== rem < 0) {
      rem += y;
      div -= 1;
    }
  } else rem = y < 0 ? -0 : 0;
  let floor = Math.floor(div);
  if (div !== 0 && div - floor > 0.5) floor += 1;
  if (div === 0) floor = x / y < 0 || Object.is(x / y, -0) ? -0 : 0;
  return [floor, rem];
}

function floorDiv(a: Value, b: Value): Value {
  if (num(b) === 0) throw new PyError('division by zero');
  return isFloat(a) || isFloat(b) ? f(divmod(num(a), num(b))[0]) : int(Math.floor(num(a) / num(b)));
}

function mod(a: Value, b: Value): Value {
  if (num(b) === 0) throw new PyError('modulo by zero');
  if (isFloat(a) || isFloat(b)) return f(divmod(num(a), num(b))[1]);
  const r = num(a) % num(b);
  return int(r !== 0 && r < 0 !== num(b) < 0 ? r + num(b) : r);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function compare(a: Value, b: Value): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return num(a) - num(b);
}

function slice(s: string, start: number, end: number): string {
  const cps = [...s];
  const n = cps.length;
  const at = (i: number) => (i < 0 ? Math.max(0, n + i) : Math.min(n, i));
  return cps.slice(at(start), Math.max(at(start), at(end))).join('');
}

const lit = (src: string, v: () => Value): Expr => ({ src, eval: v });
const bin = (a: Expr, op: string, b: Expr, fn: (x: Value, y: Value) => Value): Expr => ({ src: `(${a.src} ${op} ${b.src})`, eval: () => fn(a.eval(), b.eval()) });

const smallInt = fc.integer({ min: -20, max: 20 });
const intLit = smallInt.map((n) => lit(n < 0 ? `(${n})` : String(n), () => n));
const floatLit = fc.tuple(fc.integer({ min: -99, max: 99 }), fc.constantFrom(0, 25, 5, 1, 125, 75)).map(([i, frac]) => {
  const text = `${Math.abs(i)}.${frac}`;
  const v = Number(text) * (i < 0 ? -1 : 1);
  return lit(i < 0 ? `(-${text})` : text, () => f(v));
});
const STR_CHARS = ['a', 'b', 'X', ' ', '1', 'é', '_'];
const strLit = fc.array(fc.constantFrom(...STR_CHARS), { maxLength: 5 }).map((cs) => {
  const s = cs.join('');
  return lit(`'${s}'`, () => s);
});

const { number, string, boolean, list } = fc.letrec<{ number: Expr; string: Expr; boolean: Expr; list: Expr }>((tie) => {
  const n = tie('number');
  const s = tie('string');
  const b = tie('boolean');
  const l = tie('list');
  return {
    number: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      intLit,
      floatLit,
      fc.tuple(n, fc.constantFrom('+', '-', '*'), n).map(([a, op, c]) =>
        bin(a, op, c, (x, y) => arith(x, y, op === '+' ? num(x) + num(y) : op === '-' ? num(x) - num(y) : num(x) * num(y))),
      ),
      fc.tuple(n, n).map(([a, c]) =>
        bin(a, '/', c, (x, y) => {
          if (num(y) === 0) throw new PyError('division by zero');
          return f(num(x) / num(y));
        }),
      ),
      fc.tuple(n, n).map(([a, c]) => bin(a, '//', c, floorDiv)),
      fc.tuple(n, n).map(([a, c]) => bin(a, '%', c, mod)),
      // A literal base and a small power: Python's ints are exact, JS numbers only to 2^53.
      // Negative powers of ints only: V8's pow of a float is not always correctly rounded as C's
      // is ((-42.5) ** -2 differs in the last bit), a difference kiln leaves alone.
      fc.oneof(fc.tuple(intLit, fc.integer({ min: -2, max: 3 })), fc.tuple(floatLit, fc.integer({ min: 0, max: 3 }))).map(([a, p]) =>
        lit(`(${a.src} ** ${p < 0 ? `(${p})` : p})`, () => {
          const x = a.eval();
          if (num(x) === 0 && p < 0) throw new PyError('zero to a negative power');
          return isFloat(x) || p < 0 ? f(num(x) ** p) : int(num(x) ** p);
        }),
      ),
      n.map((a) => lit(`(-${a.src})`, () => {
        const x = a.eval();
        return isFloat(x) ? f(-num(x)) : -num(x) + 0;
      })),
      n.map((a) => lit(`(${a.src} | abs)`, () => {
        const x = a.eval();
        return isFloat(x) ? f(Math.abs(num(x))) : Math.abs(num(x));
      })),
      n.map((a) => lit(`(${a.src} | int)`, () => Math.trunc(num(a.eval())) + 0)),
      // Jinja's round is Python's round(x, 0): ints stay ints, floats round half to even.
      n.map((a) =>
        lit(`(${a.src} | round)`, () => {
          const x = a.eval();
          return isFloat(x) ? f(roundHalfEven(num(x))) : x;
        }),
      ),
      s.map((a) => lit(`(${a.src} | length)`, () => [...(a.eval() as string)].length)),
      l.map((a) => lit(`(${a.src} | length)`, () => (a.eval() as Value[]).length)),
      fc.tuple(b, n, n).map(([c, x, y]) => lit(`(${x.src} if ${c.src} else ${y.src})`, () => (c.eval() ? x.eval() : y.eval()))),
    ),
    string: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      strLit,
      fc.tuple(s, fc.oneof(s, n, b)).map(([a, c]) => lit(`(${a.src} ~ ${c.src})`, () => pyStr(a.eval()) + pyStr(c.eval()))),
      fc.tuple(s, s).map(([a, c]) => bin(a, '+', c, (x, y) => (x as string) + (y as string))),
      fc.tuple(s, fc.integer({ min: -1, max: 3 })).map(([a, k]) => lit(`(${a.src} * ${k < 0 ? `(${k})` : k})`, () => (a.eval() as string).repeat(Math.max(0, k)))),
      s.map((a) => lit(`(${a.src} | upper)`, () => (a.eval() as string).toUpperCase())),
      s.map((a) => lit(`(${a.src} | lower)`, () => (a.eval() as string).toLowerCase())),
      fc.tuple(s, fc.integer({ min: -4, max: 4 }), fc.integer({ min: -4, max: 4 })).map(([a, i, j]) =>
        lit(`(${a.src}[${i}:${j}])`, () => slice(a.eval() as string, i, j)),
      ),
      fc.tuple(l, fc.constantFrom(',', ' - ', '')).map(([a, sep]) => lit(`(${a.src} | join('${sep}'))`, () => (a.eval() as Value[]).map(pyStr).join(sep))),
      fc.oneof(n, b, l).map((a) => lit(`(${a.src} | string)`, () => pyStr(a.eval()))),
    ),
    boolean: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(lit('true', () => true), lit('false', () => false)),
      fc.tuple(n, fc.constantFrom('==', '!=', '<', '<=', '>', '>='), n).map(([a, op, c]) => bin(a, op, c, (x, y) => cmp(op, compare(x, y)))),
      fc.tuple(s, fc.constantFrom('==', '!=', '<', '>='), s).map(([a, op, c]) => bin(a, op, c, (x, y) => cmp(op, compare(x, y)))),
      // Short-circuit: the right side is not evaluated (and cannot raise) when the left decides.
      fc.tuple(b, fc.constantFrom('and', 'or'), b).map(([a, op, c]) => lit(`(${a.src} ${op} ${c.src})`, () => (op === 'and' ? (a.eval() as boolean) && c.eval() : (a.eval() as boolean) || c.eval()))),
      b.map((a) => lit(`(not ${a.src})`, () => !a.eval())),
      fc.tuple(s, s).map(([a, c]) => bin(a, 'in', c, (x, y) => (y as string).includes(x as string))),
      fc.tuple(n, l).map(([a, c]) => bin(a, 'in', c, (x, y) => (y as Value[]).some((e) => typeof e !== 'string' && typeof e !== 'boolean' && !Array.isArray(e) && num(e) === num(x)))),
    ),
    list: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.array(fc.oneof(n, s), { maxLength: 3 }).map((xs) => lit(`[${xs.map((x) => x.src).join(', ')}]`, () => xs.map((x) => x.eval()))),
      fc.tuple(l, l).map(([a, c]) => bin(a, '+', c, (x, y) => [...(x as Value[]), ...(y as Value[])])),
    ),
  };
});

function cmp(op: string, c: number): boolean {
  switch (op) {
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    default:
      return c >= 0;
  }
}

/** Any well-typed expression, as `{{ expr }}` source and its Python result (or a PyError). */
export const expression = fc.oneof(number, string, boolean, list);

/**
 * What `{{ e }}` renders to in Python's Jinja; null when rendering raises (division by zero);
 * undefined when the evaluator cannot tell (an int beyond 2^53).
 */
export function expectedOutput(e: Expr): string | null | undefined {
  try {
    return pyStr(e.eval());
  } catch (err) {
    if (err instanceof PyError) return null;
    if (err instanceof Unrepresentable) return undefined;
    throw err;
  }
}
