// Snapshot nodes: `{% snapshot name %} select ... {% endsnapshot %}` blocks in files under the
// snapshot paths, and snapshots declared in property YAML (`snapshots: [{name, relation, config}]`).
// Config precedence as for models (project tree < YAML < in-block config()); the relation is
// `target_schema`/`target_database` as written when given (dbt's legacy configs), else the
// usual naming rules with `schema`/`database`. Strategy configs are checked here, so `kiln parse`
// reports them.
import path from 'node:path';
import type { Problems, SourceLocation } from '../errors.js';
import type { ColumnInfo, NodeConfig, ParsedNode, RefCall } from '../nodes.js';
import { configForPath, mergeConfigs } from '../project/config-tree.js';
import { mergeConfigCalls, unrenderedTreeConfig, withOwnConfig } from '../project/unrendered-config.js';
import { validateConfig } from '../project/config-schema.js';
import type { NodePatch, PropertyFile } from '../project/properties-types.js';
import type { ConfigTree, ProjectSourceFile, TargetConfig } from '../project/types.js';
import { extractBlocks } from '../template/blocks.js';
import type { TemplateEngine } from '../template/engine.js';
import { parseContext, type ContextDeps, type ParseRecord } from '../compiler/context.js';
import { resolveRelationName, type NamingMacroCall } from '../compiler/naming.js';
import { snapshotConfig } from '../materializations/snapshot-config.js';

const DEFAULTS: Readonly<Record<string, unknown>> = { enabled: true, materialized: 'snapshot', tags: [], meta: {}, persist_docs: {}, column_types: {}, on_schema_change: 'ignore' };

export interface SnapshotParseInput {
  readonly projectName: string;
  readonly files: readonly ProjectSourceFile[];
  /** Property files with their resource roots (for the fqn of YAML-declared snapshots) and dbt's checksums (theirs too). */
  readonly propertyFiles: readonly { readonly file: PropertyFile; readonly root: string; readonly checksum: string }[];
  /** `snapshots:` entries without `relation:` describe block snapshots. */
  readonly patches: ReadonlyMap<string, NodePatch>;
  readonly tree: ConfigTree;
  /** `snapshots:` of dbt_project.yml as written (for unrendered_config). */
  readonly unrenderedTree?: Readonly<Record<string, unknown>>;
  readonly target: TargetConfig;
  readonly engine: TemplateEngine;
  readonly deps: ContextDeps;
  readonly profileName: string;
  readonly problems: Problems;
  readonly callMacro: NamingMacroCall;
  /** parse-project's helpers, so snapshots get descriptions, columns and configs as models do. */
  readonly describe: (text: string, file: string) => string;
  readonly columns: (cols: readonly Omit<ColumnInfo, 'constraints'>[], describe: (text: string) => string) => Record<string, ColumnInfo>;
  readonly normalize: (raw: Record<string, unknown>) => NodeConfig;
}

export function parseSnapshots(input: SnapshotParseInput): ParsedNode[] {
  const out: ParsedNode[] = [];
  for (const f of input.files) {
    let blocks;
    try {
      blocks = extractBlocks(f.path, f.contents, 'snapshot');
    } catch (e) {
      input.problems.capture(e);
      continue;
    }
    const stem = path.posix.basename(f.path).replace(/\.sql$/, '');
    const dirs = path.posix.dirname(path.posix.relative(f.root, f.path)).split('/').filter((p) => p && p !== '.');
    for (const b of blocks) {
      const node = build(input, {
        name: b.name,
        file: f.path,
        relPath: path.posix.relative(f.root, f.path),
        fqn: [input.projectName, ...dirs, stem, b.name],
        code: b.body,
        lineOffset: b.bodyLine - 1,
        loc: { file: f.path, line: b.line },
        checksum: f.dbtChecksum,
        patch: input.patches.get(b.name),
      });
      if (node) out.push(node);
    }
  }
  for (const { file, root, checksum } of input.propertyFiles) {
    for (const entry of file.snapshots) {
      const relation = entry.extra.relation;
      if (relation === undefined || relation === null) continue;
      const text = String(relation).trim();
      const dirs = path.posix.dirname(path.posix.relative(root, file.path)).split('/').filter((p) => p && p !== '.');
      const node = build(input, {
        name: entry.name,
        file: file.path,
        relPath: path.posix.relative(root, file.path),
        fqn: [input.projectName, ...dirs, entry.name],
        // `relation: ref('orders')` (or source(...)) snapshots everything the relation holds.
        code: `select * from ${text.includes('{{') ? text : `{{ ${text} }}`}`,
        lineOffset: 0,
        loc: entry.loc,
        // dbt's: the property file's.
        checksum,
        patch: entry,
      });
      if (node) out.push(node);
    }
  }
  return out;
}

