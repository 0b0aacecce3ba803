// --empty: a ref renders as a zero-row subquery aliased with its own name, unless the SQL
// aliases it itself (then two aliases would be a syntax error).
import { describe, expect, it } from 'vitest';
import { postgresDialect } from '../../../adapters/postgres/dialect.js';
import { dropUserAliased, EmptyRelation, RelationValue } from '../../../core/compiler/relation.js';

const dialect = postgresDialect('db');
const rel = (identifier: string) => new EmptyRelation(new RelationValue({ database: 'db', schema: 's', identifier }, dialect));
const SUB = '(select * from "db"."s"."orders" where false limit 0)';

describe('EmptyRelation', () => {
  const orders = rel('orders');
  const render = (tail: string) => dropUserAliased(`select * from ${orders}${tail}`, [orders]);

  it('aliases the subquery with the relation name when nothing follows it or a keyword does', () => {
    expect(String(orders)).toBe(`${SUB} "orders"`);
    for (const tail of ['', '\n', ')', ', x', ' where a = 1', ' JOIN y on true', ' left join y on true', ' group by 1', ' union all select 1', ' order by 1', ' limit 3', ';'])
      expect(render(tail), tail).toBe(`select * from ${SUB} "orders"${tail}`);
  });

  it("keeps only the user's alias: bare, with AS, quoted", () => {
    expect(render(' o where true')).toBe(`select * from ${SUB} o where true`);
    expect(render(' AS o')).toBe(`select * from ${SUB} AS o`);
    expect(render('\n  as "O"')).toBe(`select * from ${SUB}\n  as "O"`);
    expect(render(' "o" join x on true')).toBe(`select * from ${SUB} "o" join x on true`);
  });

  it('handles every occurrence of a relation on its own', () => {
    const sql = `select * from ${orders} a join ${orders} on true join ${orders} as c on true`;
    expect(dropUserAliased(sql, [orders, orders])).toBe(`select * from ${SUB} a join ${SUB} "orders" on true join ${SUB} as c on true`);
  });
});
