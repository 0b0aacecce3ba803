// `kiln show`: compile one model (or an inline query with refs) and print its first rows as an
// aligned table, or as JSON.
import { Codes, KilnError } from '../../errors.js';
import { Compiler } from '../../compiler/compile.js';
import type { ParsedNode } from '../../nodes.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';
import { openSession, select } from '../session.js';
import { reportWarnings } from './shared.js';
import { inlineNode } from '../inline-node.js';
import { nodeRelation } from '../../project/quoting.js';

export interface ShowOptions {
  inline?: string;
  limit?: number;
  output?: string;
}

const MAX_CELL = 40;

export async function showCommand(opts: GlobalOptions & ShowOptions, io: Io): Promise<number> {
  const reporter = makeReporter({ ...opts, logFormat: 'text' }, { ...io, stdout: io.stderr });
  const output = opts.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new KilnError(Codes.USAGE, `Unknown --output '${output}'`, { hint: 'Use text or json.' });
  if (!opts.inline && !opts.select?.length) {
    throw new KilnError(Codes.USAGE, 'kiln show needs --select <model> or --inline "<sql>"', { hint: "For example: kiln show -s orders, or kiln show --inline \"select * from {{ ref('orders') }}\"" });
  }
  const session = await openSession(opts, io.cwd);
  reportWarnings(reporter, session.warnings);
  let node: ParsedNode;
  if (opts.inline) {
    node = inlineNode(session, opts.inline);
  } else {
    const ids = [...select(session, opts, ['model', 'seed', 'snapshot'])];
    if (ids.length !== 1) {
      throw new KilnError(Codes.SELECTOR_INVALID, `kiln show shows one node; '${opts.select!.join(' ')}' selects ${ids.length}`, {
        hint: ids.length ? `Pick one of: ${ids.slice(0, 8).map((id) => session.manifest.nodes.get(id)!.name).join(', ')}${ids.length > 8 ? ', ...' : ''}` : 'Check the name with `kiln ls`.',
      });
    }
    node = session.manifest.nodes.get(ids[0])!;
  }
  const compiler = new Compiler(session.manifest, session.engine, session.deps, session.profile.profileName);
  const sql = node.resourceType === 'seed'
    ? `select * from ${session.adapter.dialect.renderRelation(nodeRelation(node))}`
    : compiler.compile(node).sql;
  const limit = opts.limit ?? 5;
  await session.adapter.open();
  const conn = await session.adapter.acquire();
  let result;
  try {
    result = await conn.query(`select * from (\n${sql.trim().replace(/;\s*$/, '')}\n) as kiln_show${limit >= 0 ? `\nlimit ${limit}` : ''}`);
  } finally {
    session.adapter.release(conn);
    await session.adapter.close();
  }
  if (output === 'json') {
    io.stdout(`${JSON.stringify(result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c, r[i]]))), null, 2)}\n`);
  } else {
    reporter.info(`Previewing ${opts.inline ? 'inline query' : `node '${node.name}'`}:`);
    io.stdout(table(result.columns, result.rows));
  }
  return ExitCode.OK;
}

/** An aligned text table; long values are cut with an ellipsis. */
export function table(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    const flat = s.replace(/\s*\n\s*/g, ' ');
    return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
  };
  const body = rows.map((r) => r.map(cell));
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((r) => r[i].length)));
  const isNum = columns.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const line = (vals: readonly string[]) => `| ${vals.map((v, i) => (isNum[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(columns), sep, ...body.map(line), ''].join('\n');
}
