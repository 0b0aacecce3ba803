// Generic test nodes from the `data_tests:` / `tests:` entries of models, seeds, sources and
// their columns. Each becomes a node of resource type `test` that depends on what it tests (and
// on anything its arguments ref), named as dbt names it.
import { Codes, KilnError, KilnErrors, type Problems, type SourceLocation } from '../errors.js';
import type { NodeConfig, ParsedNode, RefCall } from '../nodes.js';
import { configUnder, mergeConfigs } from '../project/config-tree.js';
import type { ConfigTree } from '../project/types.js';
import { validateConfig } from '../project/config-schema.js';
import { unrenderedTreeConfig, withOwnConfig } from '../project/unrendered-config.js';
import { readTestEntry, type TestEntry } from './test-entry.js';
import { genericTestName, modelArgument, testIdHash } from './test-names.js';
import { fqnUnder } from '../parser/paths.js';
import { pyStr } from '../template/values.js';

export interface TestTarget {
  readonly kind: 'model' | 'seed' | 'snapshot' | 'source';
  /** Model/seed name, or table name for sources. */
  readonly name: string;
  readonly sourceName?: string;
  /** A version of a versioned model: tests are named `<test>_<name>_v<v>_...` and ref that version. */
  readonly version?: string | number;
  /** The node the tests attach to (null for sources). */
  readonly attachedNode: string | null;
  /** The YAML file declaring the tests. */
  readonly file: string;
  /** The resource root the YAML file sits under (for the fqn). */
  readonly root: string;
  /** A source's tests: the source's and the table's `tags:` (dbt leads its tests' node tags with them). */
  readonly tags?: readonly string[];
}

export interface DeclaredTest {
  readonly entry: unknown;
  readonly columnName: string | null;
  /** The column's tags (`tags:` and `config: {tags}`), when it has any: its tests' node tags lead with them. */
  readonly columnTags?: readonly string[];
  readonly loc: SourceLocation;
  /**
   * The hash that ends the test's unique id (testIdHash: an md5, the costliest part of building a
   * test), noted by the first build. It follows from the declaration and the project name alone
   * (both in the partial-parse cache's keys), so it is kept with the declaration in the cache and
   * a warm parse does not hash 30,000 tests again.
   */
  idHash?: string;
}

export interface TestBuildContext {
  readonly projectName: string;
  readonly dataTestsTree: ConfigTree;
  /** The same tree as written in dbt_project.yml (for unrendered_config). */
  readonly unrenderedTree?: Readonly<Record<string, unknown>>;
  /**
   * Renders a config value of a test entry with Jinja in it as dbt's TestBuilder does (natively,
   * with var(), env_var() and target); throws a KilnError when it cannot.
   */
  readonly renderConfigValue?: (value: string, loc: SourceLocation) => unknown;
  readonly problems: Problems;
  /** Renders an argument at parse time, recording refs/sources it makes. */
  readonly recordArgRefs: (value: string, loc: SourceLocation, refs: RefCall[], sources: [string, string][]) => void;
  readonly relationFor: (name: string, config: NodeConfig) => { database: string; schema: string; alias: string };
  /**
   * The tests dbt builds without rendering their macro (unique and not_null, while the macros
   * they resolve to are dbt's own): default both. Any other test's entry tags go into config.tags
   * twice, as dbt merges them once more from its raw_code's config() call.
   */
  readonly fastPathTests?: ReadonlySet<string>;
}

/** dbt's tests built without rendering their macro, where no project or package overrides one. */
export const DBT_FAST_PATH_TESTS: ReadonlySet<string> = new Set(['unique', 'not_null']);

/** A test's configs before its folder's and its own (shared: never changed). */
const TEST_DEFAULTS: Readonly<Record<string, unknown>> = { enabled: true, materialized: 'test', schema: 'dbt_test__audit', severity: 'ERROR', tags: [], meta: {}, store_failures: null, where: null, limit: null, fail_calc: 'count(*)', warn_if: '!= 0', error_if: '!= 0' };

/** String arguments that are a bare `ref(...)`/`source(...)` call are evaluated, as dbt does. */
export function isCallExpression(value: string): boolean {
  return /^\s*(ref|source)\s*\(.*\)\s*$/s.test(value);
}

