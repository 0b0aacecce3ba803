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

  /** A name after whitespace (a tag's, a variable's), or null. */
  word(): string | null {
    this.ws();
    return this.name();
  }

  /** After a tag's words: whitespace then `%}` or `-%}`; the index after it, or -1. */
  tagEnd(): number {
    this.ws();
    if (this.s.startsWith('-%}', this.i)) return this.i + 3;
    if (this.s.startsWith('%}', this.i)) return this.i + 2;
    return -1;
  }

  /** The rest of `{% for <name> in [<literals>] %}` after `for`, or null. */
  forHead(): { name: string; items: number; next: number } | null {
    const name = this.word();
    if (name === null || !isSpace(this.s.charCodeAt(this.i))) return null;
    if (this.word() !== 'in') return null;
    this.ws();
    if (this.s[this.i] !== '[') return null;
    const items = this.literal();
    if (!Array.isArray(items)) return null;
    const next = this.tagEnd();
    return next === -1 ? null : { name, items: items.length, next };
  }

  /** The rest of `{% if is_incremental() %}` after `if`: the index after it, or -1. */
  isIncrementalHead(): number {
    if (this.word() !== 'is_incremental') return -1;
    this.ws();
    if (this.s[this.i] !== '(') return -1;
    this.i++;
    this.ws();
    if (this.s[this.i] !== ')') return -1;
    this.i++;
    return this.tagEnd();
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

// ---------------------------------------------------------------- the calls a parse makes

/**
 * What rendering a template at parse time does, when all it does is call context functions with
 * literal arguments: the calls in order, loops over literal lists (`{% for d in [7, 30] %}`) and
 * `{% if is_incremental() %}` blocks, whose body runs only when the context's is_incremental()
 * says so. The output is not needed at parse time (only what ref/source/config/var record), so
 * text and printed loop variables or `this` are skipped. Null when the template needs the engine.
 */
export type ParseOp =
  | { readonly kind: 'call'; readonly call: StaticCall }
  | { readonly kind: 'for'; readonly items: number; readonly body: readonly ParseOp[] }
  | { readonly kind: 'if-incremental'; readonly body: readonly ParseOp[] };

/** Names a loop variable may not take: a call or `this` in its body would mean something else. */
const RESERVED = new Set([...CALLS, 'is_incremental', 'this', 'loop', 'in', 'for', 'if', 'not', 'and', 'or', 'true', 'false', 'none', 'True', 'False', 'None']);

export function readParseCalls(source: string): readonly ParseOp[] | null {
  const r = new OpReader(source);
  const ops = r.block([], null);
  return ops && r.done() ? ops : null;
}

class OpReader {
  private i = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.i >= this.s.length;
  }

  /** Ops up to the end of the source (closer null) or up to and including `{% <closer> %}`. */
  block(loopVars: readonly string[], closer: 'endfor' | 'endif' | null): ParseOp[] | null {
    const s = this.s;
    const ops: ParseOp[] = [];
    for (;;) {
      const open = s.indexOf('{', this.i);
      if (open === -1) {
        this.i = s.length;
        return closer === null ? ops : null;
      }
      const next = s[open + 1];
      if (next !== '{' && next !== '%' && next !== '#') {
        this.i = open + 1;
        continue;
      }
      const start = open + (s[open + 2] === '-' ? 3 : 2);
      if (s[open + 2] === '+') return null;
      if (next === '#') {
        const close = s.indexOf('#}', open + 2);
        if (close === -1) return null;
        this.i = close + 2;
        continue;
      }
      const p = new ExprParser(s, start);
      if (next === '{') {
        const call = p.call();
        if (call) ops.push({ kind: 'call', call });
        else {
          // `{{ d }}` (a loop variable) or `{{ this }}`: printed, nothing recorded.
          const q = new ExprParser(s, start);
          const name = q.word();
          if (name === null || (name !== 'this' && !loopVars.includes(name))) return null;
          const end = q.end();
          if (end === -1) return null;
          this.i = end.next;
          continue;
        }
        const end = p.end();
        if (end === -1) return null;
        this.i = end.next;
        continue;
      }
      const tag = p.word();
      if (tag === closer && closer !== null) {
        const end = p.tagEnd();
        if (end === -1) return null;
        this.i = end;
        return ops;
      }
      if (tag === 'for') {
        const head = p.forHead();
        if (!head || RESERVED.has(head.name)) return null;
        this.i = head.next;
        const body = this.block([...loopVars, head.name], 'endfor');
        if (!body) return null;
        ops.push({ kind: 'for', items: head.items, body });
        continue;
      }
      if (tag === 'if') {
        const end = p.isIncrementalHead();
        if (end === -1) return null;
        this.i = end;
        const body = this.block(loopVars, 'endif');
        if (!body) return null;
        ops.push({ kind: 'if-incremental', body });
        continue;
      }
      return null;
    }
  }
}
