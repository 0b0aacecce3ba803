// One invocation's shared setup: load the project and profile, parse, build the DAG and select.
// Throws KilnError/KilnErrors for anything the user can fix; prints nothing.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Adapter } from '../../adapters/adapter.js';
import { createAdapter } from '../../adapters/registry.js';
import { Dag } from '../graph/dag.js';
import { selectIds } from './selection.js';
import { Codes, KilnError, Problems } from '../errors.js';
import type { Manifest } from '../nodes.js';
import { parseWithPackages } from '../packages/parse-packages.js';
import { loadInstalledPackages, type LoadedPackage } from '../packages/installed.js';
import { JinjaEnv, projectHookList } from '../macros/jinja-env.js';
import { loadProfile } from '../project/load-profile.js';
import { loadProject, parseCliVars } from '../project/load-project.js';
import { targetPathOverride } from '../project/target-path.js';
import { checkRequiredVersion } from '../project/version-check.js';
import { DBT_FOLLOWED_VERSION } from '../version.js';
import type { LoadedProject, ProfileSelection } from '../project/types.js';
import { TemplateEngine } from '../template/engine.js';
import { targetObject, type ContextDeps } from '../compiler/context.js';
import type { GlobalOptions } from './options.js';
import { Timings } from './timings.js';
import { ensureTargetDir } from './fs-errors.js';
import { quotePolicyOf, quotingSettings } from '../project/quoting.js';
import { openParseCache } from '../parser/partial/open.js';
import type { ParseCacheStats } from '../parser/partial/parse-cache.js';

export interface Session {
  readonly root: string;
  readonly loaded: LoadedProject;
  readonly profile: ProfileSelection;
  readonly adapter: Adapter;
  readonly engine: TemplateEngine;
  readonly manifest: Manifest;
  readonly dag: Dag;
  readonly deps: ContextDeps;
  readonly warnings: readonly KilnError[];
  readonly invocationId: string;
  readonly startedAt: Date;
  readonly targetDir: string;
  /** Phase timings of this invocation (--print-timings). */
  readonly timings: Timings;
  /** The static template fast path (on unless KILN_FAST_PATH=0, for comparisons). */
  readonly staticFastPath: boolean;
  /** Installed packages (dbt_packages/), parsed with the project. */
  readonly packages: readonly LoadedPackage[];
  /** dbt's adapter/api/graph objects of the template contexts. */
  readonly jinja: JinjaEnv;
  /** Partial parsing's figures for this parse (results reused / computed); absent when off. */
  readonly parseCacheStats?: ParseCacheStats;
  /** Set when kiln watch re-parsed only some files (core/watch/incremental-parse.ts). */
  readonly incremental?: IncrementalParse;
  /**
   * With `deferParseCacheSave`, when the parse changed the partial-parse cache: writes it (once;
   * later calls wait for the same write). The caller must call it, however the command ends.
   */
  readonly saveParseCache?: () => Promise<void>;
}

export interface SessionOptions {
  /**
   * Leave writing target/partial_parse.kiln to the caller (Session.saveParseCache), for a
   * command that has a moment where this thread mostly waits (`kiln run`: while the database
   * checkpoints at its end), rather than before it starts. A parse with errors writes it at once.
   */
  readonly deferParseCacheSave?: boolean;
}

/** What an incremental re-parse changed of the manifest it started from. */
export interface IncrementalParse {
  readonly from: Manifest;
  /** The nodes parsed again; every other node is the one of `from` (or a copy without its compiledCode). */
  readonly reparsed: ReadonlySet<string>;
  /** The ids of the nodes a file defines (enabled or not). */
  nodesOf(file: string): readonly string[];
}

/**
 * An adapter already open in this process (`kiln watch` keeps one across re-parses): reused when
 * the re-read profile selects the same target, so each rebuild pays only for its SQL.
 */
export interface ReuseAdapter {
  readonly adapter: Adapter;
  readonly target: ProfileSelection['target'];
  /** The last parse's manifest and DAG: the DAG is reused when no edge changed (Dag.fromManifestReusing). */
  readonly graph?: { readonly manifest: Manifest; readonly dag: Dag };
}

