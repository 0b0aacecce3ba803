// Resolving package specs to folders on this machine, without the network: local packages are
// folders; git repositories on local paths are cloned with git; git, hub and tarball packages
// are otherwise taken from a copy already present (dbt_packages/<name>/ or KILN_PACKAGES_DIR).
// Their own packages.yml files are followed, so dependencies of dependencies come along.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Codes, KilnError, Problems, type SourceLocation } from '../errors.js';
import { loadProjectFile } from '../project/load-project-file.js';
import type { RenderString } from '../project/types.js';
import { candidateNames, describeSpec, readPackagesFile, type PackageSpec } from './packages-file.js';

export interface ResolvedPackage {
  /** The package's project name (its dbt_project.yml `name`). */
  readonly name: string;
  readonly spec: PackageSpec;
  /** Where the package's files come from. */
  readonly source: string;
  /**
   * How it gets into the install folder: `link` (a local package: symlinked, copied where
   * links are unavailable), `copy` (from KILN_PACKAGES_DIR or a local git clone), `present`
   * (already there: vendored).
   */
  readonly method: 'link' | 'copy' | 'present';
  /** The package's own `version`, when it declares one. */
  readonly version: string | null;
  /** A temporary folder to remove after installing (a git clone). */
  readonly cleanup?: string;
}

export interface ResolveOptions {
  readonly projectDir: string;
  readonly projectName: string;
  /** Absolute install folder (packages-install-path). */
  readonly installDir: string;
  readonly render?: RenderString;
  /** Extra folders holding vendored packages by name (KILN_PACKAGES_DIR, ':'-separated). */
  readonly vendorDirs?: readonly string[];
  /** Receives version warnings. */
  readonly warn?: (e: KilnError) => void;
}

function hasProject(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'dbt_project.yml'));
}

function projectInfo(dir: string, render: RenderString | undefined, loc: SourceLocation): { name: string; version: string | null } {
  try {
    const p = loadProjectFile(dir, { render });
    return { name: p.name, version: p.version ?? null };
  } catch (e) {
    if (e instanceof KilnError && e.code === Codes.PROJECT_NOT_FOUND) {
      throw new KilnError(Codes.PACKAGE_NOT_FOUND, `${dir} holds no dbt_project.yml, so it is not a package`, { loc, hint: 'Point the entry at the folder that holds the package\'s dbt_project.yml.' });
    }
    throw e;
  }
}

function isLocalGitUrl(url: string, baseDir: string): string | null {
  if (url.startsWith('file://')) return url.slice('file://'.length);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^:]+:/.test(url)) return null;
  const abs = path.resolve(baseDir, url);
  return fs.existsSync(abs) ? abs : null;
}

function gitClone(repo: string, revision: string | null, spec: PackageSpec): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-deps-'));
  const run = (args: string[], cwd?: string) => spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  const clone = run(['clone', '--quiet', repo, tmp]);
  if (clone.error || clone.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new KilnError(Codes.PACKAGE_NOT_FOUND, `Cannot clone ${describeSpec(spec)}: ${(clone.stderr || String(clone.error ?? '')).trim()}`, { loc: spec.loc });
  }
  if (revision) {
    const co = run(['checkout', '--quiet', revision], tmp);
    if (co.status !== 0) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new KilnError(Codes.PACKAGE_NOT_FOUND, `${describeSpec(spec)}: revision '${revision}' not found (${co.stderr.trim()})`, { loc: spec.loc, hint: 'Use a branch, tag or commit that exists in the repository.' });
    }
  }
  return tmp;
}

