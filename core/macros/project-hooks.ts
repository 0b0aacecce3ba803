// on-run-start / on-run-end: the hooks of dbt_project.yml (the project's first, then installed
// packages' by name, as dbt 1.11 runs them), rendered with an operation context (`schemas`,
// `database_schemas`, and for on-run-end `results`) and run one by one on a connection of their
// own, each committed.
import type { Adapter, AdapterResponseStyle, SqlDialect } from '../../adapters/adapter.js';
import { adapterResponseJson, resultMessage } from '../artifacts/adapter-response.js';
import { nodeJson } from '../artifacts/manifest-json.js';
import type { ContextDeps } from '../compiler/context.js';
import { KilnError } from '../errors.js';
import type { Manifest, ParsedNode } from '../nodes.js';
import type { LoadedPackage } from '../packages/installed.js';
import type { ProjectFile } from '../project/types.js';
import type { NodeResult, TimingInfo } from '../runner/results.js';
import { isoNow } from '../runner/iso-now.js';
import { operationId, operationSqlPath, projectsInHookOrder, type ProjectOperation } from '../artifacts/operation-json.js';
import { needsWarehouse, type TemplateEngine } from '../template/engine.js';
import { operationContext } from './operation-context.js';
import type { Warehouse } from './adapter-object.js';

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
  /** A hook's SQL as rendered, with its path under target/compiled/ (operationSqlPath). */
  readonly onCompiled?: (file: string, sql: string) => void;
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
  const root = { name: input.project.name, project: input.project, file: 'dbt_project.yml' };
  for (const p of projectsInHookOrder(root, input.packages.map((x) => ({ name: x.name, project: x.project, file: `${x.displayRoot}/dbt_project.yml` })))) add(p.name, p.project, p.file);
  return out;
}

export function countProjectHooks(kind: ProjectHookKind, input: ProjectHooksInput): number {
  return hooksOf(kind, input).length;
}

