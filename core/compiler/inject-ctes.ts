// Ephemeral models become CTEs: put after the statement's leading top-level `WITH`, or in a new
// `WITH` in front of it. A small scanner skips comments and string literals so a `with` inside
// them is never mistaken for the keyword.

export interface Cte {
  readonly name: string;
  readonly sql: string;
}

/**
 * One CTE as dbt 1.11 injects it: ` __dbt__cte__x as (\n<its compiled SQL as is>\n)`, after a
 * space; manifest.json's extra_ctes hold these.
 */
export function cteDefinition(c: Cte): string {
  return ` ${c.name} as (\n${c.sql}\n)`;
}

/**
 * The statement with the CTEs put in, laid out as dbt 1.11's inject_ctes_into_sql lays them out
 * (its sqlparse tokens: an insertion after a token skips the whitespace that follows it):
 * - a leading WITH (or WITH RECURSIVE): `with <ws>` + the CTEs joined by `, ` + `, ` + the rest;
 * - none: `with` + the CTEs + a space, put before the statement's first token (its leading
 *   whitespace kept in front).
 */
export function injectCtes(sql: string, ctes: readonly Cte[]): string {
  if (ctes.length === 0) return sql;
  const list = ctes.map(cteDefinition).join(', ');
  const at = leadingWith(sql);
  if (at === null) {
    const first = skipSpace(sql, 0);
    return `${sql.slice(0, first)}with${list} ${sql.slice(first)}`;
  }
  const next = skipSpace(sql, at.end);
  return `${sql.slice(0, next)}${list}, ${sql.slice(next)}`;
}

function skipSpace(sql: string, i: number): number {
  while (i < sql.length && /\s/.test(sql[i])) i++;
  return i;
}

/** If the first keyword of the statement is WITH (or WITH RECURSIVE), where it ends. */
function leadingWith(sql: string): { end: number } | null {
  let i = skipTrivia(sql, 0);
  const word = /^with\b/i.exec(sql.slice(i, i + 5));
  if (!word) return null;
  i += 4;
  const j = skipTrivia(sql, i);
  const rec = /^recursive\b/i.exec(sql.slice(j, j + 10));
  if (rec) return { end: j + 9 };
  return { end: i };
}

/** Skips whitespace, `-- line` and `/* block *\/` comments. */
function skipTrivia(sql: string, i: number): number {
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i])) i++;
    if (sql.startsWith('--', i)) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
      continue;
    }
    if (sql.startsWith('/*', i)) {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
      continue;
    }
    return i;
  }
}
