// The template contexts. Parse time records what a node refers to and how it is configured,
// without touching the warehouse (`execute` is false). Run time resolves real relation names.
import type { QuotePolicy, RelationName, SqlDialect } from '../../adapters/adapter.js';
import { Codes, KilnError, type SourceLocation } from '../errors.js';
import type { DocBlock, RefCall } from '../nodes.js';
import type { TargetConfig } from '../project/types.js';
import { splitArgs, type RenderContext } from '../template/engine.js';
import { PyDateTime } from '../template/pymodules.js';
import { Scope } from '../template/runtime.js';
import { RelationValue } from './relation.js';
import type { Vars } from './vars.js';
import type { JinjaEnv, Warehouse } from '../macros/jinja-env.js';

export interface ContextDeps {
  readonly dialect: SqlDialect;
  readonly target: TargetConfig;
  readonly vars: Vars;
  readonly projectName: string;
  readonly docs: ReadonlyMap<string, DocBlock>;
  readonly invocationId: string;
  readonly runStartedAt: Date;
  readonly flags: Readonly<Record<string, unknown>>;
  /** dbt's adapter/api/graph/statement objects (absent: contexts without them, as in unit tests of the compiler). */
  readonly jinja?: JinjaEnv;
  /** An installed package's vars (its own, overridden by the root project's); absent: `vars` for every node. */
  readonly varsFor?: (packageName: string) => Vars;
  /** The project's `quoting:` where it leaves a part unquoted: `this` and relations templates create; absent: all quoted. */
  readonly quoting?: QuotePolicy;
}

/** What a node's template told us at parse time. */
export interface ParseRecord {
  readonly refs: RefCall[];
  readonly sources: [string, string][];
  /** Each `config(...)` call's keyword arguments, in order. */
  readonly configs: Record<string, unknown>[];
  /** Macros the template itself called (not those its macros called), in call order: dbt's depends_on.macros. */
  readonly macros?: string[];
}

export interface NodeIdentity {
  readonly name: string;
  readonly resourceType: string;
  readonly file: string;
  readonly database: string;
  readonly schema: string;
  readonly alias: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly uniqueId?: string;
  /** The package the node belongs to (vars are scoped to it); absent: the root project. */
  readonly packageName?: string;
}

/** `target` as templates see it: every profile field except secrets. */
export function targetObject(target: TargetConfig, profileName: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(target.fields)) if (!target.secretFields.includes(k)) out[k] = v;
  return { ...out, name: target.name, type: target.type, schema: target.schema, database: target.database, threads: target.threads, profile_name: profileName, target_name: target.name };
}

const sharedValues = new WeakMap<ContextDeps, Map<string, { target: Record<string, unknown>; run_started_at: PyDateTime }>>();

/** Values that are the same in every context of an invocation, made once (as dbt shares them). */
function shared(deps: ContextDeps, profileName: string): { target: Record<string, unknown>; run_started_at: PyDateTime } {
  let byProfile = sharedValues.get(deps);
  if (!byProfile) sharedValues.set(deps, (byProfile = new Map()));
  let values = byProfile.get(profileName);
  if (!values) {
    // run_started_at: a timezone-aware datetime, as dbt's (run_started_at.strftime(...), .isoformat())
    values = { target: targetObject(deps.target, profileName), run_started_at: PyDateTime.fromDate(deps.runStartedAt) };
    byProfile.set(profileName, values);
  }
  return values;
}

const hasJinja = (s: string): boolean => s.includes('{{') || s.includes('{%');

