// Finding, reading and hashing a project's files. Synchronous on purpose: for 10,000 small
// files one sync loop beats per-file promises by a wide margin (list+read+hash ≈ 0.3 s).
import { isUtf8 } from 'node:buffer';
import { hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Codes, KilnError, type Problems } from '../errors.js';
import { BIG_SEED_BYTES, seedStamp } from '../seeds/seed-stamp.js';
import { dbtChecksum, pyStrip } from './dbt-strip.js';
import type { FileKind, ProjectFile, ProjectSourceFile } from './types.js';

type RootType = 'model' | 'seed' | 'snapshot' | 'test' | 'macro' | 'analysis' | 'docs';

/** Files at the project root that are never resources, even when a path is `.`. */
const ROOT_FILES = new Set(['dbt_project.yml', 'profiles.yml', 'packages.yml', 'dependencies.yml', 'selectors.yml', 'package-lock.yml']);

/** `./models/` → `models`; `.` stays `.`. */
export function normalizeRoot(p: string): string {
  const n = path.posix.normalize(p.replace(/\\/g, '/')).replace(/\/+$/, '');
  return n === '' ? '.' : n;
}

/**
 * The folders discovery never lists, relative to the project: the target, the installed
 * packages. An absolute target (--target-path /abs/dir) as the project folder it may be in.
 */
export function skippedRoots(root: string, project: Pick<ProjectFile, 'targetPath' | 'packagesInstallPath'>): Set<string> {
  return new Set([project.targetPath, project.packagesInstallPath, 'dbt_packages', 'dbt_modules'].map((p) => normalizeRoot(path.isAbsolute(p) ? path.relative(root, p) || '.' : p)));
}

/**
 * Relative paths (forward slashes, sorted) of the files under `absDir`. Dot-entries and
 * `node_modules` are skipped everywhere; `skipDir(relToProject)` prunes other folders.
 */
export function listFiles(absDir: string, relDir: string, skipDir: (rel: string) => boolean): string[] {
  const out: string[] = [];
  // Symlinked folders are followed once, and never back into the tree being walked.
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(absDir);
  } catch {
    return out;
  }
  const seen = new Set<string>();
  const inside = (real: string): boolean => real === realRoot || real.startsWith(realRoot + path.sep) || realRoot.startsWith(real + path.sep);
  const walk = (abs: string, rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch {
      return; // a missing or unreadable folder holds no resources (dbt ignores missing paths)
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const childRel = rel === '.' ? e.name : `${rel}/${e.name}`;
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (isFile) {
        // Most entries: no absolute path for them (path.join normalizes; 10,000 files).
        out.push(childRel);
        continue;
      }
      const childAbs = path.join(abs, e.name);
      if (e.isSymbolicLink()) {
        try {
          const st = fs.statSync(childAbs);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue; // dangling link
        }
      }
      if (isDir) {
        if (skipDir(childRel)) continue;
        if (e.isSymbolicLink()) {
          const real = fs.realpathSync(childAbs);
          if (inside(real) || seen.has(real)) continue;
          seen.add(real);
        }
        walk(childAbs, childRel);
      } else if (isFile) {
        out.push(childRel);
      }
    }
  };
  walk(absDir, relDir);
  return out;
}

export interface ReadResult {
  readonly contents: string;
  readonly checksum: string;
  /** dbt's checksum: of the text stripped of surrounding whitespace (dbt-strip.ts). */
  readonly dbtChecksum: string;
}

/**
 * Earlier reads a long-lived process (kiln watch) knows to be current: a file it returns is not
 * read again; `set` receives every file read.
 */
export interface FileReuse {
  get(relPath: string): ReadResult | undefined;
  set(relPath: string, read: ReadResult): void;
  /** The files listed earlier under the folder `key` names, when the process knows none was added or removed since. */
  listing?(key: string): readonly string[] | undefined;
  setListing?(key: string, files: readonly string[]): void;
  /**
   * The file entries of the last listing by path, for the next one to hand out again when
   * nothing about them changed: 20,000 entries (and their absolute paths) per re-parse are not
   * made anew. Entries are never changed once made.
   */
  entriesUnder?(root: string): Map<string, ProjectSourceFile>;
}

/**
 * Reads one file as UTF-8 (a BOM is dropped from `contents`) and hashes its bytes (sha256 hex).
 * Binary or invalid UTF-8 content and read failures are FILE_UNREADABLE. `textless` files
 * (seeds, read by the seed loader itself) are only hashed, or only stamped when over dbt's seed
 * size limit (seedStamp).
 */
