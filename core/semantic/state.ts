// `state:` selection of semantic models, metrics and saved queries: new, old, or modified when
// their definition differs from the one in the earlier manifest.json (the fields dbt's
// same_contents compares; ids, paths and created_at aside).
import type { SemanticNode } from './types.js';

type Json = Record<string, unknown>;

/** The fields of an entry that make its definition, as manifest.json holds them. */
export function semanticDefinition(e: SemanticNode): Json {
  const common = { config: e.config, depends_on: { nodes: [...e.dependsOn.nodes].sort() } };
  switch (e.resourceType) {
    case 'semantic_model':
      return {
        ...common, model: e.model, description: e.description, label: e.label, defaults: e.defaults, primary_entity: e.primaryEntity,
        entities: e.entities, measures: e.measures, dimensions: e.dimensions,
        node_relation: e.relation ? { alias: e.relation.identifier, schema_name: e.relation.schema, database: e.relation.database } : null,
      };
    case 'metric':
      return { ...common, description: e.description, label: e.label, type: e.type, type_params: e.typeParams, filter: e.filter, time_granularity: e.timeGranularity };
    case 'saved_query':
      return { ...common, description: e.description, label: e.label, query_params: e.queryParams, exports: e.exports };
  }
}

/** Whether an earlier manifest.json entry has the same definition (`equivalent`: compare.ts's deep equality). */
export function sameSemantic(now: Json, old: Json, equivalent: (a: unknown, b: unknown) => boolean): boolean {
  for (const [k, v] of Object.entries(now)) {
    let was = old[k];
    if (k === 'depends_on') was = { nodes: [...(((was as Json | undefined)?.nodes ?? []) as string[])].sort() };
    else if (k === 'node_relation' && was && typeof was === 'object') {
      const r = was as Json;
      was = { alias: r.alias, schema_name: r.schema_name, database: r.database };
    }
    if (!equivalent(v, was)) return false;
  }
  return true;
}
