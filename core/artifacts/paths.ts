// Where a node's compiled and executed SQL go, as dbt lays them out: generic tests live under
// their YAML file (`models/schema.yml/not_null_orders_id.sql`).
import type { ParsedNode } from '../nodes.js';

export function nodeSqlPath(node: Pick<ParsedNode, 'packageName' | 'originalFilePath' | 'name' | 'testMetadata'>): string {
  const file = node.testMetadata ? `${node.originalFilePath}/${node.name}.sql` : node.originalFilePath;
  return `${node.packageName}/${file}`;
}