export function readSourceFile(absPath: string, relPath: string, textless = false): ReadResult {
  if (!textless) {
    const text = readText(absPath, relPath);
    if (text !== null) return text;
  }
  let buf: Buffer;
  try {
    if (textless) {
      // A seed over dbt's size limit is not read here (core/seeds/seed-stamp.ts).
      const st = fs.statSync(absPath);
      if (st.isFile() && st.size > BIG_SEED_BYTES) {
        const stamp = seedStamp(st);
        return { contents: '', checksum: stamp, dbtChecksum: stamp };
      }
    }
    buf = fs.readFileSync(absPath);
  } catch (e) {
    throw unreadable(e, relPath);
  }
  // crypto.hash: one call, no Hash object per file (~5x faster for 10,000 small files).
  const checksum = hash('sha256', buf, 'hex');
  // From the bytes read (no second read); a second hash only when the file has surrounding whitespace.
  const dbtSum = dbtChecksum(buf, checksum);
  if (textless) return { contents: '', checksum, dbtChecksum: dbtSum };
  const nul = buf.indexOf(0);
  if (nul !== -1) {
    throw new KilnError(Codes.FILE_UNREADABLE, `${relPath} is not a text file (it contains NUL bytes)`, {
      loc: { file: relPath, line: lineAt(buf, nul) },
      hint: 'remove binary files from the resource folders or move them elsewhere',
    });
  }
  if (!isUtf8(buf)) {
    const lossy = buf.toString('utf8');
    const bad = lossy.indexOf('\uFFFD');
    const line = bad === -1 ? undefined : lossy.slice(0, bad).split('\n').length;
    throw new KilnError(Codes.FILE_UNREADABLE, `${relPath} is not valid UTF-8`, {
      loc: { file: relPath, line },
      hint: 'save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)',
    });
  }
  let contents = buf.toString('utf8');
  if (contents.charCodeAt(0) === 0xfeff) contents = contents.slice(1);
  return { contents, checksum, dbtChecksum: dbtSum };
}

/**
 * A text file read and decoded in one call (readFileSync's UTF-8 path opens, reads and decodes
 * in C++: ~15 % less CPU than bytes then text, for 1,000s of small files), with its checksums
 * from the text: valid UTF-8 decodes and encodes back to the very bytes read. Null when the text
 * holds a replacement character or NUL (invalid UTF-8, a binary file, or such a character
 * written as such): the bytes are read again, and judged and reported as before.
 */
/** readFileSync's options made once: given 'utf8', Node 20 copies its defaults into a new object at every call. */
const UTF8 = Object.freeze({ encoding: 'utf8' as const });

function readText(absPath: string, relPath: string): ReadResult | null {
  let text: string;
  try {
    text = fs.readFileSync(absPath, UTF8);
  } catch (e) {
    throw unreadable(e, relPath);
  }
  if (text.includes('\uFFFD') || text.includes('\0')) return null;
  // (crypto.hash encodes a string as UTF-8; dbtChecksum's byte-wise strip is pyStrip of the text)
  const checksum = hash('sha256', text, 'hex');
  const stripped = pyStrip(text);
  return { contents: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, checksum, dbtChecksum: stripped === text ? checksum : hash('sha256', stripped, 'hex') };
}

function unreadable(e: unknown, relPath: string): KilnError {
  const code = (e as NodeJS.ErrnoException).code;
  const reason = code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder, not a file' : (e as Error).message;
  return new KilnError(Codes.FILE_UNREADABLE, `Cannot read ${relPath}: ${reason}`, {
    loc: { file: relPath },
    hint: code === 'EACCES' ? 'check the file permissions' : code === 'EISDIR' ? `rename or remove the folder ${relPath}` : undefined,
    cause: e,
  });
}

function lineAt(buf: Buffer, offset: number): number {
  let line = 1;
  for (let i = buf.indexOf(10); i !== -1 && i < offset; i = buf.indexOf(10, i + 1)) line++;
  return line;
}

function extOf(p: string): string {
  const dot = p.lastIndexOf('.');
  return dot > p.lastIndexOf('/') ? p.slice(dot + 1).toLowerCase() : '';
}

/** The kind of a file found under a root of `type`, or undefined when it is not a resource. */
function classify(type: RootType, root: string, rel: string): FileKind | 'python' | undefined {
  const ext = extOf(rel);
  if (type === 'docs') return ext === 'md' ? 'doc' : undefined;
  if (ext === 'yml' || ext === 'yaml') return 'properties';
  switch (type) {
    case 'model':
      return ext === 'sql' ? 'model' : ext === 'py' ? 'python' : undefined;
    case 'seed':
      return ext === 'csv' ? 'seed' : undefined;
    case 'snapshot':
      return ext === 'sql' ? 'snapshot' : undefined;
    case 'macro':
      return ext === 'sql' ? 'macro' : undefined;
    case 'analysis':
      return ext === 'sql' ? 'analysis' : undefined;
    case 'test': {
      if (ext !== 'sql') return undefined;
      // Generic tests (`{% test name(model, ...) %}`) live in tests/generic/ and are macros.
      const inner = root === '.' ? rel : rel.slice(root.length + 1);
      return inner.startsWith('generic/') ? 'macro' : 'test';
    }
  }
}

