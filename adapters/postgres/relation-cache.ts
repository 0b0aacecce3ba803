// Relations per (database, schema): listed with one catalog query on first use, then kept
// current from kiln's own create/rename/drop notices. Keys are exact names: kiln always quotes
// identifiers, and quoted Postgres names are case-sensitive.
import type { Relation, RelationName } from '../adapter.js';

type Change = (relations: Map<string, Relation>) => void;

interface Entry {
  relations: Map<string, Relation> | null;
  /** The listing in flight; changes that arrive meanwhile are replayed onto it. */
  loading: Promise<Map<string, Relation>> | null;
  queued: Change[];
}

const NONE: Promise<null> = Promise.resolve(null);

// NUL cannot occur in a Postgres identifier, so the pair is unambiguous (and cheaper than JSON per look-up).
const keyOf = (database: string, schema: string): string => `${database}\u0000${schema}`;

export class RelationCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly list: (database: string, schema: string) => Promise<readonly Relation[]>) {}

  async relations(database: string, schema: string): Promise<readonly Relation[]> {
    return [...(await this.load(database, schema)).values()];
  }

  get(name: RelationName): Promise<Relation | null> {
    const relations = this.listed(name.database, name.schema);
    // Listed already (every look-up but a schema's first): no async step of its own, and for a
    // relation that is not there (three of a node's four look-ups) no new promise either.
    if (relations) {
      const rel = relations.get(name.identifier);
      return rel ? Promise.resolve(rel) : NONE;
    }
    return this.load(name.database, name.schema).then((m) => m.get(name.identifier) ?? null);
  }

  /** get() answered now, once the schema is listed (undefined before). */
  peek(name: RelationName): Relation | null | undefined {
    const relations = this.listed(name.database, name.schema);
    return relations ? (relations.get(name.identifier) ?? null) : undefined;
  }

  /** The last schema looked up, kept apart: a run's look-ups are nearly all in one schema. */
  private last: { database: string; schema: string; relations: Map<string, Relation> } | null = null;

  private listed(database: string, schema: string): Map<string, Relation> | null {
    const last = this.last;
    if (last && last.database === database && last.schema === schema) return last.relations;
    const relations = this.entries.get(keyOf(database, schema))?.relations ?? null;
    if (relations) this.last = { database, schema, relations };
    return relations;
  }

  /** Whether a schema's listing is held (for tests and diagnostics). */
  has(database: string, schema: string): boolean {
    return this.entries.get(keyOf(database, schema))?.relations != null;
  }

  added(rel: Relation): void {
    const kept: Relation = { database: rel.database, schema: rel.schema, identifier: rel.identifier, type: rel.type };
    this.change(rel, (m) => m.set(rel.identifier, kept));
  }

  dropped(name: RelationName): void {
    this.change(name, (m) => m.delete(name.identifier));
  }

  renamed(from: RelationName, toIdentifier: string): void {
    this.change(from, (m) => {
      const old = m.get(from.identifier);
      // Unknown: a listing taken after the rename already shows the new name.
      if (!old) return;
      m.delete(from.identifier);
      m.set(toIdentifier, { ...old, identifier: toIdentifier });
    });
  }

  /** A schema just created (see Adapter.cacheSchemaCreated): listed and empty, unless a listing already answers for it. */
  createdEmpty(database: string, schema: string): void {
    const key = keyOf(database, schema);
    if (!this.entries.has(key)) this.entries.set(key, { relations: new Map(), loading: null, queued: [] });
  }

  clear(): void {
    this.entries.clear();
    this.last = null;
  }

  private change(where: { database: string; schema: string }, op: Change): void {
    const entry = this.entries.get(keyOf(where.database, where.schema));
    // Never listed: its first listing will reflect the change.
    if (!entry) return;
    if (entry.relations) op(entry.relations);
    else entry.queued.push(op);
  }

  private load(database: string, schema: string): Promise<Map<string, Relation>> {
    const key = keyOf(database, schema);
    const known = this.entries.get(key);
    if (known?.relations) return Promise.resolve(known.relations);
    if (known?.loading) return known.loading;
    const entry: Entry = { relations: null, loading: null, queued: [] };
    entry.loading = this.list(database, schema).then(
      (rels) => {
        const m = new Map(rels.map((r) => [r.identifier, r] as const));
        // The changes are idempotent: replaying one the listing already shows does no harm.
        for (const op of entry.queued) op(m);
        entry.relations = m;
        entry.loading = null;
        entry.queued = [];
        return m;
      },
      (e: unknown) => {
        this.entries.delete(key);
        throw e;
      },
    );
    this.entries.set(key, entry);
    return entry.loading;
  }
}