/**
 * What every test of one target has in common: its `model` argument, and the refs and sources of
 * a test whose arguments ref nothing (shared and frozen: most tests of a large project).
 */
interface TargetParts {
  readonly modelArg: string;
  /** The target as test names spell it (`orders`, `orders_v2`, `shop_orders` for a source table). */
  readonly label: string;
  /** The folders of the tests' fqns (those of the property file). */
  readonly folders: readonly string[];
  readonly refs: readonly RefCall[];
  readonly sources: readonly (readonly [string, string])[];
}

const NO_REFS = Object.freeze([]) as readonly RefCall[];
const NO_SOURCES = Object.freeze([]) as readonly (readonly [string, string])[];

function targetParts(projectName: string, target: TestTarget): TargetParts {
  const modelArg = modelArgument(target);
  const folders = fqnFoldersOf(projectName, target);
  if (target.kind === 'source') {
    return { modelArg, label: `${target.sourceName}_${target.name}`, folders, refs: NO_REFS, sources: Object.freeze([Object.freeze([target.sourceName!, target.name] as const)]) };
  }
  const ref: RefCall = Object.freeze(target.version !== undefined ? { name: target.name, version: target.version } : { name: target.name });
  const label = target.version !== undefined ? `${target.name}_v${target.version}` : target.name;
  return { modelArg, label, folders, refs: Object.freeze([ref]), sources: NO_SOURCES };
}

export function buildGenericTests(target: TestTarget, tests: readonly DeclaredTest[], ctx: TestBuildContext): ParsedNode[] {
  const out: ParsedNode[] = [];
  const parts = tests.length ? targetParts(ctx.projectName, target) : null;
  for (const t of tests) {
    try {
      const node = buildOne(target, parts!, t, ctx);
      if (node) out.push(node);
    } catch (e) {
      ctx.problems.capture(e);
    }
  }
  return out;
}

