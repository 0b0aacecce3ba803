// Column names as the database reports them, matched against names users write in configs.
import type { ColumnDescription } from '../../adapters/adapter.js';

/** The column a user-written name means: the exact name, else the only case-insensitive match. */
export function findColumn(columns: readonly ColumnDescription[], name: string): ColumnDescription | undefined {
  const exact = columns.find((c) => c.name === name);
  if (exact) return exact;
  const folded = columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}

export function hasColumn(columns: readonly ColumnDescription[], name: string): boolean {
  return findColumn(columns, name) !== undefined;
}

/** `a, b, c` for messages. */
export function listNames(columns: readonly { name: string }[]): string {
  return columns.length ? columns.map((c) => c.name).join(', ') : '(none)';
}

/** A plain column name (as opposed to an expression such as `id || '-' || region`). */
export function isPlainName(text: string): boolean {
  return /^[A-Za-z_][\w$]*$/.test(text.trim()) || /^"([^"]|"")+"$/.test(text.trim());
}

/** `"Name"` → `Name`; other names as written. */
export function unquoted(text: string): string {
  const t = text.trim();
  return /^"([^"]|"")+"$/.test(t) ? t.slice(1, -1).replace(/""/g, '"') : t;
}