interface SnapshotSource {
  readonly name: string;
  readonly file: string;
  readonly relPath: string;
  readonly fqn: string[];
  readonly code: string;
  readonly lineOffset: number;
  readonly loc: SourceLocation;
  readonly checksum: string;
  readonly patch: NodePatch | undefined;
}

function build(input: SnapshotParseInput, s: SnapshotSource): ParsedNode | null {
  const { problems } = input;
  const uniqueId = `snapshot.${input.projectName}.${s.name}`;
  const base = mergeConfigs(mergeConfigs(DEFAULTS, configForPath(input.tree, s.fqn, 'snapshot')), s.patch?.config ?? {});
  const record: ParseRecord = { refs: [] as RefCall[], sources: [], configs: [] };
  let config = base;
  try {
    const provisional = relationName(s.name, input.normalize(base), input.target);
    const ctx = parseContext(input.deps, { name: s.name, resourceType: 'snapshot', file: s.file, ...provisional, config: base, uniqueId }, input.profileName, record, () => config);
    input.engine.render(s.file, s.code, ctx, { lineOffset: s.lineOffset });
    for (const kw of record.configs) config = mergeConfigs(config, validateConfig(kw, 'snapshot', s.loc, problems));
  } catch (e) {
    problems.capture(e);
    return null;
  }
  const normalized = input.normalize(config);
  const rel = relationName(s.name, normalized, input.target, input.callMacro);
  const describeIn = (text: string) => input.describe(text, s.patch?.loc.file ?? s.file);
  const node: ParsedNode = {
    uniqueId,
    resourceType: 'snapshot',
    packageName: input.projectName,
    name: s.name,
    path: s.relPath,
    originalFilePath: s.file,
    fqn: s.fqn,
    rawCode: s.code,
    checksum: s.checksum,
    config: normalized,
    description: describeIn(s.patch?.description ?? ''),
    columns: input.columns(s.patch?.columns ?? [], describeIn),
    refs: record.refs,
    sources: record.sources,
    dependsOn: { nodes: [], macros: [] },
    patchPath: s.patch ? s.patch.loc.file : null,
    database: rel.database,
    schema: rel.schema,
    alias: rel.alias,
    loc: s.loc,
    dataTests: [...(s.patch?.dataTests ?? [])],
  };
  // unrendered_config (core/project/unrendered-config.ts): the folders' as written, then the YAML's and config() calls'.
  const calls: Record<string, unknown> = {};
  for (const kw of record.configs) mergeConfigCalls(calls, kw);
  const unrendered = withOwnConfig(withOwnConfig(unrenderedTreeConfig(input.unrenderedTree, s.fqn), s.patch?.config ?? null), calls);
  if (Object.keys(unrendered).length) node.unrenderedConfig = unrendered;
  if (!normalized.enabled) return node;
  try {
    snapshotConfig(node);
  } catch (e) {
    problems.capture(e);
    return null;
  }
  return node;
}

/** `target_schema` / `target_database` are taken as written; otherwise the naming rules apply. */
function relationName(name: string, config: NodeConfig, target: TargetConfig, callMacro?: NamingMacroCall): { database: string; schema: string; alias: string } {
  const rel = resolveRelationName({ name, resourceType: 'snapshot', config }, target, callMacro);
  const ts = typeof config.target_schema === 'string' && config.target_schema.trim() ? config.target_schema.trim() : null;
  const td = typeof config.target_database === 'string' && config.target_database.trim() ? config.target_database.trim() : null;
  return { database: td ?? rel.database, schema: ts ?? rel.schema, alias: rel.alias };
}
