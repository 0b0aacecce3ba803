// package-lock.yml as dbt 1.7+ writes and reads it: every installed package (the project's and
// theirs), pinned (hub: the version; git: the commit), each with its project name, and
// `sha1_hash`, a hash of packages.yml's entries. While the hash matches packages.yml, deps
// installs what the lock lists without resolving anything again.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RenderString } from '../project/types.js';
import { isPlainObject } from '../project/values.js';
import { parseYaml } from '../project/yaml-file.js';
import { yamlLib } from '../yaml-lib.js';
import { LOCK_FILE, parseSpecs, type PackageEntry, type PackageSpec } from './packages-file.js';

export interface LockedPackage {
  readonly spec: PackageSpec;
  /** The project name recorded for it (dbt 1.8+ records one). */
  readonly name: string | null;
}

export interface LockFile {
  readonly hash: string | null;
  readonly packages: readonly LockedPackage[];
}

/** Python's json.dumps(sort_keys=True) of a YAML value: dbt hashes that text. */
function pyJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${pyJson(k)}: ${pyJson(v[k])}`).join(', ')}}`;
  }
  return JSON.stringify(String(v));
}

/** An entry as dbt's package contract serializes it (defaults filled in, `unrendered` the entry as written). */
function contractDict(e: PackageEntry): Record<string, unknown> {
  const r = e.rendered;
  const out: Record<string, unknown> = {};
  const optional = (k: string) => (r[k] === undefined ? null : r[k]);
  if (r.package !== undefined) {
    out.package = r.package;
    out.version = r.version ?? null;
    out.install_prerelease = r.install_prerelease ?? false;
  } else if (r.git !== undefined || r.private !== undefined) {
    if (r.git !== undefined) out.git = r.git;
    else {
      out.private = r.private;
      out.provider = optional('provider');
    }
    out.revision = optional('revision');
    out['warn-unpinned'] = optional('warn-unpinned');
    out.subdirectory = optional('subdirectory');
  } else if (r.tarball !== undefined) {
    out.tarball = r.tarball;
  } else if (r.local !== undefined) {
    out.local = r.local;
  }
  if (r.name !== undefined && r.name !== null) out.name = r.name;
  out.unrendered = e.raw;
  return out;
}

/** dbt's sha1_hash of packages.yml: the sorted JSON lines of its entries. */
export function packagesHash(entries: readonly PackageEntry[]): string {
  const lines = entries.map((e) => pyJson(contractDict(e))).sort();
  return createHash('sha1').update(lines.join('\n')).digest('hex');
}

export function readLockFile(projectDir: string, render?: RenderString): LockFile | null {
  const abs = path.join(projectDir, LOCK_FILE);
  if (!fs.existsSync(abs)) return null;
  const yf = parseYaml(fs.readFileSync(abs, 'utf8'), LOCK_FILE);
  if (!isPlainObject(yf.value)) return null;
  const hash = typeof yf.value.sha1_hash === 'string' ? yf.value.sha1_hash : null;
  const list = Array.isArray(yf.value.packages) ? yf.value.packages : [];
  const specs = list.length ? parseSpecs(yf, render) : [];
  return {
    hash,
    packages: specs.map((spec, i) => {
      const raw = list[i] as Record<string, unknown>;
      return { spec, name: typeof raw.name === 'string' ? raw.name : null };
    }),
  };
}

export function lockEntry(spec: PackageSpec, name: string, pinned: { version?: string | null; sha?: string | null }): Record<string, unknown> {
  switch (spec.kind) {
    case 'local':
      return { local: spec.local, name };
    case 'git':
      return { git: spec.git, revision: pinned.sha ?? spec.revision ?? null, ...(spec.subdirectory ? { subdirectory: spec.subdirectory } : {}), name };
    case 'hub':
      // a vendored copy that declares no version: the range it was asked for
      return { package: spec.package, version: pinned.version ?? (spec.version.length === 1 ? spec.version[0] : [...spec.version]), name };
    case 'tarball':
      return { tarball: spec.tarball, name };
  }
}

export function writeLockFile(projectDir: string, entries: readonly Record<string, unknown>[], hash: string): void {
  // keys sorted, as dbt writes them: a lock written by either tool diffs cleanly against the other's
  const sorted = entries.map((e) => Object.fromEntries(Object.keys(e).sort().map((k) => [k, e[k]])));
  fs.writeFileSync(path.join(projectDir, LOCK_FILE), yamlLib().stringify({ packages: sorted, sha1_hash: hash }));
}
