// selectors.yml: named selections (`--selector nightly`) written as YAML definitions —
// `union`/`intersection` lists, `method`/`value` entries with graph flags, `exclude`, references
// to earlier selectors, and one `default: true` used when no --select/--exclude is given.
import fs from 'node:fs';
import path from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import { Codes, KilnError, type SourceLocation } from '../errors.js';
import { locOf, parseYaml, type YamlFile, type YamlPath } from '../project/yaml-file.js';
import { readSourceFile } from '../project/discover.js';
import { parseCriterion, parseSelectArg } from './parse-spec.js';
import { INDIRECT_MODES, setOf, type IndirectSelection, type SelectionSpec } from './spec.js';

export interface NamedSelector {
  readonly name: string;
  readonly description: string;
  readonly isDefault: boolean;
  readonly loc: SourceLocation;
  /** Builds the definition with the invocation's --indirect-selection as the default mode. */
  readonly spec: (indirect: IndirectSelection) => SelectionSpec;
}

export interface SelectorsFile {
  readonly file: string;
  readonly selectors: ReadonlyMap<string, NamedSelector>;
  readonly defaultSelector: NamedSelector | null;
}

/** Renders `{{ ... }}` in string values (env_var, var, target), as dbt does for selectors.yml. */
export type RenderYamlString = (text: string, loc: SourceLocation) => string;

const CRITERIA_KEYS = ['method', 'value', 'parents', 'parents_depth', 'children', 'children_depth', 'childrens_parents', 'indirect_selection', 'exclude'];
const SELECTOR_KEYS = ['name', 'description', 'definition', 'default'];

/** Reads `<root>/selectors.yml`; null when the project has none. */
export function loadSelectorsFile(root: string, render: RenderYamlString = (t) => t): SelectorsFile | null {
  const abs = path.join(root, 'selectors.yml');
  if (!fs.existsSync(abs)) return null;
  // Unreadable, binary or non-UTF-8: FILE_UNREADABLE with the line.
  const text = readSourceFile(abs, 'selectors.yml').contents;
  return parseSelectorsFile(text, 'selectors.yml', render);
}

export function parseSelectorsFile(text: string, file: string, render: RenderYamlString = (t) => t): SelectorsFile {
  const yf = parseYaml(text, file);
  const fail = (p: YamlPath, why: string, hint?: string): never => {
    throw new KilnError(Codes.SELECTOR_INVALID, `${file}: ${why}`, { loc: locOf(yf, p), hint: hint ?? 'See https://docs.getdbt.com/reference/node-selection/yaml-selectors for the format.' });
  };
  const root = yf.value;
  if (!isMap(root) || !('selectors' in (root as object))) fail([], 'expected a top-level `selectors:` list');
  const list = (root as Record<string, unknown>).selectors;
  if (!Array.isArray(list)) fail(['selectors'], '`selectors:` must be a list of selectors');

  const selectors = new Map<string, NamedSelector>();
  let defaultSelector: NamedSelector | null = null;
  (list as unknown[]).forEach((entry, i) => {
    const at: YamlPath = ['selectors', i];
    if (!isMap(entry)) fail(at, 'each selector must be a mapping with `name` and `definition`');
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (!SELECTOR_KEYS.includes(k)) fail([...at, k], `unknown key '${k}' in a selector`, `Keys of a selector: ${SELECTOR_KEYS.join(', ')}.`);
    }
    if (typeof e.name !== 'string' || e.name === '') fail(at, 'a selector has no `name`');
    const name = e.name as string;
    if (selectors.has(name)) fail([...at, 'name'], `two selectors are named '${name}'`, 'Selector names must be unique.');
    if (!('definition' in e)) fail(at, `selector '${name}' has no \`definition\``);
    const isDefault = truthy(renderValue(e.default, locOf(yf, [...at, 'default']), render));
    // Definitions may refer to selectors defined above them (`method: selector`).
    const known = new Map(selectors);
    const build = (indirect: IndirectSelection) => definitionSpec(e.definition, [...at, 'definition'], { yf, fail, render, known, indirect, root: true });
    build('eager'); // validate now, so a bad definition is reported even when another selector is used
    const sel: NamedSelector = { name, description: typeof e.description === 'string' ? e.description : '', isDefault, loc: locOf(yf, at), spec: build };
    if (isDefault) {
      if (defaultSelector) fail([...at, 'default'], `both '${defaultSelector.name}' and '${name}' are marked \`default: true\``, 'Only one selector can be the default.');
      defaultSelector = sel;
    }
    selectors.set(name, sel);
  });
  return { file, selectors, defaultSelector };
}

/** The selector named on the command line, or an error naming the closest one. */
export function findSelector(file: SelectorsFile | null, name: string): NamedSelector {
  const hit = file?.selectors.get(name);
  if (hit) return hit;
  const names = [...(file?.selectors.keys() ?? [])];
  const near = names.length ? closest(name, names) : undefined;
  throw new KilnError(Codes.SELECTOR_UNKNOWN, file ? `No selector named '${name}' in ${file.file}` : `No selector named '${name}': the project has no selectors.yml`, {
    loc: file ? { file: file.file } : undefined,
    hint: near && distance(near, name) <= 3 ? `Did you mean '${near}'?` : names.length ? `Selectors defined: ${names.join(', ')}.` : 'Define named selectors in selectors.yml next to dbt_project.yml.',
  });
}

interface DefContext {
  readonly yf: YamlFile;
  readonly fail: (p: YamlPath, why: string, hint?: string) => never;
  readonly render: RenderYamlString;
  readonly known: ReadonlyMap<string, NamedSelector>;
  readonly indirect: IndirectSelection;
  readonly root?: boolean;
}

