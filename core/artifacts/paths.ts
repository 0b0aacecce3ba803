// Where a node's compiled and executed SQL go, as dbt lays them out: generic tests and other
// nodes declared in YAML (snapshots with `relation:`) live under their YAML file
// (`models/schema.yml/not_null_orders_id.sql`, `snapshots/snapshots.yml/orders_snapshot.sql`).
import path from 'node:path';
import type { ParsedNode } from '../nodes.js';

/**
 * `roots`: installed packages' folders by package name (Manifest.packageRoots). A package's node
 * goes under its path inside the package, as dbt writes it (`pkg/models/x.sql`, not
 * `pkg/dbt_packages/pkg/models/x.sql`).
 */
export function nodeSqlPath(node: Pick<ParsedNode, 'packageName' | 'originalFilePath' | 'name' | 'testMetadata' | 'path'>, roots?: ReadonlyMap<string, string>): string {
  const root = roots?.get(node.packageName);
  const own = root !== undefined && node.originalFilePath.startsWith(`${root}/`) ? node.originalFilePath.slice(root.length + 1) : node.originalFilePath;
  const inYaml = node.testMetadata || /\.ya?ml$/i.test(own);
  // A generic test's file is its `path`: the short, hashed name when the full one is 64+ characters (as dbt).
  const file = inYaml ? `${own}/${node.testMetadata ? node.path : `${node.name}.sql`}` : own;
  return `${node.packageName}/${file}`;
}

/**
 * The node's target/run file as manifest.json's build_path names it: under the target path as
 * configured (`target`, or --target-path as given), not resolved.
 */
export function runFilePath(targetPath: string, node: Pick<ParsedNode, 'packageName' | 'originalFilePath' | 'name' | 'testMetadata' | 'path'>, roots?: ReadonlyMap<string, string>): string {
  return path.join(targetPath, 'run', nodeSqlPath(node, roots));
}
