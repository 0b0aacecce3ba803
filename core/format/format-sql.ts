// Formatting SQL with sql-formatter in an adapter's dialect. Jinja (`{{ }}`, `{% %}`, `{# #}`)
// passes through as opaque tokens and is verified unchanged afterwards.
import { format } from 'sql-formatter';

const JINJA = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/g;

export interface FormatResult {
  readonly text: string;
  /** Why the text was left as it was, when it was. */
  readonly skipped?: string;
}

/** Formats compiled SQL (no Jinja left); returns it unchanged if the formatter cannot parse it. */
export function formatCompiled(sql: string, dialect: string): string {
  try {
    return format(sql, { language: dialect as 'sql', keywordCase: 'preserve' });
  } catch {
    return sql;
  }
}

/** Formats a model file: SQL laid out, every Jinja construct kept exactly, in order. */
export function formatTemplate(source: string, dialect: string): FormatResult {
  const before = source.match(JINJA) ?? [];
  let text: string;
  try {
    text = format(source, {
      language: dialect as 'sql',
      keywordCase: 'preserve',
      paramTypes: { custom: [{ regex: String.raw`\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}` }] },
    });
  } catch (e) {
    return { text: source, skipped: `the formatter cannot read it (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  }
  const after = text.match(JINJA) ?? [];
  if (before.length !== after.length || before.some((t, i) => t !== after[i])) {
    return { text: source, skipped: 'formatting would change its Jinja' };
  }
  if (!text.endsWith('\n')) text += '\n';
  return { text };
}
