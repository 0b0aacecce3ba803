import { TemplateEngine, type EngineOptions } from '../../../core/template/engine.js';
import { KilnError } from '../../../core/errors.js';

/** Both ways a template can run; fidelity tests must pass in each. */
export const MODES = ['interpret', 'compile'] as const;
export type Mode = (typeof MODES)[number];

export function engine(mode: Mode, opts: EngineOptions = {}): TemplateEngine {
  return new TemplateEngine({ execution: mode, ...opts });
}

/** Renders with a fresh engine. */
export function render(mode: Mode, source: string, context: Record<string, unknown> = {}, opts: EngineOptions = {}): string {
  return engine(mode, opts).render('models/m.sql', source, context);
}

/** Runs fn and returns the KilnError it throws (fails the test otherwise). */
export function catchKiln(fn: () => unknown): KilnError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KilnError) return e;
    throw new Error(`expected a KilnError, got ${String(e)}`);
  }
  throw new Error('expected a KilnError, nothing was thrown');
}
