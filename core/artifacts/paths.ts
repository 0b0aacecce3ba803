// Where a node's compiled and executed SQL go, as dbt lays them out: generic tests and other
// nodes declared in YAML (snapshots with `relation:`) live under their YAML file
// (`models/schema.yml/not_null_orders_id.sql`, `snapshots/snapshots.yml/orders_snapshot.sql`).
import type { ParsedNode } from '../nodes.js';

export function nodeSqlPath(node: Pick<ParsedNode, 'packageName' | 'originalFilePath' | 'name' | 'testMetadata' | 'path'>): string {
  const inYaml = node.testMetadata || /\.ya?ml$/i.test(node.originalFilePath);
  // A generic test's file is its `path`: the short, hashed name when the full one is 64+ characters (as dbt).
  const file = inYaml ? `${node.originalFilePath}/${node.testMetadata ? node.path : `${node.name}.sql`}` : node.originalFilePath;
  return `${node.packageName}/${file}`;
}
