// Resolving package specs to folders on this machine, as dbt deps does: local packages are
// folders; git packages are cloned (a local path or any URL git reaches); tarball packages are
// downloaded; hub packages are resolved through the hub's API to the newest version satisfying
// every requirement on them (the project's and those of the packages needing them) and
// downloaded. Each package's own dependencies are followed. Copies already there stay offline
// ways in: a package folder kiln did not download (vendored in dbt_packages/) and one in a
// folder named by KILN_PACKAGES_DIR are used as they are.
import fs from 'node:fs';
import path from 'node:path';
import { Codes, formatLocation, KilnError, Problems, type SourceLocation } from '../errors.js';
import { loadProjectFile } from '../project/load-project-file.js';
import { satisfies as satisfiesDbt } from '../project/version-check.js';
import type { RenderString } from '../project/types.js';
import { parseYaml } from '../project/yaml-file.js';
import { yamlLib } from '../yaml-lib.js';
import { fetchArchive } from './archive.js';
import { cloneRepository } from './git.js';
import { HubClient, unknownPackage, type HubVersion } from './hub.js';
import { lockEntry, type LockedPackage } from './lock-file.js';
import { candidateNames, describeSpec, parseSpecs, readPackagesFile, type PackageSpec } from './packages-file.js';
import { asksForPrerelease, newestFirst, newestSatisfying, parseVersion, reduceRequirements, type Requirement } from './semver.js';

export interface ResolvedPackage {
  /** The package's project name (its dbt_project.yml `name`). */
  readonly name: string;
  readonly spec: PackageSpec;
  /** Where the package's files come from. */
  readonly source: string;
  /**
   * How it gets into the install folder: `link` (a local package: symlinked, copied where
   * links are unavailable), `copy` (downloaded, cloned, or from KILN_PACKAGES_DIR), `present`
   * (already there: vendored, or installed by an earlier kiln deps and unchanged).
   */
  readonly method: 'link' | 'copy' | 'present';
  /** What the user is told about where it came from. */
  readonly how: string;
  /** The package's own `version`, when it declares one (a hub package: the version installed). */
  readonly version: string | null;
  /** Its package-lock.yml entry. */
  readonly lock: Record<string, unknown>;
  /** A temporary folder to remove after installing (a clone, an unpacked archive). */
  readonly cleanup?: string;
  /**
   * `vendored`: a copy found in the install folder and kept as the user's; `vendor-dir`: copied
   * from KILN_PACKAGES_DIR; `fetched`: downloaded or cloned (now or by an earlier run); `local`.
   */
  readonly origin: Origin;
}

export type Origin = 'vendored' | 'vendor-dir' | 'fetched' | 'local';

/** The record's mark for a vendored copy (see ResolveOptions.installed). */
export const VENDORED = 'vendored';

export interface ResolveOptions {
  readonly projectDir: string;
  readonly projectName: string;
  /** Absolute install folder (packages-install-path). */
  readonly installDir: string;
  readonly render?: RenderString;
  /** Extra folders holding vendored packages by name (KILN_PACKAGES_DIR, ':'-separated). */
  readonly vendorDirs?: readonly string[];
  /**
   * What an earlier kiln deps left in installDir: name → the JSON of the lock entry it fetched,
   * or VENDORED for a copy it found there and kept.
   */
  readonly installed?: ReadonlyMap<string, string>;
  /** Names the existing package-lock.yml lists: copies under them were installed by a deps run, not vendored. */
  readonly lockedNames?: ReadonlySet<string>;
  readonly hub?: HubClient;
  /**
   * The dbt version hub versions must declare they work with (their `require_dbt_version`), as
   * dbt skips the others; null with --no-version-check.
   */
  readonly dbtVersion?: string | null;
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

/** A git URL that is a folder on this machine (not file://, which git reaches as a remote). */
function localGitPath(url: string, baseDir: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^:]+:/.test(url)) return null;
  const abs = path.resolve(baseDir, url);
  return fs.existsSync(abs) ? abs : null;
}

