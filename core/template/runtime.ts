// The runtime object compiled templates call (`runtime.memberLookup(...)` etc.). kiln passes
// its own object to each template's root function instead of patching nunjucks' global
// runtime, so Python semantics (output, truthiness, ==, `in`, methods, return()) apply to
// kiln templates only.
import { KilnError, Codes } from '../errors.js';
import { closest, distance } from 'fastest-levenshtein';
import { njRuntime, type NjFrame } from './nunjucks-internals.js';
import { memberLookup, STR_METHODS, LIST_METHODS, DICT_METHODS } from './python-methods.js';
import { NeedsAsync, ReturnSignal, addTrace, hasTrace, isAsyncBuiltin } from './signals.js';
import {
  KEYWORDS,
  add,
  asString,
  concat,
  contains,
  dictItems,
  div,
  eq,
  floordiv,
  isKwargs,
  isPlainObject,
  mod,
  mul,
  pyStr,
  pyTypeName,
  sub,
  toList,
  truthy,
  type Dict,
  neg,
  pos,
  pow,
  pyFloat,
  tuple,
  plainValue,
} from './values.js';

export interface RenderContext {
  [name: string]: unknown;
}

/** Shared lookup state of one engine: the active render context and the global names. */
export class TemplateState {
  /** The context of the render (or callMacro) in progress; renders nest, so callers save/restore it. */
  current: RenderContext | null = null;
  /** Builtins, then macros and package namespaces on top (null prototype: no inherited names). */
  readonly globals: Dict = Object.create(null) as Dict;
  /** Package name → namespace object exposing that package's macros. */
  readonly namespaces = new Map<string, Dict>();
  /** Names of registered macros (for "did you mean" hints). */
  readonly macroNames = new Set<string>();

  lookup(name: string): unknown {
    const c = this.current;
    if (c !== null) {
      const v = c[name];
      if (v !== undefined && v !== (OBJECT_PROTO as Dict)[name]) return v;
    }
    return this.globals[name];
  }
}

const OBJECT_PROTO = Object.prototype as unknown;

/** The `context` object compiled code receives (nunjucks calls it Context). One per render / macro file. */
export class Scope {
  /** Top-level `{% set %}`s and `{% macro %}`s of this template. */
  readonly vars: Dict = Object.create(null) as Dict;
  readonly exported: string[] = [];
  /** Value captured by renderNative(). */
  nativeValue: unknown = undefined;
  /**
   * Async scopes belong to renders that may wait on the warehouse: they carry their render
   * context themselves (renders on several threads interleave, so no shared "current" works)
   * and the macros they call run their async variants.
   */
  readonly async: boolean;
  /** The render context of an async scope (sync scopes read state.current). */
  own: RenderContext | null;

  constructor(
    readonly state: TemplateState,
    readonly file: string,
    readonly packageName?: string,
    opts: { async?: boolean; current?: RenderContext } = {},
  ) {
    this.async = opts.async ?? false;
    this.own = opts.current ?? null;
  }

  /** The render context in effect for this scope. */
  get current(): RenderContext | null {
    return this.async ? this.own : this.state.current;
  }

  lookup(name: string): unknown {
    const v = this.vars[name];
    if (v !== undefined) return v;
    const c = this.async ? this.own : this.state.current;
    if (c !== null) {
      const x = c[name];
      if (x !== undefined && x !== (OBJECT_PROTO as Dict)[name]) return x;
    }
    return this.state.globals[name];
  }
  /** This (macro file) scope seen from a render: same variables, that render's context. */
  bind(current: RenderContext | null): Scope {
    const s = Object.create(this) as Scope;
    s.own = current;
    return s;
  }
  setVariable(name: string, value: unknown): void {
    this.vars[name] = value;
  }
  addExport(name: string): void {
    this.exported.push(name);
  }
  getVariables(): Dict {
    return this.vars;
  }
  /** The render variables, for context functions that prefer `this.ctx` to closures. */
  get ctx(): RenderContext {
    return this.current ?? {};
  }
}

// ---------------------------------------------------------------- macros

export const MACRO_INFO = Symbol('kiln.macro');

export interface MacroMeta {
  name: string;
  file: string;
  packageName?: string;
  params: readonly string[];
}

export type MacroFunction = ((...args: unknown[]) => unknown) & { [MACRO_INFO]?: MacroMeta };

export function macroMeta(fn: unknown): MacroMeta | undefined {
  return typeof fn === 'function' ? (fn as MacroFunction)[MACRO_INFO] : undefined;
}

