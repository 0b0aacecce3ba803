// Reading a template for the static fast path (static-template.ts): text and literal
// ref/source/config/var calls, or null. Without imports, so that a warm compile can read a
// template without loading the template engine (core/parser/partial/warm-render.ts).

/** The context functions a static template may call. */
const CALLS = new Set(['ref', 'source', 'config', 'var']);

export interface StaticCall {
  readonly fn: string;
  readonly args: readonly unknown[];
  /** Keyword arguments, or null when there were none. */
  readonly kwargs: Readonly<Record<string, unknown>> | null;
}

/** Text and calls, in order. */
export type StaticTemplate = readonly (string | StaticCall)[];

const cache = new Map<string, StaticTemplate | null>();
const CACHE_LIMIT = 50_000;

/**
 * The template as text and calls, or null when it needs the full renderer. Like the engine, one
 * trailing newline is dropped and `{{-` / `-}}` trim the whitespace next to them.
 */
export function readStatic(source: string): StaticTemplate | null {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  const parsed = scan(source);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(source, parsed);
  return parsed;
}

// ---------------------------------------------------------------- scanning

function scan(source: string): StaticTemplate | null {
  let src = source;
  src = src.endsWith('\r\n') ? src.slice(0, -2) : src.endsWith('\n') ? src.slice(0, -1) : src;
  const parts: (string | StaticCall)[] = [];
  let text = '';
  let i = 0;
  let trimNext = false;
  for (;;) {
    const open = src.indexOf('{', i);
    const chunkEnd = open === -1 ? src.length : open;
    let chunk = src.slice(i, chunkEnd);
    if (trimNext) chunk = chunk.replace(/^\s+/, '');
    trimNext = false;
    text += chunk;
    if (open === -1) break;
    const next = src[open + 1];
    if (next === '%') return null; // a tag: the full renderer
    if (next !== '{' && next !== '#') {
      text += '{';
      i = open + 1;
      continue;
    }
    const trimBefore = src[open + 2] === '-';
    if (trimBefore) text = text.replace(/\s+$/, '');
    if (src[open + 2] === '+') return null;
    if (next === '#') {
      const close = src.indexOf('#}', open + 2);
      if (close === -1) return null;
      trimNext = src[close - 1] === '-' && close - 1 > open + 2;
      i = close + 2;
      continue;
    }
    const p = new ExprParser(src, open + (trimBefore ? 3 : 2));
    const call = p.call();
    if (!call) return null;
    const end = p.end();
    if (end === -1) return null;
    trimNext = end.trim;
    if (text) parts.push(text);
    text = '';
    parts.push(call);
    i = end.next;
  }
  if (text) parts.push(text);
  return parts;
}

type End = { next: number; trim: boolean } | -1;

/** A tiny parser for `name(literal, ..., key=literal, ...)` followed by `}}` or `-}}`. */
class ExprParser {
  constructor(
    private readonly s: string,
    private i: number,
  ) {}

  // Character codes rather than a regular expression per character (every model file is scanned).
  private ws(): void {
    const s = this.s;
    let i = this.i;
    while (i < s.length && isSpace(s.charCodeAt(i))) i++;
    this.i = i;
  }

  /** `[A-Za-z_][A-Za-z0-9_]*`, at most 64 characters. */
  private name(): string | null {
    const s = this.s;
    const start = this.i;
    const end = Math.min(s.length, start + 64);
    if (start >= end || !isNameChar(s.charCodeAt(start), true)) return null;
    let j = start + 1;
    while (j < end && isNameChar(s.charCodeAt(j), false)) j++;
    this.i = j;
    return s.slice(start, j);
  }

  call(): StaticCall | null {
    this.ws();
    const fn = this.name();
    if (!fn || !CALLS.has(fn)) return null;
    this.ws();
    if (this.s[this.i] !== '(') return null;
    this.i++;
    const args: unknown[] = [];
    let kw: Record<string, unknown> | null = null;
    this.ws();
    if (this.s[this.i] === ')') {
      this.i++;
      return { fn, args, kwargs: kw };
    }
    for (;;) {
      this.ws();
      const save = this.i;
      const key = this.name();
      this.ws();
      if (key !== null && this.s[this.i] === '=' && this.s[this.i + 1] !== '=') {
        this.i++;
        const v = this.literal();
        if (v === NOT_LITERAL) return null;
        kw ??= {};
        if (key in kw) return null;
        kw[key] = v;
      } else {
        if (kw) return null; // a positional argument after a keyword one
        this.i = save;
        const v = this.literal();
        if (v === NOT_LITERAL) return null;
        args.push(v);
      }
      this.ws();
      const c = this.s[this.i];
      this.i++;
      if (c === ')') return { fn, args, kwargs: kw };
      if (c !== ',') return null;
    }
  }

  /** After the call: whitespace then `}}` or `-}}`. */
  end(): End {
    this.ws();
    if (this.s.startsWith('-}}', this.i)) return { next: this.i + 3, trim: true };
    if (this.s.startsWith('}}', this.i)) return { next: this.i + 2, trim: false };
    return -1;
  }

  private literal(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === "'" || c === '"') {
      const close = this.s.indexOf(c, this.i + 1);
      if (close === -1) return NOT_LITERAL;
      const body = this.s.slice(this.i + 1, close);
      // Escapes and template delimiters inside strings are the full renderer's business.
      if (body.includes('\\') || body.includes('\n') || body.includes('{{') || body.includes('}}') || body.includes('{%') || body.includes('{#')) return NOT_LITERAL;
      this.i = close + 1;
      return body;
    }
    if (c === '[') {
      this.i++;
      const items: unknown[] = [];
      this.ws();
      if (this.s[this.i] === ']') {
        this.i++;
        return items;
      }
      for (;;) {
        const v = this.literal();
        if (v === NOT_LITERAL) return NOT_LITERAL;
        items.push(v);
        this.ws();
        const d = this.s[this.i++];
        if (d === ']') return items;
        if (d !== ',') return NOT_LITERAL;
      }
    }
    const num = /^\d+(\.\d+)?(?![\w.])/.exec(this.s.slice(this.i, this.i + 32));
    if (num) {
      this.i += num[0].length;
      return Number(num[0]);
    }
    const word = this.name();
    if (word === 'true' || word === 'True') return true;
    if (word === 'false' || word === 'False') return false;
    if (word === 'none' || word === 'None') return null;
    return NOT_LITERAL;
  }
}

const NOT_LITERAL = Symbol('not a literal');

/** What `\s` matches in a JavaScript regular expression. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function isNameChar(c: number, first: boolean): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (!first && c >= 48 && c <= 57);
}
