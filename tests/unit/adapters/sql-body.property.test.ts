// sqlBody (the body of `create ... as (...)`) strips exactly what the regex it replaced stripped:
// the trailing run of whitespace (JavaScript's \s, Unicode spaces included) and semicolons.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sqlBody } from '../../../adapters/sql-body.js';
import { propertyRuns } from '../../helpers/property.js';

const pieces = fc.constantFrom('select 1', 'a', ';', ' ', '\n', '\t', '\r\n', '\v', '\f', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u2028', '--', "'x;'", '名', '😀', '\u200b');
const sqls = fc.array(pieces, { maxLength: 30 }).map((xs) => xs.join(''));

describe('sqlBody', () => {
  it('equals the trailing [\\s;]+ removed', () => {
    fc.assert(
      fc.property(sqls, (sql) => {
        expect(sqlBody(sql)).toBe(sql.replace(/[\s;]+$/, ''));
      }),
      propertyRuns(500),
    );
  });

  it('keeps a zero-width space (not \\s) and everything before the tail', () => {
    expect(sqlBody('select 1 ;\n ;  ')).toBe('select 1');
    expect(sqlBody('select 1\u200b;')).toBe('select 1\u200b');
    expect(sqlBody(';;')).toBe('');
    expect(sqlBody('select 1')).toBe('select 1');
  });
});
