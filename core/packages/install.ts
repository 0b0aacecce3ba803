// `kiln deps`: put every resolved package into the install folder (packages-install-path,
// default dbt_packages/) under its project name (a tarball: its entry's name), drop what no
// longer belongs there, and write package-lock.yml like dbt (the packages pinned, with their
// names, and a hash of packages.yml); while that hash matches, install what the lock lists.
import fs from 'node:fs';
import path from 'node:path';
import { Codes, KilnError } from '../errors.js';
import type { RenderString } from '../project/types.js';
import type { HubClient } from './hub.js';
import { packagesHash, readLockFile, writeLockFile } from './lock-file.js';
import { readPackagesFile } from './packages-file.js';
import { resolveLocked, resolvePackages, VENDORED, type ResolvedPackage } from './resolve.js';
import { makeDirs } from '../make-dirs.js';

export interface InstallOptions {
  readonly projectDir: string;
  readonly projectName: string;
  /** packages-install-path as written in dbt_project.yml. */
  readonly installPath: string;
  readonly render?: RenderString;
  readonly vendorDirs?: readonly string[];
  readonly warn?: (e: KilnError) => void;
  /** Resolve again even when package-lock.yml matches packages.yml (`--upgrade`). */
  readonly upgrade?: boolean;
  /** Only write package-lock.yml (resolving when it does not match); install nothing (`--lock`). */
  readonly lockOnly?: boolean;
  readonly hub?: HubClient;
  /** See ResolveOptions.dbtVersion. */
  readonly dbtVersion?: string | null;
}

export interface InstallResult {
  readonly file: string | null;
  readonly installed: readonly ResolvedPackage[];
  /** Entries removed from the install folder because no package needs them any more. */
  readonly removed: readonly string[];
  /** True when package-lock.yml was followed as it is (no resolution). */
  readonly fromLock: boolean;
}

function removePath(p: string): void {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!st) return;
  if (st.isSymbolicLink() || st.isFile()) fs.unlinkSync(p);
  else fs.rmSync(p, { recursive: true, force: true });
}

/** Where a copy is made before it takes its name (a dot name: parse and the clean-up pass skip it). */
const partial = (dest: string) => path.join(path.dirname(dest), `.${path.basename(dest)}.kiln-partial`);

function place(pkg: ResolvedPackage, dest: string): void {
  if (pkg.method === 'present') return;
  if (fs.existsSync(dest) && fs.realpathSync(dest) === fs.realpathSync(pkg.source)) return;
  if (pkg.method === 'link') {
    removePath(dest);
    try {
      fs.symlinkSync(path.resolve(pkg.source), dest, 'dir');
      return;
    } catch {
      // no symlinks here (some filesystems, Windows without rights): copy instead
    }
  }
  // Copied beside it, then renamed: an interrupted deps never leaves a half-copied package under
  // the package's name (a later run would take it for a vendored copy).
  const tmp = partial(dest);
  removePath(tmp);
  fs.cpSync(pkg.source, tmp, { recursive: true, filter: (src) => path.basename(src) !== '.git' });
  removePath(dest);
  fs.renameSync(tmp, dest);
}

/**
 * What kiln deps left in the install folder: name → the lock entry it fetched, or VENDORED for a
 * copy it found there and kept. A rerun keeps what is unchanged and tells vendored copies from
 * its own.
 */
const RECORD = '.kiln-deps.json';

function readRecord(installDir: string): Map<string, string> {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(installDir, RECORD), 'utf8')) as Record<string, unknown>;
    return new Map(Object.entries(v).map(([k, e]) => [k, e === VENDORED ? VENDORED : JSON.stringify(e)]));
  } catch {
    return new Map();
  }
}

export async function installPackages(o: InstallOptions): Promise<InstallResult> {
  const file = readPackagesFile(o.projectDir, o.render);
  const installDir = path.resolve(o.projectDir, o.installPath);
  if (path.resolve(installDir) === path.resolve(o.projectDir)) {
    throw new KilnError(Codes.CONFIG_INVALID, 'packages-install-path points at the project folder itself', { loc: { file: 'dbt_project.yml' }, hint: 'Use a folder of its own, e.g. dbt_packages.' });
  }
  const record = readRecord(installDir);
  const hash = packagesHash(file.entries);
  const lock = file.file ? readLockFile(o.projectDir, o.render) : null;
  const lockedNames = new Set((lock?.packages ?? []).flatMap((p) => (p.name ? [p.name] : [])));
  const ropts = { ...o, installDir, installed: record, lockedNames, hub: o.hub };
  // dbt's rule: the lock is followed while its hash matches packages.yml, unless --upgrade
  const fromLock = !!lock && lock.hash === hash && !o.upgrade;
  if (o.lockOnly) {
    // dbt deps --lock: the lock is (re)written when it no longer matches; the install folder is left alone
    if (fromLock || !file.file) return { file: file.file, installed: [], removed: [], fromLock };
    const resolved = await resolvePackages(file.packages, ropts);
    for (const p of resolved) if (p.cleanup) fs.rmSync(p.cleanup, { recursive: true, force: true });
    writeLockFile(o.projectDir, resolved.map((p) => p.lock), hash);
    return { file: file.file, installed: resolved, removed: [], fromLock };
  }
  const resolved = fromLock && lock ? await resolveLocked(lock.packages, ropts) : await resolvePackages(file.packages, ropts);
  const kept: Record<string, unknown> = {};
  try {
    makeDirs(installDir);
    for (const p of resolved) {
      place(p, path.join(installDir, p.name));
      // a vendored copy stays the user's; what kiln fetched is recorded as kiln's (a copy from
      // KILN_PACKAGES_DIR is neither: it is copied again each time)
      if (p.origin === 'vendored') kept[p.name] = VENDORED;
      else if (p.origin === 'fetched') kept[p.name] = p.lock;
    }
  } finally {
    for (const p of resolved) if (p.cleanup) fs.rmSync(p.cleanup, { recursive: true, force: true });
  }
  const keep = new Set(resolved.map((p) => p.name));
  const removed: string[] = [];
  for (const entry of fs.readdirSync(installDir)) {
    if (entry.endsWith('.kiln-partial')) removePath(path.join(installDir, entry)); // left by an interrupted run
    if (keep.has(entry) || entry.startsWith('.')) continue;
    removePath(path.join(installDir, entry));
    removed.push(entry);
  }
  if (Object.keys(kept).length) fs.writeFileSync(path.join(installDir, RECORD), `${JSON.stringify(kept, null, 2)}\n`);
  else fs.rmSync(path.join(installDir, RECORD), { force: true });
  if (file.file && !fromLock) writeLockFile(o.projectDir, resolved.map((p) => p.lock), hash);
  return { file: file.file, installed: resolved, removed, fromLock };
}
