// Parsing and code generation: subclasses of nunjucks' Parser and Compiler that add the Jinja
// syntax nunjucks lacks ({% set ns.x %}, tuple unpacking, `for ... if`, break/continue,
// `is test arg`, {% test %}, {% with %}, Python string escapes) and emit calls into kiln's
// runtime for Python semantics (truthiness, ==, `in`, +, %, ~, macros with return()).
import {
  Compiler,
  Frame,
  Parser,
  ensureJinjaCompat,
  lexer,
  nodes,
  type NjCompiler,
  type NjFrame,
  type NjNode,
  type NjParser,
  type NjTokenizer,
} from './nunjucks-internals.js';
import { FastTokenizer } from './lexer.js';
import { PyFloat, pyRepr } from './values.js';

export { TemplateSyntaxError } from './lexer.js';

ensureJinjaCompat();

/** A custom AST node class (nunjucks' Obj.extend). */
const SetAttr = nodes.Node.extend('SetAttr', { fields: ['target', 'key', 'value'] });
const LoopControl = nodes.Node.extend('LoopControl', { fields: ['kind'] });
const With = nodes.Node.extend('With', { fields: ['names', 'values', 'body'] });

const UNSUPPORTED_TAGS: Record<string, string> = {
  include: 'kiln has no template loader (neither has dbt); call a macro instead',
  import: 'macros in macros/ and installed packages are global; call them directly (or as package.macro())',
  from: 'macros in macros/ and installed packages are global; call them directly (or as package.macro())',
  extends: 'template inheritance is not available in dbt projects',
  block: 'template inheritance blocks are not available in dbt projects',
};

const TEST_ARG_START = new Set(['string', 'int', 'float', 'left-bracket', 'left-curly', 'none', 'boolean']);
const NOT_TEST_ARG = new Set(['else', 'or', 'and', 'if', 'not', 'in', 'is']);

/** Line, then column: where a node starts, for comparing source order. */
function before(a: NjNode, b: NjNode): boolean {
  return a.lineno < b.lineno || (a.lineno === b.lineno && a.colno < b.colno);
}

class KilnParser extends Parser {
  declare breakOnBlocks: string[] | null;
  /** Set just before a signature that declares parameters (macro, test, call block) is parsed. */
  declare kDeclaring: boolean;

  /**
   * nunjucks moves keyword arguments after the positional ones wherever they were written;
   * Jinja refuses a positional one after a keyword one: in a declaration (`macro f(a=1, b)`,
   * which nunjucks would run with b's default missing) and in a call.
   */
  override parseSignature(tolerant?: boolean, noParens?: boolean): NjNode {
    const declaring = this.kDeclaring === true;
    this.kDeclaring = false;
    const args = super.parseSignature(tolerant, noParens);
    const last = args?.children[args.children.length - 1];
    const firstKeyword = last?.typename === 'KeywordArgs' ? last.children[0] : undefined;
    if (firstKeyword) {
      const late = args.children.find((a) => a !== last && before(firstKeyword, a));
      if (late) this.fail(declaring ? 'non-default argument follows default argument' : 'invalid syntax for function call expression', late.lineno, late.colno);
    }
    return args;
  }

  override parseStatement(): NjNode | null {
    const tok = this.peekToken();
    if (tok && tok.type === lexer.TOKEN_SYMBOL && !(this.breakOnBlocks && this.breakOnBlocks.includes(tok.value))) {
      switch (tok.value) {
        case 'set':
          return this.kParseSet();
        case 'for':
          return this.kParseFor();
        case 'break':
        case 'continue':
          this.nextToken();
          this.advanceAfterBlockEnd(tok.value);
          return new LoopControl(tok.lineno, tok.colno, tok.value);
        case 'test':
          return this.kParseTest();
        case 'with':
          return this.kParseWith();
        case 'macro':
          this.kDeclaring = true;
          return super.parseStatement();
        case 'call':
          this.kDeclaring = true;
          try {
            return super.parseStatement();
          } catch (e) {
            // nunjucks assumes a call expression follows and crashes otherwise
            if (e instanceof TypeError) this.fail('{% call %} needs a macro call, like {% call my_macro(args) %}', tok.lineno, tok.colno);
            throw e;
          }
        default:
          if (tok.value in UNSUPPORTED_TAGS) this.fail(`{% ${tok.value} %} is not supported: ${UNSUPPORTED_TAGS[tok.value]}`, tok.lineno, tok.colno);
      }
    }
    return super.parseStatement();
  }