function definitionSpec(def: unknown, at: YamlPath, ctx: DefContext): SelectionSpec {
  const { fail } = ctx;
  if (typeof def === 'string') {
    const loc = locOf(ctx.yf, at);
    const text = renderValue(def, loc, ctx.render) as string;
    const pieces = parseSelectArg(text, ctx.yf.file, ctx.indirect).map((p) => withLoc(p, loc));
    if (pieces.length === 0) fail(at, 'an empty selector definition');
    return pieces.length === 1 ? pieces[0]! : setOf('union', pieces, ctx.indirect, text);
  }
  if (!isMap(def)) fail(at, 'a definition must be a string, a `union`/`intersection` list, or a `method`/`value` mapping');
  const d = def as Record<string, unknown>;
  if ('union' in d || 'intersection' in d) {
    const kind = 'union' in d ? 'union' : 'intersection';
    if (ctx.root && Object.keys(d).length > 1) fail(at, `only a single '${kind}' key is allowed at the root of a definition; found ${Object.keys(d).join(', ')}`);
    const items = d[kind];
    if (!Array.isArray(items)) fail([...at, kind], `\`${kind}\` must be a list`);
    const include: SelectionSpec[] = [];
    let exclude: SelectionSpec | null = null;
    (items as unknown[]).forEach((item, i) => {
      if (isMap(item) && 'exclude' in (item as Record<string, unknown>) && Object.keys(item as object).length === 1) {
        if (exclude) fail([...at, kind, i], `only one \`exclude\` is allowed in a \`${kind}\``);
        exclude = exclusions((item as Record<string, unknown>).exclude, [...at, kind, i, 'exclude'], ctx);
      } else {
        include.push(definitionSpec(item, [...at, kind, i], { ...ctx, root: false }));
      }
    });
    const base = setOf(kind, include, ctx.indirect, kind);
    return exclude ? setOf('difference', [base, exclude], ctx.indirect, kind) : base;
  }
  if (d.method === 'selector') {
    const name = String(d.value ?? '');
    const ref = ctx.known.get(name);
    if (!ref) fail([...at, 'value'], `selector '${name}' is not defined above this one`, 'A definition can use selectors defined earlier in the file: `method: selector, value: <name>`.');
    return ref!.spec(ctx.indirect);
  }
  let method: string;
  let value: unknown;
  let flags: Record<string, unknown> = d;
  if ('method' in d || 'value' in d) {
    for (const k of Object.keys(d)) {
      if (!CRITERIA_KEYS.includes(k)) fail([...at, k], `unknown key '${k}' in a selector entry`, `Keys of an entry: ${CRITERIA_KEYS.join(', ')}.`);
    }
    if (!('method' in d) || !('value' in d)) fail(at, 'an entry needs both `method` and `value`');
    method = String(d.method);
    value = d.value;
  } else if (Object.keys(d).length === 1) {
    // `- tag: nightly` is shorthand for `method: tag, value: nightly`.
    method = Object.keys(d)[0]!;
    value = d[method];
    flags = {};
  } else {
    return fail(at, `expected \`union\`, \`intersection\`, or \`method\` and \`value\`; found ${Object.keys(d).join(', ')}`);
  }
  if (value === null || value === undefined || typeof value === 'object') fail([...at, 'value'], '`value` must be a string');
  const loc = locOf(ctx.yf, at);
  const rendered = String(renderValue(value, loc, ctx.render));
  const indirect = flags.indirect_selection === undefined ? ctx.indirect : String(flags.indirect_selection);
  if (!INDIRECT_MODES.includes(indirect as IndirectSelection)) fail([...at, 'indirect_selection'], `indirect_selection must be one of ${INDIRECT_MODES.join(', ')}`);
  const depth = (k: string): string => {
    const v = flags[k];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail([...at, k], `\`${k}\` must be a whole number`);
    return String(v);
  };
  const raw = `${flags.childrens_parents === true ? '@' : ''}${flags.parents === true ? `${depth('parents_depth')}+` : ''}${method}:${rendered}${flags.children === true ? `+${depth('children_depth')}` : ''}`;
  const criteria = parseCriterion(raw, { source: ctx.yf.file, text: raw, col: 1, loc }, indirect as IndirectSelection);
  if ('exclude' in flags) {
    return setOf('difference', [criteria, exclusions(flags.exclude, [...at, 'exclude'], ctx)], ctx.indirect, raw);
  }
  return criteria;
}

function exclusions(list: unknown, at: YamlPath, ctx: DefContext): SelectionSpec {
  if (!Array.isArray(list)) return ctx.fail(at, '`exclude` must be a list');
  const parts = (list as unknown[]).map((x, i) => definitionSpec(x, [...at, i], { ...ctx, root: false }));
  return parts.length === 1 ? parts[0]! : setOf('union', parts, ctx.indirect, 'exclude');
}

function withLoc(spec: SelectionSpec, loc: SourceLocation): SelectionSpec {
  if (spec.kind === 'criteria') return { ...spec, origin: { ...spec.origin, loc } };
  return { ...spec, expectExists: false, components: spec.components.map((c) => withLoc(c, loc)) };
}

function renderValue(v: unknown, loc: SourceLocation, render: RenderYamlString): unknown {
  return typeof v === 'string' && (v.includes('{{') || v.includes('{%')) ? render(v, loc) : v;
}

function truthy(v: unknown): boolean {
  if (typeof v === 'string') return ['true', 'yes', '1'].includes(v.trim().toLowerCase());
  return v === true;
}

function isMap(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