/** Whether a version satisfies every constraint (`>=1.0.0`, `<2.0.0`, `1.1.0`); unreadable constraints are ignored. */
export function versionSatisfies(version: string, constraints: readonly string[]): boolean {
  const reduced = reduceRequirements(constraints.map((text) => ({ text, from: '' })));
  if (!reduced.ok) return reduced.kind === 'invalid';
  return newestSatisfying([version], reduced.specs, true) !== null;
}

type Vendored = { dir: string; method: 'copy' | 'present'; how: string; origin: Origin };

/**
 * A copy of the package already on this machine: vendored in installDir, or in KILN_PACKAGES_DIR.
 * A copy in installDir is vendored when kiln kept it as such before, or when neither kiln's record
 * nor package-lock.yml knows it (a copy a deps run installed is replaced as the lock says).
 */
function vendorCopy(spec: PackageSpec, o: ResolveOptions): Vendored | null {
  const names = candidateNames(spec);
  for (const n of names) {
    const dir = path.join(o.installDir, n);
    const rec = o.installed?.get(n);
    const vendored = rec === VENDORED || (rec === undefined && !o.lockedNames?.has(n));
    if (vendored && hasProject(dir)) {
      // A hub copy outside the requested range is stale (e.g. left by an older dbt deps), not vendored.
      if (spec.kind === 'hub' && spec.version.length) {
        const v = projectVersion(dir);
        if (v && !versionSatisfies(v, spec.version)) continue;
      }
      return { dir, method: 'present', how: 'already present (vendored)', origin: 'vendored' };
    }
  }
  for (const v of o.vendorDirs ?? []) {
    for (const n of names) if (hasProject(path.join(v, n))) return { dir: path.join(v, n), method: 'copy', how: `copied from ${path.join(v, n)}`, origin: 'vendor-dir' };
  }
  return null;
}

function projectVersion(dir: string): string | null {
  try {
    return loadProjectFile(dir).version ?? null;
  } catch {
    return null;
  }
}

/**
 * The copy an earlier deps run installed, when it is exactly what `entry` describes: kiln's
 * record says so, or (a copy dbt deps installed) the lock lists it and it is the hub version wanted.
 */
function unchanged(name: string | null, entry: Record<string, unknown>, o: ResolveOptions, hubVersion?: string): Vendored | null {
  if (!name) return null;
  const dir = path.join(o.installDir, name);
  if (!hasProject(dir)) return null;
  const rec = o.installed?.get(name);
  if (rec === JSON.stringify(entry)) return { dir, method: 'present', how: 'already installed, unchanged', origin: 'fetched' };
  if (rec === undefined && hubVersion && o.lockedNames?.has(name) && projectVersion(dir) === hubVersion) return { dir, method: 'present', how: 'already installed, unchanged', origin: 'fetched' };
  return null;
}

interface Found {
  readonly dir: string;
  readonly method: ResolvedPackage['method'];
  readonly how: string;
  readonly cleanup?: string;
  readonly sha?: string;
  readonly origin: Origin;
}