/** `var(name, default)` (and `var.has_var`) with the node's package's vars. */
function varFunction(deps: ContextDeps, node: NodeIdentity | null, loc: SourceLocation | undefined): ((...args: unknown[]) => unknown) & { has_var: (name: string) => boolean } {
  const vars = node?.packageName && deps.varsFor ? deps.varsFor(node.packageName) : deps.vars;
  const varFn = function (this: unknown, ...args: unknown[]): unknown {
    const { positional } = splitArgs(args);
    const name = String(positional[0]);
    const value = vars.get(name, loc, positional.length > 1, positional[1]);
    // dbt renders a string var when it is read, in the reading template's context
    // (`insert_batch_size: "{{ 500 if target.type == 'bigquery' else 10000 }}"`).
    if (typeof value !== 'string' || !hasJinja(value) || !deps.jinja) return value;
    const ctx = this instanceof Scope ? this.current : null;
    // The static fast path has no render context: its caller falls back to the engine.
    if (!ctx) throw new Error(`var('${name}') holds Jinja: render with the engine`);
    return deps.jinja.dispatch.engine.render(loc?.file ?? '<var>', value, ctx);
  };
  return Object.assign(varFn, { has_var: (name: string) => vars.has(name) });
}

function common(deps: ContextDeps, node: NodeIdentity | null, profileName: string): RenderContext {
  const loc: SourceLocation | undefined = node ? { file: node.file } : undefined;
  return {
    var: varFunction(deps, node, loc),
    ...shared(deps, profileName),
    project_name: deps.projectName,
    invocation_id: deps.invocationId,
    flags: deps.flags,
    doc: docFunction(deps, loc),
  };
}

function docFunction(deps: ContextDeps, loc: SourceLocation | undefined): (name: string) => string {
  return (name: string) => {
    const block = deps.docs.get(name);
    if (!block) {
      throw new KilnError(Codes.DOC_UNKNOWN, `Documentation for '${name}' not found`, {
        loc,
        hint: `Define it in a .md file under the model paths: {% docs ${name} %}...{% enddocs %}`,
      });
    }
    return block.blockContents;
  };
}

/** A `config` callable with dbt's `.get` / `.require` helpers. */
function configObject(call: (kwargs: Record<string, unknown>) => void, current: () => Readonly<Record<string, unknown>>, loc: SourceLocation): (...args: unknown[]) => string {
  const fn = (...args: unknown[]): string => {
    const { positional, kwargs } = splitArgs(args);
    const merged: Record<string, unknown> = { ...kwargs };
    for (const p of positional) {
      // dbt takes one dict positionally (config({'materialized': 'table'})); anything else is a mistake.
      if (p && typeof p === 'object' && !Array.isArray(p)) Object.assign(merged, p);
      else {
        throw new KilnError(Codes.JINJA_RENDER, `config() takes keyword arguments or one dict, got ${p === null || p === undefined ? 'none' : typeof p === 'string' ? `the string '${p}'` : String(p)}`, {
          loc,
          hint: "Write {{ config(materialized='table') }}: each setting as name=value.",
        });
      }
    }
    call(merged);
    return '';
  };
  const get = (key: string, dflt?: unknown) => {
    const v = current()[key];
    return v === undefined || v === null ? (dflt ?? null) : v;
  };
  const require = (key: string) => {
    const v = current()[key];
    if (v === undefined || v === null) {
      throw new KilnError(Codes.COMPILER_ERROR, `Config '${key}' is required but not set`, { loc, hint: `Set it with {{ config(${key}=...) }} or in YAML.` });
    }
    return v;
  };
  return Object.assign(fn, { get, require });
}

const IS_INCREMENTAL = 'macro.dbt.is_incremental';

/** `this`: the node's relation, written as the project's quoting says. */
function selfName(deps: ContextDeps, node: NodeIdentity): RelationName {
  const { database, schema, alias: identifier } = node;
  return deps.quoting ? { database, schema, identifier, quoting: deps.quoting } : { database, schema, identifier };
}