function buildOne(target: TestTarget, parts: TargetParts, t: DeclaredTest, ctx: TestBuildContext): ParsedNode | null {
  const entry = readTestEntry(t.entry, t.loc);
  checkArguments(entry, t, target);
  // In dbt's order (manifest.json's test_metadata.kwargs): a column's name after the arguments,
  // or before them when they are under `arguments:` (dbt merges those into the entry's keys).
  let kwargs: Record<string, unknown>;
  if (t.columnName !== null && entry.nested) kwargs = { column_name: t.columnName, ...entry.args };
  else {
    kwargs = { ...entry.args };
    if (t.columnName !== null) kwargs.column_name = t.columnName;
  }
  const testType = target.kind === 'source' ? `source_${entry.testName}` : entry.testName;
  const generated = genericTestName(testType, entry.namespace, parts.label, kwargs);
  // As dbt: the node's name (and fqn, unique_id) is the full generated name; when that is 64
  // characters or longer, the relation and compiled file use the short, hashed one.
  const name = entry.customName ?? generated.fullName;
  const shortName = entry.customName ?? generated.name;
  const testMetadata = { name: entry.testName, namespace: entry.namespace, kwargs };
  // The hash noted on the declaration by an earlier build (kept with it in the cache), else made and noted.
  const idHash = (t.idHash ??= testIdHash(name, testMetadata, parts.modelArg));
  const uniqueId = `test.${ctx.projectName}.${name}.${idHash}`;

  // dbt records the arguments' refs first (`to: ref('customers')`), then the tested model's.
  let argRefs: RefCall[] | null = null;
  let argSources: [string, string][] | null = null;
  // Most tests' arguments hold nothing to render (no closure or walk for them).
  if (hasKeys(entry.args)) {
    walkStrings(entry.args, (s) => {
      if (s.includes('{{') || s.includes('{%') || isCallExpression(s)) ctx.recordArgRefs(s, t.loc, (argRefs ??= []), (argSources ??= []));
    });
  }
  const refs = argRefs === null ? parts.refs : [...(argRefs as RefCall[]), ...parts.refs];
  const sources = argSources === null ? parts.sources : [...(argSources as [string, string][]), ...parts.sources];

  const fqn = parts.folders.slice();
  fqn.push(name);
  const withTree = configUnder(TEST_DEFAULTS, ctx.dataTestsTree, fqn);
  const own = renderedConfig(entry, t, target, ctx);
  // Most entries configure nothing: merging an empty config would only copy `withTree` again.
  const raw = hasKeys(own) ? mergeConfigs(withTree, validateConfig(own, 'test', t.loc, ctx.problems)) : withTree;
  // dbt records the short name of a long-named test as its configured alias (unless one is given).
  const alias = raw.alias ?? (shortName !== name ? shortName : undefined);
  // `raw` is this test's own (configUnder's and mergeConfigs' results are fresh copies): completed
  // in place, its keys where they are, no second copy of it per test.
  const out = raw;
  if (alias !== undefined) out.alias = alias;
  out.enabled = raw.enabled !== false;
  out.materialized = 'test';
  // dbt decides by the macro `test_<name>` resolves to from the test's package, whatever the
  // namespace written (`dbt.unique` too): a project's own not_null is rendered like any test.
  const fastPath = (ctx.fastPathTests ?? DBT_FAST_PATH_TESTS).has(entry.testName);
  // dbt 1.11 appends the entry's tags to the folders' as written (a repeat kept), and a test it
  // renders gets them once more from its raw_code's config() call: dbt's config.tags (node `tags`
  // list each once, after leadTags: node-tags.ts).
  const ownTags = own.tags === undefined || own.tags === null ? null : toTags(own.tags);
  out.tags = ownTags === null ? toTags(raw.tags) : [...toTags(withTree.tags), ...ownTags, ...(fastPath ? [] : ownTags)];
  const lead = leadTags(target.tags, t.columnTags, ownTags);
  out.meta = (raw.meta as Record<string, unknown>) ?? {};
  const config = out as NodeConfig;
  const naming = ctx.relationFor(shortName, config);
  const entryCall = builderConfig(own, shortName !== name ? shortName : undefined);
  // dbt merges the entry's configs twice for a test it renders (once more from its raw_code's
  // config() call), so their tags are listed twice there too.
  const unrenderedConfig = withOwnConfig(unrenderedTreeConfig(ctx.unrenderedTree, fqn), !fastPath && entryCall?.tags !== undefined ? { ...entryCall, tags: [...toTags(entryCall.tags), ...toTags(entryCall.tags)] } : entryCall);
  const node: ParsedNode = {
    uniqueId,
    resourceType: 'test',
    packageName: ctx.projectName,
    name,
    path: `${shortName}.sql`,
    originalFilePath: target.file,
    fqn,
    rawCode: testRawCode(entry.testName, own, shortName !== name && (own.alias === undefined || own.alias === null) ? shortName : undefined),
    checksum: '',
    config,
    description: '',
    columns: NO_COLUMNS,
    // Shared and frozen when the test's arguments ref nothing (nothing changes a node's refs in place).
    refs: refs as RefCall[],
    sources: sources as [string, string][],
    // Provisional: the parse replaces it once macros are known (parse-project.ts applyTestMacro).
    dependsOn: { nodes: [], macros: [entry.namespace === null ? testText(entry.testName).dbtMacro : `macro.${entry.namespace}.test_${entry.testName}`] },
    patchPath: null,
    database: naming.database,
    schema: naming.schema,
    alias: naming.alias,
    loc: t.loc,
    dataTests: NO_TESTS,
    testMetadata,
    columnName: t.columnName,
    attachedNode: target.attachedNode,
  };
  if (hasKeys(unrenderedConfig)) node.unrenderedConfig = unrenderedConfig;
  if (entryCall !== null) node.entryConfig = entryCall;
  if (lead) node.leadTags = lead;
  return node;
}

