// A tree-walking evaluator for templates without {% macro %}/{% call %} blocks (nearly every
// model). Generating and compiling JS costs ~90 µs per template before its first output, which
// dominates when 10,000 models each render once; walking the AST costs a few µs. It calls the
// same runtime functions as compiled code (runtime.ts), so the two agree by construction, and
// the engine compiles a template to JS once it has been rendered often (see engine.ts).
import { prettyName, startOf, type KnownNames } from './compiler.js';
import { TemplateSyntaxError } from './lexer.js';
import { Frame, type NjFrame, type NjNode } from './nunjucks-internals.js';
import { LoopContext, kilnRuntime, type Scope } from './runtime.js';
import { memberLookup } from './python-methods.js';
import {
  add,
  concat,
  contains,
  div,
  eq,
  floordiv,
  mod,
  mul,
  neg,
  pos,
  pow,
  sub,
  truthy,
  tuple,
  KEYWORDS,
  pyStr,
  type Dict,
} from './values.js';

type Fn = (...args: unknown[]) => unknown;

const rt = kilnRuntime as {
  callWrap(fn: unknown, name: string, context: Scope, args: unknown[], line: number, col: number): unknown;
  callMethod(owner: unknown, key: unknown, name: string, context: Scope, args: unknown[], line: number, col: number): unknown;
  iter(v: unknown, names: number): unknown[];
  unpack(v: unknown, n: number): unknown[];
  setAttr(obj: unknown, key: unknown, value: unknown): void;
  handleError(e: unknown, line: number, col: number): unknown;
};

/** Node types the interpreter evaluates; anything else makes the template compile to JS. */
const SUPPORTED = new Set([
  'Root', 'NodeList', 'Output', 'TemplateData', 'Literal', 'Symbol', 'Group', 'Array', 'Dict', 'Pair',
  'KeywordArgs', 'LookupVal', 'Slice', 'FunCall', 'Filter', 'If', 'InlineIf', 'Compare', 'CompareOperand',
  'And', 'Or', 'Not', 'In', 'Is', 'Add', 'Sub', 'Mul', 'Div', 'FloorDiv', 'Mod', 'Pow', 'Neg', 'Pos',
  'Concat', 'Set', 'Capture', 'For', 'SetAttr', 'LoopControl', 'CallExtension', 'With',
]);

function walkValue(v: unknown, known: KnownNames | null, loops: number, acc: { ok: boolean }): void {
  if (Array.isArray(v)) {
    for (const x of v) walkValue(x, known, loops, acc);
  } else if (v !== null && typeof v === 'object' && typeof (v as NjNode).typename === 'string') {
    walkNode(v as NjNode, known, loops, acc);
  }
}

function walkNode(node: NjNode, known: KnownNames | null, loops: number, acc: { ok: boolean }): void {
  const t = node.typename;
  if (!SUPPORTED.has(t)) acc.ok = false;
  if (known !== null && t === 'Filter') {
    const n = node.name as NjNode;
    if (!known.filters.has(String(n.value))) throw new TemplateSyntaxError(`no filter named '${String(n.value)}'`, n.lineno + 1, n.colno + 1);
  } else if (known !== null && t === 'Is') {
    const r = node.right as NjNode;
    const name = String(r.name ? (r.name as NjNode).value : r.value);
    if (!known.tests.has(name)) throw new TemplateSyntaxError(`no test named '${name}'`, r.lineno + 1, r.colno + 1);
  } else if (t === 'LoopControl' && loops === 0) {
    throw new TemplateSyntaxError(`'${String(node.kind)}' outside of a for loop`, node.lineno + 1, node.colno + 1);
  } else if (t === 'For') {
    walkValue(node.arr, known, loops, acc);
    walkValue(node.name, known, loops, acc);
    walkValue(node.cond, known, loops, acc);
    walkValue(node.else_, known, loops, acc);
    walkValue(node.body, known, loops + 1, acc);
    return;
  }
  // macro and capture bodies are functions in compiled code: break/continue cannot cross them
  const inner = t === 'Macro' || t === 'Caller' || t === 'Capture' ? 0 : loops;
  const fields = node.fields;
  for (let i = 0; i < fields.length; i++) walkValue(node[fields[i]], known, inner, acc);
  if (t === 'Set') walkValue(node.body, known, inner, acc);
  else if (t === 'With') walkValue(node.names, known, inner, acc);
}