export function parseContext(deps: ContextDeps, node: NodeIdentity, profileName: string, record: ParseRecord, currentConfig: () => Readonly<Record<string, unknown>>): RenderContext {
  const self = new RelationValue(selfName(deps, node), deps.dialect);
  return {
    ...common(deps, node, profileName),
    execute: false,
    ...parseCalls(deps, node, record, currentConfig),
    this: self,
    model: nodeObject(node),
    // A macro in dbt (macro.dbt.is_incremental), so dbt lists it in the node's depends_on.macros.
    is_incremental: () => {
      if (record.macros && !record.macros.includes(IS_INCREMENTAL)) record.macros.push(IS_INCREMENTAL);
      return false;
    },
    load_relation: () => null,
    ...deps.jinja?.parse(node),
  };
}

/**
 * The four functions a static template may call at parse time (core/compiler/static-template.ts),
 * exactly as parseContext has them, without building the rest of the context (most models of a
 * large project are static: 10,000 full contexts cost ~0.1 s). Valid where parseContext's
 * extras add none of these names: nodes of the root project (deps.jinja adds package macros
 * only for installed packages' nodes).
 */
export function staticParseContext(deps: ContextDeps, node: NodeIdentity, record: ParseRecord, currentConfig: () => Readonly<Record<string, unknown>>): RenderContext {
  return { var: varFunction(deps, node, { file: node.file }), ...parseCalls(deps, node, record, currentConfig) };
}

function parseCalls(deps: ContextDeps, node: NodeIdentity, record: ParseRecord, currentConfig: () => Readonly<Record<string, unknown>>): Pick<RenderContext, 'ref' | 'source' | 'config'> {
  const loc = { file: node.file };
  return {
    ref: (...args: unknown[]) => {
      const { positional, kwargs } = splitArgs(args);
      const call = refFromArgs(positional, kwargs, loc);
      record.refs.push(call);
      // A placeholder; real names come at run time.
      return new RelationValue({ database: node.database, schema: node.schema, identifier: call.name }, deps.dialect);
    },
    source: (...args: unknown[]) => {
      const { positional } = splitArgs(args);
      if (positional.length !== 2) {
        throw new KilnError(Codes.JINJA_RENDER, `source() takes two arguments (source name, table name), got ${positional.length}`, { loc });
      }
      const pair: [string, string] = [String(positional[0]), String(positional[1])];
      record.sources.push(pair);
      return new RelationValue({ database: node.database, schema: pair[0], identifier: pair[1] }, deps.dialect);
    },
    config: configObject((kw) => record.configs.push(kw), currentConfig, loc),
  };
}

export interface RunResolver {
  ref(call: RefCall): RelationValue;
  source(sourceName: string, tableName: string): RelationValue;
  isIncremental(): boolean;
}

/** `warehouse`: where run_query, statement and adapter introspection run (the node's connection). */
export function runContext(deps: ContextDeps, node: NodeIdentity, profileName: string, resolver: RunResolver, warehouse?: Warehouse): RenderContext {
  const loc = { file: node.file };
  const self = new RelationValue(selfName(deps, node), deps.dialect);
  const is_incremental = () => resolver.isIncremental();
  const parts = deps.jinja?.runParts(node, warehouse);
  if (!parts || hasKeys(parts.local)) {
    const ctx: RenderContext = { ...common(deps, node, profileName), execute: true, ...runCalls(node, resolver, loc), this: self, model: nodeObject(node), is_incremental };
    // Added in place, not spread: the extras' lazy `graph` and `model` stay lazy (and a package's macros come before them).
    deps.jinja?.addRun(ctx, node, warehouse);
    return ctx;
  }
  // The same properties in the same order as the context above with addRun's extras, made as
  // one literal: a fast object instead of one reshaped into a dictionary (see JinjaEnv.runParts).
  // Written out in full twice: after a spread, V8 puts a literal's getters after its values.
  const { target, run_started_at } = shared(deps, profileName);
  const { ref, source, config } = runCalls(node, resolver, loc);
  const { adapter, results, graph, model } = parts;
  if (model) {
    return {
      var: varFunction(deps, node, loc),
      target,
      run_started_at,
      project_name: deps.projectName,
      invocation_id: deps.invocationId,
      flags: deps.flags,
      doc: docFunction(deps, loc),
      execute: true,
      ref,
      source,
      config,
      this: self,
      get model() {
        return model();
      },
      is_incremental,
      adapter,
      load_relation: adapter.load_relation,
      store_result: results.store_result,
      store_raw_result: results.store_raw_result,
      load_result: results.load_result,
      selected_resources: parts.selectedResources,
      schema: node.schema,
      database: node.database,
      get graph() {
        return graph();
      },
    };
  }
  return {
    var: varFunction(deps, node, loc),
    target,
    run_started_at,
    project_name: deps.projectName,
    invocation_id: deps.invocationId,
    flags: deps.flags,
    doc: docFunction(deps, loc),
    execute: true,
    ref,
    source,
    config,
    this: self,
    model: nodeObject(node),
    is_incremental,
    adapter,
    load_relation: adapter.load_relation,
    store_result: results.store_result,
    store_raw_result: results.store_raw_result,
    load_result: results.load_result,
    selected_resources: parts.selectedResources,
    schema: node.schema,
    database: node.database,
    get graph() {
      return graph();
    },
  };
}

