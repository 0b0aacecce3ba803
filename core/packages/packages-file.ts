// packages.yml / dependencies.yml → package specs. dbt reads either file's `packages:` list;
// each entry is `local:`, `git:` (+ revision, subdirectory), a hub `package:` (+ version) or a
// `tarball:`. Values may use env_var() (rendered by the caller's renderer).
import fs from 'node:fs';
import path from 'node:path';
import { Codes, KilnError, type SourceLocation } from '../errors.js';
import { isPlainObject, describeValue } from '../project/values.js';
import { locOf, parseYaml, type YamlFile } from '../project/yaml-file.js';
import { readSourceFile } from '../project/discover.js';
import type { RenderString } from '../project/types.js';
import { parseSpecifier } from './semver.js';

export type PackageSpec =
  | { readonly kind: 'local'; readonly local: string; readonly loc: SourceLocation }
  | { readonly kind: 'git'; readonly git: string; readonly revision: string | null; readonly subdirectory: string | null; readonly warnUnpinned?: boolean; readonly loc: SourceLocation }
  | { readonly kind: 'hub'; readonly package: string; readonly version: readonly string[]; readonly installPrerelease: boolean; readonly loc: SourceLocation }
  | { readonly kind: 'tarball'; readonly tarball: string; readonly name: string | null; readonly loc: SourceLocation };

export interface PackagesFile {
  /** Display path (`packages.yml` or `dependencies.yml`), or null when the project has none. */
  readonly file: string | null;
  readonly packages: readonly PackageSpec[];
  /** The file's text. */
  readonly text: string;
  /** Each entry as written and as rendered (env_var() filled in): the lock file's hash is made of both, as dbt makes it. */
  readonly entries: readonly PackageEntry[];
}

export interface PackageEntry {
  readonly raw: Readonly<Record<string, unknown>>;
  readonly rendered: Readonly<Record<string, unknown>>;
}

const FILES = ['packages.yml', 'dependencies.yml'] as const;
/** What `kiln deps` records of what it installed (here rather than in install.ts: reading it must not load the installer, which loads git's child_process). */
export const LOCK_FILE = 'package-lock.yml';

function invalid(message: string, loc: SourceLocation, hint?: string): KilnError {
  return new KilnError(Codes.PACKAGES_INVALID, message, { loc, hint });
}

/** The file's text; null when it does not exist. Unreadable, binary or non-UTF-8: FILE_UNREADABLE. */
function readIfExists(abs: string, file: string): string | null {
  if (!fs.existsSync(abs)) return null;
  return readSourceFile(abs, file).contents;
}

/** Reads the project's package list (an empty list when neither file exists). */
export function readPackagesFile(projectDir: string, render?: RenderString): PackagesFile {
  const found: { file: string; yf: YamlFile; text: string }[] = [];
  for (const file of FILES) {
    const text = readIfExists(path.join(projectDir, file), file);
    if (text === null) continue;
    const yf = parseYaml(text, file);
    if (isPlainObject(yf.value) && yf.value.packages !== undefined && yf.value.packages !== null) found.push({ file, yf, text });
  }
  if (found.length === 0) return { file: null, packages: [], text: '', entries: [] };
  if (found.length > 1) {
    throw invalid('Both packages.yml and dependencies.yml list packages', locOf(found[1].yf, ['packages']), 'Keep the packages in one of the two files (dbt reads only one).');
  }
  const { file, yf, text } = found[0];
  const entries: PackageEntry[] = [];
  return { file, text, packages: parseSpecs(yf, render, entries), entries };
}