  /**
   * {% raw %}...{% endraw %} with whitespace control on either tag (nunjucks' version does not
   * find `{%- endraw %}`).
   */
  parseRaw(tagName = 'raw'): NjNode {
    const end = 'end' + tagName;
    const begun = this.advanceAfterBlockEnd();
    const tokens = this.tokens as unknown as FastTokenizer;
    const re = new RegExp(`\\{%([-+]?)\\s*(${tagName}|${end})\\s*([-+]?)%\\}`, 'g');
    re.lastIndex = tokens.index;
    let level = 1;
    let m: RegExpExecArray | null;
    while ((m = re.exec(tokens.str))) {
      level += m[2] === tagName ? 1 : -1;
      if (level === 0) break;
    }
    if (!m) this.fail(`{% ${tagName} %} is never closed (expected {% ${end} %})`, begun.lineno, begun.colno);
    let body = tokens.str.slice(tokens.index, m.index);
    if (begun.value.startsWith('-')) body = body.replace(/^\s+/, '');
    if (m[1] === '-') body = body.replace(/\s+$/, '');
    tokens.index = m.index + m[0].length;
    (this as unknown as { dropLeadingWhitespace: boolean }).dropLeadingWhitespace = m[3] === '-';
    return new nodes.Output(begun.lineno, begun.colno, [new nodes.TemplateData(begun.lineno, begun.colno, body)]);
  }

  /** Float literals that are whole numbers (`2.0`, `1e3`) keep being floats. */
  override parsePrimary(noPostfix?: boolean): NjNode {
    const tok = this.peekToken();
    const node = super.parsePrimary(noPostfix);
    if (tok?.type === lexer.TOKEN_FLOAT && node.typename === 'Literal' && typeof node.value === 'number' && Number.isInteger(node.value)) {
      node.value = new PyFloat(node.value);
    }
    return node;
  }

  /** An expression, or a tuple of them when commas follow (`1, 2`). */
  kParseTuple(): NjNode {
    const first = this.parseExpression();
    if (this.peekToken()?.type !== lexer.TOKEN_COMMA) return first;
    const arr = new nodes.Array(first.lineno, first.colno, [first]);
    arr.kilnTuple = true;
    while (this.skip(lexer.TOKEN_COMMA)) {
      const t = this.peekToken();
      if (!t || t.type === lexer.TOKEN_BLOCK_END) break;
      arr.addChild(this.parseExpression());
    }
    return arr;
  }

  kParseSet(): NjNode {
    const tag = this.peekToken();
    this.skipSymbol('set');
    const first = this.parsePrimary();
    if (first.typename === 'LookupVal') {
      // {% set ns.attr = value %} (Jinja namespaces)
      if (!this.skipValue(lexer.TOKEN_OPERATOR, '=')) this.fail("expected '=' after the attribute in the set tag", tag.lineno, tag.colno);
      const value = this.kParseTuple();
      this.advanceAfterBlockEnd(tag.value);
      return new SetAttr(tag.lineno, tag.colno, first.target, first.val, value);
    }
    const targets = [first];
    while (this.skip(lexer.TOKEN_COMMA)) targets.push(this.parsePrimary());
    for (const t of targets) if (t.typename !== 'Symbol') this.fail('can only assign to names in a set tag', t.lineno, t.colno);
    const node = new nodes.Set(tag.lineno, tag.colno, targets);
    if (this.skipValue(lexer.TOKEN_OPERATOR, '=')) {
      node.value = this.kParseTuple();
      this.advanceAfterBlockEnd(tag.value);
      return node;
    }
    const end = this.peekToken();
    if (!end || end.type !== lexer.TOKEN_BLOCK_END) this.fail("expected '=' or the end of the set tag", tag.lineno, tag.colno);
    this.advanceAfterBlockEnd(tag.value);
    node.value = null;
    node.body = new nodes.Capture(tag.lineno, tag.colno, this.parseUntilBlocks('endset'));
    this.advanceAfterBlockEnd();
    return node;
  }

  kParseFor(): NjNode {
    const forTok = this.peekToken();
    this.skipSymbol('for');
    const node = new nodes.For(forTok.lineno, forTok.colno);
    let name = this.parsePrimary(true);
    if (name.typename === 'Group') name = new nodes.Array(name.lineno, name.colno, name.children);
    if (this.peekToken()?.type === lexer.TOKEN_COMMA) {
      const arr = new nodes.Array(name.lineno, name.colno, [name]);
      while (this.skip(lexer.TOKEN_COMMA)) arr.addChild(this.parsePrimary(true));
      name = arr;
    }
    const names = name.typename === 'Array' ? name.children : [name];
    for (const n of names) if (n.typename !== 'Symbol') this.fail('for loop variables must be names', n.lineno, n.colno);
    node.name = name;
    if (!this.skipSymbol('in')) this.fail('expected "in" in the for tag', forTok.lineno, forTok.colno);
    // no inline-if here: `if` after the iterable filters the items (Jinja)
    node.arr = (this as unknown as { parseOr(): NjNode }).parseOr();
    node.cond = this.skipSymbol('if') ? this.parseExpression() : null;
    if (this.skipSymbol('recursive')) this.fail('recursive for loops are not supported', forTok.lineno, forTok.colno);
    this.advanceAfterBlockEnd(forTok.value);
    node.body = this.parseUntilBlocks('endfor', 'else');
    if (this.skipSymbol('else')) {
      this.advanceAfterBlockEnd('else');
      node.else_ = this.parseUntilBlocks('endfor');
    }
    this.advanceAfterBlockEnd();
    return node;
  }