/**
 * Validates filter/test names and loop controls (errors a compiler would raise) and reports
 * whether the interpreter can run the template.
 */
export function analyse(ast: NjNode, known: KnownNames | null): boolean {
  const acc = { ok: true };
  walkNode(ast, known, 0, acc);
  return acc.ok;
}

interface CallInfo {
  name: string;
  line: number;
  col: number;
}

/** The callee's display name and start position, memoised on the node. */
function info(node: NjNode): CallInfo {
  let i = node.kilnCall as CallInfo | undefined;
  if (!i) {
    const n = startOf(node);
    i = { name: prettyName(node.name as NjNode), line: n.lineno, col: n.colno };
    node.kilnCall = i;
  }
  return i;
}

/**
 * {% break %} / {% continue %}: thrown up to the loop, gathering on the way the output its
 * iteration wrote before it (which Jinja keeps).
 */
class LoopSignal {
  constructor(
    readonly kind: 'break' | 'continue',
    public out = '',
  ) {}
}

interface NjEnvLike {
  getFilter(name: string): Fn;
  getTest(name: string): Fn;
  getExtension(name: string): Record<string, Fn>;
}

class Interpreter {
  /** 0-based position of the last call/filter, like compiled code's lineno/colno. */
  line = 0;
  col = 0;

  constructor(
    private readonly env: NjEnvLike,
    private readonly context: Scope,
  ) {}

  exec(node: NjNode, frame: NjFrame): string {
    switch (node.typename) {
      case 'Root':
      case 'NodeList': {
        let out = '';
        try {
          for (const c of node.children) out += this.exec(c, frame);
        } catch (e) {
          if (e instanceof LoopSignal) e.out = out + e.out;
          throw e;
        }
        return out;
      }
      case 'Output': {
        let out = '';
        for (const c of node.children) {
          if (c.typename === 'TemplateData') out += c.value as string;
          else {
            this.line = c.lineno;
            this.col = c.colno;
            const v = this.eval(c, frame);
            out += typeof v === 'string' ? v : pyStr(v);
          }
        }
        return out;
      }
      case 'If':
        this.at(node.cond as NjNode);
        if (truthy(this.eval(node.cond as NjNode, frame))) return this.exec(node.body as NjNode, frame);
        return node.else_ ? this.exec(node.else_ as NjNode, frame) : '';
      case 'For':
        return this.execFor(node, frame);
      case 'Set':
        this.at(node);
        this.execSet(node, frame);
        return '';
      case 'SetAttr':
        this.at(node);
        rt.setAttr(this.eval(node.target as NjNode, frame), this.eval(node.key as NjNode, frame), this.eval(node.value as NjNode, frame));
        return '';
      case 'LoopControl':
        throw new LoopSignal(node.kind === 'break' ? 'break' : 'continue');
      case 'CallExtension': {
        const ext = this.env.getExtension(String(node.extName));
        const args = (node.args as NjNode).children.map((a) => this.eval(a, frame));
        const v = ext[String(node.prop)](this.context, ...args);
        return typeof v === 'string' ? v : pyStr(v);
      }
      case 'With': {
        const values = (node.values as NjNode[]).map((v) => this.eval(v, frame));
        const inner = frame.push();
        (node.names as NjNode[]).forEach((n, i) => inner.set(String(n.value), values[i]));
        return this.exec(node.body as NjNode, inner);
      }
      default:
        throw new Error(`kiln interpreter: unexpected statement ${node.typename}`);
    }
  }

  private bind(names: NjNode[], item: unknown, frame: NjFrame): void {
    if (names.length === 1) {
      frame.set(String(names[0].value), item);
      return;
    }
    const vals = rt.unpack(item, names.length);
    names.forEach((n, j) => frame.set(String(n.value), vals[j]));
  }

  private at(node: NjNode): void {
    this.line = node.lineno;
    this.col = node.colno;
  }

