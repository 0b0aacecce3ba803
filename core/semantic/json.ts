// The semantic layer in dbt's artifact shapes: the `semantic_models`, `metrics` and
// `saved_queries` sections of manifest.json (with their edges for parent_map and child_map), and
// target/semantic_manifest.json, which MetricFlow and the dbt Semantic Layer read.
import type { SqlDialect } from '../../adapters/adapter.js';
import type { Manifest } from '../nodes.js';
import type { Metric, ModelRelation, SavedQuery, SemanticModel } from './types.js';

/** The semantic-interfaces version whose semantic_manifest.json kiln writes (dbt-core 1.11's). */
const DSI_VERSION = { major_version: '0', minor_version: '9', patch_version: '0' };

function nodeRelation(rel: ModelRelation | null, dialect: SqlDialect): Record<string, unknown> | null {
  if (!rel) return null;
  return { alias: rel.identifier, schema_name: rel.schema, database: rel.database, relation_name: dialect.renderRelation(rel) };
}

function common(e: SemanticModel | Metric | SavedQuery): Record<string, unknown> {
  return {
    name: e.name,
    resource_type: e.resourceType,
    package_name: e.packageName,
    path: e.path,
    original_file_path: e.originalFilePath,
    unique_id: e.uniqueId,
    fqn: e.fqn,
  };
}

export function semanticModelJson(sm: SemanticModel, dialect: SqlDialect): Record<string, unknown> {
  return {
    ...common(sm),
    model: sm.model,
    node_relation: nodeRelation(sm.relation, dialect),
    description: sm.description,
    label: sm.label,
    defaults: sm.defaults,
    entities: sm.entities,
    measures: sm.measures,
    dimensions: sm.dimensions,
    metadata: null,
    depends_on: { macros: [], nodes: sm.dependsOn.nodes },
    refs: [{ name: sm.ref.name, package: sm.ref.package ?? null, version: sm.ref.version ?? null }],
    config: sm.config,
    unrendered_config: sm.unrenderedConfig,
    primary_entity: sm.primaryEntity,
    group: sm.config.group,
  };
}

export function metricJson(m: Metric): Record<string, unknown> {
  return {
    ...common(m),
    description: m.description,
    label: m.label,
    type: m.type,
    type_params: m.typeParams,
    filter: m.filter,
    metadata: null,
    time_granularity: m.timeGranularity,
    meta: m.meta,
    tags: m.tags,
    config: m.config,
    unrendered_config: m.unrenderedConfig,
    sources: [],
    depends_on: { macros: [], nodes: m.dependsOn.nodes },
    refs: [],
    metrics: [],
    group: m.config.group,
  };
}

export function savedQueryJson(q: SavedQuery): Record<string, unknown> {
  return {
    ...common(q),
    query_params: q.queryParams,
    exports: q.exports,
    description: q.description,
    label: q.label,
    metadata: null,
    config: q.config,
    unrendered_config: q.unrenderedConfig,
    group: q.config.group,
    depends_on: { macros: [], nodes: q.dependsOn.nodes },
    refs: [],
    tags: q.tags,
  };
}

/** manifest.json's `semantic_models`, `metrics` and `saved_queries` sections (empty maps without a semantic layer). */
export function semanticSections(manifest: Manifest, dialect: SqlDialect): { semantic_models: Record<string, unknown>; metrics: Record<string, unknown>; saved_queries: Record<string, unknown> } {
  const layer = manifest.semantic;
  const out = { semantic_models: {} as Record<string, unknown>, metrics: {} as Record<string, unknown>, saved_queries: {} as Record<string, unknown> };
  if (!layer) return out;
  for (const sm of layer.semanticModels.values()) out.semantic_models[sm.uniqueId] = semanticModelJson(sm, dialect);
  for (const m of layer.metrics.values()) out.metrics[m.uniqueId] = metricJson(m);
  for (const q of layer.savedQueries.values()) out.saved_queries[q.uniqueId] = savedQueryJson(q);
  return out;
}

/**
 * The semantic layer's part of parent_map and child_map, as dbt builds them: each entry's
 * parents are its depends_on; `children` adds it to each parent's list (models included).
 */
