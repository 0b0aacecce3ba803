// Relations per schema, listed from the database once and then kept current by kiln's own
// create/rename/drop notifications. DuckDB identifiers are case-insensitive, so keys are
// lowercase while the stored relations keep the spelling DuckDB reports.
import type { Relation, RelationName } from '../adapter.js';

type Op = (m: Map<string, Relation>) => void;

interface SchemaEntry {
  /** Filled once the listing has arrived. */
  relations: Map<string, Relation> | null;
  /** A listing in flight, and the cache ops that happened meanwhile (replayed on arrival). */
  loading: Promise<Map<string, Relation>> | null;
  pending: Op[];
}

export const keyOf = (s: string): string => s.toLowerCase();
const schemaKey = (database: string, schema: string): string => `${keyOf(database)}\u0000${keyOf(schema)}`;

export class RelationCache {
  private readonly schemas = new Map<string, SchemaEntry>();

  constructor(private readonly fetch: (database: string, schema: string) => Promise<readonly Relation[]>) {}

  async list(database: string, schema: string): Promise<readonly Relation[]> {
    return [...(await this.load(database, schema)).values()];
  }

  get(name: RelationName): Promise<Relation | null> {
    const relations = this.schemas.get(schemaKey(name.database, name.schema))?.relations;
    // Listed already (every look-up but a schema's first): no async step of its own.
    if (relations) return Promise.resolve(relations.get(keyOf(name.identifier)) ?? null);
    return this.load(name.database, name.schema).then((m) => m.get(keyOf(name.identifier)) ?? null);
  }

  /** get()'s answer without waiting, once the schema is listed (null: no such relation); undefined before. */
  peek(name: RelationName): Relation | null | undefined {
    const relations = this.schemas.get(schemaKey(name.database, name.schema))?.relations;
    return relations ? (relations.get(keyOf(name.identifier)) ?? null) : undefined;
  }

  added(rel: Relation): void {
    this.apply(rel.database, rel.schema, (m) => m.set(keyOf(rel.identifier), rel));
  }

  dropped(name: RelationName): void {
    this.apply(name.database, name.schema, (m) => m.delete(keyOf(name.identifier)));
  }

  renamed(from: RelationName, toIdentifier: string): void {
    this.apply(from.database, from.schema, (m) => {
      const old = m.get(keyOf(from.identifier));
      if (!old) return; // unknown source: a listing made after the rename already shows it
      m.delete(keyOf(from.identifier));
      m.set(keyOf(toIdentifier), { ...old, identifier: toIdentifier });
    });
  }

  /** A schema just created (see Adapter.cacheSchemaCreated): listed and empty, unless a listing already answers for it. */
  createdEmpty(database: string, schema: string): void {
    const key = schemaKey(database, schema);
    if (!this.schemas.has(key)) this.schemas.set(key, { relations: new Map(), loading: null, pending: [] });
  }

  /** Forgets everything (e.g. after SQL kiln did not track changed the catalog). */
  clear(): void {
    this.schemas.clear();
  }

  private apply(database: string, schema: string, op: Op): void {
    const entry = this.schemas.get(schemaKey(database, schema));
    // A schema never listed needs nothing: its first listing will show the change.
    if (!entry) return;
    if (entry.relations) op(entry.relations);
    else entry.pending.push(op);
  }

  private load(database: string, schema: string): Promise<Map<string, Relation>> {
    const key = schemaKey(database, schema);
    const entry = this.schemas.get(key);
    if (entry?.relations) return Promise.resolve(entry.relations);
    if (entry?.loading) return entry.loading;
    const fresh: SchemaEntry = { relations: null, loading: null, pending: [] };
    fresh.loading = this.fetch(database, schema).then(
      (rels) => {
        const m = new Map(rels.map((r) => [keyOf(r.identifier), r] as const));
        // The ops are idempotent, so replaying one the listing already reflects is harmless.
        for (const op of fresh.pending) op(m);
        fresh.relations = m;
        fresh.loading = null;
        fresh.pending = [];
        return m;
      },
      (e: unknown) => {
        this.schemas.delete(key);
        throw e;
      },
    );
    this.schemas.set(key, fresh);
    return fresh.loading;
  }
}
