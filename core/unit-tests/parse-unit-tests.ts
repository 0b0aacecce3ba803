// `unit_tests:` entries of property YAML → unit test nodes. Everything that can be checked
// without the warehouse is checked here, at load time, with the YAML file and line.
import { closest } from 'fastest-levenshtein';
import { Codes, KilnError, type Problems, type SourceLocation } from '../errors.js';
import type { Manifest, NodeConfig, ParsedNode, UnitTestDef, UnitTestInput } from '../nodes.js';
import { dbtUnitTestRows, unitTestChecksum } from './unit-test-checksum.js';

export interface UnitTestSource {
  readonly file: string;
  readonly contents: string;
  readonly entries: readonly unknown[];
}

const REF = /^\s*ref\s*\(\s*['"]([^'"]+)['"]\s*\)\s*$/;
const SOURCE = /^\s*source\s*\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*$/;

export function parseUnitTests(files: readonly UnitTestSource[], manifest: Manifest, problems: Problems): ParsedNode[] {
  const out: ParsedNode[] = [];
  const models = new Map([...manifest.nodes.values()].filter((n) => n.resourceType === 'model').map((n) => [n.name, n]));
  for (const f of files) {
    for (const raw of f.entries) {
      try {
        const node = parseOne(f, raw, models, manifest);
        if (node) out.push(node);
      } catch (e) {
        problems.capture(e);
      }
    }
  }
  return out;
}