function hasKeys(o: Readonly<Record<string, unknown>>): boolean {
  for (const _ in o) return true;
  return false;
}

/** ref, source and config of a run-time context. */
function runCalls(node: NodeIdentity, resolver: RunResolver, loc: SourceLocation): Pick<RenderContext, 'ref' | 'source' | 'config'> {
  return {
    ref: (...args: unknown[]) => {
      const { positional, kwargs } = splitArgs(args);
      return resolver.ref(refFromArgs(positional, kwargs, loc));
    },
    source: (...args: unknown[]) => {
      const { positional } = splitArgs(args);
      return resolver.source(String(positional[0]), String(positional[1]));
    },
    config: configObject(() => undefined, () => node.config, loc),
  };
}

/**
 * What of a run-time context a static template can call (ref, source, config, var: see
 * static-template.ts), the same functions runContext has: a model whose only Jinja is such calls
 * renders without the rest (the adapter object, statement results, macros, `this`, `model`),
 * which cost more than its render.
 */
export function staticRunContext(deps: ContextDeps, node: NodeIdentity, resolver: RunResolver): RenderContext {
  const loc = { file: node.file };
  return { var: varFunction(deps, node, loc), ...runCalls(node, resolver, loc) };
}

/** A small context for YAML descriptions and project-file values. */
export function yamlContext(deps: ContextDeps, profileName: string, file: string): RenderContext {
  return common(deps, { name: '', resourceType: '', file, database: '', schema: '', alias: '', config: {} }, profileName);
}

function refFromArgs(positional: unknown[], kwargs: Record<string, unknown>, loc: SourceLocation): RefCall {
  const version = (kwargs.version ?? kwargs.v) as string | number | undefined;
  // No `version` key unless given: a key holding undefined costs the parse cache a rebuilt object
  // per ref when it reads the call back (JSON has no undefined: parse-cache.ts putHoles).
  if (positional.length === 1) return version === undefined ? { name: String(positional[0]) } : { name: String(positional[0]), version };
  if (positional.length === 2) return version === undefined ? { package: String(positional[0]), name: String(positional[1]) } : { package: String(positional[0]), name: String(positional[1]), version };
  throw new KilnError(Codes.JINJA_RENDER, `ref() takes one or two arguments (optional package, model name), got ${positional.length}`, {
    loc,
    hint: "Write {{ ref('model_name') }} or {{ ref('package', 'model_name') }}.",
  });
}

function nodeObject(node: NodeIdentity): Record<string, unknown> {
  return {
    name: node.name,
    alias: node.alias,
    schema: node.schema,
    database: node.database,
    resource_type: node.resourceType,
    unique_id: node.uniqueId,
    original_file_path: node.file,
    config: node.config,
  };
}
