// on-run-start / on-run-end hooks as dbt records them: `operation` nodes named after their place
// in dbt_project.yml (`operation.shop.shop-on-run-start-0`), in `graph`, manifest.json and
// run_results.json, compiled to target/compiled/<package>/dbt_project.yml/hooks/<name>.sql.
import { createHash } from 'node:crypto';

export interface ProjectOperation {
  readonly packageName: string;
  readonly kind: 'on-run-start' | 'on-run-end';
  readonly index: number;
  readonly sql: string;
  /** The hook's SQL as last rendered in this invocation (compile, or run before it executed). */
  compiledCode?: string;
  /** Its place, from 1, among the hooks of its kind this invocation ran (or skipped): see `index`. */
  runOrdinal?: number;
}

/** `shop-on-run-start-0`: the node's name. */
function operationName(op: Pick<ProjectOperation, 'packageName' | 'kind' | 'index'>): string {
  return `${op.packageName}-${op.kind}-${op.index}`;
}

export function operationId(op: Pick<ProjectOperation, 'packageName' | 'kind' | 'index'>): string {
  return `operation.${op.packageName}.${operationName(op)}`;
}

/** Under target/compiled/: `shop/dbt_project.yml/hooks/shop-on-run-start-0.sql`, as dbt writes it. */
export function operationSqlPath(op: Pick<ProjectOperation, 'packageName' | 'kind' | 'index'>): string {
  return `${op.packageName}/dbt_project.yml/hooks/${operationName(op)}.sql`;
}

/** operationSqlPath from the node's unique id (`operation.<package>.<name>`). */
export function operationSqlPathOfId(uniqueId: string): string {
  const [, pkg, ...name] = uniqueId.split('.');
  return `${pkg}/dbt_project.yml/hooks/${name.join('.')}.sql`;
}

/** A project hook as dbt's manifest and `graph` show it. */
export function operationJson(op: ProjectOperation, target: { readonly database: string; readonly schema: string }): Record<string, unknown> {
  const name = operationName(op);
  return {
    database: target.database,
    schema: target.schema,
    name,
    resource_type: 'operation',
    package_name: op.packageName,
    path: `hooks/${name}.sql`,
    original_file_path: './dbt_project.yml',
    unique_id: operationId(op),
    fqn: [op.packageName, 'hooks', name],
    alias: name,
    checksum: { name: 'sha256', checksum: createHash('sha256').update(op.sql, 'utf8').digest('hex') },
    // dbt 1.11's keys, in its order
    config: {
      enabled: true,
      alias: null,
      schema: null,
      database: null,
      tags: [],
      meta: {},
      group: null,
      static_analysis: null,
      materialized: 'view',
      incremental_strategy: null,
      batch_size: null,
      lookback: 1,
      begin: null,
      persist_docs: {},
      'post-hook': [],
      'pre-hook': [],
      quoting: {},
      column_types: {},
      full_refresh: null,
      unique_key: null,
      on_schema_change: 'ignore',
      on_configuration_change: 'apply',
      grants: {},
      packages: [],
      docs: { show: true, node_color: null },
      contract: { enforced: false, alias_types: true },
      event_time: null,
      concurrent_batches: null,
    },
    tags: [op.kind],
    description: '',
    columns: {},
    meta: {},
    group: null,
    docs: { show: true, node_color: null },
    patch_path: null,
    relation_name: null,
    raw_code: op.sql,
    doc_blocks: [],
    language: 'sql',
    refs: [],
    sources: [],
    metrics: [],
    functions: [],
    depends_on: { macros: [], nodes: [] },
    // Once rendered, as dbt 1.11 records a hook it compiled (the path keeps dbt's `./`).
    ...(op.compiledCode === undefined
      ? { compiled_path: null }
      : { compiled_path: `target/compiled/${op.packageName}/./dbt_project.yml/hooks/${name}.sql`, compiled: true, compiled_code: op.compiledCode, extra_ctes_injected: true, extra_ctes: [] }),
    contract: { enforced: false, alias_types: true, checksum: null },
    // dbt's `index`: the hook's place in its project's list, from 0, as parsed; running the hooks
    // sets it to their place in the run, from 1 (dbt's RunTask.safe_run_hooks), which the
    // manifest written after a run keeps.
    index: op.runOrdinal ?? op.index,
  };
}

/**
 * The projects whose hooks run, in dbt 1.11's order (RunTask._hook_keyfunc): the root project
 * first, then the packages by name (code-point order, as Python compares strings).
 */
export function projectsInHookOrder<P extends { readonly name: string }>(root: P, packages: readonly P[]): P[] {
  return [root, ...[...packages].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))];
}
