// Small pieces of JSON text made directly, for manifest.json's writers (node-text in
// manifest-json.ts): each exactly what JSON.stringify writes of the value, made with as few calls
// and intermediate strings as possible (about 4 million of them at 10,000 models).

/** Characters JSON.stringify escapes (lone surrogates included): a string without them is written as is. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(s) for a string. */
export function str(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

/**
 * Whether `s` has nothing JSON.stringify escapes, so that its JSON is `"` + s + `"`. Strings
 * concatenated can be tested at once: no escaped character can come of two put together (any
 * surrogate counts, paired or not).
 */
export function isBare(s: string): boolean {
  return !NEEDS_ESCAPE.test(s);
}

/** No own enumerable keys (JSON.stringify writes `{}`; inherited ones it does not see either). */
export function isEmpty(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return false;
  return true;
}

/** JSON.stringify(v), answering the most common values (strings, null, empty lists and maps) without a call into it. */
export function json(v: unknown): string | undefined {
  if (typeof v === 'string') return str(v);
  if (v === null) return 'null';
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto === Array.prototype) {
      const a = v as unknown[];
      if (a.length === 0) return '[]';
      if (a.length === 1 && typeof a[0] === 'string') return '[' + str(a[0]) + ']';
    } else if (proto === Object.prototype && isEmpty(v)) return '{}';
  }
  return JSON.stringify(v);
}

/**
 * `key` (`,"name":`: the comma, the quoted key and the colon, written once as a constant) followed
 * by v's JSON, or nothing when v has none (undefined).
 */
export function prop(key: string, v: unknown): string {
  const t = json(v);
  return t === undefined ? '' : key + t;
}

/** `{` + props (each with its leading comma) + `}`. For short props only: the slice flattens them. */
export function braces(props: string): string {
  return props === '' ? '{}' : '{' + props.slice(1) + '}';
}

/** A plain object (as parsed from YAML or built by kiln): spreading it copies what JSON.stringify writes of it. */
export function isPlain(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return (proto === Object.prototype || proto === null) && !Object.hasOwn(v, 'toJSON');
}
