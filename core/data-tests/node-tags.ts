// A node's `tags` beside its `config.tags`. A generic data test's config.tags are dbt 1.11's:
// the data_tests: folders' tags, then the entry's, as written (a repeat kept), and the entry's
// again unless the test is dbt's unique or not_null (build-tests.ts). Its `tags` list each once.
import type { ParsedNode } from '../nodes.js';

/** `n.config.tags` each once, in order; the same array when none repeats (every node but such tests). */
export function nodeTags(n: Pick<ParsedNode, 'resourceType' | 'config'>): string[] {
  const tags = n.config.tags;
  if (!tags) return tags;
  if (n.resourceType !== 'test' || tags.length < 2 || new Set(tags).size === tags.length) return tags;
  return [...new Set(tags)];
}