  private execFor(node: NjNode, outer: NjFrame): string {
    this.at(node.arr as NjNode);
    const frame = outer.push();
    const nameNode = node.name as NjNode;
    const names = nameNode.typename === 'Array' ? nameNode.children : [nameNode];
    let items = rt.iter(this.eval(node.arr as NjNode, frame), names.length);
    if (node.cond) {
      const kept: unknown[] = [];
      for (const item of items) {
        this.bind(names, item, frame);
        if (truthy(this.eval(node.cond as NjNode, frame))) kept.push(item);
      }
      items = kept;
    }
    const state = {};
    let out = '';
    const body = node.body as NjNode;
    for (let i = 0; i < items.length; i++) {
      // Jinja: every iteration starts from the enclosing scope; a {% set %} in the body lasts
      // for the rest of that iteration only (`{% set xs = xs.append(x) %}` appends each time)
      const iteration = frame.push();
      this.bind(names, items[i], iteration);
      iteration.set('loop', new LoopContext(i, items, state));
      try {
        out += this.exec(body, iteration);
      } catch (e) {
        if (!(e instanceof LoopSignal)) throw e;
        out += e.out;
        if (e.kind === 'break') break;
      }
    }
    if (!items.length && node.else_) out += this.exec(node.else_ as NjNode, frame);
    return out;
  }

  private execSet(node: NjNode, frame: NjFrame): void {
    const targets = node.targets as NjNode[];
    let values: unknown[];
    if (node.value) {
      const v = this.eval(node.value as NjNode, frame);
      values = targets.length === 1 ? [v] : rt.unpack(v, targets.length);
    } else {
      const v = this.eval(node.body as NjNode, frame);
      values = targets.map(() => v);
    }
    targets.forEach((t, j) => {
      const name = String(t.value);
      frame.set(name, values[j]);
      if (frame.topLevel) {
        this.context.setVariable(name, values[j]);
        this.context.addExport(name);
      }
    });
  }