/**
 * Lists every resource file of the project, reads and hashes it. Problems (unreadable files)
 * go to `problems`; Python models are reported as unsupported warnings.
 */
export function discoverFiles(root: string, project: ProjectFile, problems: Problems, reuse?: FileReuse): ProjectSourceFile[] {
  const rootsByType: [RootType, readonly string[]][] = [
    ['model', project.modelPaths],
    ['seed', project.seedPaths],
    ['snapshot', project.snapshotPaths],
    ['test', project.testPaths],
    ['macro', project.macroPaths],
    ['analysis', project.analysisPaths],
    ['docs', project.docsPaths],
  ];
  const skipped = skippedRoots(root, project);
  const skipDir = (rel: string): boolean => skipped.has(rel);
  const listings = new Map<string, readonly string[]>();
  const skippedKey = [...skipped].join('\0');
  const list = (r: string): readonly string[] => {
    let files = listings.get(r);
    if (!files) {
      // A long-lived process that saw every save (kiln watch) lists each folder once.
      const key = `${r}\0${skippedKey}`;
      files = reuse?.listing?.(key);
      if (!files) {
        let listed = skipped.has(r) ? [] : listFiles(path.join(root, r), r, skipDir);
        if (r === '.') listed = listed.filter((f) => !ROOT_FILES.has(f));
        reuse?.setListing?.(key, listed);
        files = listed;
      }
      listings.set(r, files);
    }
    return files;
  };

  // path.join normalizes every path it makes (~3 µs a file in a cold process): a listed path
  // below a normalized absolute root needs none, where '/' is the separator.
  const plainRoot = path.sep === '/' && path.isAbsolute(root) && path.normalize(root) === root && !root.endsWith('/');
  const absOf = (rel: string): string => (plainRoot && rel[0] !== '.' && !rel.includes('/.') ? `${root}/${rel}` : path.join(root, rel));
  const out: ProjectSourceFile[] = [];
  // The first kind each file was taken as; a second kind for the same file (rare) by `kind:path`.
  const takenAs = new Map<string, FileKind>();
  const entries = reuse?.entriesUnder?.(root);
  const taken = new Set<string>();
  const reads = new Map<string, ReadResult | null>();
  for (const [type, roots] of rootsByType) {
    for (const r0 of roots) {
      const r = normalizeRoot(r0);
      for (const rel of list(r)) {
        const kind = classify(type, r, rel);
        if (kind === undefined) continue;
        if (kind === 'python') {
          if (taken.has(`python:${rel}`)) continue;
          taken.add(`python:${rel}`);
          problems.warn(
            new KilnError(Codes.CONFIG_INVALID, `Python model ${rel} is not supported by kiln and is skipped`, {
              loc: { file: rel },
              hint: 'rewrite it as a SQL model, or move it out of the model paths',
            }),
          );
          continue;
        }
        // One entry per (kind, file); a property file once whatever root it was found under.
        const first = takenAs.get(rel);
        if (first === kind) continue;
        if (first === undefined) takenAs.set(rel, kind);
        else {
          const key = `${kind}:${rel}`;
          if (taken.has(key)) continue;
          taken.add(key);
        }
        // Made when needed (kiln watch's re-parse reuses the entries, absolute paths included).
        let absPath: string | undefined;
        let read = reads.get(rel);
        if (read === undefined) {
          read = reuse?.get(rel);
          if (read === undefined) {
            try {
              read = readSourceFile((absPath = absOf(rel)), rel, kind === 'seed');
              reuse?.set(rel, read);
            } catch (e) {
              problems.capture(e);
              read = null;
            }
          }
          reads.set(rel, read);
        }
        if (read === null) continue;
        const known = entries?.get(rel);
        if (known && known.kind === kind && known.root === r && known.contents === read.contents && known.checksum === read.checksum) {
          out.push(known);
          continue;
        }
        const entry: ProjectSourceFile = { kind, path: rel, absPath: absPath ?? absOf(rel), root: r, contents: read.contents, checksum: read.checksum, dbtChecksum: read.dbtChecksum };
        entries?.set(rel, entry);
        out.push(entry);
      }
    }
  }
  return out;
}
