// The relation object templates see (`{{ this }}`, `{{ ref('x') }}`): renders as the quoted
// name in the adapter's dialect and exposes dbt's attributes.
import type { QuotePolicy, RelationName, SqlDialect } from '../../adapters/adapter.js';
import { PY_MAPPING, bindParams } from '../template/values.js';

const ALL_QUOTED: QuotePolicy = Object.freeze({ database: true, schema: true, identifier: true });

export class RelationValue {
  readonly database: string;
  readonly schema: string;
  readonly identifier: string;
  /** Parts written unquoted (the `quoting:` settings); absent: all quoted. */
  readonly quoting?: QuotePolicy;
  readonly type: string | null;
  /** Ephemeral CTE names render bare, not qualified. */
  readonly isCte: boolean;
  readonly dialect: SqlDialect;
  /** dbt's relations are Mappings: `relation is mapping` holds (see get()). */
  readonly [PY_MAPPING] = true;

  constructor(name: RelationName, dialect: SqlDialect, opts: { type?: string | null; isCte?: boolean } = {}) {
    this.database = name.database;
    this.schema = name.schema;
    this.identifier = name.identifier;
    if (name.quoting) this.quoting = name.quoting;
    this.type = opts.type ?? null;
    this.isCte = opts.isCte ?? false;
    this.dialect = dialect;
  }

  get name(): string {
    return this.identifier;
  }
  get table(): string {
    return this.identifier;
  }
  get is_table(): boolean {
    return this.type === 'table';
  }
  get is_view(): boolean {
    return this.type === 'view';
  }
  get is_cte(): boolean {
    return this.isCte;
  }

  render(): string {
    return this.toString();
  }

  /** dbt's `include(database=False, schema=True, identifier=True)`. */
  include(opts: { database?: boolean; schema?: boolean; identifier?: boolean } = {}): PartialRelation {
    return new PartialRelation(this, opts.database ?? true, opts.schema ?? true, opts.identifier ?? true);
  }

  incorporate(opts: { path?: Partial<RelationName>; type?: string } = {}): RelationValue {
    return new RelationValue(
      { database: opts.path?.database ?? this.database, schema: opts.path?.schema ?? this.schema, identifier: opts.path?.identifier ?? this.identifier, quoting: this.quoting },
      this.dialect,
      { type: opts.type ?? this.type, isCte: this.isCte },
    );
  }

  /** dbt's `quote(database=, schema=, identifier=)`: the same name, those parts quoted (true) or not (false). */
  quote(opts: { database?: unknown; schema?: unknown; identifier?: unknown } = {}): RelationValue {
    const q = this.quoting ?? ALL_QUOTED;
    const pick = (v: unknown, was: boolean): boolean => (typeof v === 'boolean' ? v : was);
    const quoting = { database: pick(opts.database, q.database), schema: pick(opts.schema, q.schema), identifier: pick(opts.identifier, q.identifier) };
    const all = quoting.database && quoting.schema && quoting.identifier;
    return new RelationValue({ database: this.database, schema: this.schema, identifier: this.identifier, ...(all ? {} : { quoting }) }, this.dialect, { type: this.type, isCte: this.isCte });
  }

  /** `{{ this.without_identifier() }}` renders `"db"."schema"`. */
  without_identifier(): PartialRelation {
    return new PartialRelation(this, true, true, false);
  }

  /** dbt's `replace_path(database=, schema=, identifier=)`. */
  replace_path(opts: Partial<RelationName> = {}): RelationValue {
    return this.incorporate({ path: opts });
  }

  get is_materialized_view(): boolean {
    return this.type === 'materialized_view';
  }

  /**
   * `relation.get(key, default)` as on dbt's relations, which are Mappings of their serialized
   * form and answer `metadata` with their class name; packages use
   * `model is mapping and model.get('metadata', {}).get('type', '').endswith('Relation')` to tell
   * a relation from a query string.
   */
  get(...args: unknown[]): unknown {
    const [key, dflt] = bindParams('get', args, ['key', 'default']);
    switch (key) {
      case 'metadata':
        return { type: this.dialect.relationClassName ?? 'BaseRelation' };
      case 'path':
        return { database: this.database, schema: this.schema, identifier: this.identifier };
      case 'type':
        return this.type;
      default:
        return dflt === undefined ? null : dflt;
    }
  }