async function fetchGitOrTarball(spec: PackageSpec, baseDir: string, o: ResolveOptions, lockedName: string | null): Promise<Found> {
  if (spec.kind === 'local') {
    const dir = path.resolve(baseDir, spec.local);
    if (!fs.existsSync(dir)) {
      throw new KilnError(Codes.PACKAGE_NOT_FOUND, `Local package folder ${spec.local} does not exist (looked in ${dir})`, {
        loc: spec.loc,
        hint: 'A `local:` path is relative to the folder of the packages.yml that names it.',
      });
    }
    return { dir, method: 'link', how: `linked from ${path.relative(o.projectDir, dir) || dir}`, origin: 'local' };
  }
  if (spec.kind === 'git') {
    const local = localGitPath(spec.git, baseDir);
    if (!local) {
      const vendored = vendorCopy(spec, o);
      if (vendored) return vendored;
      // a pinned commit already installed by kiln needs no clone
      if (spec.revision && /^[0-9a-f]{40}$/i.test(spec.revision)) {
        const same = unchanged(lockedName, lockEntry(spec, lockedName ?? '', { sha: spec.revision }), o);
        if (same) return same;
      }
    }
    if (!spec.revision && spec.warnUnpinned !== false) {
      o.warn?.(new KilnError(Codes.PACKAGES_INVALID, `${describeSpec(spec)} is not pinned: each kiln deps --upgrade (or change to packages.yml) installs whatever its default branch holds then`, { loc: spec.loc, hint: 'Add `revision:` with a tag or commit (or `warn-unpinned: false` to accept it).' }));
    }
    const clone = cloneRepository(local ?? spec.git, spec.revision, describeSpec(spec), spec.loc, !local);
    const dir = spec.subdirectory ? path.join(clone.dir, spec.subdirectory) : clone.dir;
    if (!hasProject(dir)) {
      fs.rmSync(clone.dir, { recursive: true, force: true });
      throw new KilnError(Codes.PACKAGE_NOT_FOUND, `${describeSpec(spec)} holds no dbt_project.yml${spec.subdirectory ? ` in ${spec.subdirectory}/` : ' at its top'}`, { loc: spec.loc, hint: spec.subdirectory ? 'Check `subdirectory:`: it names the folder holding the package\'s dbt_project.yml.' : 'If the package lives in a folder of the repository, name it with `subdirectory:`.' });
    }
    return { dir, method: 'copy', how: `cloned from ${spec.git}${spec.revision ? ` at ${spec.revision}` : ''} (${clone.sha.slice(0, 12)})`, cleanup: clone.dir, sha: clone.sha, origin: 'fetched' };
  }
  if (spec.kind === 'tarball') {
    const vendored = vendorCopy(spec, o) ?? unchanged(lockedName ?? spec.name, lockEntry(spec, lockedName ?? spec.name ?? '', {}), o);
    if (vendored) return vendored;
    const a = await fetchArchive(spec.tarball, describeSpec(spec), spec.loc);
    return { dir: a.dir, method: 'copy', how: `downloaded from ${spec.tarball}`, cleanup: a.cleanup, origin: 'fetched' };
  }
  throw new Error(`not a git, tarball or local spec: ${spec.kind}`);
}

/**
 * The folder a package is installed under: its project name; a tarball's entry `name` (as dbt
 * does), which must then be a plain folder name: `../x` would install outside the install folder.
 */
function installName(spec: PackageSpec, projectName: string): string {
  if (spec.kind !== 'tarball' || !spec.name) return projectName;
  if (/[/\\]/.test(spec.name) || spec.name === '.' || spec.name === '..' || spec.name.startsWith('.')) {
    throw new KilnError(Codes.PACKAGES_INVALID, `Tarball package name '${spec.name}' is not a folder name`, { loc: spec.loc, hint: 'The `name:` of a tarball entry names its folder under dbt_packages/: letters, digits and underscores, e.g. the package\'s project name.' });
  }
  return spec.name;
}

/** Whether a hub version declares it works with `dbtVersion` (always, without a version to check). */
function worksWith(v: HubVersion, dbtVersion: string | null): boolean {
  if (!dbtVersion || v.requireDbtVersion.length === 0) return true;
  try {
    return satisfiesDbt(dbtVersion, v.requireDbtVersion, 'hub');
  } catch {
    return true; // a range the hub states in a form kiln cannot read: not a reason to skip the version
  }
}

/** Everything asked of one hub package so far. */
interface HubWant {
  readonly first: PackageSpec & { kind: 'hub' };
  readonly reqs: Requirement[];
  prerelease: boolean;
  /** The version whose dependencies were followed. */
  followed: string | null;
  warnedMove?: boolean;
}

function hubSpec(s: PackageSpec): s is PackageSpec & { kind: 'hub' } {
  return s.kind === 'hub';
}

/** Specs from a hub version's `packages` list; their errors point at the entry that brought the package in. */
function specsOfHubVersion(v: HubVersion, label: string, loc: SourceLocation): PackageSpec[] {
  if (!v.packages.length) return [];
  const yf = parseYaml(yamlLib().stringify({ packages: v.packages }), label);
  return parseSpecs(yf).map((s) => ({ ...s, loc }));
}

/**
 * Resolves the project's packages and theirs. Each package name appears once; two different
 * sources for one name, or a package named like the project, are PACKAGE_CONFLICT.
 */
