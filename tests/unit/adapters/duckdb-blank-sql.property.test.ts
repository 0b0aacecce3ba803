// isBlankSql (DuckDB rejects text with no statement) answers a text starting with a word without
// its two regex passes: the answer must stay the passes' answer for any text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBlankSql } from '../../../adapters/duckdb/statements.js';
import { propertyRuns } from '../../helpers/property.js';

/** The definition: comments removed (line comments first), then only whitespace and `;` left. */
function reference(sql: string): boolean {
  const stripped = sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  return /^[\s;]*$/.test(stripped);
}

const pieces = fc.constantFrom(' ', '\n', '\t', '\r', '\v', '\f', ';', '-', '--', '/', '/*', '*/', '*', 'x', 'select 1', '\u00a0', '\u3000', '\ufeff', '\u0000', '\u001f', 'é', '\n--c\n');
const texts = fc.array(pieces, { maxLength: 12 }).map((xs) => xs.join(''));

describe('isBlankSql', () => {
  it('agrees with the regex definition', () => {
    fc.assert(
      fc.property(texts, (sql) => {
        expect(isBlankSql(sql)).toBe(reference(sql));
      }),
      propertyRuns(3000),
    );
  });

  it('answers the usual cases', () => {
    expect(isBlankSql('create view v as select 1')).toBe(false);
    expect(isBlankSql(' ;\n-- only a comment\n/* and another */ ;')).toBe(true);
    expect(isBlankSql('\u00a0;')).toBe(true);
    expect(isBlankSql('/* -- */')).toBe(false);
  });
});
