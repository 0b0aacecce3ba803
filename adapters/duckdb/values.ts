// DuckDB values → the plain JS values of QueryResult. The driver's own JS conversion gives
// bigint and Date objects; kiln wants JSON-friendly values that print like the database does.
import {
  DuckDBDecimalValue,
  DuckDBTypeId,
  arrayFromArrayValue,
  arrayFromListValue,
  objectArrayFromMapValue,
  objectFromStructValue,
  objectFromUnionValue,
  type DuckDBValueConverter,
} from '@duckdb/node-api';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** A bigint as a number when exact, else as its decimal string. */
export function fromBigint(v: bigint): number | string {
  return v <= MAX_SAFE && v >= MIN_SAFE ? Number(v) : v.toString();
}

export const toJs: DuckDBValueConverter<unknown> = (value, type, self) => {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.VARCHAR:
      return value;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return typeof value === 'bigint' ? fromBigint(value) : value;
    case DuckDBTypeId.DECIMAL:
      // Exact as a number while the scaled integer fits in a double's mantissa.
      if (value instanceof DuckDBDecimalValue) {
        return value.value <= MAX_SAFE && value.value >= MIN_SAFE ? value.toDouble() : value.toString();
      }
      return String(value);
    case DuckDBTypeId.LIST:
      return arrayFromListValue(value, type, self);
    case DuckDBTypeId.ARRAY:
      return arrayFromArrayValue(value, type, self);
    case DuckDBTypeId.STRUCT:
      return objectFromStructValue(value, type, self);
    case DuckDBTypeId.MAP:
      return objectArrayFromMapValue(value, type, self);
    case DuckDBTypeId.UNION:
      return objectFromUnionValue(value, type, self);
    default:
      // DATE 'YYYY-MM-DD', TIMESTAMP 'YYYY-MM-DD HH:MM:SS[.ffffff]', TIME, INTERVAL, UUID,
      // BLOB, ENUM...: the value classes print in DuckDB's own text format.
      return String(value);
  }
};
