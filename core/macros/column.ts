// Columns as templates see them (dbt's Column): what adapter.get_columns_in_relation returns
// and api.Column.create builds. Type checks go by the database's own type names.
import type { ColumnDescription, SqlDialect } from '../../adapters/adapter.js';
import { bindParams } from '../template/values.js';

const STRING = /^(text|character varying|varchar|character|char|bpchar|string|nvarchar|nchar)\b/i;
const INTEGER = /^(smallint|integer|bigint|smallserial|serial|bigserial|int2|int4|int8|int|tinyint|hugeint|utinyint|usmallint|uinteger|ubigint|uhugeint|long|short|signed)\b/i;
const FLOAT = /^(real|float4|float8|float|double precision|double)\b/i;
const NUMERIC = /^(numeric|decimal)\b/i;

export class ColumnValue {
  readonly name: string;
  /** The type as the database names it, e.g. `character varying`, `DECIMAL(18,3)`. */
  readonly dtype: string;
  readonly char_size: number | null;
  readonly numeric_precision: number | null;
  readonly numeric_scale: number | null;

  constructor(
    name: string,
    dtype: string,
    private readonly dialect: SqlDialect | null,
    sizes: { char_size?: number | null; numeric_precision?: number | null; numeric_scale?: number | null } = {},
  ) {
    this.name = name;
    this.dtype = dtype;
    const m = /\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(dtype);
    this.char_size = sizes.char_size ?? (m && STRING.test(dtype) ? Number(m[1]) : null);
    this.numeric_precision = sizes.numeric_precision ?? (m && NUMERIC.test(dtype) ? Number(m[1]) : null);
    this.numeric_scale = sizes.numeric_scale ?? (m && NUMERIC.test(dtype) && m[2] !== undefined ? Number(m[2]) : null);
  }

  static fromDescription(c: ColumnDescription, dialect: SqlDialect | null): ColumnValue {
    return new ColumnValue(c.name, c.dataType, dialect);
  }

  /** `api.Column.create(name, label_or_dtype)`. */
  static create(dialect: SqlDialect | null, args: unknown[]): ColumnValue {
    const [name, dtype] = bindParams('Column.create', args, ['name', 'label_or_dtype']);
    return new ColumnValue(String(name), String(dtype ?? ''), dialect);
  }

  get column(): string {
    return this.name;
  }
  get quoted(): string {
    return this.dialect ? this.dialect.quoteIdentifier(this.name) : `"${this.name.replace(/"/g, '""')}"`;
  }
  /** The full type, with size when the database keeps one apart. */
  get data_type(): string {
    if (/\(/.test(this.dtype)) return this.dtype;
    if (this.is_string() && this.char_size !== null) return `${this.dtype}(${this.char_size})`;
    if (this.is_numeric() && this.numeric_precision !== null) return `${this.dtype}(${this.numeric_precision},${this.numeric_scale ?? 0})`;
    return this.dtype;
  }
  is_string(): boolean {
    return STRING.test(this.dtype);
  }
  is_integer(): boolean {
    return INTEGER.test(this.dtype);
  }
  is_float(): boolean {
    return FLOAT.test(this.dtype);
  }
  is_numeric(): boolean {
    return NUMERIC.test(this.dtype);
  }
  is_number(): boolean {
    return this.is_integer() || this.is_float() || this.is_numeric();
  }
  string_size(): number {
    if (!this.is_string()) throw new TypeError(`Called string_size() on non-string field ${this.name}`);
    return this.char_size ?? 256;
  }
  toString(): string {
    return `<Column ${this.name} (${this.data_type})>`;
  }
}
