// A careful scanner for Jinja tags that does not need nunjucks: finds {% docs %} and
// {% snapshot %} blocks, the spans of macros/tests/materializations in macro files, and
// which block tag is left unclosed when a template fails to parse.
import { Codes, KilnError } from '../errors.js';

export interface Tag {
  kind: 'block' | 'var' | 'comment';
  /** Offsets of the tag's first and one-past-last character. */
  start: number;
  end: number;
  /** Text between the delimiters, without whitespace-control dashes, trimmed. */
  inner: string;
  /** First word of a block tag (`if`, `endfor`, ...); '' otherwise. */
  name: string;
  /** 1-based. */
  line: number;
  col: number;
  /** `{%-` / `-%}` present. */
  trimBefore: boolean;
  trimAfter: boolean;
}

export interface Block {
  name: string;
  /** Text between the opening and closing tag (whitespace control applied). */
  body: string;
  /** 1-based line and column of the opening tag. */
  line: number;
  col: number;
  /** 1-based line where `body` starts (add bodyLine - 1 to body-relative line numbers). */
  bodyLine: number;
  /** Offsets of the whole block in the source. */
  start: number;
  end: number;
}

/** Maps offsets to 1-based line/column. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly source: string) {
    for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  locate(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo] + 1 };
  }
  lineText(line: number): string {
    const a = this.starts[line - 1] ?? this.source.length;
    const b = this.starts[line] ?? this.source.length + 1;
    return this.source.slice(a, b - 1).replace(/\r$/, '');
  }
}

/** Offset just past the closing delimiter of a tag whose code starts at `from`, skipping string literals; -1 if none. */
function findTagEnd(src: string, from: number, close: string): number {
  let i = from;
  while (i < src.length) {
    const c = src[i];
    if (c === '"' || c === "'") {
      i++;
      while (i < src.length && src[i] !== c) i += src[i] === '\\' ? 2 : 1;
      if (i >= src.length) return -1;
      i++;
      continue;
    }
    if (c === close[0] && src.startsWith(close, i)) return i + close.length;
    if (c === '-' && src.startsWith(close, i + 1)) return i + 1 + close.length;
    i++;
  }
  return -1;
}

function syntax(file: string, idx: LineIndex, offset: number, message: string, hint?: string): KilnError {
  const { line, col } = idx.locate(offset);
  return new KilnError(Codes.JINJA_SYNTAX, message, { loc: { file, line, col }, hint: hint ?? codeFrame(idx, line, col) });
}

/** The offending line with a caret under the column. */
export function codeFrame(idx: LineIndex, line: number, col: number): string {
  const text = idx.lineText(line);
  const gutter = String(line);
  return `${gutter} | ${text}\n${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, col - 1))}^`;
}

/** All Jinja tags in order. Throws JINJA_SYNTAX for an unterminated tag or comment. */
export function scanTags(file: string, source: string): Tag[] {
  const idx = new LineIndex(source);
  const tags: Tag[] = [];
  let i = 0;
  for (;;) {
    const open = source.indexOf('{', i);
    if (open < 0 || open + 1 >= source.length) break;
    const t = source[open + 1];
    if (t !== '%' && t !== '{' && t !== '#') {
      i = open + 1;
      continue;
    }
    const { line, col } = idx.locate(open);
    const trimBefore = source[open + 2] === '-';
    const codeStart = open + 2 + (trimBefore || source[open + 2] === '+' ? 1 : 0);
    if (t === '#') {
      const close = source.indexOf('#}', codeStart);
      if (close < 0) throw syntax(file, idx, open, 'unterminated comment: {# without #}');
      const trimAfter = source[close - 1] === '-' && close - 1 >= codeStart;
      tags.push({ kind: 'comment', start: open, end: close + 2, inner: '', name: '', line, col, trimBefore, trimAfter });
      i = close + 2;
      continue;
    }
    const closeDelim = t === '%' ? '%}' : '}}';
    const end = findTagEnd(source, codeStart, closeDelim);
    if (end < 0) throw syntax(file, idx, open, `unterminated tag: ${source.slice(open, open + 2)} without ${closeDelim}`);
    const trimAfter = source[end - 3] === '-';
    const inner = source.slice(codeStart, end - 2 - (trimAfter ? 1 : 0)).trim();
    const name = t === '%' ? (/^[A-Za-z_]\w*/.exec(inner)?.[0] ?? '') : '';
    tags.push({ kind: t === '%' ? 'block' : 'var', start: open, end, inner, name, line, col, trimBefore, trimAfter });
    i = end;
    if (name === 'raw' || name === 'verbatim') {
      const re = new RegExp(`\\{%[-+]?\\s*end${name}\\s*[-+]?%\\}`, 'g');
      re.lastIndex = end;
      const m = re.exec(source);
      if (!m) throw syntax(file, idx, open, `{% ${name} %} is never closed (expected {% end${name} %})`);
      const closeTag = scanTags(file, m[0])[0];
      tags.push({ ...closeTag, start: m.index, end: m.index + m[0].length, ...idx.locate(m.index) });
      i = m.index + m[0].length;
    }
  }
  return tags;
}

