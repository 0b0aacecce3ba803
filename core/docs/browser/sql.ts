// SQL shown in the site: formatted with sql-formatter in the adapter's dialect (Jinja tags kept
// intact as opaque tokens) and highlighted by a small tokenizer of our own.
import { formatDialect } from 'sql-formatter';
import { dialect } from 'kiln:sql-dialect';
import { escapeHtml } from './dom.js';

const JINJA = [{ regex: String.raw`\{\{[\s\S]*?\}\}` }, { regex: String.raw`\{%[\s\S]*?%\}` }, { regex: String.raw`\{#[\s\S]*?#\}` }];

const JINJA_ALL = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/g;

const formatted = new Map<string, string | null>();

/** The formatted text, or null when sql-formatter cannot read it (then show it as written). */
export function formatSql(sql: string): string | null {
  if (formatted.has(sql)) return formatted.get(sql)!;
  let out: string | null;
  try {
    out = formatDialect(sql, { dialect, paramTypes: { custom: JINJA }, tabWidth: 2, keywordCase: 'preserve', linesBetweenQueries: 1 });
    // Jinja must come through exactly as written; if it would not, show the SQL as written.
    const before = sql.match(JINJA_ALL) ?? [];
    const after = out.match(JINJA_ALL) ?? [];
    if (before.length !== after.length || before.some((t, i) => t !== after[i])) out = null;
  } catch {
    out = null;
  }
  if (formatted.size > 500) formatted.clear();
  formatted.set(sql, out);
  return out;
}

const KEYWORDS = new Set(
  `select from where group by order having limit offset with as on join left right inner outer full cross natural using and or not
  in is null like ilike between case when then else end distinct union all except intersect insert into values update set delete
  create replace table view materialized temporary temp if exists drop alter add column primary key references cast over
  partition rows range preceding following unbounded current row asc desc nulls first last true false interval qualify
  window filter within lateral returning begin commit rollback transaction grant to cascade default unique check constraint
  recursive any some escape collate similar at zone`.split(/\s+/),
);

const TYPES = new Set('int integer bigint smallint tinyint hugeint decimal numeric real double float boolean bool varchar char text date time timestamp timestamptz uuid json jsonb blob bytea array struct map'.split(' '));

const TOKEN =
  /(\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\})|(--[^\n]*|\/\*[\s\S]*?\*\/)|('(?:[^']|'')*'?)|("(?:[^"]|"")*"?)|(\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b)|([A-Za-z_][A-Za-z0-9_$]*)(?=(\s*\()?)/g;

/** HTML with spans for keywords, strings, numbers, comments, Jinja; everything escaped. */
export function highlightSql(sql: string): string {
  let out = '';
  let last = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(sql); m; m = TOKEN.exec(sql)) {
    if (m[0] === '') {
      TOKEN.lastIndex++;
      continue;
    }
    out += escapeHtml(sql.slice(last, m.index));
    last = m.index + m[0].length;
    const text = escapeHtml(m[0]);
    let cls = '';
    if (m[1]) cls = 'j';
    else if (m[2]) cls = 'c';
    else if (m[3]) cls = 's';
    else if (m[4]) cls = 'q';
    else if (m[5]) cls = 'n';
    else if (m[6]) {
      const w = m[6].toLowerCase();
      cls = KEYWORDS.has(w) ? 'k' : TYPES.has(w) ? 't' : m[7] ? 'f' : '';
    }
    out += cls ? `<span class="${cls}">${text}</span>` : text;
  }
  return out + escapeHtml(sql.slice(last));
}