/** The `packages:` list of a parsed packages.yml (or package-lock.yml); `entries` receives each entry as written and rendered. */
export function parseSpecs(yf: YamlFile, render?: RenderString, entries?: PackageEntry[]): PackageSpec[] {
  const list = (yf.value as Record<string, unknown>).packages;
  if (!Array.isArray(list)) {
    throw invalid(`\`packages\` in ${yf.file} must be a list, got ${describeValue(list)}`, locOf(yf, ['packages']), 'Write one `- local: path` / `- package: owner/name` entry per line.');
  }
  const out: PackageSpec[] = [];
  list.forEach((raw, i) => {
    const loc = locOf(yf, ['packages', i]);
    if (!isPlainObject(raw)) throw invalid(`Package entry ${i + 1} in ${yf.file} must be a mapping, got ${describeValue(raw)}`, loc);
    const rendered: Record<string, unknown> = {};
    entries?.push({ raw, rendered });
    for (const [k, v] of Object.entries(raw)) rendered[k] = v;
    const str = (key: string): string | null => {
      const v = raw[key];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string' && typeof v !== 'number') throw invalid(`\`${key}\` of package entry ${i + 1} must be a string, got ${describeValue(v)}`, locOf(yf, ['packages', i, key]));
      const s = String(v);
      if (!render || !/\{[{%]/.test(s)) return s;
      const r = render(s, locOf(yf, ['packages', i, key]));
      rendered[key] = r;
      return r;
    };
    if (raw.local !== undefined) out.push({ kind: 'local', local: str('local') ?? '', loc });
    else if (raw.git !== undefined) out.push({ kind: 'git', git: str('git') ?? '', revision: str('revision'), subdirectory: str('subdirectory'), warnUnpinned: raw['warn-unpinned'] !== false, loc });
    else if (raw.package !== undefined) {
      const v = raw.version;
      const version = v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map(String);
      const pkgName = str('package') ?? '';
      for (const text of version) {
        if (!parseSpecifier(text)) {
          throw invalid(`Version requirement '${text}' of hub package ${pkgName} is not a version range`, locOf(yf, ['packages', i, 'version']), 'Write versions like "1.1.1", ">=1.0.0" or "<2.0.0"; a range is a list: [">=1.0.0", "<2.0.0"].');
        }
      }
      // dbt's key is install_prerelease; its docs have also shown install-prerelease
      const pre = raw.install_prerelease ?? raw['install-prerelease'];
      out.push({ kind: 'hub', package: pkgName, version, installPrerelease: pre === true || pre === 'true', loc });
    } else if (raw.tarball !== undefined) out.push({ kind: 'tarball', tarball: str('tarball') ?? '', name: str('name'), loc });
    else if (raw.private !== undefined) out.push({ kind: 'git', git: str('private') ?? '', revision: str('revision'), subdirectory: str('subdirectory'), warnUnpinned: raw['warn-unpinned'] !== false, loc });
    else {
      throw invalid(`Package entry ${i + 1} in ${yf.file} has none of local, git, package, tarball`, loc, 'Examples: `- local: ../shared_macros`, `- package: dbt-labs/dbt_utils` with `version: ">=1.0.0"`, `- git: https://...` with `revision: v1.2.0`.');
    }
  });
  return out;
}

/** How a spec is shown to users. */
export function describeSpec(s: PackageSpec): string {
  switch (s.kind) {
    case 'local':
      return `local package ${s.local}`;
    case 'git':
      return `git package ${s.git}${s.revision ? `@${s.revision}` : ''}`;
    case 'hub':
      return `hub package ${s.package}${s.version.length ? ` (${s.version.join(', ')})` : ''}`;
    case 'tarball':
      return `tarball package ${s.tarball}`;
  }
}

/** Names a git/hub/tarball package is likely installed under (its project name is unknown until it is present). */
export function candidateNames(s: PackageSpec): string[] {
  const norm = (x: string) => x.replace(/\.git$/, '').replace(/[^A-Za-z0-9_]+/g, '_');
  let base: string;
  switch (s.kind) {
    case 'local':
      base = path.basename(path.resolve(s.local));
      break;
    case 'git':
      base = (s.subdirectory ? path.posix.basename(s.subdirectory) : s.git.split(/[/:]/).filter(Boolean).pop()) ?? s.git;
      break;
    case 'hub':
      base = s.package.split('/').pop() ?? s.package;
      break;
    case 'tarball':
      base = s.name ?? path.posix.basename(s.tarball).replace(/\.(tar\.gz|tgz|tar)$/, '');
      break;
  }
  const raw = base.replace(/\.git$/, '');
  const names = [raw, norm(raw), norm(raw).replace(/^dbt_?/, ''), `dbt_${norm(raw).replace(/^dbt_?/, '')}`];
  return [...new Set(names.filter(Boolean))];
}
