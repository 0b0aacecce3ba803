// adapter.dispatch('name', 'package'): find the implementation of a macro for the adapter in
// use. Candidates are `<adapter>__name` then `default__name`, searched in the packages of the
// project's `dispatch:` search order for that namespace, else the root project then the
// namespace when it is an installed package, else by ordinary name resolution — dbt's order.
import { Codes, KilnError } from '../errors.js';
import type { TemplateEngine } from '../template/engine.js';
import type { MacroFunction } from '../template/runtime.js';
import { pyStr, splitArgs } from '../template/values.js';

export interface DispatchSettings {
  readonly engine: TemplateEngine;
  /** The adapter type, e.g. `postgres` (candidates `postgres__x`, then `default__x`). */
  readonly adapterType: string;
  readonly rootPackage: string;
  /** Installed packages (not the root project, not kiln's internal `dbt`). */
  readonly packages: ReadonlySet<string>;
  /** `dispatch:` of dbt_project.yml: namespace → packages to search, in order. */
  readonly searchOrder: ReadonlyMap<string, readonly string[]>;
}

/** The packages to search for a namespace; `null` means ordinary (unqualified) name resolution. */
export function searchPackages(s: DispatchSettings, namespace: string | null): (string | null)[] {
  if (namespace === null) return [null];
  const order = s.searchOrder.get(namespace);
  if (order && order.length) return [...order];
  if (s.packages.has(namespace)) return [s.rootPackage, namespace];
  return [null];
}

export function dispatchMacro(s: DispatchSettings, args: unknown[]): MacroFunction {
  const { positional, kwargs } = splitArgs(args);
  const rawName = positional[0] ?? kwargs.macro_name;
  const rawNs = positional[1] ?? kwargs.macro_namespace ?? null;
  if (typeof rawName !== 'string' || !rawName) {
    throw new KilnError(Codes.COMPILER_ERROR, 'adapter.dispatch() needs a macro name', { hint: "Write adapter.dispatch('macro_name', 'package_name')." });
  }
  if (rawName.includes('.')) {
    const [ns, name] = rawName.split('.', 2);
    throw new KilnError(Codes.COMPILER_ERROR, `In adapter.dispatch, got a macro name of "${rawName}", but "." is not a valid macro name component`, {
      hint: `Did you mean adapter.dispatch('${name}', macro_namespace='${ns}')?`,
    });
  }
  if (rawNs !== null && typeof rawNs !== 'string') {
    throw new KilnError(Codes.COMPILER_ERROR, `In adapter.dispatch, macro_namespace must be a string or none, got ${pyStr(rawNs)}`);
  }
  const prefixes = [s.adapterType, 'default'];
  const attempts: string[] = [];
  for (const pkg of searchPackages(s, rawNs)) {
    for (const prefix of prefixes) {
      const candidate = `${prefix}__${rawName}`;
      attempts.push(pkg === null ? candidate : `${pkg}.${candidate}`);
      const fn = pkg === null ? s.engine.getMacro(candidate) : s.engine.getMacro(candidate, pkg);
      if (fn) return fn;
    }
  }
  throw new KilnError(Codes.COMPILER_ERROR, `In dispatch: No macro named '${rawName}' found within namespace: '${rawNs ?? 'None'}'. Searched for: ${attempts.map((a) => `'${a}'`).join(', ')}`, {
    hint: `Define ${prefixes.map((p) => `${p}__${rawName}`).join(' or ')} in macros/${rawNs && s.packages.has(rawNs) ? `, or check that package '${rawNs}' is installed (kiln deps)` : ''}.`,
  });
}
