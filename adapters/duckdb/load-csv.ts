// The seed bulk path: DuckDB's own CSV reader, configured to read exactly what kiln's parser
// (core/seeds) read: RFC 4180 quotes, header skipped, every empty field (quoted or not) NULL,
// no sniffing, the column types kiln decided.
import type { RelationName, SeedLoad } from '../adapter.js';
import { quoteLiteral, renderRelation } from './dialect.js';

// DuckDB's default; kiln's reader has no line limit, so the load raises it to the file size.
const DEFAULT_MAX_LINE = 2_000_000;

/** `fileSize` bounds the longest line, so no row kiln accepted is refused for its length. */
export function loadCsvSql(target: RelationName, load: SeedLoad, fileSize: number): string {
  const columns = load.columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.sqlType)}`).join(', ');
  const options = [
    quoteLiteral(load.file),
    'header = true',
    `delim = ${quoteLiteral(load.delimiter)}`,
    `quote = '"'`,
    `escape = '"'`,
    `nullstr = ''`,
    // A quoted "" is NULL too, as in kiln's inference.
    'allow_quoted_nulls = true',
    'auto_detect = false',
    'strict_mode = true',
    `encoding = 'utf-8'`,
    `max_line_size = ${Math.max(DEFAULT_MAX_LINE, fileSize + 1)}`,
    `columns = {${columns}}`,
  ];
  // Positional: read_csv yields the columns in file order, the table was created in that order.
  return `insert into ${renderRelation(target)} select * from read_csv(${options.join(', ')})`;
}