  /** dbt generic tests: {% test name(model, column_name) %} is macro `test_name`. */
  kParseTest(): NjNode {
    const tok = this.peekToken();
    this.skipSymbol('test');
    const name = this.parsePrimary(true);
    if (name.typename !== 'Symbol') this.fail('expected a test name', tok.lineno, tok.colno);
    this.kDeclaring = true;
    const args = this.parseSignature();
    const macroName = new nodes.Symbol(name.lineno, name.colno, `test_${String(name.value)}`);
    const node = new nodes.Macro(tok.lineno, tok.colno, macroName, args);
    this.advanceAfterBlockEnd(tok.value);
    node.body = this.parseUntilBlocks('endtest');
    this.advanceAfterBlockEnd();
    node.kilnKind = 'test';
    return node;
  }

  kParseWith(): NjNode {
    const tok = this.peekToken();
    this.skipSymbol('with');
    const names: NjNode[] = [];
    const values: NjNode[] = [];
    while (this.peekToken() && this.peekToken().type !== lexer.TOKEN_BLOCK_END) {
      if (names.length && !this.skip(lexer.TOKEN_COMMA)) this.fail('expected a comma in the with tag', tok.lineno, tok.colno);
      const n = this.parsePrimary(true);
      if (n.typename !== 'Symbol') this.fail('with tag targets must be names', n.lineno, n.colno);
      if (!this.skipValue(lexer.TOKEN_OPERATOR, '=')) this.fail("expected '=' in the with tag", n.lineno, n.colno);
      names.push(n);
      values.push(this.parseExpression());
    }
    this.advanceAfterBlockEnd(tok.value);
    const body = this.parseUntilBlocks('endwith');
    this.advanceAfterBlockEnd();
    return new With(tok.lineno, tok.colno, names, values, body);
  }

  /** Jinja tests: `is name`, `is name(args)`, `is name arg` (one argument without parentheses). */
  parseIs(): NjNode {
    let node = this.parseCompare();
    if (!this.skipSymbol('is')) return node;
    const not = this.skipSymbol('not');
    const tok = this.nextToken();
    if (!tok || (tok.type !== lexer.TOKEN_SYMBOL && tok.type !== lexer.TOKEN_NONE && tok.type !== lexer.TOKEN_BOOLEAN)) {
      this.fail('expected a test name after "is"', tok?.lineno, tok?.colno);
    }
    let name = tok.value;
    while (this.skipValue(lexer.TOKEN_OPERATOR, '.')) name += '.' + this.expect(lexer.TOKEN_SYMBOL).value;
    let args = new nodes.NodeList(tok.lineno, tok.colno, []);
    const next = this.peekToken();
    if (next && next.type === lexer.TOKEN_LEFT_PAREN) args = this.parseSignature();
    else if (next && (TEST_ARG_START.has(next.type) || (next.type === lexer.TOKEN_SYMBOL && !NOT_TEST_ARG.has(next.value)))) {
      args = new nodes.NodeList(next.lineno, next.colno, [this.parsePrimary()]);
    }
    const test = new nodes.FunCall(tok.lineno, tok.colno, new nodes.Symbol(tok.lineno, tok.colno, name), args);
    node = new nodes.Is(node.lineno, node.colno, node, test);
    return not ? new nodes.Not(node.lineno, node.colno, node) : node;
  }
}

export interface KnownNames {
  filters: ReadonlySet<string> | { has(name: string): boolean };
  tests: ReadonlySet<string> | { has(name: string): boolean };
}

const CMP_JS: Record<string, string> = { '<': '<', '>': '>', '<=': '<=', '>=': '>=', '===': '===', '!==': '!==' };

/** How a callee is named in error messages: `dbt_utils.star`, `'abc'.upper`. */
export function prettyName(node: NjNode): string {
  switch (node.typename) {
    case 'Symbol':
      return String(node.value);
    case 'Literal':
      return typeof node.value === 'string' ? pyRepr(node.value) : String(node.value);
    case 'LookupVal': {
      const val = node.val as NjNode;
      const target = prettyName(node.target as NjNode);
      return val.typename === 'Literal' && typeof val.value === 'string' ? `${target}.${val.value}` : `${target}[...]`;
    }
    case 'FunCall':
      return `${prettyName(node.name as NjNode)}(...)`;
    case 'Array':
      return '[...]';
    case 'Dict':
      return '{...}';
    default:
      return '(...)';
  }
}