/** Arguments bound to a macro's parameters: v = values, g = given (else the default applies). */
interface BoundArgs {
  v: unknown[];
  g: boolean[];
  varargs: unknown[];
  kwargs: Dict;
  caller: unknown;
}

function bindMacroArgs(params: readonly string[], args: unknown[]): BoundArgs {
  let n = args.length;
  let kw: Dict | null = null;
  if (n > 0 && isKwargs(args[n - 1])) {
    kw = args[n - 1] as Dict;
    n--;
  }
  const np = params.length;
  const v = new Array<unknown>(np);
  const g = new Array<boolean>(np).fill(false);
  const m = n < np ? n : np;
  for (let i = 0; i < m; i++) {
    v[i] = args[i];
    g[i] = true;
  }
  const out: BoundArgs = { v, g, varargs: tuple(n > np ? args.slice(np, n) : []), kwargs: {}, caller: undefined };
  if (kw !== null) {
    for (const k of Object.keys(kw)) {
      if (k === KEYWORDS) continue;
      const i = params.indexOf(k);
      if (i >= 0) {
        v[i] = kw[k];
        g[i] = true;
      } else if (k === 'caller') out.caller = kw[k];
      else out.kwargs[k] = kw[k];
    }
  }
  return out;
}

function makeMacro(context: Scope, name: string, params: readonly string[], fn: (a: BoundArgs) => unknown): MacroFunction {
  const macro: MacroFunction = function (...args: unknown[]): unknown {
    try {
      return fn(bindMacroArgs(params, args));
    } catch (e) {
      if (e instanceof ReturnSignal) return e.value;
      throw e;
    }
  };
  macro[MACRO_INFO] = { name, file: context.file, packageName: context.packageName, params };
  return macro;
}

/**
 * The async variant: `fn` gets the arguments and the macro file's scope bound to the caller's
 * render context (`this` is the calling scope; see Scope.bind). Resolves with the rendered body
 * or the value given to return().
 */
function makeMacroAsync(context: Scope, name: string, params: readonly string[], fn: (a: BoundArgs, bound: Scope) => Promise<unknown>): MacroFunction {
  const macro: MacroFunction = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    const bound = context.bind(this instanceof Scope ? this.current : context.current);
    let p: Promise<unknown>;
    try {
      p = fn(bindMacroArgs(params, args), bound);
    } catch (e) {
      return Promise.reject(e);
    }
    return p.catch((e: unknown) => {
      if (e instanceof ReturnSignal) return e.value;
      throw e;
    });
  };
  macro[MACRO_INFO] = { name, file: context.file, packageName: context.packageName, params };
  return macro;
}

/** Errors raised inside a macro body by something other than a call get the macro's file and line. */
function macroError(e: unknown, context: Scope, lineno: number, colno: number): unknown {
  if (e instanceof ReturnSignal || e instanceof NeedsAsync || hasTrace(e)) return e;
  return addTrace(e, context.file, lineno + 1, colno + 1);
}

// ---------------------------------------------------------------- calls

const BUILTIN_METHODS: Record<string, readonly string[]> = {
  str: Object.keys(STR_METHODS),
  list: Object.keys(LIST_METHODS),
  dict: Object.keys(DICT_METHODS),
};

function article(word: string): string {
  return (/^[aeiou]/i.test(word) ? 'an ' : 'a ') + word;
}

