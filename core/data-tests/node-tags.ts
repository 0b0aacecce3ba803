// A node's `tags` beside its `config.tags`. A generic data test's config.tags are dbt 1.11's:
// the data_tests: folders' tags, then the entry's, as written (a repeat kept), and the entry's
// again for a test whose macro dbt renders (build-tests.ts). Its `tags` are dbt's: its leadTags
// (entry, column, source and table tags, sorted), then config.tags' others, each once.
import type { ParsedNode } from '../nodes.js';

/** The node's tags, each once; `n.config.tags` itself when it has no leadTags and no repeat (every node but such tests). */
export function nodeTags(n: Pick<ParsedNode, 'resourceType' | 'config' | 'leadTags'>): string[] {
  const tags = n.config.tags;
  const lead = n.leadTags;
  if (lead !== undefined) {
    const out = lead.slice();
    for (const t of tags ?? []) if (!out.includes(t)) out.push(t);
    return out;
  }
  if (!tags) return tags;
  if (n.resourceType !== 'test' || tags.length < 2 || new Set(tags).size === tags.length) return tags;
  return [...new Set(tags)];
}
