// `kiln deps`: put every resolved package into the install folder (packages-install-path,
// default dbt_packages/) under its project name, drop what no longer belongs there, and
// write package-lock.yml like dbt (the packages with their names, and a hash of the list).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Codes, KilnError } from '../errors.js';
import { yamlLib } from '../yaml-lib.js';
import type { RenderString } from '../project/types.js';
import { LOCK_FILE, readPackagesFile, type PackageSpec } from './packages-file.js';
import { resolvePackages, type ResolvedPackage } from './resolve.js';
import { makeDirs } from '../make-dirs.js';

export interface InstallOptions {
  readonly projectDir: string;
  readonly projectName: string;
  /** packages-install-path as written in dbt_project.yml. */
  readonly installPath: string;
  readonly render?: RenderString;
  readonly vendorDirs?: readonly string[];
  readonly warn?: (e: KilnError) => void;
}

export interface InstallResult {
  readonly file: string | null;
  readonly installed: readonly ResolvedPackage[];
  /** Entries removed from the install folder because no package needs them any more. */
  readonly removed: readonly string[];
}

function removePath(p: string): void {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return;
  if (st.isSymbolicLink() || st.isFile()) fs.unlinkSync(p);
  else fs.rmSync(p, { recursive: true, force: true });
}

function place(pkg: ResolvedPackage, dest: string): void {
  if (pkg.method === 'present') return;
  if (fs.existsSync(dest) && fs.realpathSync(dest) === fs.realpathSync(pkg.source)) return;
  removePath(dest);
  if (pkg.method === 'link') {
    try {
      fs.symlinkSync(path.resolve(pkg.source), dest, 'dir');
      return;
    } catch {
      // no symlinks here (some filesystems, Windows without rights): copy instead
    }
  }
  fs.cpSync(pkg.source, dest, { recursive: true, filter: (src) => path.basename(src) !== '.git' });
}

function lockEntry(p: ResolvedPackage): Record<string, unknown> {
  const s: PackageSpec = p.spec;
  switch (s.kind) {
    case 'local':
      return { local: s.local, name: p.name };
    case 'git':
      return { git: s.git, ...(s.revision ? { revision: s.revision } : {}), ...(s.subdirectory ? { subdirectory: s.subdirectory } : {}), name: p.name };
    case 'hub':
      return { package: s.package, version: p.version ?? s.version.join(', '), name: p.name };
    case 'tarball':
      return { tarball: s.tarball, name: p.name };
  }
}

export function installPackages(o: InstallOptions): InstallResult {
  const file = readPackagesFile(o.projectDir, o.render);
  const installDir = path.resolve(o.projectDir, o.installPath);
  if (path.resolve(installDir) === path.resolve(o.projectDir)) {
    throw new KilnError(Codes.CONFIG_INVALID, 'packages-install-path points at the project folder itself', { loc: { file: 'dbt_project.yml' }, hint: 'Use a folder of its own, e.g. dbt_packages.' });
  }
  const resolved = resolvePackages(file.packages, { ...o, installDir });
  try {
    makeDirs(installDir);
    for (const p of resolved) place(p, path.join(installDir, p.name));
  } finally {
    for (const p of resolved) if (p.cleanup) fs.rmSync(p.cleanup, { recursive: true, force: true });
  }
  const keep = new Set(resolved.map((p) => p.name));
  const removed: string[] = [];
  for (const entry of fs.readdirSync(installDir)) {
    if (keep.has(entry) || entry.startsWith('.')) continue;
    removePath(path.join(installDir, entry));
    removed.push(entry);
  }
  if (file.file) {
    const lock = { packages: resolved.map(lockEntry), sha1_hash: createHash('sha1').update(file.text).digest('hex') };
    fs.writeFileSync(path.join(o.projectDir, LOCK_FILE), yamlLib().stringify(lock));
  }
  return { file: file.file, installed: resolved, removed };
}
