// `var()` resolution: --vars beat project vars; inside project vars, a block scoped to the
// package (`vars: {my_project: {x: 1}}`) beats a global one.
import { closest } from 'fastest-levenshtein';
import { Codes, KilnError, type SourceLocation } from '../errors.js';

export class Vars {
  private readonly merged: Map<string, unknown>;

  constructor(projectVars: Readonly<Record<string, unknown>>, cliVars: Readonly<Record<string, unknown>>, packageName: string, packageNames: readonly string[] = [packageName]) {
    this.merged = new Map();
    for (const [k, v] of Object.entries(projectVars)) {
      if (packageNames.includes(k) && v && typeof v === 'object' && !Array.isArray(v)) continue;
      this.merged.set(k, v);
    }
    const scoped = projectVars[packageName];
    if (scoped && typeof scoped === 'object' && !Array.isArray(scoped)) {
      for (const [k, v] of Object.entries(scoped)) this.merged.set(k, v);
    }
    for (const [k, v] of Object.entries(cliVars)) this.merged.set(k, v);
  }

  has(name: string): boolean {
    return this.merged.has(name);
  }

  /** The value of a var; with no default, an unknown var is a KilnError naming the closest one. */
  get(name: string, loc: SourceLocation | undefined, hasDefault: boolean, defaultValue?: unknown): unknown {
    if (this.merged.has(name)) return this.merged.get(name);
    if (hasDefault) return defaultValue;
    const known = [...this.merged.keys()];
    const near = known.length ? closest(name, known) : undefined;
    throw new KilnError(Codes.VAR_UNDEFINED, `Required var '${name}' not found in config`, {
      loc,
      hint: `Define it under \`vars:\` in dbt_project.yml, pass it with --vars '{${name}: ...}', or give var() a default${near ? ` (did you mean '${near}'?)` : ''}.`,
    });
  }

  /** All vars, for artifacts and state comparison. */
  toObject(): Record<string, unknown> {
    return Object.fromEntries(this.merged);
  }
}