function parseOne(f: UnitTestSource, raw: unknown, models: ReadonlyMap<string, ParsedNode>, manifest: Manifest): ParsedNode | null {
  const entry = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const name = typeof entry.name === 'string' ? entry.name : '';
  const loc: SourceLocation = { file: f.file, line: lineOfKey(f.contents, 'name', name) };
  const fail = (message: string, hint: string, key?: string, value?: string) =>
    new KilnError(Codes.CONFIG_INVALID, message, { loc: key && value ? { file: f.file, line: lineOfKey(f.contents, key, value, loc.line) ?? loc.line } : loc, hint });
  if (!name) throw fail('A unit test has no `name`', 'Give each entry under `unit_tests:` a unique `name:`.');
  const modelName = typeof entry.model === 'string' ? entry.model : '';
  const model = models.get(modelName);
  if (!model) {
    const near = models.size ? closest(modelName || '?', [...models.keys()]) : undefined;
    throw fail(`Unit test '${name}' is for model '${modelName}', which does not exist`, near ? `Did you mean '${near}'?` : 'Set `model:` to a model of this project.', 'model', modelName);
  }
  const config = (entry.config && typeof entry.config === 'object' ? entry.config : {}) as Record<string, unknown>;
  if (config.enabled === false) return null;
  if (!Array.isArray(entry.given)) throw fail(`Unit test '${name}' has no \`given:\` list`, "Add `given: [{input: ref('parent'), rows: [...]}]` (it may be empty: `given: []`).");
  const given: UnitTestInput[] = entry.given.map((g: unknown) => {
    const gi = (g && typeof g === 'object' ? g : {}) as Record<string, unknown>;
    const input = typeof gi.input === 'string' ? gi.input : '';
    const format = readFormat(gi.format, name, loc);
    const ref = REF.exec(input);
    const src = SOURCE.exec(input);
    if (!ref && !src) throw fail(`Unit test '${name}': input \`${input}\` must be ref('...') or source('...', '...')`, "Write `input: ref('stg_orders')`.", 'input', input);
    if (ref) {
      const parent = [...manifest.nodes.values()].find((n) => n.name === ref[1]);
      if (!parent) throw fail(`Unit test '${name}': input ref('${ref[1]}') does not exist`, `Inputs are the model's parents: ${model.refs.map((r) => `ref('${r.name}')`).join(', ') || 'it has none'}.`, 'input', input);
      if (!model.refs.some((r) => r.name === ref[1])) {
        throw fail(`Unit test '${name}': '${ref[1]}' is not an input of ${model.name}`, `Inputs are the model's parents: ${model.refs.map((r) => `ref('${r.name}')`).join(', ') || 'it has none'}.`, 'input', input);
      }
      return { input, ref: ref[1], format, rows: gi.rows ?? [] };
    }
    const pair: [string, string] = [src![1], src![2]];
    if (!model.sources.some(([a, b]) => a === pair[0] && b === pair[1])) {
      throw fail(`Unit test '${name}': source('${pair[0]}', '${pair[1]}') is not an input of ${model.name}`, `Its sources: ${model.sources.map(([a, b]) => `source('${a}', '${b}')`).join(', ') || 'none'}.`, 'input', input);
    }
    return { input, source: pair, format, rows: gi.rows ?? [] };
  });
  const expectRaw = (entry.expect && typeof entry.expect === 'object' ? entry.expect : null) as Record<string, unknown> | null;
  if (!expectRaw) throw fail(`Unit test '${name}' has no \`expect:\``, 'Add `expect: {rows: [{...}]}` with the rows the model should return.');
  const overrides = (entry.overrides && typeof entry.overrides === 'object' ? entry.overrides : {}) as Record<string, unknown>;
  const def: UnitTestDef = {
    name,
    model: model.name,
    given,
    expect: { format: readFormat(expectRaw.format, name, loc), rows: expectRaw.rows ?? [] },
    ...(entry.overrides && typeof entry.overrides === 'object' ? {} : { noOverrides: true }),
    overrides: {
      vars: asRecord(overrides.vars),
      macros: asRecord(overrides.macros),
      envVars: Object.fromEntries(Object.entries(asRecord(overrides.env_vars)).map(([k, v]) => [k, String(v)])),
    },
    loc,
  };
  const tags = Array.isArray(config.tags) ? config.tags.map(String) : typeof config.tags === 'string' ? [config.tags] : [];
  return {
    uniqueId: `unit_test.${manifest.projectName}.${model.name}.${name}`,
    resourceType: 'unit_test',
    packageName: manifest.projectName,
    name,
    path: `${name}.sql`,
    originalFilePath: f.file,
    fqn: [...model.fqn.slice(0, -1), model.name, name],
    rawCode: '',
    // dbt's, for manifest.json (state:modified compares it)
    checksum: unitTestChecksum({
      model: model.name,
      given: given.map((g) => ({ input: g.input, format: g.format, rows: dbtUnitTestRows(g.format, g.rows) })),
      expect: { format: def.expect.format, rows: dbtUnitTestRows(def.expect.format, def.expect.rows) },
      overrides: entry.overrides && typeof entry.overrides === 'object' ? (entry.overrides as Record<string, unknown>) : undefined,
    }),
    config: { enabled: true, materialized: 'unit', tags, meta: asRecord(config.meta) } as NodeConfig,
    description: typeof entry.description === 'string' ? entry.description : '',
    columns: {},
    refs: [],
    sources: [],
    dependsOn: { nodes: [model.uniqueId], macros: [] },
    patchPath: null,
    database: model.database,
    schema: model.schema,
    alias: name,
    loc,
    dataTests: [],
    attachedNode: model.uniqueId,
    unitTest: def,
  };
}

function readFormat(v: unknown, name: string, loc: SourceLocation): 'dict' | 'csv' | 'sql' {
  if (v === undefined || v === null) return 'dict';
  if (v === 'dict' || v === 'csv' || v === 'sql') return v;
  throw new KilnError(Codes.CONFIG_INVALID, `Unit test '${name}': format '${String(v)}' is not dict, csv or sql`, { loc });
}

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? { ...(v as Record<string, unknown>) } : {};
}

/** 1-based line of `key: value` in a YAML file (after `from` when given). */
function lineOfKey(text: string, key: string, value: string, from = 1): number | undefined {
  const lines = text.split('\n');
  const esc = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(^|[\\s-])${key}\\s*:\\s*['"]?${esc}['"]?\\s*$`);
  for (let i = Math.max(0, from - 1); i < lines.length; i++) if (re.test(lines[i])) return i + 1;
  return undefined;
}
