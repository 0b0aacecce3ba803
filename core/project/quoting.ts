// dbt's `quoting:` settings: which parts of a relation name kiln writes quoted. The project's
// (dbt_project.yml) applies to every relation kiln builds or refers to as a node's: ref(), `this`,
// the DDL, manifest.json's relation_name. A source's own (source, then table, overriding) applies to
// source(), which does not read the project's (dbt 1.11 leaves it out on purpose); manifest.json's
// relation_name of a source and `source freshness` merge the project's under the source's.
// A model's `quoting` config is recorded but changes no name, as in dbt 1.11.
// Only booleans count, as in dbt; the default quotes every part (dbt-postgres, dbt-duckdb).
import type { QuotePolicy, RelationName } from '../../adapters/adapter.js';
import type { ParsedNode, SourceTable } from '../nodes.js';

/** `quoting:` as written: the parts given a boolean, the rest null (manifest.json's shape). */
export interface QuotingSettings {
  readonly database: boolean | null;
  readonly schema: boolean | null;
  readonly identifier: boolean | null;
  readonly column: boolean | null;
}

const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);

/** The settings of `quoting:` mappings, later ones overriding earlier ones part by part. */
export function quotingSettings(...layers: readonly (Readonly<Record<string, unknown>> | null | undefined)[]): QuotingSettings {
  let database: boolean | null = null;
  let schema: boolean | null = null;
  let identifier: boolean | null = null;
  let column: boolean | null = null;
  for (const l of layers) {
    if (!l) continue;
    database = bool(l.database) ?? database;
    schema = bool(l.schema) ?? schema;
    identifier = bool(l.identifier) ?? identifier;
    column = bool(l.column) ?? column;
  }
  return { database, schema, identifier, column };
}

/** Policies by their three parts: relations of a project share one object. */
const POLICIES = new Map<string, QuotePolicy>();

/**
 * The policy of settings layered over the default (all quoted), later layers winning; undefined
 * when every part is quoted, which RelationName writes as no policy (the fast, exact case).
 */
export function quotePolicyOf(...layers: readonly (QuotingSettings | null | undefined)[]): QuotePolicy | undefined {
  let database = true;
  let schema = true;
  let identifier = true;
  for (const l of layers) {
    if (!l) continue;
    database = l.database ?? database;
    schema = l.schema ?? schema;
    identifier = l.identifier ?? identifier;
  }
  if (database && schema && identifier) return undefined;
  const key = `${+database}${+schema}${+identifier}`;
  let policy = POLICIES.get(key);
  if (!policy) POLICIES.set(key, (policy = Object.freeze({ database, schema, identifier })));
  return policy;
}

/** The relation a node builds, written as the project's quoting says. */
export function nodeRelation(n: Pick<ParsedNode, 'database' | 'schema' | 'alias' | 'quotePolicy'>): RelationName {
  const { database, schema, alias: identifier, quotePolicy } = n;
  return quotePolicy ? { database, schema, identifier, quoting: quotePolicy } : { database, schema, identifier };
}

/** A source table as source() writes it: its own quoting only. */
export function sourceRelation(s: Pick<SourceTable, 'database' | 'schema' | 'identifier' | 'quotePolicy'>): RelationName {
  const { database, schema, identifier, quotePolicy } = s;
  return quotePolicy ? { database, schema, identifier, quoting: quotePolicy } : { database, schema, identifier };
}

/** A source table as manifest.json's relation_name and `source freshness` write it: its quoting over the project's. */
export function sourceRelationInProject(s: Pick<SourceTable, 'database' | 'schema' | 'identifier' | 'projectQuotePolicy'>): RelationName {
  const { database, schema, identifier, projectQuotePolicy } = s;
  return projectQuotePolicy ? { database, schema, identifier, quoting: projectQuotePolicy } : { database, schema, identifier };
}
