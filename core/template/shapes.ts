// Parsed templates shared between sources of the same shape. Thousands of models differ only in
// their text and string literals (`select ... {{ ref('orders_0042') }} ... {%- for d in [7, 30] %}`):
// the parser's output is a function of the token sequence, and text and string tokens only
// give their values to TemplateData and Literal nodes (and their places to every node). So a
// template whose tokens match, apart from those values, one parsed before is not parsed again:
// the earlier tree is copied with this source's values and positions (line/col, for errors).
//
// The earlier tree is parsed from a probe source: the first source of the shape with each text
// replaced by ` \n<mark i> \n` and each string by `'<mark i>'`. Which node holds which value, and
// which side of each text the parser trimmed (`{%-`, `-%}`), is then read off the tree itself,
// not assumed; anything unexpected (a node placed where no token starts, a value that is no
// mark) leaves the shape unshared and its sources parsed as before.
import { FastTokenizer } from './lexer.js';
import { nodes, type NjNode, type NjToken } from './nunjucks-internals.js';

interface Lexed {
  readonly tokens: NjToken[];
  /** Each token's source text, with the whitespace before it (code tokens). */
  readonly slices: string[];
}

interface Shape {
  /** The probe's tree: never handed out (renders may annotate the trees they get), only copied. */
  readonly ast: NjNode;
  /** Token index of each node of `ast` that sits on a token. */
  readonly at: Map<NjNode, number>;
  /** Nodes of `ast` whose value is a token's: TemplateData (with trim bits: 1 start, 2 end) or Literal (0). */
  readonly values: Map<NjNode, number>;
}

const DATA = 'data';
const STRING = 'string';
const COMMENT = 'comment';
const SYMBOL = 'symbol';
/** Tags the parser reads past the token stream (raw text): never shared. */
const RAW_TAGS = new Set(['raw', 'endraw', 'verbatim', 'endverbatim']);
const MARK = '\u0002';
const SHAPE_LIMIT = 5_000;

export class TemplateShapes {
  /** By token key; null: seen, not shareable. */
  private readonly shapes = new Map<string, Shape | null>();

  constructor(private readonly parse: (src: string) => NjNode) {}

  /**
   * The parsed tree of `src`: a copy of its shape's tree when one is known, else parsed; with the
   * shape (an identity for what depends only on the tree's structure), null when not shared.
   */
  tree(src: string): { readonly ast: NjNode; readonly shape: object | null } {
    const lexed = lex(src);
    const key = lexed && shapeKey(lexed.tokens);
    if (!lexed || key === null) return { ast: this.parse(src), shape: null };
    let shape = this.shapes.get(key);
    if (shape === undefined) {
      shape = this.learn(lexed);
      if (this.shapes.size >= SHAPE_LIMIT) this.shapes.clear();
      this.shapes.set(key, shape);
    }
    if (shape === null) return { ast: this.parse(src), shape: null };
    return { ast: copy(shape, lexed.tokens), shape };
  }