function suggest(name: string, candidates: Iterable<string>): string | null {
  const list = [...candidates].filter((c) => c && !c.startsWith('_'));
  if (!list.length) return null;
  const best = closest(name, list);
  return distance(name, best) <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** A KilnError for calling a name that is not a function, with a "did you mean" hint. */
export function notCallableError(value: unknown, name: string, context: Scope): KilnError {
  const state = context.state;
  if (value !== undefined) {
    return new KilnError(Codes.JINJA_RENDER, `'${name}' is not callable (it is ${article(pyTypeName(value))})`, {
      hint: `Remove the parentheses to use the value of '${name}'.`,
    });
  }
  const candidates = new Set<string>([...state.macroNames, ...Object.keys(state.globals), ...Object.keys(context.current ?? {}), ...Object.keys(context.vars)]);
  const best = suggest(name, candidates);
  return new KilnError(Codes.JINJA_RENDER, `'${name}' is undefined: no macro or function of that name`, {
    hint: `Is it defined in macros/ (or in an installed package)?${best ? ` Did you mean '${best}'?` : ''}`,
  });
}

/** A KilnError for `owner.key(...)` where owner.key is not a function. */
function methodError(owner: unknown, key: unknown, value: unknown, name: string, context: Scope): KilnError {
  const state = context.state;
  const attr = pyStr(key);
  const head = name.slice(0, Math.max(0, name.length - attr.length - 1)) || 'expression';
  if (value !== undefined) return notCallableError(value, name, context);
  for (const [pkg, ns] of state.namespaces) {
    if (ns !== owner) continue;
    const best = suggest(attr, Object.keys(ns));
    return new KilnError(Codes.JINJA_RENDER, `'${name}' is undefined: package '${pkg}' has no macro '${attr}'`, {
      hint: best ? `Did you mean '${pkg}.${best}'?` : `Check the macro name in package '${pkg}'.`,
    });
  }
  if (owner === undefined) {
    if (/^[A-Za-z_]\w*$/.test(head)) {
      const best = suggest(head, [...state.namespaces.keys(), ...Object.keys(context.current ?? {}), ...Object.keys(state.globals)]);
      return new KilnError(Codes.JINJA_RENDER, `'${name}' is undefined: '${head}' is not a package or variable in scope`, {
        hint: best ? `Did you mean '${best}.${attr}'?` : `Is the package '${head}' installed (packages.yml, then kiln deps)?`,
      });
    }
    return new KilnError(Codes.JINJA_RENDER, `'${name}' is undefined: '${head}' is undefined`);
  }
  let methods: string[] = [];
  if (asString(owner) !== null) methods = [...BUILTIN_METHODS.str];
  else if (Array.isArray(owner)) methods = [...BUILTIN_METHODS.list];
  else if (isPlainObject(owner)) methods = [...BUILTIN_METHODS.dict, ...Object.keys(owner)];
  else if (owner !== null && typeof owner === 'object') {
    for (let o: object | null = owner; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) methods.push(...Object.getOwnPropertyNames(o));
  }
  const best = suggest(attr, methods.filter((m) => m !== 'constructor'));
  const type = pyTypeName(owner);
  const literal = /^['"\d[{(-]/.test(head);
  return new KilnError(Codes.JINJA_RENDER, literal ? `${type} has no method '${attr}'` : `'${head}' has no method '${attr}' (it is ${article(type)})`, {
    hint: best ? `Did you mean '${best}'?` : undefined,
  });
}

function callMethod(owner: unknown, key: unknown, name: string, context: Scope, args: unknown[], line: number, col: number): unknown {
  const fn = memberLookup(owner, key);
  if (typeof fn !== 'function') throw addTrace(methodError(owner, key, fn, name, context), context.file, line + 1, col + 1);
  if (isAsyncBuiltin(fn)) throw new NeedsAsync(name);
  try {
    // macros reached through a namespace (dbt.type_string()) get the calling scope, as in async
    // renders: a parse render notes them among the node's depends_on.macros
    return (fn as (...a: unknown[]) => unknown).apply(macroMeta(fn) ? context : owner, args);
  } catch (e) {
    throw addTrace(e, context.file, line + 1, col + 1);
  }
}

/** Marks functions that take template values as they are (boxed floats); others get plain numbers. */
export const PY_VALUES = Symbol('kiln.pyValues');

/** Context functions (config, ref, ...) receive plain JS values: whole floats unboxed. */
function argsFor(fn: unknown, args: unknown[]): unknown[] {
  const f = fn as unknown as Record<symbol, unknown>;
  if (f[MACRO_INFO] !== undefined || f[PY_VALUES] === true) return args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a !== null && typeof a === 'object') return plainValue(args) as unknown[];
  }
  return args;
}

function callWrap(fn: unknown, name: string, context: Scope, args: unknown[], line: number, col: number): unknown {
  if (typeof fn !== 'function') throw addTrace(notCallableError(fn, name, context), context.file, line + 1, col + 1);
  if (isAsyncBuiltin(fn)) throw new NeedsAsync(name);
  try {
    return (fn as (...a: unknown[]) => unknown).apply(context, argsFor(fn, args));
  } catch (e) {
    throw addTrace(e, context.file, line + 1, col + 1);
  }
}

// Async templates `await` every call; these resolve whatever the callee returned and trace
// errors (sync throws and rejections alike) to the call site.

