// The static fast path: most model files are SQL whose only Jinja is `{{ ref('x') }}`,
// `{{ source('a', 'b') }}`, `{{ config(k='v') }}` and `{{ var('x') }}` with literal arguments.
// Such a template is read once into text and calls, and "rendering" it calls the same context
// functions the template engine would call, in the same order, and joins the results with the
// text: no lexer, parser or interpreter. Anything else (tags, filters, other names, escapes in
// strings) is not static, and the full renderer handles it.
import { kwargs, pyStr, type RenderContext } from '../template/index.js';
import type { StaticTemplate } from './static-scan.js';

export { readStatic, type StaticCall, type StaticTemplate } from './static-scan.js';

/**
 * Renders a static template against a render context: each call goes to the context's function
 * of that name with the same arguments the engine would pass; results print as the engine prints them.
 */
export function renderStatic(tpl: StaticTemplate, context: RenderContext): string {
  let out = '';
  for (const part of tpl) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const fn = context[part.fn];
    if (typeof fn !== 'function') throw new Error(`'${part.fn}' is not a function in this context`);
    const args = part.kwargs ? [...part.args, kwargs({ ...part.kwargs })] : [...part.args];
    const value: unknown = (fn as (...a: unknown[]) => unknown)(...args);
    out += typeof value === 'string' ? value : pyStr(value);
  }
  return out;
}