/** Numeric comparison of dotted versions (`1.10.0` > `1.9.2`). */
function cmpVersion(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.replace(/^v/, '').split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** Whether `version` satisfies every constraint (`>=1.0.0`, `<2.0.0`, `1.1.0`). */
export function versionSatisfies(version: string, constraints: readonly string[]): boolean {
  return constraints.every((c) => {
    const m = /^\s*(>=|<=|>|<|==|=)?\s*v?([\d.]+\S*)\s*$/.exec(c);
    if (!m) return true;
    const d = cmpVersion(version, m[2]);
    switch (m[1]) {
      case '>=':
        return d >= 0;
      case '<=':
        return d <= 0;
      case '>':
        return d > 0;
      case '<':
        return d < 0;
      default:
        return d === 0;
    }
  });
}

function vendorCopy(spec: PackageSpec, o: ResolveOptions): { dir: string; method: 'copy' | 'present' } | null {
  const names = candidateNames(spec);
  for (const n of names) if (hasProject(path.join(o.installDir, n))) return { dir: path.join(o.installDir, n), method: 'present' };
  for (const v of o.vendorDirs ?? []) {
    for (const n of names) if (hasProject(path.join(v, n))) return { dir: path.join(v, n), method: 'copy' };
  }
  return null;
}

function offline(spec: PackageSpec, o: ResolveOptions): KilnError {
  const names = candidateNames(spec);
  const name = names.find((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) ?? names[0];
  const rel = path.relative(o.projectDir, o.installDir) || o.installDir;
  return new KilnError(Codes.PACKAGE_OFFLINE, `Cannot install ${describeSpec(spec)}: this machine is offline and there is no local copy of it`, {
    loc: spec.loc,
    hint:
      `kiln installs packages without the network. Vendor the package: copy its folder (the one holding its dbt_project.yml) to ${rel}/${name}/ ` +
      `and commit it, or put it in a folder named by KILN_PACKAGES_DIR (${name}/ inside it); then run kiln deps again.` +
      (spec.kind === 'git' ? ' A git URL that is a local path (or file://) is cloned directly.' : ''),
  });
}

function resolveOne(spec: PackageSpec, baseDir: string, o: ResolveOptions): Omit<ResolvedPackage, 'name' | 'version'> & { dir: string } {
  if (spec.kind === 'local') {
    const dir = path.resolve(baseDir, spec.local);
    if (!fs.existsSync(dir)) {
      throw new KilnError(Codes.PACKAGE_NOT_FOUND, `Local package folder ${spec.local} does not exist (looked in ${dir})`, {
        loc: spec.loc,
        hint: 'A `local:` path is relative to the folder of the packages.yml that names it.',
      });
    }
    return { spec, source: dir, method: 'link', dir };
  }
  if (spec.kind === 'git') {
    const repo = isLocalGitUrl(spec.git, baseDir);
    if (repo) {
      const tmp = gitClone(repo, spec.revision, spec);
      const dir = spec.subdirectory ? path.join(tmp, spec.subdirectory) : tmp;
      return { spec, source: dir, method: 'copy', dir, cleanup: tmp };
    }
  }
  const copy = vendorCopy(spec, o);
  if (!copy) throw offline(spec, o);
  return { spec, source: copy.dir, method: copy.method, dir: copy.dir };
}

/**
 * Resolves the project's packages and theirs, depth first. Each package name appears once; two
 * different sources for one name, or a package named like the project, are PACKAGE_CONFLICT.
 */
export function resolvePackages(specs: readonly PackageSpec[], o: ResolveOptions): ResolvedPackage[] {
  const out = new Map<string, ResolvedPackage>();
  // Every package that cannot be found is reported at once (offline: each one to vendor), not the first only.
  const problems = new Problems();
  const visit = (list: readonly PackageSpec[], baseDir: string) => {
    for (const spec of list) {
      let r: ReturnType<typeof resolveOne>;
      try {
        r = resolveOne(spec, baseDir, o);
      } catch (e) {
        problems.capture(e);
        continue;
      }
      const info = projectInfo(r.dir, o.render, spec.loc);
      if (info.name === o.projectName) {
        throw new KilnError(Codes.PACKAGE_CONFLICT, `${describeSpec(spec)} is named '${info.name}', like the project itself`, { loc: spec.loc, hint: 'A package cannot share its name with the root project.' });
      }
      const prev = out.get(info.name);
      if (prev) {
        if (path.resolve(prev.source) !== path.resolve(r.source) && prev.spec.kind === 'local' && spec.kind === 'local') {
          throw new KilnError(Codes.PACKAGE_CONFLICT, `Two different folders provide package '${info.name}': ${prev.source} and ${r.source}`, { loc: spec.loc, related: [prev.spec.loc] });
        }
        if (r.cleanup) fs.rmSync(r.cleanup, { recursive: true, force: true });
        continue;
      }
      if (spec.kind === 'hub' && spec.version.length && info.version && !versionSatisfies(info.version, spec.version)) {
        o.warn?.(new KilnError(Codes.PACKAGES_INVALID, `The local copy of ${spec.package} is version ${info.version}, outside the requested ${spec.version.join(', ')}`, { loc: spec.loc, hint: `Replace ${r.source} with a matching release, or widen the version range.` }));
      }
      out.set(info.name, { name: info.name, spec, source: r.source, method: r.method, version: info.version, cleanup: r.cleanup });
      // the package's own dependencies, relative to its folder
      const nested = readPackagesFile(r.dir, o.render);
      if (nested.packages.length) visit(nested.packages.map((s) => ({ ...s, loc: { ...s.loc, file: path.relative(o.projectDir, path.join(r.dir, s.loc.file)) } })), r.dir);
    }
  };
  try {
    visit(specs, o.projectDir);
    problems.throwIfAny();
  } catch (e) {
    for (const p of out.values()) if (p.cleanup) fs.rmSync(p.cleanup, { recursive: true, force: true });
    throw e;
  }
  return [...out.values()];
}
