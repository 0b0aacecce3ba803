// The installed packages a project parses with: every folder of the install path holding a
// dbt_project.yml (as dbt loads them), each loaded like a project of its own. Its files are
// shown with the install path in front (dbt_packages/<name>/models/x.sql), so messages point
// at the real file. Packages listed in packages.yml but not installed are an error.
import fs from 'node:fs';
import path from 'node:path';
import { Codes, KilnError, Problems } from '../errors.js';
import { discoverFiles } from '../project/discover.js';
import { loadProjectFile } from '../project/load-project-file.js';
import type { ProjectFile, ProjectSourceFile, RenderString } from '../project/types.js';
import { parseYaml } from '../project/yaml-file.js';
import { candidateNames, describeSpec, LOCK_FILE, readPackagesFile } from './packages-file.js';

export interface LoadedPackage {
  readonly name: string;
  /** Absolute folder of the package. */
  readonly root: string;
  /** The folder as shown in paths, relative to the project (e.g. `dbt_packages/dbt_utils`). */
  readonly displayRoot: string;
  readonly project: ProjectFile;
  /** Its resource files; paths start with displayRoot and carry the package name. */
  readonly files: readonly ProjectSourceFile[];
}

export interface LoadPackagesOptions {
  readonly projectDir: string;
  readonly project: ProjectFile;
  readonly render?: RenderString;
  readonly problems?: Problems;
}

function lockedNames(projectDir: string): Set<string> {
  const out = new Set<string>();
  try {
    const yf = parseYaml(fs.readFileSync(path.join(projectDir, LOCK_FILE), 'utf8'), LOCK_FILE);
    const list = (yf.value as { packages?: unknown }).packages;
    if (Array.isArray(list)) for (const e of list) if (e && typeof e === 'object' && typeof (e as { name?: unknown }).name === 'string') out.add((e as { name: string }).name);
  } catch {
    // no lock file (or an unreadable one): names are guessed from the specs
  }
  return out;
}

export function loadInstalledPackages(o: LoadPackagesOptions): LoadedPackage[] {
  const problems = o.problems ?? new Problems();
  const installDir = path.resolve(o.projectDir, o.project.packagesInstallPath);
  const displayBase = path.relative(o.projectDir, installDir).split(path.sep).join('/') || '.';
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(installDir).filter((e) => !e.startsWith('.')).sort();
  } catch {
    entries = [];
  }
  const out: LoadedPackage[] = [];
  const byName = new Map<string, LoadedPackage>();
  for (const entry of entries) {
    const root = path.join(installDir, entry);
    if (!fs.existsSync(path.join(root, 'dbt_project.yml'))) continue;
    const displayRoot = `${displayBase}/${entry}`;
    let project: ProjectFile;
    try {
      project = loadProjectFile(root, { render: o.render, problems });
    } catch (e) {
      problems.capture(relocate(e, displayRoot));
      continue;
    }
    if (project.name === o.project.name) {
      problems.error(new KilnError(Codes.PACKAGE_CONFLICT, `Installed package ${displayRoot} is named '${project.name}', like the project itself`, { loc: { file: `${displayRoot}/dbt_project.yml` }, hint: 'Remove it from packages.yml and run kiln deps.' }));
      continue;
    }
    const prev = byName.get(project.name);
    if (prev) {
      problems.error(new KilnError(Codes.PACKAGE_CONFLICT, `Two installed packages are named '${project.name}': ${prev.displayRoot} and ${displayRoot}`, { loc: { file: `${displayRoot}/dbt_project.yml` }, related: [{ file: `${prev.displayRoot}/dbt_project.yml` }], hint: 'Run kiln deps to reinstall, or remove one of them.' }));
      continue;
    }
    const local = new Problems();
    const files = discoverFiles(root, project, local).map((f) => ({ ...f, path: `${displayRoot}/${f.path}`, root: `${displayRoot}/${f.root}`, packageName: project.name }));
    for (const e of local.errors) problems.error(relocate(e, displayRoot));
    for (const w of local.warnings) problems.warn(relocate(w, displayRoot));
    const pkg: LoadedPackage = { name: project.name, root, displayRoot, project, files };
    byName.set(project.name, pkg);
    out.push(pkg);
  }
  checkAllInstalled(o, out, problems);
  return out;
}

/** dbt refuses to run when packages.yml names packages that are not installed. */
function checkAllInstalled(o: LoadPackagesOptions, installed: readonly LoadedPackage[], problems: Problems): void {
  let specs;
  try {
    specs = readPackagesFile(o.projectDir, o.render).packages;
  } catch (e) {
    problems.capture(e);
    return;
  }
  // a package is known by its project name and by its folder (dbt installs tarballs under the entry's `name`)
  const names = new Set(installed.flatMap((p) => [p.name, path.basename(p.root)]));
  const locked = lockedNames(o.projectDir);
  const missing: string[] = [];
  for (const s of specs) {
    let found: boolean;
    if (s.kind === 'local') {
      const dir = path.resolve(o.projectDir, s.local);
      let name: string | null = null;
      try {
        name = loadProjectFile(dir).name;
      } catch {
        name = null;
      }
      found = name !== null && names.has(name);
    } else {
      found = candidateNames(s).some((n) => names.has(n)) || (locked.size > 0 && [...locked].every((n) => names.has(n)) && installed.length >= specs.length);
    }
    if (!found) missing.push(describeSpec(s));
  }
  if (missing.length) {
    problems.error(new KilnError(Codes.PACKAGE_NOT_INSTALLED, `${missing.length} package${missing.length === 1 ? ' is' : 's are'} listed in packages.yml but not installed: ${missing.join(', ')}`, {
      loc: { file: 'packages.yml' },
      hint: 'Run `kiln deps` to install them.',
    }));
  }
}

function relocate<T>(e: T, displayRoot: string): T {
  if (!(e instanceof KilnError)) return e;
  if (!e.loc || e.loc.file.startsWith(displayRoot)) return e;
  return new KilnError(e.code, e.message, { loc: { ...e.loc, file: `${displayRoot}/${e.loc.file}` }, hint: e.hint, node: e.node, related: e.related, cause: e.cause }) as T;
}
