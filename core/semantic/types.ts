// The semantic layer of a project (`semantic_models:`, `metrics:`, `saved_queries:` in property
// YAML, `time_spine:` on models), as dbt records it in manifest.json and semantic_manifest.json.
// Sub-objects (entities, measures, dimensions, type_params, query_params) are kept in dbt's JSON
// shape already, with every optional field present (null when not given), so writing them is a copy.
import type { SourceLocation } from '../errors.js';
import type { DependsOn, RefCall } from '../nodes.js';
import type { YamlAt } from './yaml-at.js';

/** The relation of the model a semantic model (or a time spine) reads; dbt's node_relation is made of it. */
export interface ModelRelation {
  database: string;
  schema: string;
  identifier: string;
}

/** What every semantic-layer resource has. */
interface SemanticBase {
  uniqueId: string;
  name: string;
  packageName: string;
  /** Path relative to its resource root (`marts/semantic.yml`). */
  path: string;
  /** Path relative to the project root (`models/marts/semantic.yml`). */
  originalFilePath: string;
  fqn: string[];
  /** Merged config: project tree < entry `config:`; always has enabled, group and meta. */
  config: { enabled: boolean; group: string | null; meta: Record<string, unknown>; tags?: string[]; [key: string]: unknown };
  /** Only the configs written (dbt's unrendered_config, from the project tree and the entry). */
  unrenderedConfig: Record<string, unknown>;
  dependsOn: DependsOn;
  /** Where the entry lies in its property file (errors point there). */
  at: YamlAt;
}

export interface SemanticModel extends SemanticBase {
  resourceType: 'semantic_model';
  /** `model:` as written (`ref('orders')`). */
  model: string;
  /** The ref `model:` makes. */
  ref: RefCall;
  description: string | null;
  label: string | null;
  defaults: { agg_time_dimension: string | null } | null;
  primaryEntity: string | null;
  entities: Record<string, unknown>[];
  measures: Record<string, unknown>[];
  dimensions: Record<string, unknown>[];
  /** Set when dependencies are resolved. */
  relation: ModelRelation | null;
}

export interface Metric extends SemanticBase {
  resourceType: 'metric';
  description: string;
  label: string;
  /** simple, ratio, cumulative, derived, conversion. */
  type: string;
  /** dbt's type_params with every key; input_measures is filled when dependencies are resolved. */
  typeParams: Record<string, unknown>;
  filter: { where_filters: { where_sql_template: string }[] } | null;
  timeGranularity: string | null;
  meta: Record<string, unknown>;
  tags: string[];
  /** Made by a measure's `create_metric: true`, not written under `metrics:`. */
  fromMeasure: boolean;
}

export interface SavedQuery extends SemanticBase {
  resourceType: 'saved_query';
  description: string | null;
  label: string | null;
  queryParams: {
    metrics: string[];
    group_by: string[];
    where: { where_filters: { where_sql_template: string }[] } | null;
    order_by: string[];
    limit: number | null;
  };
  /** Exports as written; schema_name, alias and database are filled in when resolved. */
  exports: { name: string; config: Record<string, unknown>; unrendered_config: Record<string, unknown> }[];
  tags: string[];
}

/** A model declared a time spine (`time_spine:` on its property entry). */
export interface TimeSpine {
  /** The model's name (resolved to its relation for semantic_manifest.json). */
  model: string;
  packageName: string;
  standardGranularityColumn: string;
  /** The granularity of that column (its `granularity:`). */
  granularity: string | null;
  customGranularities: { name: string; column_name: string | null }[];
  loc: SourceLocation;
  /** Set when dependencies are resolved. */
  relation: ModelRelation | null;
}

export type SemanticNode = SemanticModel | Metric | SavedQuery;

/** The semantic layer of a manifest (all maps keyed by unique id). */
export interface SemanticLayer {
  semanticModels: Map<string, SemanticModel>;
  metrics: Map<string, Metric>;
  savedQueries: Map<string, SavedQuery>;
  timeSpines: TimeSpine[];
  /** Without configured time spines: the model named metricflow_time_spine, dbt's older convention (set when resolved). */
  legacyTimeSpine?: ModelRelation | null;
}