export async function resolvePackages(specs: readonly PackageSpec[], o: ResolveOptions): Promise<ResolvedPackage[]> {
  const hub = o.hub ?? new HubClient();
  const out = new Map<string, ResolvedPackage>();
  const wants = new Map<string, HubWant>();
  const requiredBy = new Map<PackageSpec, string>();
  // Every package that cannot be found is reported at once, not the first only.
  const problems = new Problems();
  // The lock lists packages in the order they were first asked for, as dbt's does (hub packages are fetched last).
  const order = new Map<string, number>();
  const seen = (key: string) => void (order.has(key) || order.set(key, order.size));

  const add = (r: Found, spec: PackageSpec, pinned: { version?: string | null; sha?: string | null }): string | null => {
    try {
      return addFound(r, spec, pinned);
    } catch (e) {
      if (r.cleanup) fs.rmSync(r.cleanup, { recursive: true, force: true });
      throw e;
    }
  };
  const addFound = (r: Found, spec: PackageSpec, pinned: { version?: string | null; sha?: string | null }): string | null => {
    const info = projectInfo(r.dir, o.render, spec.loc);
    if (info.name === o.projectName) {
      throw new KilnError(Codes.PACKAGE_CONFLICT, `${describeSpec(spec)} is named '${info.name}', like the project itself`, { loc: spec.loc, hint: 'A package cannot share its name with the root project.' });
    }
    // dbt installs a tarball under the `name` its entry gives (the lock records that name too)
    const name = installName(spec, info.name);
    const prev = out.get(name);
    if (prev) {
      if (path.resolve(prev.source) !== path.resolve(r.dir) && prev.spec.kind === 'local' && spec.kind === 'local') {
        throw new KilnError(Codes.PACKAGE_CONFLICT, `Two different folders provide package '${info.name}': ${prev.source} and ${r.dir}`, { loc: spec.loc, related: [prev.spec.loc] });
      }
      if (r.cleanup) fs.rmSync(r.cleanup, { recursive: true, force: true });
      return null;
    }
    const version = pinned.version ?? info.version;
    out.set(name, { name, spec, source: r.dir, method: r.method, how: r.how, version, lock: lockEntry(spec, name, { version, sha: r.sha }), cleanup: r.cleanup, origin: r.origin });
    return name;
  };

  const visitDir = async (dir: string) => {
    const nested = readPackagesFile(dir, o.render);
    if (nested.packages.length) await visit(nested.packages.map((s) => ({ ...s, loc: { ...s.loc, file: path.relative(o.projectDir, path.join(dir, s.loc.file)) } })), dir);
  };

  const visit = async (list: readonly PackageSpec[], baseDir: string): Promise<void> => {
    for (const spec of list) {
      try {
        if (hubSpec(spec)) {
          const vendored = vendorCopy(spec, o);
          if (vendored) {
            const info = projectInfo(vendored.dir, o.render, spec.loc);
            if (spec.version.length && info.version && !versionSatisfies(info.version, spec.version)) {
              o.warn?.(new KilnError(Codes.PACKAGES_INVALID, `The local copy of ${spec.package} is version ${info.version}, outside the requested ${spec.version.join(', ')}`, { loc: spec.loc, hint: `Replace ${vendored.dir} with a matching release, or widen the version range.` }));
            }
            const name = wants.has(spec.package) ? null : add(vendored, spec, {});
            if (name !== null) {
              seen(name);
              await visitDir(vendored.dir);
            }
            continue;
          }
          const from = requiredBy.get(spec) ?? formatLocation(spec.loc);
          if (!spec.version.length && !requiredBy.has(spec)) {
            o.warn?.(new KilnError(Codes.PACKAGES_INVALID, `Hub package ${spec.package} has no version: kiln installs its newest release, dbt deps refuses it`, { loc: spec.loc, hint: 'Add `version:` with a range, e.g. [">=1.0.0", "<2.0.0"].' }));
          }
          const w = wants.get(spec.package);
          const reqs = spec.version.map((text) => ({ text, from }));
          if (w) {
            w.reqs.push(...reqs);
            w.prerelease ||= spec.installPrerelease;
          } else {
            if (!spec.package.includes('/')) throw unknownPackage(spec.package, hub.baseUrl, spec.loc);
            wants.set(spec.package, { first: spec, reqs, prerelease: spec.installPrerelease, followed: null });
            seen(`hub:${spec.package}`);
          }
          continue;
        }
        const r = await fetchGitOrTarball(spec, baseDir, o, null);
        const name = add(r, spec, {});
        if (name !== null) {
          seen(name);
          await visitDir(r.dir);
        }
      } catch (e) {
        problems.capture(e);
      }
    }
  };

  /** The version of a hub package its requirements pick now. */
  const pick = async (name: string, w: HubWant): Promise<HubVersion> => {
    const loc = w.first.loc;
    const index = await hub.names(loc);
    if (!index.has(name)) throw unknownPackage(name, hub.baseUrl, loc);
    const pkg = await hub.package(name, loc);
    if (pkg.movedTo && pkg.movedTo !== name && !w.warnedMove) {
      w.warnedMove = true;
      o.warn?.(new KilnError(Codes.PACKAGES_INVALID, `Hub package ${name} has moved to ${pkg.movedTo}`, { loc, hint: `Write \`package: ${pkg.movedTo}\` in packages.yml (the old name may stop working).` }));
    }
    const reduced = reduceRequirements(w.reqs);
    if (!reduced.ok && reduced.kind === 'invalid') {
      throw new KilnError(Codes.PACKAGES_INVALID, `Version requirement '${reduced.req.text}' of hub package ${name} (${reduced.req.from}) is not a version range`, { loc, hint: 'Write versions like "1.1.1", ">=1.0.0" or "<2.0.0"; a range is a list: [">=1.0.0", "<2.0.0"].' });
    }
    if (!reduced.ok) {
      throw new KilnError(Codes.PACKAGE_VERSION_CONFLICT, `Version conflict for hub package ${name}: '${reduced.a.text}' (${reduced.a.from}) and '${reduced.b.text}' (${reduced.b.from}) cannot both hold`, {
        loc,
        hint: 'Change the version range in packages.yml so it overlaps what the other package needs, or choose another version of the package that brings the other requirement.',
      });
    }
    const all = [...pkg.versions.values()];
    const available = all.filter((v) => worksWith(v, o.dbtVersion ?? null)).map((v) => v.version);
    const skipped = all.length - available.length;
    const prerelease = w.prerelease || asksForPrerelease(w.reqs);
    const chosen = newestSatisfying(available, reduced.specs, prerelease);
    if (!chosen) {
      const listed = newestFirst(available.filter((v) => prerelease || !parseVersion(v)?.prerelease.length)).slice(0, 8);
      const asked = w.reqs.length ? w.reqs.map((r) => `'${r.text}' (${r.from})`).join(', ') : 'any release';
      const also = skipped ? ` (and ${skipped} version${skipped === 1 ? '' : 's'} that require${skipped === 1 ? 's' : ''} a dbt other than ${o.dbtVersion})` : '';
      throw new KilnError(Codes.PACKAGE_NO_VERSION, `No version of hub package ${name} satisfies ${asked}; the hub has ${listed.length ? listed.join(', ') : 'no releases'}${available.length > listed.length ? ', ...' : ''}${also}`, {
        loc,
        hint:
          (available.some((v) => parseVersion(v)?.prerelease.length) && !prerelease ? 'Widen the version range; prereleases count only with `install_prerelease: true`.' : 'Widen the version range in packages.yml.') +
          (skipped ? ' --no-version-check also considers versions made for another dbt version.' : ''),
      });
    }
    const v = pkg.versions.get(chosen);
    if (!v) throw new Error(`hub version ${chosen} vanished`);
    return v;
  };

  try {
    await visit(specs, o.projectDir);
    // Follow each hub package's dependencies at the version its requirements pick; requirements they
    // add can move an earlier pick, whose dependencies are then followed in turn (bounded, as a
    // cycle of moving picks would otherwise not end).
    for (let round = 0; round < 20; round++) {
      let moved = false;
      // the hub's answers for every package at once (one round trip, not one per package); pick reports failures
      const firstLoc = wants.values().next().value?.first.loc;
      await Promise.allSettled([hub.names(firstLoc), ...[...wants].map(([name, w]) => hub.package(name, w.first.loc))]);
      for (const [name, w] of [...wants]) {
        let v: HubVersion;
        try {
          v = await pick(name, w);
        } catch (e) {
          problems.capture(e);
          wants.delete(name);
          continue;
        }
        if (v.version === w.followed) continue;
        w.followed = v.version;
        moved = true;
        const nested = specsOfHubVersion(v, `${name} ${v.version}`, w.first.loc);
        for (const s of nested) requiredBy.set(s, `${name} ${v.version}`);
        await visit(nested, o.projectDir);
      }
      if (!moved) break;
    }
    problems.throwIfAny();
    // Download every hub package at its final version, all at once.
    const picks = [...wants].map(([name, w]) => ({ name, w, version: w.followed ?? '' }));
    const found = await Promise.allSettled(picks.map(async ({ name, w, version }) => fetchHub(hub, name, version, w.first, o)));
    found.forEach((f, i) => {
      if (f.status === 'rejected') problems.capture(f.reason);
      else {
        try {
          const name = add(f.value, picks[i].w.first, { version: picks[i].version });
          if (name !== null) order.set(name, order.get(`hub:${picks[i].name}`) ?? order.size);
        } catch (e) {
          problems.capture(e);
        }
      }
    });
    problems.throwIfAny();
  } catch (e) {
    for (const p of out.values()) if (p.cleanup) fs.rmSync(p.cleanup, { recursive: true, force: true });
    throw e;
  }
  return [...out.values()].sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
}

