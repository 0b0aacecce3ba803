// Apart from load-project-file.ts: load-profile.ts needs it without loading zod (a warm
// re-render reads the profile alone: core/parser/partial/warm-jinja.ts).
import { Problems } from '../errors.js';

/** Throws the errors added to `problems` since index `since` (one KilnError, or KilnErrors). */
export function throwErrorsSince(problems: Problems, since: number): void {
  if (problems.errors.length <= since) return;
  const p = new Problems();
  p.errors.push(...problems.errors.slice(since));
  p.throwIfAny();
}
