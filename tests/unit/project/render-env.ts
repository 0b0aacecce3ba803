// A tiny real renderer for tests: `{{ env_var('X') }}`, `{{ env_var('X', 'default') }}` with
// optional filters (left in place for the loader to honour), and `{{ var('x') }}` from a map.
import { Codes, KilnError, type SourceLocation } from '../../../core/errors.js';
import type { RenderString } from '../../../core/project/types.js';

const ENV = /\{\{\s*env_var\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]*)['"]\s*)?\)\s*(?:\|\s*\w+\s*)*\}\}/g;
const VAR = /\{\{\s*var\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]?([^'")]*)['"]?\s*)?\)\s*\}\}/g;

export function envRenderer(env: Record<string, string | undefined>, vars: Record<string, unknown> = {}): RenderString & { calls: string[] } {
  const calls: string[] = [];
  const fn = (text: string, loc: SourceLocation): string => {
    calls.push(text);
    return text
      .replace(ENV, (_m, name: string, dflt: string | undefined) => {
        const v = env[name] ?? dflt;
        if (v === undefined) throw new KilnError(Codes.ENV_VAR_UNSET, `Env var required but not provided: '${name}'`, { loc });
        return v;
      })
      .replace(VAR, (_m, name: string, dflt: string | undefined) => {
        const v = vars[name] ?? dflt;
        if (v === undefined) throw new KilnError(Codes.VAR_UNDEFINED, `Required var '${name}' not found`, { loc });
        return String(v);
      });
  };
  return Object.assign(fn, { calls });
}
