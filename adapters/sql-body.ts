// A model's SQL as the body of `as (...)`: without the trailing whitespace and `;` users sometimes
// leave (a `;` inside the parentheses is a syntax error).

/** JavaScript's `\s` beyond ASCII (the regex class this replaces), for the rare non-ASCII tail. */
const NON_ASCII_SPACE = /\s/;

/**
 * `sql` without its trailing run of whitespace and semicolons: what `sql.replace(/[\s;]+$/, '')`
 * gives, scanning back from the end instead of trying the pattern at every whitespace of the text
 * (a few microseconds a statement, for every view of a run).
 */
export function sqlBody(sql: string): string {
  let end = sql.length;
  while (end > 0) {
    const c = sql.charCodeAt(end - 1);
    // ';', space, \t \n \v \f \r
    if (c === 59 || c === 32 || (c >= 9 && c <= 13)) end--;
    else if (c > 127 && NON_ASCII_SPACE.test(sql[end - 1])) end--;
    else break;
  }
  return end === sql.length ? sql : sql.slice(0, end);
}