async function fetchHub(hub: HubClient, name: string, version: string, spec: PackageSpec & { kind: 'hub' }, o: ResolveOptions, lockedName: string | null = null): Promise<Found> {
  const guess = lockedName ?? name.split('/').pop() ?? name;
  const same = unchanged(guess, lockEntry(spec, guess, { version }), o, version);
  if (same) return same;
  const pkg = await hub.package(name, spec.loc);
  const v = pkg.versions.get(version);
  if (!v) {
    throw new KilnError(Codes.PACKAGE_NO_VERSION, `Hub package ${name} has no version ${version}`, { loc: spec.loc, hint: 'The version may have been withdrawn: run `kiln deps --upgrade` to resolve again.' });
  }
  if (!v.tarball) throw new KilnError(Codes.PACKAGE_DOWNLOAD_FAILED, `The hub lists no download for ${name} ${version}`, { loc: spec.loc });
  const a = await fetchArchive(v.tarball, `${name} ${version}`, spec.loc);
  return { dir: a.dir, method: 'copy', how: `downloaded ${name} ${version} from the hub`, cleanup: a.cleanup, origin: 'fetched' };
}

/**
 * Installs exactly what package-lock.yml lists (it already holds every dependency): hub packages
 * at their recorded version (the hub is asked only for the download), git packages at their
 * recorded commit. Nothing is resolved again.
 */
