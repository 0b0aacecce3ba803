// The row count kiln reads from a PostgreSQL command tag (tag-query.ts), as node-postgres's own
// Result read it before kiln kept only the tags.
import { describe, expect, it } from 'vitest';
import { rowCountOf } from '../../../adapters/postgres/tag-query.js';

describe('rowCountOf', () => {
  it.each([
    ['INSERT 0 5', 5],
    ['INSERT 0 0', 0],
    ['SELECT 3', 3],
    ['UPDATE 12', 12],
    ['DELETE 1', 1],
    ['MERGE 7', 7],
    ['COPY 150', 150],
    ['CREATE VIEW', null],
    ['CREATE TABLE', null],
    ['ALTER VIEW', null],
    ['BEGIN', null],
    ['COMMIT', null],
    ['ROLLBACK', null],
    ['', null],
  ])('%j → %j', (tag, count) => {
    expect(rowCountOf(tag)).toBe(count);
  });
});
