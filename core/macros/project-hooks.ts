// on-run-start / on-run-end: the hooks of dbt_project.yml (installed packages' first, then the
// project's), rendered with an operation context (`schemas`, `database_schemas`, and for
// on-run-end `results`) and run one by one on a connection of their own, each committed.
import type { Adapter, SqlDialect } from '../../adapters/adapter.js';
import { nodeJson } from '../artifacts/manifest-json.js';
import type { ContextDeps } from '../compiler/context.js';
import { KilnError } from '../errors.js';
import type { Manifest, ParsedNode } from '../nodes.js';
import type { LoadedPackage } from '../packages/installed.js';
import type { ProjectFile } from '../project/types.js';
import type { NodeResult } from '../runner/results.js';
import type { TemplateEngine } from '../template/engine.js';
import { operationContext } from './operation-context.js';

export type ProjectHookKind = 'on-run-start' | 'on-run-end';

export interface ProjectHooksInput {
  readonly manifest: Manifest;
  readonly deps: ContextDeps;
  readonly profileName: string;
  readonly engine: TemplateEngine;
  readonly adapter: Adapter;
  readonly project: ProjectFile;
  readonly packages: readonly LoadedPackage[];
  /** One line per hook run (`OK hook: proj.on-run-start.0 in 0.01s`). */
  readonly info?: (message: string) => void;
}

interface Hook {
  readonly pkg: string;
  readonly index: number;
  readonly sql: string;
  readonly file: string;
}

function hooksOf(kind: ProjectHookKind, input: ProjectHooksInput): Hook[] {
  const out: Hook[] = [];
  const add = (pkg: string, project: ProjectFile, file: string) => {
    const list = kind === 'on-run-start' ? project.onRunStart : project.onRunEnd;
    list.forEach((sql, index) => out.push({ pkg, index, sql, file }));
  };
  for (const p of input.packages) add(p.name, p.project, `${p.displayRoot}/dbt_project.yml`);
  add(input.project.name, input.project, 'dbt_project.yml');
  return out;
}

export function countProjectHooks(kind: ProjectHookKind, input: ProjectHooksInput): number {
  return hooksOf(kind, input).length;
}

/** dbt's RunResult as on-run-end sees it: `result.node`, `.status`, `.message`, `.adapter_response`, ... */
export function resultObjects(results: readonly NodeResult[], manifest: Manifest, dialect: SqlDialect): Record<string, unknown>[] {
  return results.map((r) => {
    const n = manifest.nodes.get(r.uniqueId);
    return {
      unique_id: r.uniqueId,
      node: n ? nodeJson(n, dialect, manifest.packageRoots) : { unique_id: r.uniqueId },
      status: r.status,
      message: r.message,
      execution_time: r.executionTime,
      thread_id: r.threadId,
      timing: r.timing,
      failures: r.failures ?? null,
      adapter_response: { _message: r.adapterMessage, rows_affected: r.rowsAffected },
    };
  });
}

/** Schemas the run builds into (dbt's `schemas` / `database_schemas`). */
function schemasOf(nodes: readonly ParsedNode[]): { schemas: string[]; databaseSchemas: [string, string][] } {
  const seen = new Map<string, [string, string]>();
  for (const n of nodes) {
    if (n.config.materialized === 'ephemeral' || n.resourceType === 'test' || n.resourceType === 'unit_test') continue;
    seen.set(`${n.database}\0${n.schema}`, [n.database, n.schema]);
  }
  const databaseSchemas = [...seen.values()];
  return { schemas: [...new Set(databaseSchemas.map(([, s]) => s))], databaseSchemas };
}

/**
 * Runs the hooks of `kind`. Throws a KilnError naming the hook (file, index) at the first that
 * fails to render or execute.
 */
export async function runProjectHooks(kind: ProjectHookKind, input: ProjectHooksInput, run: { nodes: readonly ParsedNode[]; results?: readonly NodeResult[] }): Promise<number> {
  const hooks = hooksOf(kind, input);
  if (hooks.length === 0) return 0;
  input.info?.(`Running ${hooks.length} ${kind} hook${hooks.length === 1 ? '' : 's'}`);
  const conn = await input.adapter.acquire();
  try {
    const { schemas, databaseSchemas } = schemasOf(run.nodes);
    const extra = { schemas, database_schemas: databaseSchemas, ...(kind === 'on-run-end' ? { results: resultObjects(run.results ?? [], input.manifest, input.deps.dialect) } : {}) };
    for (const h of hooks) {
      const name = `${h.pkg}.${kind}.${h.index}`;
      const started = performance.now();
      const ctx = operationContext(
        { manifest: input.manifest, deps: input.deps, profileName: input.profileName, warehouse: { adapter: input.adapter, connection: async () => conn }, file: h.file, packageName: h.pkg === input.project.name ? undefined : h.pkg },
        extra,
      );
      try {
        const sql = (await input.engine.renderAsync(h.file, h.sql, ctx)).trim();
        if (sql) await conn.execute(sql);
      } catch (e) {
        if (!(e instanceof KilnError)) throw e;
        throw new KilnError(e.code, `${kind} hook ${h.index + 1} (${name}) failed: ${e.message}`, {
          loc: e.loc?.file === h.file || !e.loc ? { file: h.file } : e.loc,
          hint: e.hint ?? `The hook is entry ${h.index + 1} of \`${kind}\` in ${h.file}.`,
          related: e.related,
          cause: e,
        });
      }
      input.info?.(`OK hook: ${name} [OK in ${((performance.now() - started) / 1000).toFixed(2)}s]`);
    }
    return hooks.length;
  } finally {
    input.adapter.release(conn);
  }
}