  private learn(lexed: Lexed): Shape | null {
    const { tokens, slices } = lexed;
    let probe = '';
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.type === DATA) probe += ` \n${MARK}${i}${MARK} \n`;
      else if (t.type === STRING) {
        const s = slices[i]!;
        const q = s.search(/['"]/);
        probe += `${s.slice(0, q)}'${MARK}${i}${MARK}'`;
      } else probe += slices[i];
    }
    let ast: NjNode;
    try {
      ast = this.parse(probe);
    } catch {
      return null; // the source itself will throw, with its own line and column
    }
    const probed = lex(probe);
    if (!probed || probed.tokens.length !== tokens.length || probed.tokens.some((t, i) => t.type !== tokens[i]!.type)) return null;
    const byPos = new Map<number, number>();
    probed.tokens.forEach((t, i) => {
      const k = t.lineno * 0x100000 + t.colno;
      byPos.set(k, byPos.has(k) ? -1 : i);
    });
    const at = new Map<NjNode, number>();
    const values = new Map<NjNode, number>();
    const ok = walk(ast, (n) => {
      // Bodies are NodeLists the parser places at 0:0, wherever they are: kept there.
      const placed = typeof n.lineno === 'number' && !(n.lineno === 0 && n.colno === 0 && (n.typename === 'NodeList' || n.typename === 'Root'));
      if (placed) {
        const i = byPos.get(n.lineno * 0x100000 + n.colno);
        if (i === undefined || i < 0) return false;
        at.set(n, i);
        const type = tokens[i]!.type;
        if (n.typename === 'TemplateData') {
          if (type !== DATA || typeof n.value !== 'string') return false;
          const m = /^( \n)?\u0002(\d+)\u0002( \n)?$/.exec(n.value);
          if (!m || Number(m[2]) !== i) return false;
          values.set(n, (m[1] ? 0 : 1) | (m[3] ? 0 : 2));
          return true;
        }
        if (type === DATA && n.typename !== 'Output') return false;
        if (n.typename === 'Literal' && type === STRING) {
          if (n.value !== `${MARK}${i}${MARK}`) return false;
          values.set(n, 0);
          return true;
        }
      }
      // Any other node keeps its own values: none may come from a text or a string.
      for (const k of Object.keys(n)) if (isMarked(n[k])) return false;
      return true;
    });
    return ok ? { ast, at, values } : null;
  }
}

function isMarked(v: unknown): boolean {
  return typeof v === 'string' && v.includes(MARK);
}

/** Tokens with their source slices, or null when the source does not lex (the parser reports it). */
function lex(src: string): Lexed | null {
  const tk = new FastTokenizer(src);
  const tokens: NjToken[] = [];
  const slices: string[] = [];
  try {
    for (;;) {
      const from = tk.index;
      const t = tk.nextToken();
      if (!t) break;
      tokens.push(t);
      slices.push(src.slice(from, tk.index));
    }
  } catch {
    return null;
  }
  return { tokens, slices };
}

/** The token sequence without text and string values (and comments reduced to their trim marks); null: not shared. */
function shapeKey(tokens: readonly NjToken[]): string | null {
  if (hasMark(tokens)) return null;
  let key = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === DATA) key += '\u0001d';
    else if (t.type === STRING) key += '\u0001s';
    else if (t.type === COMMENT) key += `\u0001c${t.value[2] === '-' ? '-' : ''}${t.value[t.value.length - 3] === '-' ? '-' : ''}`;
    else {
      if (t.type === SYMBOL && RAW_TAGS.has(t.value)) return null;
      key += `\u0001${t.type}\u0001${t.value}`;
    }
  }
  return key;
}

/** A source holding the probe's mark character is parsed as it is (its marks would be ambiguous). */
function hasMark(tokens: readonly NjToken[]): boolean {
  for (const t of tokens) if (t.value.includes(MARK)) return true;
  return false;
}

/** Visits every node; stops at the first `false`. */
function walk(v: unknown, visit: (n: NjNode) => boolean): boolean {
  if (Array.isArray(v)) {
    for (const x of v) if (!walk(x, visit)) return false;
    return true;
  }
  if (!(v instanceof nodes.Node)) return true;
  const n = v as unknown as NjNode;
  if (!visit(n)) return false;
  for (const k of Object.keys(n)) if (!walk(n[k], visit)) return false;
  return true;
}

/** A copy of the shape's tree with `tokens`' positions and values. */
function copy(shape: Shape, tokens: readonly NjToken[]): NjNode {
  const clone = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(clone);
    if (!(v instanceof nodes.Node)) return v;
    const n = v as unknown as NjNode;
    const c = Object.create(Object.getPrototypeOf(n) as object) as Record<string, unknown>;
    for (const k of Object.keys(n)) c[k] = clone(n[k]);
    const i = shape.at.get(n);
    if (i !== undefined) {
      const t = tokens[i]!;
      c.lineno = t.lineno;
      c.colno = t.colno;
      const trim = shape.values.get(n);
      if (trim !== undefined) {
        let value = t.value;
        if (trim & 1) value = value.replace(/^\s*/, '');
        if (trim & 2) value = value.replace(/\s*$/, '');
        c.value = value;
      }
    }
    return c;
  };
  return clone(shape.ast) as NjNode;
}
