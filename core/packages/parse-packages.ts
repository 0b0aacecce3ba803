// Parsing a project with its installed packages. Every macro (packages' and the project's) is
// registered first, so any node may call any macro; then each package and the root project is
// parsed as a unit of its own (its own names, patches, config tree and vars, with the root
// project's folder configs and vars winning), and refs are resolved across all of them at once.
import { Problems } from '../errors.js';
import type { MacroDef } from '../nodes.js';
import { Vars } from '../compiler/vars.js';
import { macroDef, parseProject, resolveDependencies, type ParseInput, type ParseOutput } from '../parser/parse-project.js';
import type { ConfigTree, LoadedProject, ProjectSourceFile } from '../project/types.js';
import type { TemplateEngine } from '../template/engine.js';
import type { LoadedPackage } from './installed.js';
import { mergeSemanticLayer } from '../semantic/parse.js';

export interface PackageUnit {
  /** The root project's config trees; for a package's nodes they win over the package's own. */
  readonly rootTrees?: { readonly models: ConfigTree; readonly seeds: ConfigTree; readonly dataTests: ConfigTree; readonly sources: ConfigTree; readonly analyses: ConfigTree };
  /** Naming macros (generate_schema_name, ...): the package's own override, else the root project's. */
  readonly rootPackage: string;
  /** Each package's vars, for compile-time contexts. */
  readonly varsFor: (packageName: string) => Vars;
  /** The root project's `quoting:`, which names every node's relation (a package's own is not read, as in dbt). */
  readonly rootQuoting?: Readonly<Record<string, unknown>>;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A package's vars as one mapping: its own global vars, its own block for itself, the root
 * project's global vars, then the root project's block for the package (later wins; --vars
 * come on top in Vars).
 */
export function packageVarsObject(rootVars: Readonly<Record<string, unknown>>, ownVars: Readonly<Record<string, unknown>>, pkg: string, scopes: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const globals = (vars: Readonly<Record<string, unknown>>) => {
    for (const [k, v] of Object.entries(vars)) if (!(scopes.has(k) && isMapping(v))) out[k] = v;
  };
  globals(ownVars);
  if (isMapping(ownVars[pkg])) Object.assign(out, ownVars[pkg]);
  globals(rootVars);
  if (isMapping(rootVars[pkg])) Object.assign(out, rootVars[pkg]);
  return out;
}

function registerMacros(engine: TemplateEngine, files: readonly ProjectSourceFile[], rootName: string, problems: Problems): Map<string, MacroDef> {
  const defs = new Map<string, MacroDef>();
  for (const f of files) {
    const pkg = f.packageName ?? rootName;
    try {
      for (const m of engine.addMacroFile(f.path, f.contents, pkg)) {
        if (m.kind === 'materialization') continue;
        const def = macroDef(pkg, f, m);
        defs.set(def.uniqueId, def);
      }
    } catch (e) {
      problems.capture(e);
    }
  }
  return defs;
}

/** How the root project and its packages are parsed side by side: each package's vars, and who may ref whom. */
export interface PackageScope {
  readonly varsFor: (packageName: string) => Vars;
  /** Each package's vars as one mapping (packageVarsObject). */
  readonly packageVars: ReadonlyMap<string, Record<string, unknown>>;
  /** Packages whose protected models only they may ref (dbt's `restrict-access`). */
  readonly restricted: ReadonlySet<string>;
}

export function packageScope(root: LoadedProject, packages: readonly LoadedPackage[]): PackageScope {
  const rootName = root.project.name;
  const scopes = new Set([rootName, ...packages.map((p) => p.name)]);
  const varsByPkg = new Map<string, Vars>();
  const packageVars = new Map<string, Record<string, unknown>>();
  for (const p of packages) {
    const obj = packageVarsObject(root.project.vars, p.project.vars, p.name, scopes);
    packageVars.set(p.name, obj);
    varsByPkg.set(p.name, new Vars(obj, root.cliVars, p.name));
  }
  const rootVars = new Vars(root.project.vars, root.cliVars, rootName);
  const restricted = new Set(packages.filter((p) => p.project.raw['restrict-access'] === true).map((p) => p.name));
  return { varsFor: (pkg) => varsByPkg.get(pkg) ?? rootVars, packageVars, restricted };
}

/** The root project's files as parseWithPackages parses them (its macros are registered beforehand with the packages'). */
export function rootUnitInput(input: ParseInput, scope: PackageScope, files: readonly ProjectSourceFile[]): ParseInput {
  return { ...input, loaded: { ...input.loaded, files: files.filter((f) => f.kind !== 'macro') }, unit: { rootPackage: input.loaded.project.name, varsFor: scope.varsFor } };
}

export function parseWithPackages(input: ParseInput, packages: readonly LoadedPackage[]): ParseOutput {
  if (packages.length === 0) return parseProject(input);
  const root = input.loaded;
  const rootName = root.project.name;
  const problems = new Problems();
  const scope = packageScope(root, packages);
  const { varsFor, packageVars } = scope;

  // Packages' macros, then the project's: the engine ranks the project's above any package's.
  const allFiles = [...packages.flatMap((p) => p.files), ...root.files];
  const macroDefs = registerMacros(input.engine, allFiles.filter((f) => f.kind === 'macro'), rootName, problems);

  const rootTrees = { models: root.project.models, seeds: root.project.seeds, dataTests: root.project.dataTests, sources: root.project.sources, analyses: root.project.analyses };
  const outputs: ParseOutput[] = [];
  for (const p of packages) {
    const loaded: LoadedProject = {
      root: p.root,
      project: { ...p.project, vars: packageVars.get(p.name)! },
      files: p.files.filter((f) => f.kind !== 'macro'),
      cliVars: root.cliVars,
      warnings: [],
    };
    outputs.push(parseProject({ ...input, loaded, unit: { rootTrees, rootPackage: rootName, varsFor, rootQuoting: root.project.quoting } }));
  }
  const rootOut = parseProject(rootUnitInput(input, scope, root.files));

  const manifest = rootOut.manifest;
  for (const out of outputs) {
    const m = out.manifest;
    for (const [id, n] of m.nodes) manifest.nodes.set(id, n);
    for (const [id, s] of m.sources) manifest.sources.set(id, s);
    for (const [id, d] of m.docs) manifest.docs.set(id, d);
    for (const [id, n] of m.disabled) manifest.disabled.set(id, n);
    if (m.exposures?.size) {
      manifest.exposures ??= new Map();
      for (const [id, e] of m.exposures) manifest.exposures.set(id, e);
    }
    if (m.semantic) mergeSemanticLayer(manifest, m.semantic);
    if (m.groups?.size) {
      manifest.groups ??= new Map();
      for (const [id, g] of m.groups) manifest.groups.set(id, g);
    }
  }
  for (const [id, d] of macroDefs) manifest.macros.set(id, d);
  manifest.packageRoots = new Map(packages.map((p) => [p.name, p.displayRoot]));
  for (const out of [...outputs, rootOut]) {
    problems.errors.push(...out.problems.errors);
    problems.warnings.push(...out.problems.warnings);
  }
  resolveDependencies(manifest, problems, scope.restricted);
  return { manifest, deps: rootOut.deps, problems };
}
