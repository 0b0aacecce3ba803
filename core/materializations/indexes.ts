// The `indexes` config (dbt-postgres' shape: `[{columns: [...], unique: true, type: btree}]`):
// created on the freshly built relation, before it is swapped into place.
import { createHash } from 'node:crypto';
import type { IndexSpec, RelationName } from '../../adapters/adapter.js';
import type { ParsedNode } from '../nodes.js';
import type { PlanContext, Step } from './plan.js';

export function indexSpecs(node: Pick<ParsedNode, 'config'>): IndexSpec[] {
  const raw = node.config.indexes;
  if (!Array.isArray(raw)) return [];
  return raw.map((entry: { columns: string | string[]; unique?: boolean; type?: string }) => ({
    columns: typeof entry.columns === 'string' ? [entry.columns] : [...entry.columns],
    unique: entry.unique === true,
    type: entry.type ?? null,
  }));
}

/**
 * One `create index` per entry. Names hash the columns with the run's nonce: the new table's
 * indexes live next to the old table's until the swap, and index names are unique per schema.
 */
export function indexSteps(node: Pick<ParsedNode, 'config' | 'alias'>, rel: RelationName, ctx: PlanContext): Step[] {
  if (!ctx.capabilities.supportsIndexes) return [];
  return indexSpecs(node).map((spec) => {
    const hash = createHash('md5')
      .update(JSON.stringify([node.alias, spec.columns, spec.unique, spec.type, ctx.nonce ?? '']))
      .digest('hex');
    return { kind: 'sql', sql: ctx.dialect.createIndex(rel, hash, spec), purpose: 'create index' };
  });
}
