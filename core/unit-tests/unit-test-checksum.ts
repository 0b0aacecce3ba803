// A unit test's `checksum` in manifest.json, as dbt 1.11 computes it (UnitTestDefinition.
// build_unit_test_checksum, for state:modified): the sha256 of Python's f-string of its model,
// versions, given, expect and overrides, the fixtures being dataclasses (their repr) after dbt's
// normalisation of rows (csv text → dicts of strings with '' as None; the first row free of
// None moved to the top).
import { createHash } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import { pyRepr } from '../template/values.js';

type Format = 'dict' | 'csv' | 'sql';

const FORMAT_REPR: Readonly<Record<Format, string>> = {
  dict: "<UnitTestFormat.Dict: 'dict'>",
  csv: "<UnitTestFormat.CSV: 'csv'>",
  sql: "<UnitTestFormat.SQL: 'sql'>",
};

/** Rows as dbt's parser leaves them (_validate_and_normalize_rows). */
export function dbtUnitTestRows(format: Format, rows: unknown): unknown {
  let out = rows;
  if (format === 'csv' && typeof rows === 'string') {
    const parsed = parseCsv(rows, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    out = parsed.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' ? null : v])));
  }
  if ((format === 'dict' || format === 'csv') && Array.isArray(out) && out.length) {
    const list = [...(out as unknown[])];
    const full = list.findIndex((r) => r !== null && typeof r === 'object' && Object.values(r as Record<string, unknown>).every((v) => v !== null && v !== undefined));
    if (full > 0) [list[0], list[full]] = [list[full], list[0]];
    out = list;
  }
  return out;
}

export interface ChecksumInput {
  readonly model: string;
  readonly given: readonly { readonly input: string; readonly rows: unknown; readonly format: Format }[];
  readonly expect: { readonly rows: unknown; readonly format: Format };
  /** The `overrides:` mapping as written; undefined when the entry has none. */
  readonly overrides?: { readonly macros?: unknown; readonly vars?: unknown; readonly env_vars?: unknown };
}

export function unitTestChecksum(t: ChecksumInput): string {
  const given = t.given.map((g) => `UnitTestInputFixture(input=${pyRepr(g.input)}, rows=${pyRepr(g.rows ?? null)}, format=${FORMAT_REPR[g.format]}, fixture=None)`);
  const expect = `UnitTestOutputFixture(rows=${pyRepr(t.expect.rows ?? null)}, format=${FORMAT_REPR[t.expect.format]}, fixture=None)`;
  const o = t.overrides;
  const overrides = o ? `UnitTestOverrides(macros=${pyRepr(o.macros ?? {})}, vars=${pyRepr(o.vars ?? {})}, env_vars=${pyRepr(o.env_vars ?? {})})` : 'None';
  return createHash('sha256').update(`${t.model}-None-[${given.join(', ')}]-${expect}-${overrides}`, 'utf8').digest('hex');
}
