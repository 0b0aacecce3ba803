// Running a unit test: the model's SQL with each input replaced by a CTE of literal rows (typed
// from the input's real columns, missing columns as typed nulls), nothing built in the
// warehouse; the result is compared with the expected rows as multisets.
import { parse as parseCsv } from 'csv-parse/sync';
import type { Adapter, ColumnDescription, Connection, RelationName } from '../../adapters/adapter.js';
import { Codes, KilnError } from '../errors.js';
import type { Manifest, ParsedNode, UnitTestDef, UnitTestInput } from '../nodes.js';
import type { TemplateEngine } from '../template/engine.js';
import { runContext, type ContextDeps } from '../compiler/context.js';
import { injectCtes, type Cte } from '../compiler/inject-ctes.js';
import { RelationValue } from '../compiler/relation.js';
import { Vars } from '../compiler/vars.js';
import { readSeed } from '../seeds/read-seed.js';
import { nodeRelation, sourceRelation } from '../project/quoting.js';

export interface UnitTestEnv {
  readonly manifest: Manifest;
  readonly engine: TemplateEngine;
  readonly deps: ContextDeps;
  readonly profileName: string;
  readonly adapter: Adapter;
}

export interface UnitTestOutcome {
  readonly status: 'pass' | 'fail';
  readonly message: string;
  readonly failures: number;
  readonly sql: string;
}

type Row = Record<string, unknown>;

export async function runUnitTest(node: ParsedNode, conn: Connection, env: UnitTestEnv, statements: string[]): Promise<UnitTestOutcome> {
  const def = node.unitTest!;
  const model = env.manifest.nodes.get(node.attachedNode!)!;
  const ctes: Cte[] = [];
  const cteOf = new Map<string, string>();
  for (const input of def.given) {
    const cte = `__dbt__cte__${input.ref ?? `${input.source![0]}__${input.source![1]}`}`;
    ctes.push({ name: cte, sql: await fixtureSql(input, def, env, conn) });
    cteOf.set(input.input.replace(/\s+/g, ''), cte);
  }
  const sql = injectCtes(renderModel(model, def, env, cteOf), ctes);
  const query = `select * from (\n${sql}\n) as __kiln_unit_actual`;
  statements.push(query);
  const res = await conn.query(query);
  const actual = res.rows.map((r) => Object.fromEntries(res.columns.map((c, i) => [c, r[i]])));
  const expected = rowsOf(def.expect.format, def.expect.rows, def, 'expect');
  const columns = [...new Set(expected.flatMap((r) => Object.keys(r)))];
  const unknown = columns.filter((c) => !res.columns.some((a) => a.toLowerCase() === c.toLowerCase()));
  if (unknown.length) {
    throw new KilnError(Codes.CONFIG_INVALID, `Unit test '${def.name}' expects column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, which ${def.model} does not return`, {
      loc: def.loc,
      hint: `${def.model} returns: ${res.columns.join(', ')}.`,
    });
  }
  const pick = (r: Row) => Object.fromEntries(columns.map((c) => [c, valueOf(r, c)]));
  const diff = multisetDiff(expected.map(pick), actual.map(pick));
  if (diff.missing.length === 0 && diff.extra.length === 0) return { status: 'pass', message: 'PASS', failures: 0, sql };
  const lines = [
    `actual differs from expected (${expected.length} expected, ${actual.length} returned):`,
    ...diff.missing.map((r) => `  - ${show(r)}    (expected, not returned)`),
    ...diff.extra.map((r) => `  + ${show(r)}    (returned, not expected)`),
  ];
  return { status: 'fail', message: lines.join('\n'), failures: diff.missing.length + diff.extra.length, sql };
}

function renderModel(model: ParsedNode, def: UnitTestDef, env: UnitTestEnv, cteOf: ReadonlyMap<string, string>): string {
  const deps: ContextDeps = {
    ...env.deps,
    vars: new Vars({}, { ...env.deps.vars.toObject(), ...def.overrides.vars }, env.manifest.projectName),
  };
  const missing = (what: string) =>
    new KilnError(Codes.UNIT_TEST_INPUT, `Unit test '${def.name}': ${def.model} reads ${what}, which is not among its given inputs`, {
      loc: def.loc,
      hint: `Add \`- input: ${what}\` with rows (or \`rows: []\`) under \`given:\`.`,
    });
  const ctx = runContext(
    deps,
    { name: model.name, resourceType: 'model', file: model.originalFilePath, database: model.database, schema: model.schema, alias: model.alias, config: model.config, uniqueId: model.uniqueId },
    env.profileName,
    {
      ref: (call) => {
        const cte = cteOf.get(`ref('${call.name}')`) ?? cteOf.get(`ref("${call.name}")`);
        if (!cte) throw missing(`ref('${call.name}')`);
        return new RelationValue({ database: '', schema: '', identifier: cte }, env.deps.dialect, { isCte: true });
      },
      source: (s, t) => {
        const cte = cteOf.get(`source('${s}','${t}')`) ?? cteOf.get(`source("${s}","${t}")`);
        if (!cte) throw missing(`source('${s}', '${t}')`);
        return new RelationValue({ database: '', schema: '', identifier: cte }, env.deps.dialect, { isCte: true });
      },
      isIncremental: () => def.overrides.macros.is_incremental === true,
    },
  );
  for (const [k, v] of Object.entries(def.overrides.macros)) {
    if (k === 'is_incremental') continue;
    ctx[k] = typeof ctx[k] === 'function' || !(k in ctx) ? () => v : v;
  }
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(def.overrides.envVars)) {
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  try {
    return env.engine.render(model.originalFilePath, model.rawCode, ctx);
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** A CTE body of literal rows, typed from the input's real columns. */
async function fixtureSql(input: UnitTestInput, def: UnitTestDef, env: UnitTestEnv, conn: Connection): Promise<string> {
  if (input.format === 'sql') return String(input.rows);
  const columns = await inputColumns(input, def, env, conn);
  const rows = rowsOf(input.format, input.rows, def, input.input);
  const d = env.adapter.dialect;
  for (const r of rows) {
    for (const k of Object.keys(r)) {
      if (!columns.some((c) => c.name.toLowerCase() === k.toLowerCase())) {
        throw new KilnError(Codes.UNIT_TEST_INPUT, `Unit test '${def.name}': a given row of ${input.input} has column '${k}', which it does not have`, {
          loc: def.loc,
          hint: `Its columns: ${columns.map((c) => c.name).join(', ')}.`,
        });
      }
    }
  }
  const cell = (r: Row, c: ColumnDescription) => {
    const v = valueOf(r, c.name);
    return `cast(${fixtureLiteral(v, d)} as ${c.dataType}) as ${d.quoteIdentifier(c.name)}`;
  };
  if (rows.length === 0) return `select ${columns.map((c) => cell({}, c)).join(', ')} where 1 = 0`;
  return rows.map((r) => `select ${columns.map((c) => cell(r, c)).join(', ')}`).join('\nunion all\n');
}

/**
 * One fixture value as SQL: YAML booleans and numbers stay bare literals (as dbt writes them), so
 * `is_food: true` casts to an integer column as 1; everything else is a quoted string.
 */
function fixtureLiteral(v: unknown, d: { quoteLiteral(value: string): string }): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'bigint') return String(v);
  return d.quoteLiteral(typeof v === 'object' ? JSON.stringify(v) : String(v));
}