/** dbt's RunResult as on-run-end sees it: `result.node`, `.status`, `.message`, `.adapter_response`, ... */
function resultObjects(results: readonly NodeResult[], manifest: Manifest, dialect: SqlDialect, style?: AdapterResponseStyle): Record<string, unknown>[] {
  return results.map((r) => {
    const n = manifest.nodes.get(r.uniqueId);
    return {
      unique_id: r.uniqueId,
      node: n ? nodeJson(n, dialect, manifest.packageRoots) : { unique_id: r.uniqueId },
      status: r.status,
      message: resultMessage(r, style),
      execution_time: r.executionTime,
      thread_id: r.threadId,
      timing: r.timing,
      failures: r.failures ?? null,
      adapter_response: adapterResponseJson(r, style),
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

/** A hook's SQL as `kiln compile` renders it, for target/compiled/<operationSqlPath>. */
export interface CompiledHook {
  readonly file: string;
  readonly sql: string;
}

/**
 * `kiln compile` without a selection: every hook rendered as dbt's compile renders it (on-run-end
 * sees no `results` yet), recorded on its operation node; nothing executes. A hook whose template
 * queries the warehouse renders on a connection `withWarehouse` lends, once the others are done.
 */
export async function compileProjectHooks(
  input: ProjectHooksInput,
  nodes: readonly ParsedNode[],
  withWarehouse: (render: (warehouse: Warehouse) => Promise<void>) => Promise<void>,
): Promise<CompiledHook[]> {
  const { schemas, databaseSchemas } = schemasOf(nodes);
  const out: CompiledHook[] = [];
  const pending: { kind: ProjectHookKind; hook: Hook }[] = [];
  const render = async (kind: ProjectHookKind, h: Hook, warehouse?: Warehouse): Promise<void> => {
    const extra = { schemas, database_schemas: databaseSchemas, ...(kind === 'on-run-end' ? { results: [] } : {}) };
    const ctx = operationContext({ manifest: input.manifest, deps: input.deps, profileName: input.profileName, warehouse, file: h.file, packageName: h.pkg === input.project.name ? undefined : h.pkg }, extra);
    const op = { packageName: h.pkg, kind, index: h.index };
    let sql: string;
    try {
      sql = (warehouse ? await input.engine.renderAsync(h.file, h.sql, ctx) : input.engine.render(h.file, h.sql, ctx)).trim();
    } catch (e) {
      if (!warehouse && needsWarehouse(e)) {
        pending.push({ kind, hook: h });
        return;
      }
      if (!(e instanceof KilnError)) throw e;
      throw new KilnError(e.code, `${kind} hook ${h.index + 1} (${h.pkg}.${kind}.${h.index}) failed to compile: ${e.message}`, {
        loc: e.loc ?? { file: h.file },
        hint: e.hint ?? `The hook is entry ${h.index + 1} of \`${kind}\` in ${h.file}.`,
        related: e.related,
        cause: e,
      });
    }
    recordCompiled(input.manifest, op, sql);
    out.push({ file: operationSqlPath(op), sql });
  };
  for (const kind of ['on-run-start', 'on-run-end'] as const) for (const h of hooksOf(kind, input)) await render(kind, h);
  if (pending.length) await withWarehouse(async (w) => {
    for (const p of pending) await render(p.kind, p.hook, w);
  });
  return out;
}

/** Run-style progress (kiln run/build): a START and a result line per hook, as dbt 1.11 prints them. */
export interface HookProgress {
  started(name: string, index: number, total: number, uniqueId: string): void;
  finished(name: string, index: number, total: number, result: NodeResult): void;
}

/**
 * Runs the hooks of `kind`. Throws a KilnError naming the hook (file, index) at the first that
 * fails to render or execute. `run.record` receives each hook's result as dbt's run_results.json
 * has it (an `operation` node), the failed one and those skipped after it included, before the throw.
 */
export async function runProjectHooks(
  kind: ProjectHookKind,
  input: ProjectHooksInput,
  run: { nodes: readonly ParsedNode[]; results?: readonly NodeResult[]; record?: NodeResult[]; progress?: HookProgress },
): Promise<number> {
  const hooks = hooksOf(kind, input);
  if (hooks.length === 0) return 0;
  if (!run.progress) input.info?.(`Running ${hooks.length} ${kind} hook${hooks.length === 1 ? '' : 's'}`);
  const conn = await input.adapter.acquire();
  try {
    const { schemas, databaseSchemas } = schemasOf(run.nodes);
    const extra = { schemas, database_schemas: databaseSchemas, ...(kind === 'on-run-end' ? { results: resultObjects(run.results ?? [], input.manifest, input.deps.dialect, input.adapter.adapterResponse) } : {}) };
    for (const [at, h] of hooks.entries()) {
      // dbt names a hook run by its place in the run, from 0 (`pkg.on-run-start.2` may be the
      // package's first hook), where the node's id keeps its place in its own project's list.
      const name = `${h.pkg}.${kind}.${at}`;
      const op = { packageName: h.pkg, kind, index: h.index };
      recordRunOrdinal(input.manifest, op, at + 1);
      run.progress?.started(name, at + 1, hooks.length, operationId(op));
      const started = performance.now();
      const compileStart = isoNow();
      const ctx = operationContext(
        { manifest: input.manifest, deps: input.deps, profileName: input.profileName, warehouse: { adapter: input.adapter, connection: async () => conn }, file: h.file, packageName: h.pkg === input.project.name ? undefined : h.pkg },
        extra,
      );
      let sql: string | null = null;
      let executeStart = '';
      try {
        sql = (await input.engine.renderAsync(h.file, h.sql, ctx)).trim();
        executeStart = isoNow();
        recordCompiled(input.manifest, op, sql);
        input.onCompiled?.(operationSqlPath(op), sql);
        if (sql) await conn.execute(sql);
      } catch (e) {
        if (!(e instanceof KilnError)) throw e;
        const error = new KilnError(e.code, `${kind} hook ${h.index + 1} (${name}) failed: ${e.message}`, {
          loc: e.loc?.file === h.file || !e.loc ? { file: h.file } : e.loc,
          hint: e.hint ?? `The hook is entry ${h.index + 1} of \`${kind}\` in ${h.file}.`,
          related: e.related,
          cause: e,
        });
        const timing = sql === null ? [] : [{ name: 'compile' as const, started_at: compileStart, completed_at: executeStart }, { name: 'execute' as const, started_at: executeStart, completed_at: isoNow() }];
        const failed = hookResult(op, 'error', `${name} failed, error:\n ${e.message}`, sql, timing, (performance.now() - started) / 1000, error);
        run.record?.push(failed);
        run.progress?.finished(name, at + 1, hooks.length, failed);
        // dbt skips the hooks after a failed one
        for (const [later, s] of hooks.slice(at + 1).entries()) {
          const skippedName = `${s.pkg}.${kind}.${at + 1 + later}`;
          recordRunOrdinal(input.manifest, { packageName: s.pkg, kind, index: s.index }, at + 2 + later);
          const skipped = hookResult({ packageName: s.pkg, kind, index: s.index }, 'skipped', `${skippedName} skipped`, null, [], 0);
          run.record?.push(skipped);
          run.progress?.finished(skippedName, at + 2 + later, hooks.length, skipped);
        }
        throw error;
      }
      const seconds = (performance.now() - started) / 1000;
      const ok = hookResult(op, 'success', `${name} passed`, sql, [{ name: 'compile', started_at: compileStart, completed_at: executeStart }, { name: 'execute', started_at: executeStart, completed_at: isoNow() }], seconds);
      run.record?.push(ok);
      if (run.progress) run.progress.finished(name, at + 1, hooks.length, ok);
      else input.info?.(`OK hook: ${name} [OK in ${seconds.toFixed(2)}s]`);
    }
    return hooks.length;
  } finally {
    input.adapter.release(conn);
  }
}

function operationOf(manifest: Manifest, op: Pick<ProjectOperation, 'packageName' | 'kind' | 'index'>): ProjectOperation | undefined {
  return manifest.operations?.hooks.find((h) => h.packageName === op.packageName && h.kind === op.kind && h.index === op.index);
}

/** The manifest's operation node of a hook keeps the SQL it rendered to (manifest.json's compiled_code). */
function recordCompiled(manifest: Manifest, op: Pick<ProjectOperation, 'packageName' | 'kind' | 'index'>, sql: string): void {
  const node = operationOf(manifest, op);
  if (node) node.compiledCode = sql;
}

/** A hook run (or skipped) as the `ordinal`-th of its kind: manifest.json's `index` after a run, as dbt. */
function recordRunOrdinal(manifest: Manifest, op: Pick<ProjectOperation, 'packageName' | 'kind' | 'index'>, ordinal: number): void {
  const node = operationOf(manifest, op);
  if (node) node.runOrdinal = ordinal;
}

/** A hook's entry of run_results.json, as dbt 1.11 writes it (failures: 0 when it passed, else 1). */
function hookResult(op: Pick<ProjectOperation, 'packageName' | 'kind' | 'index'>, status: 'success' | 'error' | 'skipped', message: string, sql: string | null, timing: TimingInfo[], seconds: number, error?: KilnError): NodeResult {
  return {
    uniqueId: operationId(op),
    status,
    message,
    executionTime: seconds,
    timing,
    threadId: 'main',
    rowsAffected: null,
    adapterMessage: '',
    compiledCode: sql,
    relationName: null,
    failures: status === 'success' ? 0 : 1,
    ...(error ? { error } : {}),
  };
}