/** Blocks like {% docs name %}...{% enddocs %} and {% snapshot name %}...{% endsnapshot %}. */
export function extractBlocks(file: string, source: string, tag: 'docs' | 'snapshot'): Block[] {
  const idx = new LineIndex(source);
  const tags = scanTags(file, source).filter((t) => t.kind === 'block' && (t.name === tag || t.name === `end${tag}`));
  const out: Block[] = [];
  for (let k = 0; k < tags.length; k++) {
    const open = tags[k];
    if (open.name !== tag) throw syntax(file, idx, open.start, `{% end${tag} %} without a matching {% ${tag} %}`);
    const m = new RegExp(`^${tag}\\s+([A-Za-z_][\\w]*)\\s*$`).exec(open.inner);
    if (!m) throw syntax(file, idx, open.start, `malformed {% ${tag} %} tag: expected {% ${tag} <name> %}`);
    const close = tags[k + 1];
    if (!close || close.name !== `end${tag}`) {
      throw syntax(file, idx, open.start, `{% ${tag} ${m[1]} %} is never closed (expected {% end${tag} %})`);
    }
    let bodyStart = open.end;
    let bodyEnd = close.start;
    if (open.trimAfter) while (bodyStart < bodyEnd && /\s/.test(source[bodyStart])) bodyStart++;
    if (close.trimBefore) while (bodyEnd > bodyStart && /\s/.test(source[bodyEnd - 1])) bodyEnd--;
    out.push({
      name: m[1],
      body: source.slice(bodyStart, bodyEnd),
      line: open.line,
      col: open.col,
      bodyLine: idx.locate(bodyStart).line,
      start: open.start,
      end: close.end,
    });
    k++;
  }
  return out;
}

export interface MacroSpan {
  kind: 'macro' | 'test' | 'materialization';
  name: string;
  /** For materializations: the adapter (`default` when absent). */
  adapter?: string;
  start: number;
  end: number;
  line: number;
  col: number;
}

/** Top-level {% macro %}/{% test %}/{% materialization %} spans of a macro file. */
export function macroSpans(file: string, source: string): MacroSpan[] {
  const kinds = new Set(['macro', 'test', 'materialization']);
  const out: MacroSpan[] = [];
  let open: { tag: Tag; kind: MacroSpan['kind']; depth: number } | null = null;
  for (const tag of scanTags(file, source)) {
    if (tag.kind !== 'block') continue;
    if (open) {
      if (tag.name === open.kind) open.depth++;
      else if (tag.name === `end${open.kind}` && --open.depth === 0) {
        const inner = open.tag.inner;
        const name = /^\w+\s+([A-Za-z_]\w*)/.exec(inner)?.[1] ?? '';
        const adapter = open.kind === 'materialization' ? (/adapter\s*=\s*['"]([^'"]+)['"]/.exec(inner)?.[1] ?? 'default') : undefined;
        out.push({ kind: open.kind, name, adapter, start: open.tag.start, end: tag.end, line: open.tag.line, col: open.tag.col });
        open = null;
      }
    } else if (kinds.has(tag.name)) open = { tag, kind: tag.name as MacroSpan['kind'], depth: 1 };
  }
  return out;
}

const OPENERS = new Set(['if', 'for', 'macro', 'call', 'filter', 'raw', 'verbatim', 'test', 'materialization', 'docs', 'snapshot', 'with', 'set']);
const MIDDLES: Record<string, string[]> = { elif: ['if'], else: ['if', 'for'], elseif: ['if'] };

export interface BlockProblem {
  message: string;
  line: number;
  col: number;
}

/** Finds an unclosed or mismatched block tag (for clearer syntax errors); null when balanced. */
export function diagnoseBlocks(file: string, source: string): BlockProblem | null {
  let tags: Tag[];
  try {
    tags = scanTags(file, source);
  } catch (e) {
    if (e instanceof KilnError && e.loc?.line) return { message: e.message, line: e.loc.line, col: e.loc.col ?? 1 };
    return null;
  }
  const stack: Tag[] = [];
  for (const tag of tags) {
    if (tag.kind !== 'block' || !tag.name) continue;
    // only `{% set x %}...{% endset %}` is a block
    if (tag.name === 'set' && /=/.test(tag.inner.replace(/(['"])(?:\\.|(?!\1).)*\1/g, ''))) continue;
    if (OPENERS.has(tag.name)) stack.push(tag);
    else if (tag.name in MIDDLES) {
      const top = stack[stack.length - 1];
      if (!top || !MIDDLES[tag.name].includes(top.name)) {
        return { message: `{% ${tag.name} %} outside of ${MIDDLES[tag.name].map((n) => `{% ${n} %}`).join(' or ')}`, line: tag.line, col: tag.col };
      }
    } else if (tag.name.startsWith('end')) {
      const want = tag.name.slice(3);
      const top = stack.pop();
      if (!top) return { message: `{% ${tag.name} %} has no matching {% ${want} %}`, line: tag.line, col: tag.col };
      if (top.name !== want) {
        // point at the block left open: that is usually where the fix goes
        return {
          message: `{% ${top.name} %} is never closed: found {% ${tag.name} %} at line ${tag.line} where {% end${top.name} %} was expected`,
          line: top.line,
          col: top.col,
        };
      }
    }
  }
  const open = stack.pop();
  if (open) return { message: `{% ${open.name} %} is never closed (expected {% end${open.name} %})`, line: open.line, col: open.col };
  return null;
}
