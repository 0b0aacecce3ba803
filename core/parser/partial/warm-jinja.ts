// A model whose Jinja changed (a loop, an if, a macro call, var() with a default, a config()
// change) re-rendered alone with the template engine on a warm compile, when the result is
// provably what a full compile would give; otherwise null and the caller compiles in full.
//
// The render runs twice, as a full compile runs it: once with the parse-time context (recording
// refs, sources and config() calls), once with the run-time context. What those contexts hold
// comes from what a full compile reads: dbt_project.yml (vars, dispatch), the profile's target,
// the adapter's dialect and macros, kiln's built-in macros and the project's macro files (named in
// the record of the last full compile; compile-state.ts has already checked that no input file
// but model files changed). ref() and source() resolve through the record (warm-render.ts), as
// the compiler would resolve them: one node of that name, not ephemeral, not private, not
// versioned, no package.
//
// Refused (null), besides any error of either render:
// - text that reads what this module does not rebuild: `model` (the manifest's node), doc(),
//   env_var() (its reads are recorded per compile), config.get/require (at parse time it reads the
//   config before the file's own calls), include/import/extends;
// - a project with installed packages, project naming macros, or macros using any of the above
//   (the record then has no `jinja` entry);
// - refs and sources not in the record (unknown names fail as a full compile fails);
// - config() calls that change anything but the keys of LOCAL_KEYS (a materialization other than
//   ephemeral, incremental settings), drop one of them, or set names (database, schema, alias).
import { mergeConfigCalls } from '../../project/unrendered-config.js';
import fs from 'node:fs';
import path from 'node:path';
import { Problems } from '../../errors.js';
import { TemplateEngine, type RenderContext } from '../../template/engine.js';
import { JinjaEnv } from '../../macros/jinja-env.js';
import { DBT_MACROS_SQL } from '../../macros/dbt-macros.js';
import { createAdapter } from '../../../adapters/registry.js';
import { loadProfile } from '../../project/load-profile.js';
import { parseYaml } from '../../project/yaml-file.js';
import { isPlainObject } from '../../project/values.js';
import { Vars } from '../../compiler/vars.js';
import { parseContext, runContext, type ContextDeps, type ParseRecord, type RunResolver } from '../../compiler/context.js';
import { RelationValue } from '../../compiler/relation.js';
import { BUILTIN_TESTS_FILE, BUILTIN_TESTS_SQL } from '../../data-tests/builtin-tests.js';
import type { RelationParts, Rerendered, WarmRecord } from './warm-render.js';

