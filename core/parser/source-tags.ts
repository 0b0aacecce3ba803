// A source table's tags as dbt-core 1.11 gives them: the sorted set of the source's and the
// table's `tags:` and their `config: {tags}`, for both the table's `tags` and its `config.tags`.
// dbt_project.yml `sources:` `+tags` do not reach them (dbt replaces the merged config's tags
// with this set). The table's data tests take only the `tags:` keys (build-tests.ts).
import type { SourceDecl, SourceTableDecl } from '../project/properties-types.js';

type Tagged = Pick<SourceDecl | SourceTableDecl, 'tags' | 'config'>;

/** Sorted by code unit (Python's code-point order differs only past U+FFFF), each once. */
export function sourceTableTags(source: Tagged, table: Tagged): string[] {
  return [...new Set([...source.tags, ...configTags(source.config), ...table.tags, ...configTags(table.config)])].sort();
}

function configTags(config: Readonly<Record<string, unknown>>): readonly string[] {
  const v = config.tags;
  if (Array.isArray(v)) return v.map(String);
  return v === undefined || v === null ? [] : [String(v)];
}
