// Where a database error points in SQL. Adapters raise a StatementError when the database names a
// character position in the statement it ran, with a psql-style pointer in the message. The
// statement wraps the node's compiled SQL (`create table ... as (\n<compiled>\n)`, a test's
// `select ... from (\n<compiled>\n) ...`), so for the user the runner moves the pointer onto the
// compiled SQL: the line they find in target/compiled/.
import { KilnError, type KilnErrorInit, type SourceLocation } from './errors.js';

/** A database error at a 1-based character (code point) position of the statement that ran. */
export class StatementError extends KilnError {
  constructor(
    code: string,
    message: string,
    readonly statement: string,
    readonly position: number,
    init: KilnErrorInit = {},
  ) {
    super(code, message, init);
  }
}

/**
 * psql-style pointer for a 1-based character position:
 * `LINE 2: select * from missing` and a caret under the character. Null when out of range.
 */
export function pointAt(sql: string, position: number): string | null {
  // Postgres counts characters (code points), not UTF-16 units.
  const chars = Array.from(sql);
  if (!Number.isInteger(position) || position < 1 || position > chars.length + 1) return null;
  const { line, lineStart } = lineOf(chars, position);
  let lineEnd = chars.indexOf('\n', lineStart);
  if (lineEnd < 0) lineEnd = chars.length;
  const text = chars.slice(lineStart, lineEnd).join('').replace(/\r$/, '').replace(/\t/g, ' ');
  const prefix = `LINE ${line}: `;
  return `${prefix}${text}\n${' '.repeat(prefix.length + (position - 1 - lineStart))}^`;
}

/** 1-based line and column of a 1-based character position. */
export function lineAndColumn(sql: string, position: number): { line: number; col: number } {
  const { line, lineStart } = lineOf(Array.from(sql), position);
  return { line, col: position - lineStart };
}

function lineOf(chars: readonly string[], position: number): { line: number; lineStart: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position - 1 && i < chars.length; i++) {
    if (chars[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, lineStart };
}

/**
 * The position in `compiled` of a position in `statement` that embeds it, or null when the
 * statement does not contain the compiled SQL or the position is outside it. Adapters drop a
 * trailing `;` (and blanks) of the compiled SQL before wrapping it.
 */
export function positionInCompiled(statement: string, position: number, compiled: string): number | null {
  const body = compiled.replace(/[\s;]+$/, '');
  if (!body) return null;
  const at = statement.indexOf(body);
  if (at < 0) return null;
  const offset = Array.from(statement.slice(0, at)).length;
  const p = position - offset;
  return p >= 1 && p <= Array.from(body).length + 1 ? p : null;
}

/**
 * A StatementError whose position falls inside the node's compiled SQL, retold against it: the
 * pointer shows the compiled line, and `compiledFile:line:col` joins the related locations.
 * Anything else is returned as it is.
 */
export function pointIntoCompiled(e: unknown, compiled: string | null, compiledFile: string): unknown {
  if (!(e instanceof StatementError) || compiled === null) return e;
  const p = positionInCompiled(e.statement, e.position, compiled);
  if (p === null) return e;
  const before = pointAt(e.statement, e.position);
  const after = pointAt(compiled, p);
  if (!after) return e;
  const message = before && e.message.includes(before) ? e.message.replace(before, after) : `${e.message.split('\n')[0]}\n${after}${e.message.slice(e.message.split('\n')[0].length)}`;
  const at: SourceLocation = { file: compiledFile, ...lineAndColumn(compiled, p) };
  return new KilnError(e.code, message, { loc: e.loc, node: e.node, hint: e.hint, related: [...e.related, at] });
}
