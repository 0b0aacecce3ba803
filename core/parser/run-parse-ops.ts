// Parse-time rendering of a template read by readParseCalls (core/compiler/static-scan.ts): the
// context functions are called as the engine would call them, in the same order and as often
// (a call in a loop body once per item), and nothing is printed, since a parse keeps only what
// the calls record. The models of a large project that loop over a literal list or test
// is_incremental() otherwise each cost a lex, a copied syntax tree and an interpreted render.
import type { ParseOp, StaticCall, StaticTemplate } from '../compiler/static-scan.js';
import { kwargs, type RenderContext } from '../template/engine.js';

export function runParseOps(ops: readonly ParseOp[], context: RenderContext): void {
  for (const op of ops) {
    if (op.kind === 'call') call(op.call, context);
    else if (op.kind === 'for') {
      for (let k = 0; k < op.items; k++) runParseOps(op.body, context);
    } else {
      const fn = context.is_incremental;
      if (typeof fn !== 'function') throw new Error("'is_incremental' is not a function in this context");
      const answer: unknown = (fn as () => unknown)();
      // Anything but a boolean would need Jinja's truthiness: the engine's business.
      if (typeof answer !== 'boolean') throw new Error('is_incremental() gave no boolean');
      if (answer) runParseOps(op.body, context);
    }
  }
}

/**
 * A static template (readStatic) run at parse time: its calls made as renderStatic makes them,
 * their results not printed (quoting every ref's relation name only to drop the text).
 */
export function runStaticCalls(tpl: StaticTemplate, context: RenderContext): void {
  for (const part of tpl) if (typeof part !== 'string') call(part, context);
}

function call(part: StaticCall, context: RenderContext): void {
  const fn = context[part.fn];
  if (typeof fn !== 'function') throw new Error(`'${part.fn}' is not a function in this context`);
  const args = part.kwargs ? [...part.args, kwargs({ ...part.kwargs })] : [...part.args];
  (fn as (...a: unknown[]) => unknown)(...args);
}

/** Whether running `ops` may call is_incremental() (a context that has it is needed). */
export function testsIncremental(ops: readonly ParseOp[]): boolean {
  return ops.some((op) => op.kind === 'if-incremental' || (op.kind === 'for' && testsIncremental(op.body)));
}
