// A tokenizer producing the token stream nunjucks' parser expects, ~10x faster than nunjucks'
// own (which builds every token a character at a time): kiln lexes every model on every
// compile. Differences, all towards Jinja: Python string escapes, `}}`/`%}` inside brackets
// do not end a tag (`{{ {'a': {'b': 1}} }}`), no nunjucks regex literals (r/.../), and
// numbers accept exponents and underscores.
import type { NjToken } from './nunjucks-internals.js';

/** A positioned syntax error, shaped like nunjucks' TemplateError (1-based line/col). */
export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly lineno: number,
    readonly colno: number,
  ) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}

const T = {
  STRING: 'string',
  DATA: 'data',
  BLOCK_START: 'block-start',
  BLOCK_END: 'block-end',
  VARIABLE_START: 'variable-start',
  VARIABLE_END: 'variable-end',
  COMMENT: 'comment',
  LEFT_PAREN: 'left-paren',
  RIGHT_PAREN: 'right-paren',
  LEFT_BRACKET: 'left-bracket',
  RIGHT_BRACKET: 'right-bracket',
  LEFT_CURLY: 'left-curly',
  RIGHT_CURLY: 'right-curly',
  OPERATOR: 'operator',
  COMMA: 'comma',
  COLON: 'colon',
  TILDE: 'tilde',
  PIPE: 'pipe',
  INT: 'int',
  FLOAT: 'float',
  BOOLEAN: 'boolean',
  NONE: 'none',
  SYMBOL: 'symbol',
} as const;

const DELIM_TYPES: Record<string, string> = {
  '(': T.LEFT_PAREN,
  ')': T.RIGHT_PAREN,
  '[': T.LEFT_BRACKET,
  ']': T.RIGHT_BRACKET,
  '{': T.LEFT_CURLY,
  '}': T.RIGHT_CURLY,
  ',': T.COMMA,
  ':': T.COLON,
  '~': T.TILDE,
  '|': T.PIPE,
};

