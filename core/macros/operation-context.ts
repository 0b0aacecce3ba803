// The template context of work that belongs to no node: on-run-start / on-run-end hooks and
// `kiln run-operation`. Like a node's run-time context (execute is true, ref/source resolve to
// real relations, warehouse calls run on the operation's connection) but `this` and `model`
// are none.
import { Codes, KilnError } from '../errors.js';
import type { Manifest, RefCall } from '../nodes.js';
import { runContext, type ContextDeps } from '../compiler/context.js';
import { RelationValue } from '../compiler/relation.js';
import { nodeRelation, sourceRelation } from '../project/quoting.js';
import { RefIndex } from '../packages/ref-index.js';
import type { RenderContext } from '../template/engine.js';
import type { Warehouse } from './adapter-object.js';

export interface OperationInput {
  readonly manifest: Manifest;
  readonly deps: ContextDeps;
  readonly profileName: string;
  /** Where warehouse calls run; none for `kiln compile`'s render (a call then asks for one: needsWarehouse). */
  readonly warehouse?: Warehouse;
  /** Where the operation's template text comes from, for errors (e.g. dbt_project.yml). */
  readonly file: string;
  /** The package whose hook or macro this is (its vars apply); default: the root project. */
  readonly packageName?: string;
}

export function operationContext(o: OperationInput, extra: RenderContext = {}): RenderContext {
  const refs = new RefIndex(o.manifest);
  const from = o.packageName ?? o.manifest.projectName;
  const target = o.deps.target;
  const ctx = runContext(
    o.deps,
    { name: 'operation', resourceType: 'operation', file: o.file, database: target.database, schema: target.schema, alias: '', config: {}, packageName: o.packageName },
    o.profileName,
    {
      ref: (call: RefCall) => {
        const n = refs.ref(call, from);
        if (!n) throw new KilnError(Codes.REF_UNKNOWN, `ref('${call.package ? `${call.package}', '` : ''}${call.name}') names no model, seed or snapshot`, { loc: { file: o.file } });
        if (n.config.materialized === 'ephemeral') {
          throw new KilnError(Codes.REF_UNKNOWN, `ref('${call.name}') is an ephemeral model, which has no relation outside the models that use it`, { loc: { file: o.file } });
        }
        return new RelationValue(nodeRelation(n), o.deps.dialect, { type: n.config.materialized === 'view' ? 'view' : 'table' });
      },
      source: (sourceName: string, tableName: string) => {
        const s = refs.source(sourceName, tableName, from);
        if (!s) throw new KilnError(Codes.SOURCE_UNKNOWN, `source('${sourceName}', '${tableName}') names no declared source table`, { loc: { file: o.file } });
        return new RelationValue(sourceRelation(s), o.deps.dialect, { type: 'table' });
      },
      isIncremental: () => false,
    },
    o.warehouse,
  );
  return { ...ctx, this: null, model: null, ...extra };
}