export async function resolveLocked(locked: readonly LockedPackage[], o: ResolveOptions): Promise<ResolvedPackage[]> {
  const hub = o.hub ?? new HubClient();
  const problems = new Problems();
  const results = await Promise.allSettled(
    locked.map(async ({ spec, name }): Promise<{ r: Found; version: string | null }> => {
      if (spec.kind === 'hub') {
        const version = spec.version[0] ?? '';
        const vendored = vendorCopy(spec, o);
        if (vendored) return { r: vendored, version: null };
        return { r: await fetchHub(hub, spec.package, version, spec, o, name), version };
      }
      return { r: await fetchGitOrTarball(spec, o.projectDir, o, name), version: null };
    }),
  );
  const out: ResolvedPackage[] = [];
  results.forEach((res, i) => {
    if (res.status === 'rejected') {
      problems.capture(res.reason);
      return;
    }
    const spec = locked[i].spec;
    const { r, version } = res.value;
    try {
      const info = projectInfo(r.dir, o.render, spec.loc);
      const name = installName(spec, info.name);
      out.push({ name, spec, source: r.dir, method: r.method, how: r.how, version: version ?? info.version, lock: lockEntry(spec, name, { version, sha: r.sha }), cleanup: r.cleanup, origin: r.origin });
    } catch (e) {
      if (r.cleanup) fs.rmSync(r.cleanup, { recursive: true, force: true });
      problems.capture(e);
    }
  });
  try {
    problems.throwIfAny();
  } catch (e) {
    for (const p of out) if (p.cleanup) fs.rmSync(p.cleanup, { recursive: true, force: true });
    throw e;
  }
  return out;
}