export function startOf(node: NjNode): NjNode {
  let n = node;
  for (;;) {
    if (n.typename === 'FunCall' || n.typename === 'Filter') n = n.name as NjNode;
    else if (n.typename === 'LookupVal') n = n.target as NjNode;
    else return n;
  }
}

/**
 * A for loop's body scope at compile time: where in the code buffer each iteration begins, and
 * the copies of outer variables the body reassigns (see compileSet).
 */
interface IterationScope {
  readonly at: number;
  readonly inits: string[];
}

/** Compile-time frames of for-loop bodies. */
const ITERATIONS = new WeakMap<NjFrame, IterationScope>();

class KilnCompiler extends Compiler {
  declare known: KnownNames | null;
  declare loopDepth: number;
  /**
   * Emit code for async rendering: every call is awaited, macros are async functions that
   * receive their scope bound to the caller's render context, and frames are local to each
   * macro call (renders on several threads interleave at every await).
   */
  declare isAsync: boolean;

  _emitFuncBegin(node: NjNode, name: string): void {
    const parent = Compiler.prototype as unknown as { _emitFuncBegin(this: NjCompiler, n: NjNode, name: string): void };
    if (this.isAsync) this._emit('async ');
    parent._emitFuncBegin.call(this, node, name);
  }

  private js(s: string): string {
    return JSON.stringify(s);
  }

  private expr(node: NjNode, frame: NjFrame): void {
    this._compileExpression(node, frame);
  }

  private binCall(fn: string, node: NjNode, frame: NjFrame): void {
    this._emit(`runtime.${fn}(`);
    this.expr(node.left as NjNode, frame);
    this._emit(', ');
    this.expr(node.right as NjNode, frame);
    this._emit(')');
  }

  compileSymbol(node: NjNode, frame: NjFrame): void {
    const name = String(node.value);
    if (name === 'True' || name === 'False' || name === 'None') {
      this._emit(name === 'True' ? 'true' : name === 'False' ? 'false' : 'null');
      return;
    }
    const id = frame.lookup(name);
    if (id) this._emit(String(id));
    else this._emit(`runtime.contextOrFrameLookup(context, frame, ${this.js(name)})`);
  }

  compileGroup(node: NjNode, frame: NjFrame): void {
    // (a, b) is a tuple
    if (node.children.length === 1) this._compileAggregate(node, frame, '(', ')');
    else {
      this._emit('runtime.tuple(');
      this._compileAggregate(node, frame, '[', ']');
      this._emit(')');
    }
  }

  compileArray(node: NjNode, frame: NjFrame): void {
    if (node.kilnTuple) this._emit('runtime.tuple(');
    this._compileAggregate(node, frame, '[', ']');
    if (node.kilnTuple) this._emit(')');
  }

  compileLiteral(node: NjNode, frame: NjFrame): void {
    if (node.value instanceof PyFloat) {
      this._emit(`runtime.pyFloat(${node.value.value})`);
      return;
    }
    const parent = Compiler.prototype as unknown as { compileLiteral(this: NjCompiler, n: NjNode, f: NjFrame): void };
    parent.compileLiteral.call(this, node, frame);
  }

  compileDict(node: NjNode, frame: NjFrame): void {
    this._emit('{');
    node.children.forEach((pair, i) => {
      if (i) this._emit(', ');
      const key = pair.key as NjNode;
      if (key.typename === 'Literal' && typeof key.value === 'string') this._emit(this.js(key.value));
      else {
        // Jinja evaluates bare names and other expressions used as keys
        this._emit('[runtime.dictKey(');
        this.expr(key, frame);
        this._emit(')]');
      }
      this._emit(': ');
      this.expr(pair.value as NjNode, frame);
    });
    this._emit('}');
  }

  compileKeywordArgs(node: NjNode, frame: NjFrame): void {
    this._emit('runtime.makeKeywordArgs({');
    node.children.forEach((pair, i) => {
      if (i) this._emit(', ');
      const key = pair.key as NjNode;
      this._emit(this.js(String(key.value)) + ': ');
      this.expr(pair.value as NjNode, frame);
    });
    this._emit('})');
  }

  compileOr(node: NjNode, frame: NjFrame): void {
    // Python `or` returns an operand, chosen by Python truthiness; __t is read before the right side runs
    this._emit('(__t = ');
    this.expr(node.left as NjNode, frame);
    this._emit(', runtime.truthy(__t) ? __t : ');
    this.expr(node.right as NjNode, frame);
    this._emit(')');
  }

  compileAnd(node: NjNode, frame: NjFrame): void {
    this._emit('(__t = ');
    this.expr(node.left as NjNode, frame);
    this._emit(', !runtime.truthy(__t) ? __t : ');
    this.expr(node.right as NjNode, frame);
    this._emit(')');
  }

  compileNot(node: NjNode, frame: NjFrame): void {
    this._emit('!runtime.truthy(');
    this.expr(node.target as NjNode, frame);
    this._emit(')');
  }