/** `created`: called with the adapter when this session made it (a run starts connecting then). */
export async function openSession(opts: GlobalOptions, cwd: string, reuse?: ReuseAdapter, created?: (adapter: Adapter) => void, sessionOpts: SessionOptions = {}): Promise<Session> {
  const root = path.resolve(cwd, opts.projectDir ?? '.');
  const invocationId = randomUUID();
  const startedAt = new Date();
  // Values in project and profile files may use env_var(); a plain engine serves them.
  const yamlEngine = new TemplateEngine();
  const yamlContext: Record<string, unknown> = { var: projectFileVar(opts.vars) };
  // (natively where the caller asks: dbt_project.yml's config trees, as dbt renders them)
  const renderYaml = Object.assign((text: string, loc: { file: string }) => yamlEngine.render(loc.file, text, yamlContext), {
    native: (text: string, loc: { file: string }): unknown => yamlEngine.renderYamlNative(loc.file, text, yamlContext),
  });
  const readProfile = (profileName: string) =>
    loadProfile({
      projectDir: root,
      profilesDir: opts.profilesDir ? path.resolve(cwd, opts.profilesDir) : undefined,
      profileName,
      profileFrom: opts.profile ? (process.env.DBT_PROFILE === opts.profile ? '--profile (or DBT_PROFILE)' : '--profile') : undefined,
      targetName: opts.target,
      render: renderYaml,
    });
  // dbt renders dbt_project.yml knowing the target (`+materialized: "{{ 'table' if target.name == 'prod' else 'view' }}"`),
  // so the profile is read first when the project names it plainly; its errors wait for the project's
  let early: ReturnType<typeof loadProfile> | null = null;
  // --profile (or DBT_PROFILE) over `profile:` of dbt_project.yml, as dbt takes it.
  const plainProfile = opts.profile ?? peekProfileName(root);
  if (plainProfile) {
    try {
      early = readProfile(plainProfile);
      yamlContext.target = targetObject(early.target, early.profileName);
    } catch {
      early = null;
    }
  }
  const timings = opts.timings ?? new Timings();
  const staticFastPath = process.env.KILN_FAST_PATH !== '0';
  timings.begin('load');
  const loaded = loadProject({ projectDir: root, vars: opts.vars, render: renderYaml, reuse: opts.parseState, targetPath: targetPathOverride(opts.targetPath) });
  const packages = loadPackages(root, loaded, renderYaml);
  if (opts.versionCheck !== false) {
    checkRequiredVersion(DBT_FOLLOWED_VERSION, loaded.project.name, loaded.project.requireDbtVersion, 'dbt_project.yml');
    for (const p of packages) checkRequiredVersion(DBT_FOLLOWED_VERSION, p.name, p.project.requireDbtVersion, `${p.displayRoot}/dbt_project.yml`);
  }
  // The project's own macros win over packages' and kiln's built-ins for unqualified calls.
  const engine = new TemplateEngine({ rootPackage: loaded.project.name });
  const profileName = opts.profile ?? loaded.project.profile;
  const profile = early && early.profileName === profileName ? early : readProfile(profileName);
  const target = opts.threads ? { ...profile.target, threads: opts.threads } : profile.target;
  const selection: ProfileSelection = { ...profile, target };
  const adapter = reuse && sameTarget(reuse.target, target) ? reuse.adapter : await createAdapter(target, root, profile.file);
  if (adapter !== reuse?.adapter) created?.(adapter);
  timings.end();
  const jinja = new JinjaEnv({
    engine,
    dialect: adapter.dialect,
    adapterType: adapter.type,
    adapterMacros: adapter.jinjaMacros,
    rootPackage: loaded.project.name,
    packages: new Set(packages.map((p) => p.name)),
    dispatch: loaded.project.dispatch,
    target: { database: target.database, schema: target.schema },
    quoting: quotePolicyOf(quotingSettings(loaded.project.quoting)),
  });
  const flags = { FULL_REFRESH: !!opts.fullRefresh, WHICH: opts.command, FAIL_FAST: !!opts.failFast, STORE_FAILURES: !!opts.storeFailures, EMPTY: !!opts.empty };
  const targetDir = path.resolve(root, loaded.project.targetPath);
  ensureTargetDir(targetDir, root);
  const partial = timings.time('parse cache', () => openParseCache({ enabled: opts.partialParse, targetDir, loaded, packages, profile: selection, staticFastPath, flags, state: opts.parseState }));
  const { manifest, deps, problems } = timings.time('parse', () => parseWithPackages({
    loaded,
    profile: selection,
    engine,
    dialect: adapter.dialect,
    invocationId,
    runStartedAt: startedAt,
    flags,
    staticFastPath,
    jinja,
    cache: partial?.cache,
  }, packages));
  const parseCacheStats = partial?.cache.stats();
  let saveParseCache: (() => Promise<void>) | undefined;
  if (partial) {
    const save = async (): Promise<void> => {
      timings.time('parse cache', () => partial.save());
      await timings.timeAsync('parse cache', () => partial.release());
    };
    // The entries hold copies of the parse's results (nodes with their own top-level fields:
    // what compiling sets on a node never reaches them), so a later save writes the same bytes.
    if (sessionOpts.deferParseCacheSave && !opts.parseState && problems.ok && partial.cache.dirty) {
      // (Called while other phases run: only the synchronous write is timed, as one phase.)
      let saving: Promise<void> | null = null;
      saveParseCache = () => (saving ??= (async () => {
        timings.time('parse cache', () => partial.save());
        await partial.release();
      })());
    } else await save();
  }
  problems.throwIfAny();
  jinja.manifest = manifest;
  jinja.operations = projectHookList(loaded.project, packages);
  if (jinja.operations.length) manifest.operations = { hooks: jinja.operations, target: { database: target.database, schema: target.schema } };
  const dag = timings.time('graph', () => Dag.fromManifestReusing(manifest, reuse?.graph));
  return {
    root,
    loaded,
    profile: selection,
    adapter,
    engine,
    manifest,
    dag,
    deps,
    warnings: problems.warnings,
    invocationId,
    startedAt,
    targetDir,
    timings,
    staticFastPath,
    packages,
    jinja,
    parseCacheStats,
    saveParseCache,
  };
}