async function callMethodA(owner: unknown, key: unknown, name: string, context: Scope, args: unknown[], line: number, col: number): Promise<unknown> {
  const fn = memberLookup(owner, key);
  if (typeof fn !== 'function') throw addTrace(methodError(owner, key, fn, name, context), context.file, line + 1, col + 1);
  try {
    // macros reached through a namespace (pkg.macro()) need the calling scope, not the namespace
    return await (fn as (...a: unknown[]) => unknown).apply(macroMeta(fn) ? context : owner, args);
  } catch (e) {
    throw addTrace(e, context.file, line + 1, col + 1);
  }
}

async function callWrapA(fn: unknown, name: string, context: Scope, args: unknown[], line: number, col: number): Promise<unknown> {
  if (typeof fn !== 'function') throw addTrace(notCallableError(fn, name, context), context.file, line + 1, col + 1);
  try {
    return await (fn as (...a: unknown[]) => unknown).apply(context, argsFor(fn, args));
  } catch (e) {
    throw addTrace(e, context.file, line + 1, col + 1);
  }
}

/** The root function's catch: remember where it failed if nothing inner did. */
function handleError(e: unknown, lineno: number, colno: number): unknown {
  if (e instanceof ReturnSignal || e instanceof NeedsAsync || hasTrace(e)) return e;
  return addTrace(e, '', (lineno ?? 0) + 1, (colno ?? 0) + 1);
}

function contextOrFrameLookup(context: Scope, frame: NjFrame, name: string): unknown {
  const v = frame.lookup(name);
  return v !== undefined ? v : context.lookup(name);
}

// ---------------------------------------------------------------- loops

/** Jinja's `loop` variable. */
export class LoopContext {
  constructor(
    private readonly i: number,
    private readonly items: unknown[],
    private readonly state: { last?: unknown[] },
  ) {}
  get index(): number {
    return this.i + 1;
  }
  get index0(): number {
    return this.i;
  }
  get revindex(): number {
    return this.items.length - this.i;
  }
  get revindex0(): number {
    return this.items.length - this.i - 1;
  }
  get first(): boolean {
    return this.i === 0;
  }
  get last(): boolean {
    return this.i === this.items.length - 1;
  }
  get length(): number {
    return this.items.length;
  }
  get previtem(): unknown {
    return this.i > 0 ? this.items[this.i - 1] : undefined;
  }
  get nextitem(): unknown {
    return this.i + 1 < this.items.length ? this.items[this.i + 1] : undefined;
  }
  get depth(): number {
    return 1;
  }
  get depth0(): number {
    return 0;
  }
  cycle(...values: unknown[]): unknown {
    return values.length ? values[this.i % values.length] : undefined;
  }
  changed(...values: unknown[]): boolean {
    const prev = this.state.last;
    this.state.last = values;
    return !prev || !eq(prev, values);
  }
}

/** The items a `for` iterates: lists as is, dict keys (key/value pairs when unpacking two names). */
function iter(v: unknown, names: number): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) return [];
  if (names === 2 && (isPlainObject(v) || v instanceof Map)) return dictItems(v);
  return toList(v);
}

function unpack(v: unknown, n: number): unknown[] {
  const l = Array.isArray(v) ? v : toList(v);
  if (l.length !== n) throw new TypeError(`cannot unpack ${l.length} value(s) into ${n} variable(s)`);
  return l;
}

function setAttr(obj: unknown, key: unknown, value: unknown): void {
  if (obj === null || typeof obj !== 'object') {
    throw new TypeError(`cannot assign attribute '${pyStr(key)}' on a ${pyTypeName(obj)}; use namespace()`);
  }
  (obj as Dict)[pyStr(key)] = value;
}

function suppressValue(v: unknown): string {
  return typeof v === 'string' ? v : pyStr(v);
}

/** The runtime object passed to compiled templates. */
export const kilnRuntime: Record<string, unknown> = {
  ...njRuntime,
  suppressValue,
  memberLookup,
  contextOrFrameLookup,
  callWrap,
  callMethod,
  handleError,
  makeMacro,
  macroError,
  truthy,
  eq,
  contains,
  inOperator: (key: unknown, container: unknown) => contains(container, key),
  add,
  sub,
  mul,
  div,
  floordiv,
  mod,
  concat,
  iter,
  unpack,
  setAttr,
  tuple,
  pyFloat,
  pow,
  neg,
  pos,
  Loop: LoopContext,
  dictKey: (k: unknown) => (typeof k === 'string' ? k : pyStr(k)),
};

/** The runtime passed to templates compiled for async rendering. */
export const kilnAsyncRuntime: Record<string, unknown> = {
  ...kilnRuntime,
  callWrap: callWrapA,
  callMethod: callMethodA,
  makeMacro: makeMacroAsync,
};