async function inputColumns(input: UnitTestInput, def: UnitTestDef, env: UnitTestEnv, conn: Connection): Promise<readonly ColumnDescription[]> {
  let rel: RelationName;
  let parent: ParsedNode | undefined;
  if (input.ref) {
    parent = [...env.manifest.nodes.values()].find((n) => n.name === input.ref)!;
    rel = nodeRelation(parent);
  } else {
    const s = [...env.manifest.sources.values()].find((x) => x.sourceName === input.source![0] && x.name === input.source![1])!;
    rel = sourceRelation(s);
  }
  const cols = await env.adapter.getColumns(rel, conn);
  if (cols.length) return cols;
  if (parent?.resourceType === 'seed' && parent.seedFile) {
    const info = readSeed(parent.seedFile, parent.originalFilePath, { delimiter: parent.config.delimiter, columnTypes: parent.config.column_types });
    return info.columns.map((c, index) => ({ name: c.name, dataType: parent!.config.column_types?.[c.name] ?? env.adapter.dialect.seedType(c.inferred), index }));
  }
  throw new KilnError(Codes.UNIT_TEST_INPUT, `Unit test '${def.name}' needs the columns of ${input.input}, which is not built yet`, {
    loc: def.loc,
    hint: `Build the inputs first (\`kiln build --select +${def.model} --exclude ${def.model}\`), or give the input as \`format: sql\` with every column.`,
  });
}

function rowsOf(format: 'dict' | 'csv' | 'sql', rows: unknown, def: UnitTestDef, what: string): Row[] {
  if (format === 'csv') {
    if (typeof rows !== 'string') throw new KilnError(Codes.CONFIG_INVALID, `Unit test '${def.name}': rows of ${what} must be CSV text with format: csv`, { loc: def.loc });
    const parsed = parseCsv(rows.trim(), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
    return parsed.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' || v === 'null' ? null : v])));
  }
  if (format === 'sql') throw new KilnError(Codes.CONFIG_INVALID, `Unit test '${def.name}': format: sql is only supported for inputs`, { loc: def.loc });
  if (!Array.isArray(rows) || rows.some((r) => !r || typeof r !== 'object' || Array.isArray(r))) {
    throw new KilnError(Codes.CONFIG_INVALID, `Unit test '${def.name}': rows of ${what} must be a list of mappings`, { loc: def.loc, hint: 'Write `rows: [{id: 1, name: ann}]`.' });
  }
  return rows as Row[];
}

function valueOf(r: Row, column: string): unknown {
  if (column in r) return r[column];
  const key = Object.keys(r).find((k) => k.toLowerCase() === column.toLowerCase());
  return key === undefined ? null : r[key];
}

/** A canonical form that makes 1, 1.0 and '1' equal, and true equal to 'True'. */
function canonical(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' || typeof v === 'bigint') return `n:${Number(v)}`;
  const s = String(v);
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(s.trim())) return `n:${Number(s)}`;
  if (/^(true|false)$/i.test(s)) return s.toLowerCase();
  return `s:${s}`;
}

function multisetDiff(expected: Row[], actual: Row[]): { missing: Row[]; extra: Row[] } {
  const key = (r: Row) => JSON.stringify(Object.keys(r).sort().map((k) => [k, canonical(r[k])]));
  const pool = new Map<string, Row[]>();
  for (const r of actual) {
    const k = key(r);
    pool.set(k, [...(pool.get(k) ?? []), r]);
  }
  const missing: Row[] = [];
  for (const r of expected) {
    const list = pool.get(key(r));
    if (list?.length) list.pop();
    else missing.push(r);
  }
  return { missing, extra: [...pool.values()].flat() };
}

function show(r: Row): string {
  return `{${Object.entries(r).map(([k, v]) => `${k}: ${v === null ? 'null' : typeof v === 'string' ? JSON.stringify(v) : String(v)}`).join(', ')}}`;
}