/** Jinja's markers, as dbt's get_rendered looks for them (`{{`, `{%`, `{#`). */
const RENDER_CHARS = /\{[{%#]/;

/**
 * The entry's configs with each string holding Jinja rendered, as dbt's TestBuilder renders the
 * configs beside the arguments and under `config:` at parse time (top-level values only: a
 * list or mapping is kept as written). The entry's own object when nothing needs rendering.
 */
function renderedConfig(entry: TestEntry, t: DeclaredTest, target: TestTarget, ctx: TestBuildContext): Record<string, unknown> {
  const config = entry.config;
  let out: Record<string, unknown> | null = null;
  for (const key in config) {
    const value = config[key];
    if (typeof value !== 'string' || !RENDER_CHARS.test(value) || !ctx.renderConfigValue) continue;
    out ??= { ...config };
    try {
      const rendered = ctx.renderConfigValue(value, t.loc);
      // dbt leaves out a config that renders to None (the folder's or the default stays).
      if (rendered === null || rendered === undefined) delete out[key];
      else out[key] = rendered;
    } catch (e) {
      const first = e instanceof KilnErrors ? e.errors[0] : e;
      const detail = first instanceof KilnError ? first.message : String((first as Error)?.message ?? first);
      const on = t.columnName !== null ? `${target.name}.${t.columnName}` : target.name;
      throw new KilnError(first instanceof KilnError ? first.code : Codes.JINJA_RENDER, `The \`${key}\` config of test '${entry.testName}' on ${on} could not be rendered: ${detail}`, {
        loc: t.loc,
        hint: `A test's config values are rendered when the project is parsed; dbt offers var(), env_var() and target there, not the project's macros. Fix the Jinja of \`${key}: ${value}\`, or write the value plainly.`,
      });
    }
  }
  return out ?? config;
}

/** The texts every test of one test macro shares, made once (30,000 tests name a handful of macros). */
const testTexts = new Map<string, { readonly rawCode: string; readonly dbtMacro: string }>();

function testText(testName: string): { readonly rawCode: string; readonly dbtMacro: string } {
  let t = testTexts.get(testName);
  if (!t) {
    if (testTexts.size >= 10_000) testTexts.clear();
    testTexts.set(testName, (t = { rawCode: `{{ test_${testName}(**_dbt_generic_test_kwargs) }}`, dbtMacro: `macro.dbt.test_${testName}` }));
  }
  return t;
}

/** The configs a test entry may give beside its arguments, in the order dbt's raw_code lists them (TestBuilder.CONFIG_ARGS). */
const DBT_CONFIG_ARGS = ['severity', 'tags', 'enabled', 'where', 'limit', 'warn_if', 'error_if', 'fail_calc', 'store_failures', 'store_failures_as', 'meta', 'database', 'schema', 'alias'];
const IS_CONFIG_ARG = new Set(DBT_CONFIG_ARGS);

/**
 * A generic test's raw_code as dbt writes it: the macro call, then the configs of its YAML entry
 * as a `config()` call (dbt's TestBuilder.build_raw_code: the known configs in its order, then the
 * others of `config:`, then the short name as `alias` of a test whose name was hashed). Without
 * any, the text shared by every test of the macro.
 */
function testRawCode(testName: string, config: Readonly<Record<string, unknown>>, hashedAlias: string | undefined): string {
  const call = testText(testName).rawCode;
  if (hashedAlias === undefined && !hasKeys(config)) return call;
  let args = '';
  const add = (key: string, value: unknown) => {
    if (value === undefined || value === null) return;
    args += `${args ? ',' : ''}${key}=${typeof value === 'string' ? `"${value.replaceAll('"', '\\"')}"` : pyStr(value)}`;
  };
  for (const key of DBT_CONFIG_ARGS) add(key, config[key]);
  for (const key of Object.keys(config)) if (!IS_CONFIG_ARG.has(key)) add(key, config[key]);
  if (hashedAlias !== undefined) add('alias', hashedAlias);
  return args ? `${call}{{ config(${args}) }}` : call;
}

/**
 * The configs a generic test's entry sets (rendered), as dbt's TestBuilder collects them: those
 * of CONFIG_ARGS first in its order, then the others of `config:`, nulls left out; the short
 * name as `alias` of a test whose name was hashed: the configs of its raw_code's config() call.
 */
function builderConfig(config: Readonly<Record<string, unknown>>, hashedAlias: string | undefined): Readonly<Record<string, unknown>> | null {
  if (hashedAlias === undefined && !hasKeys(config)) return null;
  const out: Record<string, unknown> = {};
  const add = (key: string, value: unknown) => {
    if (value !== undefined && value !== null) out[key] = value;
  };
  for (const key of DBT_CONFIG_ARGS) add(key, config[key]);
  for (const key of Object.keys(config)) if (!IS_CONFIG_ARG.has(key)) add(key, config[key]);
  if (hashedAlias !== undefined && out.alias === undefined) out.alias = hashedAlias;
  return out;
}

/** A test's columns and own tests: none. Shared by every test node (30,000 in a large project), frozen. */
const NO_COLUMNS = Object.freeze({}) as ParsedNode['columns'];
const NO_TESTS = Object.freeze([]) as unknown as ParsedNode['dataTests'];

/** The folders of a property file's fqns, by project, root and file: the same for each of its tests. */
const fqnFolders = new Map<string, readonly string[]>();

/** The folders of `fqnUnder(projectName, target.root, target.file, name)`, worked out once per file. */
function fqnFoldersOf(projectName: string, target: TestTarget): readonly string[] {
  const key = `${projectName}\0${target.root}\0${target.file}`;
  let folders = fqnFolders.get(key);
  if (!folders) {
    if (fqnFolders.size >= 10_000) fqnFolders.clear();
    fqnFolders.set(key, (folders = fqnUnder(projectName, target.root, target.file, '').slice(0, -1)));
  }
  return folders;
}

function hasKeys(o: Readonly<Record<string, unknown>>): boolean {
  for (const _ in o) return true;
  return false;
}

const NEED_COLUMN = new Set(['not_null', 'unique', 'accepted_values', 'relationships']);

/** The built-in tests' required arguments, checked at load time with the YAML line. */
function checkArguments(entry: TestEntry, t: DeclaredTest, target: TestTarget): void {
  if (entry.namespace) return;
  const need = (arg: string, example: string) => {
    if (entry.args[arg] === undefined || entry.args[arg] === null) {
      throw new KilnError(Codes.CONFIG_INVALID, `Test '${entry.testName}'${t.columnName ? ` on ${target.name}.${t.columnName}` : ` on ${target.name}`} needs \`${arg}\``, {
        loc: t.loc,
        hint: `Add it, for example: ${example}`,
      });
    }
  };
  if (NEED_COLUMN.has(entry.testName) && t.columnName === null && entry.args.column_name === undefined) {
    throw new KilnError(Codes.CONFIG_INVALID, `Test '${entry.testName}' on ${target.name} needs a column`, {
      loc: t.loc,
      hint: `Declare it under the column (\`columns: [{name: id, data_tests: [${entry.testName}]}]\`) or pass \`column_name\`.`,
    });
  }
  if (entry.testName === 'accepted_values') {
    need('values', '`accepted_values: {arguments: {values: [a, b]}}`');
    if (!Array.isArray(entry.args.values) && typeof entry.args.values !== 'string') {
      throw new KilnError(Codes.CONFIG_INVALID, `\`values\` of accepted_values must be a list`, { loc: t.loc, hint: 'Write `values: [placed, shipped]`.' });
    }
  }
  if (entry.testName === 'relationships') {
    need('to', "`relationships: {arguments: {to: ref('customers'), field: id}}`");
    need('field', "`relationships: {arguments: {to: ref('customers'), field: id}}`");
  }
}

function walkStrings(v: unknown, fn: (s: string) => void): void {
  if (typeof v === 'string') fn(v);
  else if (Array.isArray(v)) v.forEach((x) => walkStrings(x, fn));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => walkStrings(x, fn));
}

/** A column's tags sorted, each once: the same array for every test of the column. */
const sortedColumnTags = new WeakMap<readonly string[], readonly string[]>();

/**
 * dbt's first node tags of a generic test (its parser's sorted set of them): a source's and
 * table's tags, the column's and the entry's, sorted, each once; undefined when there are none.
 */
function leadTags(targetTags: readonly string[] | undefined, columnTags: readonly string[] | undefined, own: readonly string[] | null): readonly string[] | undefined {
  const fromTarget = targetTags !== undefined && targetTags.length > 0;
  const fromColumn = columnTags !== undefined && columnTags.length > 0;
  const fromEntry = own !== null && own.length > 0;
  if (!fromTarget && !fromEntry) {
    if (!fromColumn) return undefined;
    let sorted = sortedColumnTags.get(columnTags);
    if (!sorted) sortedColumnTags.set(columnTags, (sorted = sortedSet(columnTags)));
    return sorted;
  }
  return sortedSet([...(targetTags ?? []), ...(columnTags ?? []), ...(own ?? [])]);
}

/** Each once, sorted by code unit (Python's code-point order differs only past U+FFFF). */
function sortedSet(tags: readonly string[]): readonly string[] {
  return Object.freeze([...new Set(tags)].sort());
}

function toTags(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return [v];
  return [];
}