  compileInlineIf(node: NjNode, frame: NjFrame): void {
    this._emit('(runtime.truthy(');
    this.expr(node.cond as NjNode, frame);
    this._emit(') ? ');
    this.expr(node.body as NjNode, frame);
    this._emit(' : ');
    if (node.else_) this.expr(node.else_ as NjNode, frame);
    else this._emit('undefined');
    this._emit(')');
  }

  compileIn(node: NjNode, frame: NjFrame): void {
    this._emit('runtime.contains(');
    this.expr(node.right as NjNode, frame);
    this._emit(', ');
    this.expr(node.left as NjNode, frame);
    this._emit(')');
  }

  compileIs(node: NjNode, frame: NjFrame): void {
    const right = node.right as NjNode;
    const name = String(right.name ? (right.name as NjNode).value : right.value);
    if (this.known && !this.known.tests.has(name)) this.fail(`no test named '${name}'`, right.lineno, right.colno);
    this._emit(`(env.getTest(${this.js(name)}).call(context, `);
    this.expr(node.left as NjNode, frame);
    const args = right.args ? (right.args as NjNode).children : [];
    for (const a of args) {
      this._emit(', ');
      this.expr(a, frame);
    }
    this._emit(') === true)');
  }

  private cmp(left: NjNode, op: NjNode, frame: NjFrame): void {
    const type = String(op.type);
    if (type === '==' || type === '!=') {
      this._emit(type === '==' ? 'runtime.eq(' : '!runtime.eq(');
      this.expr(left, frame);
      this._emit(', ');
      this.expr(op.expr as NjNode, frame);
      this._emit(')');
      return;
    }
    this._emit('(');
    this.expr(left, frame);
    this._emit(` ${CMP_JS[type]} `);
    this.expr(op.expr as NjNode, frame);
    this._emit(')');
  }

  compileCompare(node: NjNode, frame: NjFrame): void {
    const ops = node.ops as NjNode[];
    if (ops.length === 1) {
      this.cmp(node.expr as NjNode, ops[0], frame);
      return;
    }
    // a < b < c means a < b and b < c
    this._emit('(');
    ops.forEach((op, i) => {
      if (i) this._emit(' && ');
      this.cmp(i === 0 ? (node.expr as NjNode) : (ops[i - 1].expr as NjNode), op, frame);
    });
    this._emit(')');
  }

  compileAdd(node: NjNode, frame: NjFrame): void {
    this.binCall('add', node, frame);
  }
  compileSub(node: NjNode, frame: NjFrame): void {
    this.binCall('sub', node, frame);
  }
  compileMul(node: NjNode, frame: NjFrame): void {
    this.binCall('mul', node, frame);
  }
  compileDiv(node: NjNode, frame: NjFrame): void {
    this.binCall('div', node, frame);
  }
  compileFloorDiv(node: NjNode, frame: NjFrame): void {
    this.binCall('floordiv', node, frame);
  }
  compileMod(node: NjNode, frame: NjFrame): void {
    this.binCall('mod', node, frame);
  }
  compileConcat(node: NjNode, frame: NjFrame): void {
    this.binCall('concat', node, frame);
  }
  compilePow(node: NjNode, frame: NjFrame): void {
    this.binCall('pow', node, frame);
  }
  compileNeg(node: NjNode, frame: NjFrame): void {
    this._emit('runtime.neg(');
    this.expr(node.target as NjNode, frame);
    this._emit(')');
  }
  compilePos(node: NjNode, frame: NjFrame): void {
    this._emit('runtime.pos(');
    this.expr(node.target as NjNode, frame);
    this._emit(')');
  }

  compileFunCall(node: NjNode, frame: NjFrame): void {
    // report calls where the callee's name starts, not at the parenthesis
    const at = startOf(node);
    const callee = node.name as NjNode;
    if (callee.typename === 'LookupVal' && (callee.val as NjNode).typename !== 'Slice') {
      // obj.method(...): evaluate obj once and keep it for a precise error
      this._emit(`(lineno = ${at.lineno}, colno = ${at.colno}, ${this.isAsync ? 'await ' : ''}runtime.callMethod(`);
      this.expr(callee.target as NjNode, frame);
      this._emit(', ');
      this.expr(callee.val as NjNode, frame);
    } else {
      this._emit(`(lineno = ${at.lineno}, colno = ${at.colno}, ${this.isAsync ? 'await ' : ''}runtime.callWrap(`);
      this.expr(callee, frame);
    }
    this._emit(`, ${this.js(prettyName(callee))}, context, `);
    this._compileAggregate(node.args as NjNode, frame, '[', ']');
    this._emit(`, ${at.lineno}, ${at.colno}))`);
  }

