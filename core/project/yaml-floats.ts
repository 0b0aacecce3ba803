// Floats as dbt reads them. kiln reads YAML with the 1.2 core schema into JS numbers, which
// cannot tell `1.0` from `1`; dbt reads it with PyYAML (YAML 1.1), where `1.0` is a float (str()
// gives `1.0`) and `1e3` (no dot, or an exponent without a sign) is a string. Generic test
// arguments reach test names, unique ids and the test's SQL through Python's str(), so for them
// the YAML readers note the text of such scalars (FloatTexts) and test entries are rebuilt with
// dbt's values (pythonTestArgs). Everything else keeps plain numbers.
//
// A whole-number float is carried as a Number object (`new Number(1)`): plain data that
// v8.serialize (the partial-parse cache) keeps as it is, where a class instance (the
// templates' PyFloat) would come back as a plain `{value: 1}`.

/** Source text of float scalars whose Python value differs from their JS number: by container and key. */
export type FloatTexts = ReadonlyMap<object, ReadonlyMap<string | number, string>>;

/** A float scalar as resolved, with its text, until a reader puts it in its container and notes it. */
export class FloatScalar {
  constructor(
    readonly value: number,
    readonly text: string,
  ) {}
  /** As a mapping key, the number's text, as before. */
  toString(): string {
    return String(this.value);
  }
}

/** PyYAML's float pattern, within what YAML 1.2 also reads as a float (no `_`, no base 60). */
const PY_FLOAT_RE = /^(?:[-+]?[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?$/;

/** Whether a float scalar written as `text` (read as `value`) needs noting in FloatTexts. */
export function noteFloatText(text: string, value: number): boolean {
  return Number.isFinite(value) && (Number.isInteger(value) || !PY_FLOAT_RE.test(text));
}

/** The value dbt's YAML reader gives a noted float scalar: a string, or a whole float boxed. */
export function pythonFloatValue(text: string, value: number): unknown {
  if (!PY_FLOAT_RE.test(text)) return text;
  return Number.isInteger(value) ? wholeFloat(value) : value;
}

/** A whole-number Python float (`1.0`), as carried through parsing and the parse cache. */
export function wholeFloat(n: number): WholeFloat {
  return new Number(n);
}

/** The wrapper type itself is what marks the value. */
export type WholeFloat = Number;

export function isWholeFloat(v: unknown): v is WholeFloat {
  return v instanceof Number;
}

/**
 * `value` (test entries from a property file) with noted floats replaced by dbt's values; the
 * same object when nothing in it was noted. Containers are copied only along changed paths.
 */
export function pythonFloats(value: unknown, texts: FloatTexts | undefined): unknown {
  if (!texts || texts.size === 0 || value === null || typeof value !== 'object') return value;
  const noted = texts.get(value);
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const text = noted?.get(i);
      const x = text !== undefined && typeof value[i] === 'number' ? pythonFloatValue(text, value[i] as number) : pythonFloats(value[i], texts);
      if (x !== value[i]) (out ??= value.slice())[i] = x;
    }
    return out ?? value;
  }
  const obj = value as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  for (const k of Object.keys(obj)) {
    const text = noted?.get(k);
    const v = obj[k];
    const x = text !== undefined && typeof v === 'number' ? pythonFloatValue(text, v) : pythonFloats(v, texts);
    if (x !== v) (out ??= { ...obj })[k] = x;
  }
  return out ?? value;
}

/**
 * Replaces the FloatScalars the `yaml` package's tags (floatTags) left in `value` with their
 * numbers, noting their texts; `value` itself when it holds none.
 */
export function takeFloatScalars(value: unknown): { value: unknown; floatTexts?: FloatTexts } {
  if (value instanceof FloatScalar) return { value: value.value };
  const texts = new Map<object, Map<string | number, string>>();
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    const c = v as Record<string | number, unknown>;
    for (const k of Array.isArray(v) ? v.keys() : Object.keys(v)) {
      const x = c[k];
      if (x instanceof FloatScalar) {
        let m = texts.get(v);
        if (!m) texts.set(v, (m = new Map()));
        m.set(k, x.text);
        c[k] = x.value;
      } else walk(x);
    }
  };
  walk(value);
  return texts.size ? { value, floatTexts: texts } : { value };
}
