// Small helpers shared by the project loaders: value descriptions for error messages,
// typo suggestions and Jinja detection.
import { distance } from 'fastest-levenshtein';

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "a list", "a string (\"x\")", ... for "must be X, got Y" messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'string': {
      const s = v.length > 40 ? `${v.slice(0, 37)}...` : v;
      return `a string (${JSON.stringify(s)})`;
    }
    case 'number':
      return `a number (${v})`;
    case 'boolean':
      return `a boolean (${v})`;
    case 'object':
      return 'a mapping';
    default:
      return typeof v;
  }
}

/**
 * The candidate nearest to `word`, if it is plausibly a typo of it. The default bound scales
 * with the word so short custom keys do not get far-fetched suggestions.
 */
export function closestMatch(
  word: string,
  candidates: Iterable<string>,
  maxDistance: number = Math.max(2, Math.floor(word.length / 3)),
): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return bestD <= maxDistance ? best : undefined;
}

export function hasJinja(s: string): boolean {
  return s.includes('{{') || s.includes('{%');
}
