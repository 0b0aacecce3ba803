// Ephemeral models become CTEs: put after the statement's leading top-level `WITH`, or in a new
// `WITH` in front of it. A small scanner skips comments and string literals so a `with` inside
// them is never mistaken for the keyword.

export interface Cte {
  readonly name: string;
  readonly sql: string;
}

/** One CTE as injected (`__dbt__cte__x as (\n...\n)`); manifest.json's extra_ctes hold these. */
export function cteDefinition(c: Cte): string {
  return `${c.name} as (\n${c.sql.trim()}\n)`;
}

export function injectCtes(sql: string, ctes: readonly Cte[]): string {
  if (ctes.length === 0) return sql;
  const list = ctes.map(cteDefinition).join(',\n');
  const at = leadingWith(sql);
  if (at === null) return `with ${list}\n${sql.replace(/^\s+/, '')}`;
  return `${sql.slice(0, at.end)} ${list},\n${sql.slice(at.end).replace(/^[ \t]*\n?/, '')}`;
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
