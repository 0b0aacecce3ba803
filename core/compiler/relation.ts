// The relation object templates see (`{{ this }}`, `{{ ref('x') }}`): renders as the quoted
// name in the adapter's dialect and exposes dbt's attributes.
import type { RelationName, SqlDialect } from '../../adapters/adapter.js';

export class RelationValue {
  readonly database: string;
  readonly schema: string;
  readonly identifier: string;
  readonly type: string | null;
  /** Ephemeral CTE names render bare, not qualified. */
  readonly isCte: boolean;
  readonly dialect: SqlDialect;

  constructor(name: RelationName, dialect: SqlDialect, opts: { type?: string | null; isCte?: boolean } = {}) {
    this.database = name.database;
    this.schema = name.schema;
    this.identifier = name.identifier;
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
      { database: opts.path?.database ?? this.database, schema: opts.path?.schema ?? this.schema, identifier: opts.path?.identifier ?? this.identifier },
      this.dialect,
      { type: opts.type ?? this.type, isCte: this.isCte },
    );
  }

  quote(): RelationValue {
    return this;
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
    const q = (s: string) => this.rel.dialect.quoteIdentifier(s);
    const parts: string[] = [];
    if (this.db) parts.push(q(this.rel.database));
    if (this.sch) parts.push(q(this.rel.schema));
    if (this.id) parts.push(q(this.rel.identifier));
    return parts.join('.');
  }
}