function sameTarget(a: ProfileSelection['target'], b: ProfileSelection['target']): boolean {
  // Where `type:` is written moves with any edit above it; that alone is no other target.
  return a === b || JSON.stringify({ ...a, typeLoc: null }) === JSON.stringify({ ...b, typeLoc: null });
}

/** The `profile:` (else `name:`) of dbt_project.yml when written without Jinja; null otherwise. */
function peekProfileName(root: string): string | null {
  try {
    const text = fs.readFileSync(path.join(root, 'dbt_project.yml'), 'utf8');
    const m = /^profile:\s*['"]?([A-Za-z0-9_-]+)['"]?\s*(#.*)?$/m.exec(text) ?? /^name:\s*['"]?([A-Za-z0-9_-]+)['"]?\s*(#.*)?$/m.exec(text);
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

/** `var()` as dbt_project.yml, profiles.yml and packages.yml see it: --vars only (`+enabled: "{{ var('x', false) }}"`). */
export function projectFileVar(cliVarsText: string | undefined): (...args: unknown[]) => unknown {
  const cliVars = safeCliVars(cliVarsText);
  return (...args: unknown[]) => {
    const [name, dflt] = args.filter((a) => !(a && typeof a === 'object' && '__keywords' in a));
    const key = String(name);
    if (Object.prototype.hasOwnProperty.call(cliVars, key)) return cliVars[key];
    if (args.length > 1) return dflt;
    throw new KilnError(Codes.VAR_UNDEFINED, `Required var '${key}' not found: dbt_project.yml and profiles.yml see only --vars`, { hint: `Pass it with --vars '{${key}: ...}' or give var() a default.` });
  };
}

function safeCliVars(text: string | undefined): Record<string, unknown> {
  try {
    return parseCliVars(text);
  } catch {
    return {}; // loadProject reports a bad --vars
  }
}

/** Installed packages; problems with them stop the invocation, like the project's own. */
function loadPackages(root: string, loaded: LoadedProject, render: (text: string, loc: { file: string }) => string): LoadedPackage[] {
  const problems = new Problems();
  const packages = loadInstalledPackages({ projectDir: root, project: loaded.project, render, problems });
  problems.throwIfAny();
  return packages;
}

/**
 * The selected node ids of the given resource types. Tests are also selected indirectly (with
 * the nodes they test, by --indirect-selection: eager by default); see core/cli/selection.ts.
 */
export function select(session: Session, opts: GlobalOptions, resourceTypes: readonly string[], onWarning?: (w: KilnError) => void): Set<string> {
  return selectIds(session, opts, resourceTypes, onWarning);
}