  /** Jinja `==`: the same name and kind. */
  __eq__(other: unknown): boolean {
    return other instanceof RelationValue && other.database === this.database && other.schema === this.schema && other.identifier === this.identifier && other.isCte === this.isCte;
  }

  toString(): string {
    if (this.isCte) return this.identifier;
    return this.dialect.renderRelation(this);
  }
}

class PartialRelation {
  constructor(
    private readonly rel: RelationValue,
    private readonly db: boolean,
    private readonly sch: boolean,
    private readonly id: boolean,
  ) {}
  toString(): string {
    const policy = this.rel.quoting ?? ALL_QUOTED;
    const q = (s: string, quoted: boolean) => (quoted ? this.rel.dialect.quoteIdentifier(s) : s);
    const parts: string[] = [];
    if (this.db) parts.push(q(this.rel.database, policy.database));
    if (this.sch) parts.push(q(this.rel.schema, policy.schema));
    if (this.id) parts.push(q(this.rel.identifier, policy.identifier));
    return parts.join('.');
  }
}

/**
 * A ref or source under `--empty`: read as a subquery of no rows, so a model's SQL still runs
 * against the real relations (names, columns and types checked, its relation created with its
 * columns) without reading their data. The subquery is aliased with the relation's own name, the
 * name the bare reference had, so `orders.id` keeps working; where the SQL gives the reference an
 * alias of its own, dropUserAliased() takes kiln's away (dbt writes `_dbt_limit_subq_<name>`
 * always, which breaks both).
 */
export class EmptyRelation extends RelationValue {
  constructor(base: RelationValue) {
    super(base, base.dialect, { type: base.type, isCte: base.isCte });
  }

  /** The subquery without an alias. */
  get subquery(): string {
    return `(select * from ${super.toString()} where false limit 0)`;
  }

  /** Written as the name is (unquoted, it folds as the SQL's own unquoted references to it do). */
  get alias(): string {
    return this.quoting?.identifier === false ? this.identifier : this.dialect.quoteIdentifier(this.identifier);
  }

  override toString(): string {
    return `${this.subquery} ${this.alias}`;
  }
}

/** Words that may follow a FROM item without being its alias. */
const NOT_AN_ALIAS = new Set([
  'where', 'join', 'inner', 'left', 'right', 'full', 'cross', 'natural', 'lateral', 'on', 'using', 'group', 'order',
  'limit', 'offset', 'having', 'window', 'qualify', 'union', 'intersect', 'except', 'minus', 'fetch', 'for', 'returning',
  'tablesample', 'pivot', 'unpivot', 'asof', 'positional', 'anti', 'semi', 'select', 'from', 'when', 'then',
  'else', 'end', 'and', 'or', 'not', 'into', 'values', 'set', 'with', 'loop', 'partition',
]);

/**
 * Where the rendered SQL aliases an empty ref itself (`from {{ ref('orders') }} o`, `... as o`),
 * the subquery keeps only the user's alias: two aliases are a syntax error.
 */
export function dropUserAliased(sql: string, relations: readonly EmptyRelation[]): string {
  let out = sql;
  for (const rel of new Set(relations.map((r) => r.toString()))) {
    const subquery = rel.slice(0, rel.lastIndexOf(' '));
    let from = 0;
    for (;;) {
      const at = out.indexOf(rel, from);
      if (at < 0) break;
      const after = out.slice(at + rel.length);
      const next = /^\s+(?:(as)\b|("|[A-Za-z_]))/i.exec(after);
      let userAlias = false;
      if (next?.[1]) userAlias = true;
      else if (next?.[2] === '"') userAlias = true;
      else if (next?.[2]) {
        const word = /^\s+([A-Za-z_][A-Za-z0-9_$]*)/.exec(after)![1].toLowerCase();
        userAlias = !NOT_AN_ALIAS.has(word);
      }
      if (userAlias) {
        out = out.slice(0, at) + subquery + out.slice(at + rel.length);
        from = at + subquery.length;
      } else from = at + rel.length;
    }
  }
  return out;
}
