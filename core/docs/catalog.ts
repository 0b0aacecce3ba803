// catalog.json: what the warehouse holds for each model, seed, snapshot and source: relation
// type, columns with database types, comments and row counts where the database keeps them
// (dbt's catalog shape, so tools that read dbt's catalog read kiln's). One round trip per schema
// when the adapter can describe a whole schema; otherwise one per relation.
import type { Adapter, RelationDescription } from '../../adapters/adapter.js';
import { KilnError } from '../errors.js';
import type { Manifest } from '../nodes.js';
import { metadata, type ArtifactMeta } from '../artifacts/manifest-json.js';
import type { CatalogInfo } from './site-types.js';
import { nodeRelation, sourceRelation } from '../project/quoting.js';
import { storedName } from '../../adapters/sql-quoting.js';

export interface Catalog {
  /** unique id → what the warehouse has. */
  readonly byId: ReadonlyMap<string, CatalogInfo>;
  readonly errors: readonly string[];
  /** The schema and name the warehouse holds, by unique id, where they differ from the node's (folded unquoted names, case). */
  readonly stored?: ReadonlyMap<string, { readonly schema: string; readonly name: string }>;
}

interface Wanted {
  readonly id: string;
  readonly database: string;
  readonly schema: string;
  readonly identifier: string;
  /** The node's or source's own schema and name. */
  readonly given: { readonly schema: string; readonly identifier: string };
}

/** Relations the project builds or reads, grouped by schema. */
/** `fold`: where a name is written unquoted (`quoting:`), the database holds it folded. */
function wantedRelations(manifest: Manifest, fold: (name: string) => string): Map<string, Wanted[]> {
  const groups = new Map<string, Wanted[]>();
  const add = (w: Wanted) => {
    const key = `${w.database.toLowerCase()}\u0000${w.schema.toLowerCase()}`;
    const list = groups.get(key) ?? [];
    list.push(w);
    groups.set(key, list);
  };
  for (const n of manifest.nodes.values()) {
    if (!['model', 'seed', 'snapshot'].includes(n.resourceType) || n.config.materialized === 'ephemeral') continue;
    add({ id: n.uniqueId, ...storedName(nodeRelation(n), fold), given: { schema: n.schema, identifier: n.alias } });
  }
  for (const s of manifest.sources.values()) add({ id: s.uniqueId, ...storedName(sourceRelation(s), fold), given: { schema: s.schema, identifier: s.identifier } });
  return groups;
}

/** Reads the catalog through an open adapter. Schema-level failures are recorded, not thrown. */
export async function readCatalog(manifest: Manifest, adapter: Adapter): Promise<Catalog> {
  const byId = new Map<string, CatalogInfo>();
  const stored = new Map<string, { schema: string; name: string }>();
  const errors: string[] = [];
  // (Read only where a name is written unquoted.)
  const groups = [...wantedRelations(manifest, (name) => adapter.dialect.foldUnquoted(name)).values()];
  const match = (wanted: readonly Wanted[], described: readonly RelationDescription[]) => {
    const exact = new Map(described.map((r) => [`${r.schema}\u0000${r.identifier}`, r]));
    const folded = new Map(described.map((r) => [`${r.schema}\u0000${r.identifier}`.toLowerCase(), r]));
    for (const w of wanted) {
      const key = `${w.schema}\u0000${w.identifier}`;
      const rel = exact.get(key) ?? folded.get(key.toLowerCase());
      if (!rel) continue;
      byId.set(w.id, infoOf(rel));
      if (rel.schema !== w.given.schema || rel.identifier !== w.given.identifier) stored.set(w.id, { schema: rel.schema, name: rel.identifier });
    }
  };
  const fail = (where: string, e: unknown) => {
    if (!(e instanceof KilnError)) throw e;
    errors.push(`${where}: ${e.message}`);
  };
  if (adapter.describeSchemas) {
    // All schemas of a database at once (in batches), where one query costs as much as many.
    const byDatabase = new Map<string, Wanted[][]>();
    for (const g of groups) {
      const key = g[0].database.toLowerCase();
      byDatabase.set(key, [...(byDatabase.get(key) ?? []), g]);
    }
    for (const dbGroups of byDatabase.values()) {
      for (let i = 0; i < dbGroups.length; i += 200) {
        const batch = dbGroups.slice(i, i + 200);
        const database = batch[0][0].database;
        try {
          match(batch.flat(), await adapter.describeSchemas(database, batch.map((g) => g[0].schema)));
        } catch (e) {
          fail(`${database} (${batch.map((g) => g[0].schema).join(', ')})`, e);
        }
      }
    }
    return { byId, errors, stored };
  }
  for (const wanted of groups) {
    const { database, schema } = wanted[0];
    try {
      match(wanted, adapter.describeSchema ? await adapter.describeSchema(database, schema) : await describeOneByOne(adapter, database, schema, wanted));
    } catch (e) {
      fail(`${database}.${schema}`, e);
    }
  }
  return { byId, errors, stored };
}

async function describeOneByOne(adapter: Adapter, database: string, schema: string, wanted: readonly Wanted[]): Promise<RelationDescription[]> {
  const relations = await adapter.listRelations(database, schema);
  const want = new Set(wanted.map((w) => w.identifier.toLowerCase()));
  const out: RelationDescription[] = [];
  for (const rel of relations) {
    if (!want.has(rel.identifier.toLowerCase())) continue;
    const columns = (await adapter.getColumns(rel)).map((c) => ({ ...c, comment: null }));
    out.push({ ...rel, columns, rowCount: null, comment: null, owner: null });
  }
  return out;
}

function infoOf(rel: RelationDescription): CatalogInfo {
  return {
    type: rel.type === 'view' ? 'VIEW' : 'BASE TABLE',
    owner: rel.owner,
    comment: rel.comment,
    rowCount: rel.rowCount,
    columns: rel.columns.map((c) => ({ name: c.name, type: c.dataType, index: c.index, comment: c.comment })),
  };
}

/** catalog.json in dbt's shape (catalog/v1). */
export function catalogJson(manifest: Manifest, catalog: Catalog, meta: ArtifactMeta): Record<string, unknown> {
  const nodes: Record<string, unknown> = {};
  const sources: Record<string, unknown> = {};
  for (const [id, info] of catalog.byId) {
    const target = manifest.sources.has(id) ? sources : nodes;
    const owner = manifest.sources.get(id) ?? manifest.nodes.get(id)!;
    // As the warehouse holds it (dbt reads it from the catalog).
    const held = catalog.stored?.get(id);
    const relName = held ? held.name : 'identifier' in owner ? owner.identifier : owner.alias;
    target[id] = {
      metadata: { type: info.type, schema: held ? held.schema : owner.schema, name: relName, database: owner.database, comment: info.comment, owner: info.owner },
      columns: Object.fromEntries(info.columns.map((c) => [c.name, { type: c.type, index: c.index, name: c.name, comment: c.comment }])),
      stats: statsJson(info.rowCount),
      unique_id: id,
    };
  }
  return { metadata: metadata(meta, 'catalog/v1'), nodes, sources, errors: catalog.errors.length ? catalog.errors : null };
}

function statsJson(rowCount: number | null): Record<string, unknown> {
  const hasStats = { id: 'has_stats', label: 'Has Stats?', value: rowCount !== null, include: false, description: 'Indicates whether there are statistics for this table' };
  if (rowCount === null) return { has_stats: hasStats };
  return {
    row_count: { id: 'row_count', label: 'Row Count', value: rowCount, include: true, description: 'Number of rows in the table, as the database records it (may be an estimate)' },
    has_stats: hasStats,
  };
}