  compileFilter(node: NjNode, frame: NjFrame): void {
    const nameNode = node.name as NjNode;
    const name = String(nameNode.value);
    if (this.known && !this.known.filters.has(name)) this.fail(`no filter named '${name}'`, nameNode.lineno, nameNode.colno);
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, env.getFilter(${this.js(name)}).call(context, `);
    this._compileAggregate(node.args as NjNode, frame);
    this._emit('))');
  }

  /** Statement position for errors not raised by a call (those carry their own). */
  private at(node: NjNode): void {
    this._emitLine(`lineno = ${node.lineno}; colno = ${node.colno};`);
  }

  compileOutput(node: NjNode, frame: NjFrame): void {
    for (const child of node.children) {
      if (child.typename === 'TemplateData') {
        if (child.value) this._emitLine(`${this.buffer} += ${JSON.stringify(child.value)};`);
        continue;
      }
      this._emit(`${this.buffer} += runtime.suppressValue((lineno = ${child.lineno}, colno = ${child.colno}, `);
      this.compile(child, frame);
      this._emitLine('));');
    }
  }

  compileIf(node: NjNode, frame: NjFrame): void {
    this.at(node.cond as NjNode);
    this._emit('if (runtime.truthy(');
    this.expr(node.cond as NjNode, frame);
    this._emitLine(')) {');
    this._withScopedSyntax(() => this.compile(node.body as NjNode, frame));
    if (node.else_) {
      this._emitLine('} else {');
      this._withScopedSyntax(() => this.compile(node.else_ as NjNode, frame));
    }
    this._emitLine('}');
  }

  /** Binds loop/unpack targets to `expr` at run time and compile time. */
  private bindNames(names: NjNode[], expr: string, frame: NjFrame): void {
    if (names.length === 1) {
      const id = this._tmpid();
      const name = String(names[0].value);
      this._emitLine(`var ${id} = ${expr};`);
      this._emitLine(`frame.set(${this.js(name)}, ${id});`);
      frame.set(name, id);
      return;
    }
    const u = this._tmpid();
    this._emitLine(`var ${u} = runtime.unpack(${expr}, ${names.length});`);
    names.forEach((n, j) => {
      const id = this._tmpid();
      const name = String(n.value);
      this._emitLine(`var ${id} = ${u}[${j}];`);
      this._emitLine(`frame.set(${this.js(name)}, ${id});`);
      frame.set(name, id);
    });
  }

  compileFor(node: NjNode, frame: NjFrame): void {
    const i = this._tmpid();
    const len = this._tmpid();
    const arr = this._tmpid();
    const state = this._tmpid();
    const nameNode = node.name as NjNode;
    const names = nameNode.typename === 'Array' ? nameNode.children : [nameNode];
    this.at(node.arr as NjNode);
    frame = frame.push();
    this._emitLine('frame = frame.push();');
    this._emit(`var ${arr} = runtime.iter(`);
    this.expr(node.arr as NjNode, frame);
    this._emitLine(`, ${names.length});`);
    if (node.cond) {
      const kept = this._tmpid();
      const k = this._tmpid();
      this._emitLine(`var ${kept} = [];`);
      this._emitLine(`for (var ${k} = 0; ${k} < ${arr}.length; ${k}++) {`);
      this.bindNames(names, `${arr}[${k}]`, frame);
      this._emit('if (runtime.truthy(');
      this.expr(node.cond as NjNode, frame);
      this._emitLine(`)) ${kept}.push(${arr}[${k}]);`);
      this._emitLine('}');
      this._emitLine(`${arr} = ${kept};`);
    }
    const loopFrame = this._tmpid();
    this._emitLine(`var ${len} = ${arr}.length;`);
    this._emitLine(`var ${state} = {};`);
    this._emitLine(`var ${loopFrame} = frame;`);
    this._emitLine(`for (var ${i} = 0; ${i} < ${len}; ${i}++) {`);
    // Jinja: every iteration starts from the enclosing scope; a {% set %} in the body lasts for
    // the rest of that iteration only. A fresh frame each time (taken from the loop's frame, so
    // break/continue need no pop) keeps one iteration's sets from the next.
    this._emitLine(`frame = ${loopFrame}.push();`);
    const iteration = frame.push();
    const scope: IterationScope = { at: this.codebuf.length, inits: [] };
    ITERATIONS.set(iteration, scope);
    this.bindNames(names, `${arr}[${i}]`, iteration);
    this._emitLine(`frame.set("loop", new runtime.Loop(${i}, ${arr}, ${state}));`);
    this.loopDepth = (this.loopDepth ?? 0) + 1;
    this._withScopedSyntax(() => this.compile(node.body as NjNode, iteration));
    this.loopDepth--;
    // each iteration starts with the outer values of the variables its body reassigns
    this.codebuf.splice(scope.at, 0, ...scope.inits.map((l) => l + '\n'));
    this._emitLine('}');
    this._emitLine(`frame = ${loopFrame};`);
    if (node.else_) {
      this._emitLine(`if (!${len}) {`);
      this.compile(node.else_ as NjNode, frame);
      this._emitLine('}');
    }
    this._emitLine('frame = frame.pop();');
  }

  compileLoopControl(node: NjNode): void {
    if (!this.loopDepth) this.fail(`'${String(node.kind)}' outside of a for loop`, node.lineno, node.colno);
    this._emitLine(`${String(node.kind)};`);
  }

  compileSet(node: NjNode, frame: NjFrame): void {
    this.at(node);
    const targets = node.targets as NjNode[];
    const ids = targets.map((t) => {
      let id = frame.lookup(String(t.value)) as string | undefined;
      const scope = id ? this.iterationShadowing(frame, String(t.value)) : null;
      if (id && scope) {
        // a loop body reassigning a variable of an enclosing scope (a macro argument, a loop
        // variable) gets its own copy, reset each iteration: Jinja's sets never leave a loop body
        const copy = this._tmpid();
        scope.inits.push(`var ${copy} = ${id};`);
        scope.frame.set(String(t.value), copy);
        id = copy;
      } else if (!id) {
        id = this._tmpid();
        this._emitLine(`var ${id};`);
      }
      return id;
    });
    if (node.value) {
      if (ids.length === 1) {
        this._emit(`${ids[0]} = `);
        this.expr(node.value as NjNode, frame);
        this._emitLine(';');
      } else {
        const u = this._tmpid();
        this._emit(`var ${u} = runtime.unpack(`);
        this.expr(node.value as NjNode, frame);
        this._emitLine(`, ${ids.length});`);
        ids.forEach((id, j) => this._emitLine(`${id} = ${u}[${j}];`));
      }
    } else {
      this._emit(`${ids.join(' = ')} = `);
      this.compile(node.body as NjNode, frame);
      this._emitLine(';');
    }
    targets.forEach((t, j) => {
      const name = this.js(String(t.value));
      // no resolveUp: a set inside a loop stays inside it (Jinja scoping)
      this._emitLine(`frame.set(${name}, ${ids[j]});`);
      this._emitLine(`if (frame.topLevel) { context.setVariable(${name}, ${ids[j]}); context.addExport(${name}); }`);
    });
  }

  /**
   * The innermost for-loop body between `frame` and the compile-time frame that declares `name`,
   * when the name is declared outside it (null when the body declared it itself, or no loop).
   */
  private iterationShadowing(frame: NjFrame, name: string): (IterationScope & { frame: NjFrame }) | null {
    let found: (IterationScope & { frame: NjFrame }) | null = null;
    for (let f: NjFrame | null = frame; f; f = f.parent) {
      if (Object.prototype.hasOwnProperty.call(f.variables, name)) return found;
      const scope = ITERATIONS.get(f);
      if (scope && !found) found = { ...scope, frame: f };
    }
    return null;
  }

  compileSetAttr(node: NjNode, frame: NjFrame): void {
    this.at(node);
    this._emit('runtime.setAttr(');
    this.expr(node.target as NjNode, frame);
    this._emit(', ');
    this.expr(node.key as NjNode, frame);
    this._emit(', ');
    this.expr(node.value as NjNode, frame);
    this._emitLine(');');
  }

  compileWith(node: NjNode, frame: NjFrame): void {
    const ids = (node.values as NjNode[]).map((v) => {
      const id = this._tmpid();
      this._emit(`var ${id} = `);
      this.expr(v, frame);
      this._emitLine(';');
      return id;
    });
    frame = frame.push();
    this._emitLine('frame = frame.push();');
    (node.names as NjNode[]).forEach((n, i) => {
      this._emitLine(`frame.set(${this.js(String(n.value))}, ${ids[i]});`);
      frame.set(String(n.value), ids[i]);
    });
    this.compile(node.body as NjNode, frame);
    this._emitLine('frame = frame.pop();');
  }

  compileCapture(node: NjNode, frame: NjFrame): void {
    const depth = this.loopDepth;
    this.loopDepth = 0;
    if (this.isAsync) {
      const buffer = this.buffer;
      this.buffer = 'output';
      this._emitLine('(await (async function() {');
      this._emitLine('var output = "";');
      this._withScopedSyntax(() => this.compile(node.body as NjNode, frame));
      this._emitLine('return output;');
      this._emitLine('})())');
      this.buffer = buffer;
    } else {
      const parent = Compiler.prototype as unknown as { compileCapture(this: NjCompiler, n: NjNode, f: NjFrame): void };
      parent.compileCapture.call(this, node, frame);
    }
    this.loopDepth = depth;
  }

  _compileMacro(node: NjNode, frame?: NjFrame): string {
    const keepFrame = frame !== undefined;
    const positional: string[] = [];
    const defaults: { name: string; value: NjNode }[] = [];
    const argNodes = (node.args as NjNode).children;
    argNodes.forEach((arg, i) => {
      if (i === argNodes.length - 1 && arg.typename === 'KeywordArgs') {
        for (const pair of arg.children) defaults.push({ name: String((pair.key as NjNode).value), value: pair.value as NjNode });
      } else if (arg.typename === 'Symbol') positional.push(String(arg.value));
      else this.fail('macro arguments must be names (with optional defaults)', arg.lineno, arg.colno);
    });
    const params = [...positional, ...defaults.map((d) => d.name)];
    const funcId = 'macro_' + this._tmpid();
    const a = this._tmpid();
    const defFrame = this._tmpid();
    const currFrame = keepFrame ? (frame as NjFrame).push(true) : new Frame();
    const name = String((node.name as NjNode).value);
    // caller bodies resolve names where {% call %} was written, not in the macro that calls them
    if (keepFrame) this._emitLine(`var ${defFrame} = frame;`);
    if (this.isAsync) {
      // a macro's context is its file scope bound to the caller's render; a caller body keeps
      // the context of the template it was written in
      this._emitLine(`var ${funcId} = runtime.makeMacro(context, ${this.js(name)}, ${JSON.stringify(params)}, async function (${a}${keepFrame ? '' : ', context'}) {`);
      this._emitLine(`var frame = ${keepFrame ? `${defFrame}.push(true)` : 'new runtime.Frame()'};`);
      this._emitLine(`var lineno = ${node.lineno}, colno = ${node.colno};`);
      this._emitLine('try {');
    } else {
      this._emitLine(`var ${funcId} = runtime.makeMacro(context, ${this.js(name)}, ${JSON.stringify(params)}, function (${a}) {`);
      this._emitLine('var callerFrame = frame;');
      this._emitLine(`frame = ${keepFrame ? `${defFrame}.push(true)` : 'new runtime.Frame()'};`);
      this._emitLine('try {');
      this._emitLine(`lineno = ${node.lineno}; colno = ${node.colno};`);
    }
    params.forEach((p, i) => {
      const id = 'l_' + p;
      if (i < positional.length) this._emitLine(`var ${id} = ${a}.v[${i}];`);
      else {
        this._emit(`var ${id} = ${a}.g[${i}] ? ${a}.v[${i}] : `);
        this.expr(defaults[i - positional.length].value, currFrame);
        this._emitLine(';');
      }
      this._emitLine(`frame.set(${this.js(p)}, ${id});`);
      currFrame.set(p, id);
    });
    if (!params.includes('varargs')) this._emitLine(`frame.set("varargs", ${a}.varargs);`);
    if (!params.includes('kwargs')) this._emitLine(`frame.set("kwargs", ${a}.kwargs);`);
    this._emitLine(`if (${a}.caller !== undefined) frame.set("caller", ${a}.caller);`);
    const buf = this._pushBuffer();
    const depth = this.loopDepth;
    this.loopDepth = 0;
    this._withScopedSyntax(() => this.compile(node.body as NjNode, currFrame));
    this.loopDepth = depth;
    this._emitLine(`return ${buf};`);
    this._popBuffer();
    this._emitLine('} catch (e) { throw runtime.macroError(e, context, lineno, colno); }');
    if (!this.isAsync) this._emitLine('finally { frame = callerFrame; }');
    this._emitLine('});');
    return funcId;
  }
}

export type RootFn = (env: unknown, context: unknown, frame: NjFrame, runtime: unknown, cb: (err: unknown, out?: string) => void) => void;
/** An async template's root: calls `cb` once, after every awaited call has settled. */
export type AsyncRootFn = (env: unknown, context: unknown, frame: NjFrame, runtime: unknown, cb: (err: unknown, out?: string) => void) => Promise<void>;


/** Parses a template; throws TemplateSyntaxError-shaped errors (lineno/colno, 1-based). */
export function parseTemplate(src: string, extensions: object[]): NjNode {
  const parser = new KilnParser(new FastTokenizer(src) as unknown as NjTokenizer) as NjParser;
  parser.extensions = extensions;
  return parser.parseAsRoot();
}

/** Compiles a parsed template to its root render function. */
export function compileRoot(ast: NjNode, known: KnownNames | null): RootFn {
  const props = new Function(generateCode(ast, known))() as { root: RootFn };
  return props.root;
}

/** Compiles a parsed template for async rendering (see KilnCompiler.isAsync). */
export function compileAsyncRoot(ast: NjNode, known: KnownNames | null): AsyncRootFn {
  const props = new Function(generateCode(ast, known, true))() as { root: AsyncRootFn };
  return props.root;
}

/** JS source of a module body returning {root}. */
export function generateCode(ast: NjNode, known: KnownNames | null, isAsync = false): string {
  const c = new KilnCompiler('', false) as unknown as KilnCompiler & NjCompiler;
  c.known = known;
  c.loopDepth = 0;
  c.isAsync = isAsync;
  c.compile(ast);
  // __t is the scratch register for `and`/`or`
  return 'var __t;\n' + c.getCode();
}

