// Control-flow signals and error call-site traces shared by the runtime, builtins and engine.

/**
 * Thrown by `return(x)` and caught by the enclosing macro. Deliberately not an Error:
 * dbt macros return constantly and capturing a stack trace each time would be wasteful.
 */
export class ReturnSignal {
  constructor(readonly value: unknown) {}
}

export interface TraceEntry {
  /** '' until the engine knows which file the root template was (see handleError). */
  file: string;
  line: number;
  col: number;
}

const TRACES = new WeakMap<object, TraceEntry[]>();

/** Normalises a thrown value to an object that can carry a trace. */
export function asErrorObject(e: unknown): object {
  if (typeof e === 'object' && e !== null) return e;
  return new Error(String(e));
}

/** Records a template location the error passed through (innermost first); returns the error to rethrow. */
export function addTrace(e: unknown, file: string, line: number, col: number): unknown {
  if (e instanceof ReturnSignal || e instanceof NeedsAsync) return e;
  const err = asErrorObject(e);
  let t = TRACES.get(err);
  if (!t) {
    t = [];
    TRACES.set(err, t);
  }
  const last = t[t.length - 1];
  if (!last || last.file !== file || last.line !== line || last.col !== col) t.push({ file, line, col });
  return err;
}

export function getTrace(e: unknown): TraceEntry[] {
  return typeof e === 'object' && e !== null ? (TRACES.get(e) ?? []) : [];
}

export function hasTrace(e: unknown): boolean {
  return getTrace(e).length > 0;
}

/**
 * Thrown when a synchronous render calls a function that must wait on the warehouse
 * (run_query, adapter introspection). Nothing has touched the warehouse yet when it is thrown:
 * the engine discards the attempt and renders the template again on its async path.
 * Not an Error, for the same reason as ReturnSignal.
 */
export class NeedsAsync {
  constructor(readonly name: string) {}
}

/** Marks a function that returns a Promise and may only be called from an async render. */
export const ASYNC_FN = Symbol('kiln.asyncFn');

/** Marks `fn` as one that waits (see NeedsAsync); returns it. */
export function asyncBuiltin<F extends (...args: never[]) => Promise<unknown>>(fn: F): F {
  (fn as unknown as Record<symbol, boolean>)[ASYNC_FN] = true;
  return fn;
}

export function isAsyncBuiltin(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[ASYNC_FN] === true;
}
