// Python-compatible serialisation used by tojson/fromjson/toyaml and dbt's as_native:
// json.dumps output (', ' / ': ' separators, ensure_ascii) and ast.literal_eval parsing.
import { yamlLib } from '../yaml-lib.js';
import { SafeString } from './nunjucks-internals.js';
import { KEYWORDS, isPlainObject, pyTypeName, PyFloat } from './values.js';

export interface JsonDumpsOptions {
  sortKeys?: boolean;
  indent?: number | string | null;
  /** Jinja's |tojson escapes <, >, & and ' so the output is safe inside HTML. */
  htmlSafe?: boolean;
}

function jsonString(s: string): string {
  // JSON.stringify escapes quotes/controls like Python; ensure_ascii escapes the rest
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function jsonNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Python json.dumps. Throws TypeError for values Python could not serialise. */
export function pyJsonDumps(value: unknown, opts: JsonDumpsOptions = {}): string {
  const indent = opts.indent === undefined || opts.indent === null ? null : typeof opts.indent === 'number' ? ' '.repeat(opts.indent) : opts.indent;
  const itemSep = indent === null ? ', ' : ',';
  const enc = (v: unknown, depth: number): string => {
    if (v === null || v === undefined) return 'null';
    switch (typeof v) {
      case 'string':
        return jsonString(v);
      case 'number':
        return jsonNumber(v);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'bigint':
        return v.toString();
      default:
        break;
    }
    if (v instanceof SafeString) return jsonString(String(v));
    if (v instanceof PyFloat) return Number.isFinite(v.value) ? String(v) : jsonNumber(v.value);
    const nl = indent === null ? '' : '\n' + indent.repeat(depth + 1);
    const end = indent === null ? '' : '\n' + indent.repeat(depth);
    const list = (items: string[], open: string, close: string): string =>
      items.length ? open + nl + items.join(itemSep + nl) + end + close : open + close;
    if (Array.isArray(v) || v instanceof Set) return list([...v].map((x) => enc(x, depth + 1)), '[', ']');
    let entries: [string, unknown][] | null = null;
    if (isPlainObject(v)) entries = Object.keys(v).filter((k) => k !== KEYWORDS).map((k) => [k, v[k]]);
    else if (v instanceof Map) entries = [...v.entries()].map(([k, x]) => [String(k), x]);
    if (entries) {
      if (opts.sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return list(entries.map(([k, x]) => `${jsonString(k)}: ${enc(x, depth + 1)}`), '{', '}');
    }
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return enc(toJSON.call(v), depth);
    throw new TypeError(`Object of type ${pyTypeName(v)} is not JSON serializable`);
  };
  const out = enc(value, 0);
  if (!opts.htmlSafe) return out;
  return out.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027');
}

/** YAML text for a value (dbt's toyaml). */
export function toYaml(value: unknown, sortKeys = false): string {
  return yamlLib().stringify(value, { sortMapEntries: sortKeys });
}

export function fromYaml(text: string): unknown {
  return yamlLib().parse(text) as unknown;
}

// ---------------------------------------------------------------- ast.literal_eval

class LiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): unknown {
    const v = this.value();
    this.ws();
    if (this.i < this.s.length) this.fail();
    return v;
  }

  private fail(): never {
    throw new SyntaxError(`not a Python literal: ${this.s}`);
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === '[' || c === '(') return this.seq(c === '[' ? ']' : ')');
    if (c === '{') return this.dict();
    if (c === '"' || c === "'") return this.str();
    const m = /^[+-]?(?:\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+)/.exec(this.s.slice(this.i));
    if (m) {
      this.i += m[0].length;
      const t = m[0].replace(/_/g, '');
      return /^[+-]?0[xX]/.test(t) ? parseInt(t, 16) : Number(t);
    }
    const w = /^(True|False|None)\b/.exec(this.s.slice(this.i));
    if (w) {
      this.i += w[0].length;
      return w[0] === 'True' ? true : w[0] === 'False' ? false : null;
    }
    return this.fail();
  }

  private seq(close: string): unknown[] {
    this.i++;
    const out: unknown[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) this.fail();
    }
  }

  private dict(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const k = this.value();
      this.ws();
      if (this.s[this.i] !== ':') this.fail();
      this.i++;
      out[String(k)] = this.value();
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') this.fail();
    }
  }

  private str(): string {
    const q = this.s[this.i++];
    let out = '';
    while (this.i < this.s.length && this.s[this.i] !== q) {
      const c = this.s[this.i++];
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
      out += map[e] ?? '\\' + e;
    }
    if (this.s[this.i] !== q) this.fail();
    this.i++;
    return out;
  }
}

/** Python ast.literal_eval for the literal forms config values use; throws SyntaxError otherwise. */
export function pyLiteralEval(text: string): unknown {
  return new LiteralParser(text.trim()).parse();
}
