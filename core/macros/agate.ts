// The query results templates see: a small stand-in for the agate.Table dbt returns from
// run_query / load_result (`.rows`, `.columns`, `.column_names`, `.columns[i].values()`,
// `row['name']`, `row[0]`). Rows and column lists are arrays, so `for`, `| length`, slicing and
// indexes behave like Python sequences; names index them like agate's MappedSequence.
import type { QueryResult } from '../../adapters/adapter.js';

/** An agate Row or MappedSequence: a list of values that is also indexable by name. */
export type Mapped<T> = T[] & { readonly [name: string]: unknown };

const sequenceMethods: Record<string, (this: unknown[] & { __names: readonly string[] }, ...args: unknown[]) => unknown> = {
  keys() {
    return [...this.__names];
  },
  values() {
    return Array.from(this);
  },
  items() {
    return this.__names.map((k, i) => [k, this[i]]);
  },
  dict() {
    return Object.fromEntries(this.__names.map((k, i) => [k, this[i]]));
  },
  get(key: unknown, dflt: unknown = null) {
    const i = typeof key === 'number' ? key : this.__names.indexOf(String(key));
    const v = i >= 0 ? this[i] : undefined;
    return v === undefined ? dflt : v;
  },
};

/**
 * A plain array (so loops, slices and `| length` treat it as a list) carrying agate's
 * name lookup and keys/values/items as own, non-enumerable properties.
 */
export function mapped<T>(values: readonly T[], names: readonly string[]): Mapped<T> {
  const list = values.slice() as T[];
  Object.defineProperty(list, '__names', { value: names, enumerable: false });
  for (const [k, fn] of Object.entries(sequenceMethods)) Object.defineProperty(list, k, { value: fn, enumerable: false });
  names.forEach((n, i) => {
    // a column named like an index or a method keeps the positional value / the method
    if (!/^\d+$/.test(n) && !Object.prototype.hasOwnProperty.call(list, n) && !(n in Array.prototype)) {
      Object.defineProperty(list, n, { value: values[i], enumerable: false, writable: true });
    }
  });
  return list as Mapped<T>;
}

export class AgateColumn {
  constructor(
    readonly name: string,
    private readonly table: AgateTable,
    private readonly index: number,
  ) {}
  /** The column's values in row order (agate returns a tuple). */
  values(): unknown[] {
    return this.table.rows.map((r) => r[this.index]);
  }
  values_distinct(): unknown[] {
    return [...new Set(this.values())];
  }
  values_without_nulls(): unknown[] {
    return this.values().filter((v) => v !== null && v !== undefined);
  }
  values_sorted(): unknown[] {
    return this.values_without_nulls().sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  }
  get data_type(): string {
    const v = this.values_without_nulls()[0];
    return typeof v === 'number' ? 'Number' : typeof v === 'boolean' ? 'Boolean' : 'Text';
  }
  toString(): string {
    return `<agate.Column: ${this.name}>`;
  }
}

export class AgateTable {
  readonly column_names: string[];
  readonly rows: Mapped<unknown>[];
  readonly columns: Mapped<AgateColumn>;

  constructor(columnNames: readonly string[], rows: readonly (readonly unknown[])[]) {
    this.column_names = [...columnNames];
    this.rows = rows.map((r) => mapped(r, this.column_names));
    this.columns = mapped(this.column_names.map((n, i) => new AgateColumn(n, this, i)), this.column_names);
  }

  static fromResult(r: QueryResult): AgateTable {
    return new AgateTable(r.columns, r.rows);
  }

  static empty(): AgateTable {
    return new AgateTable([], []);
  }

  get column_types(): string[] {
    return this.columns.map((c) => c.data_type);
  }

  /** Jinja `for row in table` and `table | length` see the rows. */
  [Symbol.iterator](): Iterator<Mapped<unknown>> {
    return this.rows[Symbol.iterator]();
  }

  get length(): number {
    return this.rows.length;
  }

  /** `table.print_table()` writes the rows as text through log(). */
  print_table(maxRows = 20): string {
    const lines = [`| ${this.column_names.join(' | ')} |`];
    for (const r of this.rows.slice(0, Number(maxRows))) lines.push(`| ${r.map((v) => (v === null ? '' : String(v))).join(' | ')} |`);
    return lines.join('\n');
  }

  toString(): string {
    return `<agate.Table: ${this.rows.length} rows, columns ${this.column_names.join(', ')}>`;
  }
}