const TAG_START = /\{[{%#]/g;
const WORD = /[^ \n\t\r\u00a0()[\]{}%*\-+~/#,:|.<>=!'"]+/y;
const NUMBER = /[0-9][0-9_]*(\.[0-9][0-9_]*)?([eE][+-]?[0-9]+)?/y;
const WS = /[ \n\t\r\u00a0]+/y;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '' };

export class FastTokenizer {
  readonly tags = { BLOCK_START: '{%', BLOCK_END: '%}', VARIABLE_START: '{{', VARIABLE_END: '}}', COMMENT_START: '{#', COMMENT_END: '#}' };
  /** Offset of the next character; the only state besides inCode/depth (nunjucks' jinja-compat rewinds it). */
  index = 0;
  /** Assigned by jinja-compat when it rewinds; positions are recomputed from `index` instead. */
  lineno = 0;
  colno = 0;
  in_code = false;
  /** Offsets of the open brackets in the current tag (`}}`/`%}` inside them do not end it). */
  private brackets: number[] = [];
  /** The bracket stack at each opening bracket, to restore it when jinja-compat rewinds `index`. */
  private readonly depthAt = new Map<number, number[]>();
  private expectIndex = 0;
  private readonly lineStarts: number[] = [0];
  private lineCursor = 0;

  constructor(readonly str: string) {
    for (let i = str.indexOf('\n'); i >= 0; i = str.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  /** 0-based line/col of an offset (tokens carry nunjucks' 0-based positions). */
  private pos(offset: number): [number, number] {
    const s = this.lineStarts;
    let l = this.lineCursor;
    if (s[l] > offset) l = 0;
    while (l + 1 < s.length && s[l + 1] <= offset) l++;
    this.lineCursor = l;
    return [l, offset - s[l]];
  }

  private tok(type: string, value: string, start: number): NjToken {
    const [lineno, colno] = this.pos(start);
    return { type, value, lineno, colno };
  }

  private fail(message: string, offset: number): never {
    const [line, col] = this.pos(offset);
    throw new TemplateSyntaxError(message, line + 1, col + 1);
  }

  isFinished(): boolean {
    return this.index >= this.str.length;
  }

  nextToken(): NjToken | null {
    const s = this.str;
    if (this.index >= s.length) return null;
    if (this.index !== this.expectIndex && this.in_code) {
      let i = this.index;
      while (i < s.length && ' \n\t\r\u00a0'.includes(s[i])) i++;
      const saved = this.depthAt.get(i);
      if (saved) this.brackets = saved.slice();
    }
    const tok = this.in_code ? this.codeToken(s) : this.dataToken(s);
    this.expectIndex = this.index;
    return tok;
  }

  private dataToken(s: string): NjToken {
    const start = this.index;
    if (s.charCodeAt(start) === 123 /* { */) {
      const c = s[start + 1];
      if (c === '%' || c === '{') {
        // `-` trims whitespace; `+` (Jinja: keep it despite lstrip_blocks) is a no-op here
        const mod = s[start + 2] === '-' || s[start + 2] === '+';
        this.index = start + (mod ? 3 : 2);
        this.in_code = true;
        this.brackets = [];
        return this.tok(c === '%' ? T.BLOCK_START : T.VARIABLE_START, s.slice(start, this.index), start);
      }
      if (c === '#') {
        const end = s.indexOf('#}', start + 2);
        if (end < 0) this.fail('unterminated comment: {# without #}', start);
        this.index = end + 2;
        return this.tok(T.COMMENT, s.slice(start, this.index), start);
      }
    }
    TAG_START.lastIndex = start + 1;
    const m = TAG_START.exec(s);
    this.index = m ? m.index : s.length;
    return this.tok(T.DATA, s.slice(start, this.index), start);
  }

  /** Whether the next non-blank character (from `index`) closes a bracket. */
  private closesNext(s: string): boolean {
    WS.lastIndex = this.index;
    const at = WS.test(s) ? WS.lastIndex : this.index;
    const n = s[at];
    return n === ')' || n === ']' || (n === '}' && s[this.brackets[this.brackets.length - 1]] === '{');
  }

  private codeToken(s: string): NjToken | null {
    WS.lastIndex = this.index;
    if (WS.test(s)) this.index = WS.lastIndex;
    const start = this.index;
    if (start >= s.length) return null;
    const c = s[start];
    const open = this.brackets.length;
    if (open === 0) {
      if (c === '%' && s[start + 1] === '}') return this.endTag(T.BLOCK_END, start, 2);
      if (c === '}' && s[start + 1] === '}') return this.endTag(T.VARIABLE_END, start, 2);
      if ((c === '-' || c === '+') && (s.startsWith('%}', start + 1) || s.startsWith('}}', start + 1))) {
        return this.endTag(s[start + 1] === '%' ? T.BLOCK_END : T.VARIABLE_END, start, 3);
      }
    } else if ((c === '%' && s[start + 1] === '}') || (c === '}' && s[start + 1] === '}' && s[this.brackets[open - 1]] !== '{')) {
      // a tag end inside ( or [: the bracket was never closed
      const at = this.brackets[open - 1];
      this.fail(`'${s[at]}' is never closed`, at);
    }
    if (c === '"' || c === "'") return this.tok(T.STRING, this.string(s, c), start);
    const delim = DELIM_TYPES[c];
    if (delim !== undefined) {
      this.index = start + 1;
      if (c === ',' && this.brackets.length > 0 && this.closesNext(s)) {
        // A trailing comma before `)`, `]` or `}` is allowed, as in Jinja (`config(a=1,)`,
        // `[1, 2,]`, `{'a': 1,}`); dropped here. (`(1,)` reads as `(1)`, not a 1-tuple.)
        return this.codeToken(s);
      }
      if (c === '(' || c === '[' || c === '{') {
        // jinja-compat's slice parsing rewinds to an opening bracket; remember the stack there
        this.depthAt.set(start, this.brackets.slice());
        this.brackets.push(start);
      } else if ((c === ')' || c === ']' || c === '}') && this.brackets.length > 0) this.brackets.pop();
      return this.tok(delim, c, start);
    }
    if ('%*-+/#.<>=!'.includes(c)) {
      const three = s.slice(start, start + 3);
      const two = three.slice(0, 2);
      const op = three === '===' || three === '!==' ? three : ['==', '!=', '<=', '>=', '//', '**'].includes(two) ? two : c;
      this.index = start + op.length;
      return this.tok(T.OPERATOR, op, start);
    }
    NUMBER.lastIndex = start;
    const num = NUMBER.exec(s);
    if (num) {
      WORD.lastIndex = start;
      const word = WORD.exec(s);
      // a number must not run into letters (`1abc` is a name, as in nunjucks)
      if (!word || word[0].length <= num[0].replace(/\..*$/, '').length || /^[0-9_]+$/.test(word[0])) {
        this.index = start + num[0].length;
        const text = num[0].replace(/_/g, '');
        return this.tok(num[1] || num[2] ? T.FLOAT : T.INT, text, start);
      }
    }
    WORD.lastIndex = start;
    const word = WORD.exec(s);
    if (!word) this.fail(`unexpected character ${JSON.stringify(c)}`, start);
    const w = word[0];
    this.index = start + w.length;
    if (w === 'true' || w === 'false') return this.tok(T.BOOLEAN, w, start);
    if (w === 'none' || w === 'null') return this.tok(T.NONE, w, start);
    return this.tok(T.SYMBOL, w, start);
  }

  private endTag(type: string, start: number, len: number): NjToken {
    this.index = start + len;
    this.in_code = false;
    return this.tok(type, this.str.slice(start, start + len), start);
  }

  /** A Python string literal starting at this.index; unknown escapes keep their backslash. */
  private string(s: string, q: string): string {
    const start = this.index;
    let i = start + 1;
    let out = '';
    for (;;) {
      const j = s.indexOf(q, i);
      const b = s.indexOf('\\', i);
      if (j < 0) this.fail('unterminated string literal', start);
      if (b < 0 || b > j) {
        out += s.slice(i, j);
        this.index = j + 1;
        return out;
      }
      out += s.slice(i, b);
      const e = s[b + 1];
      if (e in ESCAPES) {
        out += ESCAPES[e];
        i = b + 2;
      } else if (e === 'x' || e === 'u' || e === 'U') {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = s.slice(b + 2, b + 2 + n);
        if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === n) {
          out += String.fromCodePoint(parseInt(hex, 16));
          i = b + 2 + n;
        } else {
          out += '\\' + e;
          i = b + 2;
        }
      } else {
        out += '\\' + (e ?? '');
        i = b + 2;
      }
    }
  }

  // ---- used by nunjucks' parseRaw

  _extractRegex(regex: RegExp): RegExpMatchArray | null {
    const m = this.str.slice(this.index).match(regex);
    if (!m) return null;
    this.index += m[0].length;
    return m;
  }

  backN(n: number): void {
    this.index -= n;
  }

  // ---- nunjucks' Tokenizer surface (kept for compatibility)

  current(): string {
    return this.str[this.index] ?? '';
  }
  forward(): void {
    this.index++;
  }
  _parseString(delimiter: string): string {
    return this.string(this.str, delimiter);
  }
}