  eval(node: NjNode, frame: NjFrame): unknown {
    switch (node.typename) {
      case 'Literal':
      case 'TemplateData':
        return node.value;
      case 'Symbol': {
        const name = node.value as string;
        if (name === 'True') return true;
        if (name === 'False') return false;
        if (name === 'None') return null;
        const v = frame.lookup(name);
        return v !== undefined ? v : this.context.lookup(name);
      }
      case 'FunCall': {
        const i = info(node);
        this.line = i.line;
        this.col = i.col;
        const callee = node.name as NjNode;
        if (callee.typename === 'LookupVal' && (callee.val as NjNode).typename !== 'Slice') {
          const owner = this.eval(callee.target as NjNode, frame);
          const key = this.eval(callee.val as NjNode, frame);
          return rt.callMethod(owner, key, i.name, this.context, this.evalList((node.args as NjNode).children, frame), i.line, i.col);
        }
        const fn = this.eval(callee, frame);
        return rt.callWrap(fn, i.name, this.context, this.evalList((node.args as NjNode).children, frame), i.line, i.col);
      }
      case 'LookupVal': {
        const val = node.val as NjNode;
        const target = this.eval(node.target as NjNode, frame);
        if (val.typename === 'Slice') {
          return memberLookup(target, this.eval(val.start as NjNode, frame), this.eval(val.stop as NjNode, frame), this.eval(val.step as NjNode, frame));
        }
        return memberLookup(target, this.eval(val, frame));
      }
      case 'Filter': {
        this.line = node.lineno;
        this.col = node.colno;
        const f = this.env.getFilter(String((node.name as NjNode).value));
        return f.apply(this.context, this.evalList((node.args as NjNode).children, frame));
      }
      case 'Group':
        if (node.children.length === 1) return this.eval(node.children[0], frame);
        return tuple(this.evalList(node.children, frame));
      case 'Array':
        return node.kilnTuple ? tuple(this.evalList(node.children, frame)) : this.evalList(node.children, frame);
      case 'Dict': {
        const out: Dict = {};
        for (const pair of node.children) {
          const key = pair.key as NjNode;
          const k = key.typename === 'Literal' && typeof key.value === 'string' ? key.value : pyStr(this.eval(key, frame));
          out[k] = this.eval(pair.value as NjNode, frame);
        }
        return out;
      }
      case 'KeywordArgs': {
        const out: Dict = {};
        for (const pair of node.children) out[String((pair.key as NjNode).value)] = this.eval(pair.value as NjNode, frame);
        out[KEYWORDS] = true;
        return out;
      }
      case 'Capture':
        return this.exec(node.body as NjNode, frame);
      case 'And': {
        const l = this.eval(node.left as NjNode, frame);
        return truthy(l) ? this.eval(node.right as NjNode, frame) : l;
      }
      case 'Or': {
        const l = this.eval(node.left as NjNode, frame);
        return truthy(l) ? l : this.eval(node.right as NjNode, frame);
      }
      case 'Not':
        return !truthy(this.eval(node.target as NjNode, frame));
      case 'InlineIf':
        if (truthy(this.eval(node.cond as NjNode, frame))) return this.eval(node.body as NjNode, frame);
        return node.else_ ? this.eval(node.else_ as NjNode, frame) : undefined;
      case 'Compare':
        return this.compare(node, frame);
      case 'In':
        return contains(this.eval(node.right as NjNode, frame), this.eval(node.left as NjNode, frame));
      case 'Is': {
        const right = node.right as NjNode;
        const name = String(right.name ? (right.name as NjNode).value : right.value);
        const test = this.env.getTest(name);
        const left = this.eval(node.left as NjNode, frame);
        const args = right.args ? (right.args as NjNode).children.map((a) => this.eval(a, frame)) : [];
        return test.call(this.context, left, ...args) === true;
      }
      case 'Add':
        return add(this.eval(node.left as NjNode, frame), this.eval(node.right as NjNode, frame));
      case 'Sub':
        return sub(this.eval(node.left as NjNode, frame), this.eval(node.right as NjNode, frame));
      case 'Mul':
        return mul(this.eval(node.left as NjNode, frame), this.eval(node.right as NjNode, frame));
      case 'Div':
        return div(this.eval(node.left as NjNode, frame), this.eval(node.right as NjNode, frame));
      case 'FloorDiv':
        return floordiv(this.eval(node.left as NjNode, frame), this.eval(node.right as NjNode, frame));
      case 'Mod':
        return mod(this.eval(node.left as NjNode, frame), this.eval(node.right as NjNode, frame));
      case 'Pow':
        return pow(this.eval(node.left as NjNode, frame), this.eval(node.right as NjNode, frame));
      case 'Concat':
        return concat(this.eval(node.left as NjNode, frame), this.eval(node.right as NjNode, frame));
      case 'Neg':
        return neg(this.eval(node.target as NjNode, frame));
      case 'Pos':
        return pos(this.eval(node.target as NjNode, frame));
      default:
        throw new Error(`kiln interpreter: unexpected expression ${node.typename}`);
    }
  }

  private evalList(nodes: NjNode[], frame: NjFrame): unknown[] {
    const out = new Array<unknown>(nodes.length);
    for (let i = 0; i < nodes.length; i++) out[i] = this.eval(nodes[i], frame);
    return out;
  }

  private cmp(left: unknown, op: string, right: unknown): boolean {
    switch (op) {
      case '==':
        return eq(left, right);
      case '!=':
        return !eq(left, right);
      case '===':
        return left === right;
      case '!==':
        return left !== right;
      case '<':
        return (left as number) < (right as number);
      case '>':
        return (left as number) > (right as number);
      case '<=':
        return (left as number) <= (right as number);
      default:
        return (left as number) >= (right as number);
    }
  }

  private compare(node: NjNode, frame: NjFrame): boolean {
    const ops = node.ops as NjNode[];
    let left = this.eval(node.expr as NjNode, frame);
    for (const op of ops) {
      const right = this.eval(op.expr as NjNode, frame);
      if (!this.cmp(left, String(op.type), right)) return false;
      left = right;
    }
    return true;
  }
}

/** Renders an analysed AST; errors carry a trace like compiled templates' (see handleError). */
export function interpret(ast: NjNode, env: NjEnvLike, context: Scope): string {
  const frame = new Frame();
  frame.topLevel = true;
  const it = new Interpreter(env, context);
  try {
    return it.exec(ast, frame);
  } catch (e) {
    throw rt.handleError(e, it.line, it.col);
  }
}