/** Text a re-render alone cannot answer as a full compile would (see the top). */
export const JINJA_UNSAFE_RE = /\b(model|node|doc|env_var|context|graph)\b|\bconfig\s*[.[]|\{%-?\s*(include|import|from|extends)\b/;

/** Config keys a model's config() may change alone: they change its own entry and SQL, no other node's. */
const LOCAL_KEYS = new Set(['materialized', 'unique_key', 'incremental_strategy', 'on_schema_change', 'full_refresh', 'incremental_predicates', 'merge_update_columns', 'merge_exclude_columns']);
/** Keys every model's config has before any other (parse-project.ts's DEFAULTS.model). */
const MODEL_DEFAULT_KEYS = new Set(['enabled', 'materialized', 'tags', 'meta', 'persist_docs', 'quoting', 'column_types', 'on_schema_change']);
/** Keys that name the relation: set by config(), the parse-time `this` differs from the final one. */
const NAMING_KEYS = new Set(['database', 'schema', 'alias', 'enabled']);

/** The options of the compile that decide the contexts (a subset of GlobalOptions). */
export interface JinjaOptions {
  readonly projectDir?: string;
  readonly profilesDir?: string;
  readonly targetPath?: string;
  readonly target?: string;
  /** --profile: the profiles.yml entry over `profile:` of dbt_project.yml. */
  readonly profile?: string;
  readonly vars?: string;
  readonly threads?: number;
  readonly command?: string;
  readonly fullRefresh?: boolean;
  readonly failFast?: boolean;
  readonly storeFailures?: boolean;
  readonly empty?: boolean;
}

/** The model's entry in manifest.json, as far as this module reads it. */
export interface ModelJson {
  readonly unique_id: string;
  readonly name: string;
  readonly original_file_path: string;
  readonly database: string;
  readonly schema: string;
  readonly alias: string;
  readonly package_name: string;
  readonly config: Record<string, unknown>;
}

export interface JinjaRerendered extends Rerendered {
  /** The entry's new `config` (absent: unchanged). */
  readonly config?: Record<string, unknown>;
  /** The config() calls merged as dbt merges them, before and after (absent: the same), for unrendered_config. */
  readonly calls?: { readonly before: Record<string, unknown>; readonly after: Record<string, unknown> };
}

/** Thrown by the resolver for a ref or source the record cannot answer. */
class NotInRecord extends Error {}

/** What the contexts share, made once per warm compile (several models may change). */
interface Env {
  readonly engine: TemplateEngine;
  readonly deps: ContextDeps;
  readonly profileName: string;
  readonly projectName: string;
  /** Loads kiln's built-in macros when a template may call one (see needsBuiltins). */
  readonly builtins: { readonly names: ReadonlySet<string>; loaded: boolean; readonly load: () => void };
}

/** The Jinja of a template: its expressions and statements (text and comments call nothing). */
const JINJA_RE = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
const NAME_RE = /[A-Za-z_]\w*/g;
/** Names through which a template reaches built-in macros other than by their own names. */
const BUILTIN_DOORS = ['dbt', 'adapter', 'caller'];

/**
 * Whether a template may call one of kiln's built-in macros: a name of one (or `dbt.`,
 * `adapter.dispatch`) anywhere in its Jinja. Parsing them costs more than the rest of a re-render,
 * and most models call none; loaded later they resolve as loaded first (macros rank by package).
 */
function needsBuiltins(names: ReadonlySet<string>, text: string): boolean {
  for (const part of text.match(JINJA_RE) ?? []) for (const n of part.match(NAME_RE) ?? []) if (names.has(n)) return true;
  return false;
}

/** The macro names a macro file defines (`{% test x %}` defines test_x), read without parsing it. */
function macroNames(sql: string): string[] {
  return [...sql.matchAll(/\{%-?\s*(macro|test)\s+(\w+)/g)].map((m) => (m[1] === 'test' ? `test_${m[2]}` : m[2]));
}

const envs = new WeakMap<WarmRecord, Promise<Env | null>>();

/** The model re-rendered, or null when that cannot be shown to equal a full compile. Never throws. */
export async function rerenderJinja(record: WarmRecord, root: string, cwd: string, opts: JinjaOptions, node: ModelJson, oldRaw: string, newRaw: string): Promise<JinjaRerendered | null> {
  if (!record.jinja || record.namingMacros !== false || JINJA_UNSAFE_RE.test(newRaw) || JINJA_UNSAFE_RE.test(oldRaw)) return null;
  let made = envs.get(record);
  if (!made) envs.set(record, (made = makeEnv(record, root, cwd, opts).catch(() => null)));
  const env = await made;
  if (!env || node.package_name !== env.projectName) return null;
  try {
    return await rerender(record, env, node, oldRaw, newRaw);
  } catch {
    return null;
  }
}

async function makeEnv(record: WarmRecord, root: string, cwd: string, opts: JinjaOptions): Promise<Env | null> {
  const project = readProject(root);
  if (!project) return null;
  // --vars: parsed as load-project.ts parses it (loaded only when given: it loads zod).
  const cliVars = opts.vars === undefined || opts.vars.trim() === '' ? {} : (await import('../../project/load-project.js')).parseCliVars(opts.vars);
  const problems = new Problems();
  const yamlEngine = new TemplateEngine();
  const render = (text: string, loc: { file: string }) => {
    // var() in profiles.yml reads --vars only (session.ts's projectFileVar): not rebuilt here.
    if (/\bvar\s*\(/.test(text)) throw new NotInRecord('var() in profiles.yml');
    return yamlEngine.render(loc.file, text, {});
  };
  const profile = loadProfile({ projectDir: root, profilesDir: opts.profilesDir ? path.resolve(cwd, opts.profilesDir) : undefined, profileName: opts.profile ?? project.profile, targetName: opts.target, render, problems });
  if (problems.errors.length || problems.warnings.length) return null;
  const target = opts.threads ? { ...profile.target, threads: opts.threads } : profile.target;
  const adapter = await createAdapter(target, root, profile.file);
  const engine = new TemplateEngine({ rootPackage: project.name });
  const jinja = new JinjaEnv({
    engine,
    dialect: adapter.dialect,
    adapterType: adapter.type,
    adapterMacros: adapter.jinjaMacros,
    rootPackage: project.name,
    packages: new Set(),
    dispatch: project.dispatch,
    target: { database: target.database, schema: target.schema },
    deferBuiltinMacros: true,
  });
  const names = new Set([...BUILTIN_DOORS, ...macroNames(DBT_MACROS_SQL), ...macroNames(adapter.jinjaMacros ?? ''), ...macroNames(BUILTIN_TESTS_SQL)]);
  const builtins = {
    names,
    loaded: false,
    // In the order a full compile adds them (JinjaEnv's, then parse's test macros): ties within a package go to the later one.
    load: () => {
      jinja.addBuiltinMacros();
      engine.addMacroFile(BUILTIN_TESTS_FILE, BUILTIN_TESTS_SQL, 'dbt');
      builtins.loaded = true;
    },
  };
  for (const rel of record.jinja!.macroFiles) {
    const text = fs.readFileSync(path.join(root, rel), 'utf8');
    engine.addMacroFile(rel, text, project.name);
    if (!builtins.loaded && needsBuiltins(names, text)) builtins.load();
  }
  const deps: ContextDeps = {
    dialect: adapter.dialect,
    target,
    vars: new Vars(project.vars, cliVars, project.name),
    projectName: project.name,
    docs: new Map(),
    invocationId: '',
    runStartedAt: new Date(),
    flags: { FULL_REFRESH: !!opts.fullRefresh, WHICH: opts.command, FAIL_FAST: !!opts.failFast, STORE_FAILURES: !!opts.storeFailures, EMPTY: !!opts.empty },
    jinja,
  };
  return { engine, deps, profileName: profile.profileName, projectName: project.name, builtins };
}

interface ProjectBits {
  readonly name: string;
  readonly profile: string;
  readonly vars: Record<string, unknown>;
  readonly dispatch: { macro_namespace: string; search_order: string[] }[];
}

/**
 * What the contexts need of dbt_project.yml, read as load-project-file.ts reads it (the fast YAML
 * reader), without its validation (it loads zod, ~50 ms): the file is the one a full compile
 * validated without a problem (compile-state.ts checked it is unchanged). Null for a file with
 * Jinja (rendered against --vars and the target) or any value not plainly as expected.
 */
function readProject(root: string): ProjectBits | null {
  const text = fs.readFileSync(path.join(root, 'dbt_project.yml'), 'utf8');
  if (text.includes('{{') || text.includes('{%') || text.charCodeAt(0) === 0xfeff) return null;
  const v = parseYaml(text, 'dbt_project.yml', { fast: true }).value;
  if (!isPlainObject(v)) return null;
  const name = v.name;
  const profile = v.profile ?? name;
  const vars = v.vars ?? {};
  const dispatch = v.dispatch ?? [];
  if (typeof name !== 'string' || typeof profile !== 'string' || !isPlainObject(vars) || !Array.isArray(dispatch)) return null;
  const entries = dispatch as unknown[];
  const ok = (d: unknown): d is { macro_namespace: string; search_order: string[] } =>
    isPlainObject(d) && typeof d.macro_namespace === 'string' && Array.isArray(d.search_order) && d.search_order.every((x) => typeof x === 'string');
  if (!entries.every(ok)) return null;
  return { name, profile, vars, dispatch: entries.filter(ok) };
}

async function rerender(record: WarmRecord, env: Env, node: ModelJson, oldRaw: string, newRaw: string): Promise<JinjaRerendered | null> {
  if (!env.builtins.loaded && (needsBuiltins(env.builtins.names, oldRaw) || needsBuiltins(env.builtins.names, newRaw))) env.builtins.load();
  const before = parseRender(env, node, oldRaw);
  const after = parseRender(env, node, newRaw);
  // (as written in the calls, before validation: what a full parse records as unrendered_config)
  const calls = { before: mergedCalls(before.configs), after: mergedCalls(after.configs) };
  const sameCalls = JSON.stringify(calls.before) === JSON.stringify(calls.after);
  // The same calls (plain data, equal) validate alike, to what the entry has; others are validated.
  const same = before.configs.length === after.configs.length && before.configs.every((c, i) => isData(c) && isData(after.configs[i]) && JSON.stringify(c) === JSON.stringify(after.configs[i]));
  if (!same) {
    const { validateConfig } = await import('../../project/config-schema.js');
    const problems = new Problems();
    const valid = (kw: Record<string, unknown>) => validateConfig(kw, 'model', { file: node.original_file_path }, problems);
    before.configs = before.configs.map(valid);
    after.configs = after.configs.map(valid);
    if (problems.errors.length || problems.warnings.length) return null;
  }
  const config = same ? 'same' : newConfig(node.config, before.configs, after.configs);
  if (config === null) return null;
  const refs: Rerendered['refs'] = [];
  const dependsOn: string[] = [];
  for (const r of after.refs) {
    if (r.package !== undefined || r.version !== undefined) return null;
    const e = Object.hasOwn(record.refs, r.name) ? record.refs[r.name] : undefined;
    if (!e) return null;
    refs.push({ name: r.name, package: null, version: null });
    if (!dependsOn.includes(e[0])) dependsOn.push(e[0]);
  }
  for (const [a, b] of after.sources) {
    const e = Object.hasOwn(record.sources, `${a}.${b}`) ? record.sources[`${a}.${b}`] : undefined;
    if (!e) return null;
    if (!dependsOn.includes(e[0])) dependsOn.push(e[0]);
  }
  const finalConfig = config === 'same' ? node.config : config;
  const compiled = runRender(record, env, node, finalConfig, newRaw);
  if (compiled === null) return null;
  const from = node.config.materialized;
  const to = finalConfig.materialized;
  return {
    compiled,
    refs,
    sources: after.sources.map(([a, b]) => [a, b]),
    dependsOn,
    macros: after.macros,
    ...(config === 'same' ? {} : { config }),
    ...(sameCalls ? {} : { calls }),
    ...(typeof from === 'string' && typeof to === 'string' && from !== to ? { materialized: [from, to] as [string, string] } : {}),
  };
}

function mergedCalls(configs: readonly Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kw of configs) mergeConfigCalls(out, kw);
  return out;
}

/** What the parse-time render records (config() calls as made: validated only when they changed). */
function parseRender(env: Env, node: ModelJson, raw: string): { refs: ParseRecord['refs']; sources: ParseRecord['sources']; configs: Record<string, unknown>[]; macros: string[] } {
  const record: ParseRecord = { refs: [], sources: [], configs: [], macros: [] };
  const identity = { name: node.name, resourceType: 'model', file: node.original_file_path, database: node.database, schema: node.schema, alias: node.alias, config: {}, uniqueId: node.unique_id };
  // The macros it calls itself, as a full parse records them (depends_on.macros).
  env.engine.render(node.original_file_path, raw, parseContext(env.deps, identity, env.profileName, record, () => ({})), { macroCalls: record.macros });
  return { refs: record.refs, sources: record.sources, configs: record.configs, macros: record.macros ?? [] };
}

/** Plain data (what JSON keeps exactly): strings, finite numbers, booleans, null, arrays and plain objects of them. */
function isData(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isData);
  return isPlainObject(v) && Object.values(v).every(isData);
}

/**
 * The entry's config after config() calls changed from `before` to `after` (the rest of the
 * config, from the project and property files, is what the old entry has): 'same' when every key
 * gets the same values in the same order; a new config when only LOCAL_KEYS changed; null
 * otherwise. Keys keep their place; a key new to the config comes last (before the hooks), as
 * merging appends it.
 */
export function newConfig(entry: Record<string, unknown>, before: readonly Record<string, unknown>[], after: readonly Record<string, unknown>[]): Record<string, unknown> | 'same' | null {
  const old = configProper(entry);
  const seq = (calls: readonly Record<string, unknown>[]) => {
    const out = new Map<string, unknown[]>();
    for (const c of calls) for (const k of Object.keys(c)) if (c[k] !== undefined) (out.get(k) ?? out.set(k, []).get(k)!).push(c[k]);
    return out;
  };
  const a = seq(before);
  const b = seq(after);
  for (const k of [...a.keys(), ...b.keys()]) if (NAMING_KEYS.has(k)) return null;
  const changed: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (JSON.stringify(a.get(k) ?? []) === JSON.stringify(b.get(k) ?? [])) continue;
    // A key no call sets any longer takes its value from below the calls, which the entry no longer shows.
    if (!LOCAL_KEYS.has(k) || !b.has(k)) return null;
    changed.push(k);
  }
  if (changed.length === 0) return 'same';
  // Keys first set by a call (not a model's defaults, always there first: parse-project.ts) keep
  // their order: the new calls set the old calls' keys first, in the same order.
  const oldOrder = [...a.keys()].filter((k) => !MODEL_DEFAULT_KEYS.has(k));
  const newOrder = [...b.keys()].filter((k) => !MODEL_DEFAULT_KEYS.has(k) && (a.has(k) || !Object.hasOwn(old, k)));
  if (JSON.stringify(newOrder.slice(0, oldOrder.length)) !== JSON.stringify(oldOrder)) return null;
  const appended = newOrder.slice(oldOrder.length);
  const value = (k: string) => {
    const vs = b.get(k)!;
    const v = vs[vs.length - 1];
    return k === 'materialized' ? String(v) : v;
  };
  for (const k of ['materialized']) {
    if (!changed.includes(k)) continue;
    if (old[k] === 'ephemeral' || value(k) === 'ephemeral') return null;
  }
  const out: Record<string, unknown> = {};
  const hooks = new Set(['pre-hook', 'post-hook']);
  let placed = false;
  for (const k of Object.keys(old)) {
    if (hooks.has(k) && !placed) {
      for (const n of appended) out[n] = value(n);
      placed = true;
    }
    out[k] = changed.includes(k) && Object.hasOwn(old, k) ? value(k) : old[k];
  }
  if (!placed) return null;
  return out;
}

/**
 * An entry's config without the defaults manifest.json writes after the hooks (config-defaults.ts):
 * the config as the model has it, whose keys a change places (the entry gets the defaults again).
 */
function configProper(entry: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(entry);
  const end = keys.indexOf('post-hook');
  if (end < 0 || end === keys.length - 1) return entry;
  return Object.fromEntries(keys.slice(0, end + 1).map((k) => [k, entry[k]]));
}

/** The run-time render, refs and sources resolved through the record; null when one is not in it. */
function runRender(record: WarmRecord, env: Env, node: ModelJson, config: Record<string, unknown>, raw: string): string | null {
  const dialect = env.deps.dialect;
  const relation = (p: RelationParts) => new RelationValue({ database: p[0], schema: p[1], identifier: p[2] }, dialect, { type: p[3] });
  const resolver: RunResolver = {
    ref: (call) => {
      const e = call.package === undefined && call.version === undefined && Object.hasOwn(record.refs, call.name) ? record.refs[call.name] : undefined;
      if (!e || !Array.isArray(e[3])) throw new NotInRecord(call.name);
      return relation(e[3]);
    },
    source: (a, b) => {
      const e = Object.hasOwn(record.sources, `${a}.${b}`) ? record.sources[`${a}.${b}`] : undefined;
      if (!e || !Array.isArray(e[2])) throw new NotInRecord(`${a}.${b}`);
      return relation(e[2]);
    },
    // A compile without the warehouse answers false (Compiler's default).
    isIncremental: () => false,
  };
  // The config as the compiler sees it: hooks under their internal names.
  const { 'pre-hook': pre, 'post-hook': post, ...rest } = config;
  const nodeConfig = { ...rest, pre_hook: hookSql(pre), post_hook: hookSql(post) };
  const identity = { name: node.name, resourceType: 'model', file: node.original_file_path, database: node.database, schema: node.schema, alias: node.alias, config: nodeConfig, uniqueId: node.unique_id, packageName: node.package_name };
  const ctx: RenderContext = runContext(env.deps, identity, env.profileName, resolver);
  return env.engine.render(node.original_file_path, raw, ctx);
}

function hookSql(list: unknown): unknown[] {
  return Array.isArray(list) ? list.map((h) => (h && typeof h === 'object' ? (h as { sql?: unknown }).sql : h)) : [];
}
