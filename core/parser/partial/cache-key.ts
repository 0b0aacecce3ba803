// The project key of partial parsing: everything that can change the parse of any file, hashed
// together. A parse whose key differs from the cache's reuses nothing (dbt does the same for the
// project file, profile, vars and its own version; a macro or doc block can reach every node, so
// a change to one re-parses everything too, as dbt does for macros).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedProject, ProfileSelection, ProjectSourceFile } from '../../project/types.js';

/** Bump when the cached shapes change in a way the code fingerprint would not notice. */
const FORMAT = 1;

export interface CacheKeyInput {
  readonly loaded: LoadedProject;
  /** Installed packages: their project files and every file of theirs. */
  readonly packages: readonly { readonly name: string; readonly project: unknown; readonly files: readonly ProjectSourceFile[] }[];
  readonly profile: ProfileSelection;
  readonly staticFastPath: boolean;
  /** The invocation's `flags` (FULL_REFRESH, WHICH, ...), visible to templates at parse time. */
  readonly flags: Readonly<Record<string, unknown>>;
}

/** Words whose presence in a file makes its parse depend on the invocation (see fileVolatility). */
const FLAGS_RE = /\bflags\b/;
const PER_RUN_RE = /\b(invocation_id|run_started_at)\b/;

export function projectCacheKey(input: CacheKeyInput): string {
  const h = createHash('sha1');
  const add = (label: string, value: unknown) => h.update(label).update('\0').update(typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined').update('\0');
  add('format', FORMAT);
  add('code', codeFingerprint());
  add('project', input.loaded.project);
  add('cliVars', input.loaded.cliVars);
  add('profile', { name: input.profile.profileName, target: input.profile.target });
  add('fastPath', input.staticFastPath);
  let macrosUseFlags = false;
  const global = (f: ProjectSourceFile) => f.kind === 'macro' || f.kind === 'doc';
  for (const f of input.loaded.files) {
    if (!global(f)) continue;
    add(f.kind, `${f.path}\0${f.checksum}`);
    if (f.kind === 'macro' && FLAGS_RE.test(f.contents)) macrosUseFlags = true;
  }
  for (const p of input.packages) {
    add('package', { name: p.name, project: p.project });
    // A package's models are parsed against its own and the root project's settings; its files
    // change only through `kiln deps`, so all of them go into the key.
    for (const f of p.files) {
      add(f.kind, `${f.path}\0${f.checksum}`);
      if (f.kind === 'macro' && FLAGS_RE.test(f.contents)) macrosUseFlags = true;
    }
  }
  // A macro reading `flags` may make any node's parse depend on the command.
  if (macrosUseFlags) add('flags', input.flags);
  return h.digest('hex');
}

/**
 * What a file's own text makes its parse depend on beyond its contents: '' nothing; otherwise
 * the invocation's flags; null when it reads per-invocation values (invocation_id,
 * run_started_at) and so is never cached.
 */
export function fileVolatility(contents: string, flags: Readonly<Record<string, unknown>>): string | null {
  if (contents.indexOf('{') === -1) return '';
  if (PER_RUN_RE.test(contents)) return null;
  return FLAGS_RE.test(contents) ? JSON.stringify(flags) : '';
}

let fingerprint: string | undefined;

/**
 * Identifies the kiln code doing the parsing, so a cache written by other code is never
 * reused: the build stamp of dist/ when running built code, else the newest modification
 * time of the sources (a developer's edit to the parser takes effect at once).
 */
export function codeFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const here = path.dirname(fileURLToPath(import.meta.url));
  // core/parser/partial → the package root (dist/core/parser/partial → dist).
  const codeRoot = path.resolve(here, '..', '..', '..');
  let stamp = '';
  try {
    stamp = fs.readFileSync(path.join(codeRoot, '.kiln-build.json'), 'utf8');
  } catch {
    try {
      stamp = String(Math.max(newestUnder(path.join(codeRoot, 'core')), newestUnder(path.join(codeRoot, 'adapters'))));
    } catch {
      stamp = 'unknown';
    }
  }
  fingerprint = `${codeRoot}\0${stamp}`;
  return fingerprint;
}

function newestUnder(dir: string): number {
  let newest = fs.statSync(dir).mtimeMs;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestUnder(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}