export function semanticEdges(manifest: Manifest): { parents: Map<string, string[]>; children: Map<string, string[]> } {
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  const layer = manifest.semantic;
  if (!layer) return { parents, children };
  const all = [...layer.metrics.values(), ...layer.semanticModels.values(), ...layer.savedQueries.values()];
  for (const e of all) {
    parents.set(e.uniqueId, [...e.dependsOn.nodes].sort());
    if (!children.has(e.uniqueId)) children.set(e.uniqueId, []);
  }
  for (const e of all) {
    for (const p of e.dependsOn.nodes) {
      const list = children.get(p);
      if (list) list.push(e.uniqueId);
      else children.set(p, [e.uniqueId]);
    }
  }
  for (const list of children.values()) list.sort();
  return { parents, children };
}

/** target/semantic_manifest.json in dbt's shape (dbt writes it beside every manifest.json). */
export function semanticManifestJson(manifest: Manifest, dialect: SqlDialect): Record<string, unknown> {
  const layer = manifest.semantic;
  const legacy = layer?.legacyTimeSpine;
  return {
    semantic_models: [...(layer?.semanticModels.values() ?? [])].map((sm) => ({
      name: sm.name,
      defaults: sm.defaults,
      description: sm.description,
      node_relation: nodeRelation(sm.relation, dialect),
      primary_entity: sm.primaryEntity,
      entities: sm.entities.map((e) => ({ name: e.name, description: e.description, type: e.type, role: e.role, expr: e.expr, metadata: null, label: e.label, config: e.config })),
      measures: sm.measures.map((m) => ({
        name: m.name, agg: m.agg, description: m.description, create_metric: m.create_metric, expr: m.expr, agg_params: m.agg_params, metadata: null,
        non_additive_dimension: m.non_additive_dimension, agg_time_dimension: m.agg_time_dimension, label: m.label, config: m.config,
      })),
      dimensions: sm.dimensions.map((d) => ({ name: d.name, description: d.description, type: d.type, is_partition: d.is_partition, type_params: d.type_params, expr: d.expr, metadata: null, label: d.label, config: d.config })),
      label: sm.label,
      metadata: null,
      config: { meta: sm.config.meta },
    })),
    metrics: [...(layer?.metrics.values() ?? [])].map((m) => {
      const { metric_aggregation_params: _unused, input_measures, ...typeParams } = m.typeParams;
      // The semantic manifest's cumulative params have no `metric` (dbt-semantic-interfaces 0.9).
      const cum = typeParams.cumulative_type_params as Record<string, unknown> | null;
      if (cum) {
        const { metric: _metric, ...rest } = cum;
        typeParams.cumulative_type_params = rest;
      }
      return {
        name: m.name,
        description: m.description,
        type: m.type,
        type_params: { ...typeParams, input_measures },
        filter: m.filter,
        metadata: null,
        label: m.label,
        config: { meta: m.config.meta },
        time_granularity: m.timeGranularity,
      };
    }),
    project_configuration: {
      time_spine_table_configurations: legacy ? [{ location: dialect.renderRelation(legacy), column_name: 'date_day', grain: 'day' }] : [],
      metadata: null,
      dsi_package_version: DSI_VERSION,
      time_spines: (layer?.timeSpines ?? [])
        .filter((ts) => ts.relation)
        .map((ts) => ({
          node_relation: nodeRelation(ts.relation, dialect),
          primary_column: { name: ts.standardGranularityColumn, time_granularity: ts.granularity },
          custom_granularities: ts.customGranularities,
        })),
    },
    saved_queries: [...(layer?.savedQueries.values() ?? [])].map((q) => ({
      name: q.name,
      query_params: { metrics: q.queryParams.metrics, group_by: q.queryParams.group_by, order_by: q.queryParams.order_by, limit: q.queryParams.limit, where: q.queryParams.where },
      description: q.description,
      metadata: null,
      label: q.label,
      exports: q.exports.map((e) => ({ name: e.name, config: { export_as: e.config.export_as, schema_name: e.config.schema_name, alias: e.config.alias } })),
      tags: q.tags,
    })),
  };
}
