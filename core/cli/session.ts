// One invocation's shared setup: load the project and profile, parse, build the DAG and select.
// Throws KilnError/KilnErrors for anything the user can fix; prints nothing.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Adapter } from '../../adapters/adapter.js';
import { createAdapter } from '../../adapters/registry.js';
import { Dag } from '../graph/dag.js';
import { selectIds } from './selection.js';
import type { KilnError } from '../errors.js';
import type { Manifest } from '../nodes.js';
import { parseProject } from '../parser/parse-project.js';
import { loadProfile } from '../project/load-profile.js';
import { loadProject } from '../project/load-project.js';
import type { LoadedProject, ProfileSelection } from '../project/types.js';
import { TemplateEngine } from '../template/engine.js';
import type { ContextDeps } from '../compiler/context.js';
import type { GlobalOptions } from './options.js';
import { Timings } from './timings.js';

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
}

export async function openSession(opts: GlobalOptions, cwd: string): Promise<Session> {
  const root = path.resolve(cwd, opts.projectDir ?? '.');
  const invocationId = randomUUID();
  const startedAt = new Date();
  // Values in project and profile files may use env_var(); a plain engine serves them.
  const yamlEngine = new TemplateEngine();
  const renderYaml = (text: string, loc: { file: string }) => yamlEngine.render(loc.file, text, {});
  const timings = opts.timings ?? new Timings();
  const staticFastPath = process.env.KILN_FAST_PATH !== '0';
  timings.begin('load');
  const loaded = loadProject({ projectDir: root, vars: opts.vars, render: renderYaml });
  // The project's own macros win over packages' and kiln's built-ins for unqualified calls.
  const engine = new TemplateEngine({ rootPackage: loaded.project.name });
  const profile = loadProfile({
    projectDir: root,
    profilesDir: opts.profilesDir ? path.resolve(cwd, opts.profilesDir) : undefined,
    profileName: loaded.project.profile,
    targetName: opts.target,
    render: renderYaml,
  });
  const target = opts.threads ? { ...profile.target, threads: opts.threads } : profile.target;
  const selection: ProfileSelection = { ...profile, target };
  const adapter = await createAdapter(target, root, profile.file);
  timings.end();
  const { manifest, deps, problems } = timings.time('parse', () => parseProject({
    loaded,
    profile: selection,
    engine,
    dialect: adapter.dialect,
    invocationId,
    runStartedAt: startedAt,
    flags: { FULL_REFRESH: !!opts.fullRefresh, WHICH: opts.command, FAIL_FAST: !!opts.failFast },
    staticFastPath,
  }));
  problems.throwIfAny();
  const dag = timings.time('graph', () => Dag.fromManifest(manifest));
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
    targetDir: path.resolve(root, loaded.project.targetPath),
    timings,
    staticFastPath,
  };
}

/**
 * The selected node ids of the given resource types. Tests are also selected indirectly (with
 * the nodes they test, by --indirect-selection: eager by default); see core/cli/selection.ts.
 */
export function select(session: Session, opts: GlobalOptions, resourceTypes: readonly string[], onWarning?: (w: KilnError) => void): Set<string> {
  return selectIds(session, opts, resourceTypes, onWarning);
}
