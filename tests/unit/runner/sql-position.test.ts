// Database error positions retold against the node's compiled SQL (core/sql-position.ts).
import { describe, expect, it } from 'vitest';
import { KilnError } from '../../../core/errors.js';
import { lineAndColumn, pointAt, pointIntoCompiled, positionInCompiled, StatementError } from '../../../core/sql-position.js';

const compiled = '\nselect id,\n  no_such_column\nfrom "db"."s"."a";\n';
const statement = `create table "db"."s"."m__dbt_tmp" as (\n${compiled.replace(/[\s;]+$/, '')}\n)`;
/** 1-based position of `text` in `sql`, in code points. */
const pos = (sql: string, text: string) => Array.from(sql.slice(0, sql.indexOf(text))).length + 1;

describe('positionInCompiled', () => {
  it('maps a position inside the wrapped SQL onto the compiled SQL', () => {
    expect(positionInCompiled(statement, pos(statement, 'no_such_column'), compiled)).toBe(pos(compiled, 'no_such_column'));
    expect(lineAndColumn(compiled, pos(compiled, 'no_such_column'))).toEqual({ line: 3, col: 3 });
  });

  it('counts code points, as Postgres does', () => {
    const c = "select '🎉' as e, x";
    const s = `create view v as (\n${c}\n)`;
    const p = Array.from(s).indexOf('x') + 1;
    expect(positionInCompiled(s, p, c)).toBe(Array.from(c).indexOf('x') + 1);
  });

  it('gives up outside the compiled SQL or when the statement does not contain it', () => {
    expect(positionInCompiled(statement, 3, compiled)).toBeNull();
    expect(positionInCompiled(statement, Array.from(statement).length, compiled)).toBeNull();
    expect(positionInCompiled('select 1', 1, compiled)).toBeNull();
    expect(positionInCompiled(statement, 5, '  ;\n')).toBeNull();
  });
});

describe('pointIntoCompiled', () => {
  const error = (position: number) =>
    new StatementError('KLN501', `column "no_such_column" does not exist\n${pointAt(statement, position)}\nDETAIL: more`, statement, position, { hint: 'h' });

  it('rewrites the pointer to the compiled line and adds file:line:col', () => {
    const e = pointIntoCompiled(error(pos(statement, 'no_such_column')), compiled, 'target/compiled/p/models/m.sql') as KilnError;
    expect(e).toBeInstanceOf(KilnError);
    expect(e.message).toBe('column "no_such_column" does not exist\nLINE 3:   no_such_column\n          ^\nDETAIL: more');
    expect(e.related).toEqual([{ file: 'target/compiled/p/models/m.sql', line: 3, col: 3 }]);
    expect(e.hint).toBe('h');
    expect(e.code).toBe('KLN501');
  });

  it('leaves other errors, and positions outside the compiled SQL, as they are', () => {
    const outside = error(2);
    expect(pointIntoCompiled(outside, compiled, 'f')).toBe(outside);
    const plain = new KilnError('KLN501', 'boom');
    expect(pointIntoCompiled(plain, compiled, 'f')).toBe(plain);
    expect(pointIntoCompiled(error(50), null, 'f')).toBeInstanceOf(StatementError);
    const notKiln = new Error('x');
    expect(pointIntoCompiled(notKiln, compiled, 'f')).toBe(notKiln);
  });
});
