// `kiln compile` with nothing changed since the last compile: the outputs on disk are already
// what a compile would write, apart from manifest.json's invocation id and time. After each
// successful compile that depends on nothing but files, arguments and the environment, this
// records in target/ what it read and wrote (size, times and inode of every input file, folder
// and output file; digests of the environment and arguments). The next compile checks that record
// first (stat calls only: no read, no parse, no compile) and, when every input and output is as
// recorded, only gives manifest.json its new invocation id and time, in place.
//
// Exactness:
// - An input whose stat differs is hashed; the same contents (a touched file) still count as unchanged.
// - Stat times that fall within the compile that recorded them ("racy", as git calls it) are not
//   trusted: such a file is hashed next time, such a folder makes the next compile a full one.
// - Folders are recorded so that an added, removed or renamed file changes their times.
// - Outputs (compiled SQL, manifest.json) must be exactly as written, else the compile is full.
// - What can differ between two compiles of the same files is never recorded: results that
//   read per-invocation values or call log/print/modules (searched for in every file's text),
//   warnings, nodes compiled against the warehouse, --defer/--state, a long-lived process.
import { isUtf8 } from 'node:buffer';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { codeFingerprint } from './cache-key.js';

/** The record, in the target folder. */
export const COMPILE_STATE_FILE = 'kiln_compile_state.json';
const FORMAT = 1;

/** Words whose presence in any file may make two compiles of the same files differ. */
const VOLATILE_RE = /\b(invocation_id|run_started_at|modules|microbatch|log|print|warn|exceptions|run_query|statement|load_result|adapter|now|random)\b/;

/** Words that let a template see other nodes' code. */
const GRAPH_RE = /\b(graph|model|node)\b/;

/** [path relative to the project root, size, mtimeMs, ctimeMs, ino, sha256 or '' (inputs only)]; size -1: absent. */
type Stamp = [string, number, number, number, number, string];
/** Racy entries have RACY as their size: never trusted without a hash. */
const RACY = -2;
const ABSENT = -1;

interface CompileState {
  readonly format: number;
  readonly key: string;
  readonly targetPath: string;
  /** Env vars that matter: name → digest (null: unset). */
  readonly env: [string, string | null][];
  /** Names of DBT_/KILN_ vars set when recorded (a new one is a change too). */
  readonly envNames: string;
  readonly salt: string;
  inputs: Stamp[];
  readonly dirs: Stamp[];
  outputs: Stamp[];
  /** manifest.json: the output it is, and the text of its first part (`{"metadata":{...}`). */
  manifest: { readonly output: number; readonly head: string };
  readonly report: CompileReport;
  /**
   * Models whose file alone may change with the rest of the compile reused (see
   * compileOneChanged): [index in inputs, start and end of its JSON in manifest.json, index in outputs].
   */
  models: [number, number, number, number][];
}

/** What the compile printed, to print again. */
export interface CompileReport {
  readonly found: string;
  readonly count: number;
  readonly written: number;
  readonly formatNote: boolean;
}

/** The options that decide what compile writes (cosmetic ones, like the log format, left out). */
function argsKey(opts: object, root: string): string {
  const skip = new Set(['logFormat', 'color', 'printTimings', 'debug', 'timings', 'parseState']);
  const parts: [string, unknown][] = Object.entries(opts).filter(([k, v]) => !skip.has(k) && v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256')
    .update(JSON.stringify([FORMAT, codeFingerprint(), process.version, root, parts]))
    .digest('hex');
}

function envDigest(salt: string, name: string, value: string | undefined): string | null {
  return value === undefined ? null : createHash('sha256').update(`${salt}\0${name}\0${value}`).digest('hex');
}

/** Env vars kiln or dbt read directly: their names by prefix, and HOME (~/.dbt). */
function envOfInterest(): string[] {
  return Object.keys(process.env)
    .filter((k) => k.startsWith('DBT_') || k.startsWith('KILN_'))
    .sort();
}

function stamp(root: string, abs: string, checksum = ''): Stamp {
  const rel = path.relative(root, abs);
  const st = fs.statSync(abs, { throwIfNoEntry: false });
  if (!st) return [rel, ABSENT, 0, 0, 0, ''];
  return [rel, st.size, st.mtimeMs, st.ctimeMs, st.ino, checksum];
}

function sameStat(s: Stamp, st: fs.Stats | undefined): boolean {
  if (!st) return s[1] === ABSENT;
  return s[1] === st.size && s[2] === st.mtimeMs && s[3] === st.ctimeMs && s[4] === st.ino;
}

/** Whether a stat time may have been set during the compile (`since`: its start, ms since the epoch). */
function racy(s: Stamp, since: number): boolean {
  if (s[1] === ABSENT) return false;
  // Timestamps in whole seconds: a file system with coarse times (FAT, HFS+); allow for it.
  const slack = s[2] % 1000 === 0 && s[3] % 1000 === 0 ? 2100 : 100;
  return s[2] >= since - slack || s[3] >= since - slack;
}

function sha256File(abs: string): string | null {
  try {
    return createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
  } catch {
    return null;
  }
}

/** `target-path:` of dbt_project.yml when written plainly; null when it needs rendering. */
function peekTargetPath(root: string): string | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, 'dbt_project.yml'), 'utf8');
  } catch {
    return null;
  }
  const m = /^target-path:[ \t]*(.*)$/m.exec(text);
  if (!m) return 'target';
  const v = m[1].replace(/[ \t]+#.*$/, '').trim().replace(/^(['"])(.*)\1$/, '$2');
  return v === '' || /[{}'"]/.test(v) ? null : v;
}

export interface UpToDate {
  readonly report: CompileReport;
  /** 'all': nothing changed; 'unchanged models': changed model files recompiled, the rest reused. */
  readonly reuse: 'all' | 'unchanged models';
  readonly targetPath: string;
}

/**
 * When nothing compile depends on changed since the recorded compile and its outputs are as
 * written: gives manifest.json the new invocation id and time and returns what to print.
 * Otherwise null (the caller compiles in full). Never throws.
 */
export function compileIfUpToDate(opts: { readonly projectDir?: string; readonly partialParse?: boolean; readonly parseState?: unknown; readonly state?: string; readonly defer?: boolean }, cwd: string, meta: { readonly invocationId: string; readonly generatedAt: Date }): UpToDate | null {
  if (opts.partialParse === false || opts.parseState !== undefined || opts.state !== undefined || opts.defer) return null;
  try {
    return check(opts, cwd, meta);
  } catch {
    return null;
  }
}

function check(opts: { readonly projectDir?: string }, cwd: string, meta: { readonly invocationId: string; readonly generatedAt: Date }): UpToDate | null {
  const since = Date.now();
  const root = path.resolve(cwd, opts.projectDir ?? '.');
  const targetPath = peekTargetPath(root);
  if (targetPath === null) return null;
  const targetDir = path.resolve(root, targetPath);
  const file = path.join(targetDir, COMPILE_STATE_FILE);
  let state: CompileState;
  try {
    state = JSON.parse(fs.readFileSync(file, 'utf8')) as CompileState;
  } catch {
    return null;
  }
  if (state.format !== FORMAT || state.targetPath !== targetPath || state.key !== argsKey(opts, root)) return null;
  const names = envOfInterest();
  if (names.join('\0') !== state.envNames) return null;
  for (const [name, digest] of state.env) if (envDigest(state.salt, name, process.env[name]) !== digest) return null;
  for (const d of state.dirs) {
    if (d[1] === RACY || !sameStat(d, fs.statSync(path.resolve(root, d[0]), { throwIfNoEntry: false }))) return null;
  }
  const changed = new Map<number, { readonly bytes: Buffer; readonly checksum: string; readonly st: fs.Stats }>();
  for (let i = 0; i < state.inputs.length; i++) {
    const s = state.inputs[i];
    const abs = path.resolve(root, s[0]);
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (s[1] !== RACY && sameStat(s, st)) continue;
    // Touched, copied back, or recorded while it might still change: the contents decide.
    if (!st || !s[5]) return null;
    const bytes = fs.readFileSync(abs);
    const checksum = createHash('sha256').update(bytes).digest('hex');
    if (checksum === s[5]) state.inputs[i] = stampOf(s[0], st, s[5], since);
    else changed.set(i, { bytes, checksum, st });
  }
  for (let i = 0; i < state.outputs.length; i++) {
    if (i === state.manifest.output) continue;
    const s = state.outputs[i];
    if (!sameStat(s, fs.statSync(path.resolve(root, s[0]), { throwIfNoEntry: false }))) return null;
  }
  // manifest.json: as written, not shared with another name (a hard link), its first part as recorded.
  if (!state.manifest.head.startsWith(HEAD_PREFIX)) return null;
  const m = state.outputs[state.manifest.output];
  const manifestPath = path.resolve(root, m[0]);
  const head = Buffer.from(state.manifest.head, 'utf8');
  const metadata = JSON.parse(state.manifest.head.slice(HEAD_PREFIX.length)) as Record<string, unknown>;
  if (typeof metadata.generated_at !== 'string' || typeof metadata.invocation_id !== 'string') return null;
  metadata.generated_at = meta.generatedAt.toISOString();
  metadata.invocation_id = meta.invocationId;
  const newHead = Buffer.from(HEAD_PREFIX + JSON.stringify(metadata), 'utf8');
  const fd = fs.openSync(manifestPath, changed.size ? 'r' : 'r+');
  try {
    const st = fs.fstatSync(fd);
    if (!sameStat(m, st) || st.nlink !== 1) return null;
    const old = Buffer.alloc(head.length);
    if (fs.readSync(fd, old, 0, old.length, 0) !== old.length || !old.equals(head)) return null;
    if (changed.size === 0) {
      if (newHead.length !== head.length) return null;
      // Same length, same place: the file is valid JSON before and after this one small write.
      fs.writeSync(fd, newHead, 0, newHead.length, 0);
      const after = fs.fstatSync(fd);
      state.outputs[state.manifest.output] = [m[0], after.size, after.mtimeMs, after.ctimeMs, after.ino, ''];
    } else if (!recompileChanged(state, root, fd, st.size, manifestPath, head.length, newHead, changed, since)) {
      return null;
    }
  } finally {
    fs.closeSync(fd);
  }
  state.manifest = { output: state.manifest.output, head: newHead.toString('utf8') };
  writeState(file, state);
  return { report: state.report, targetPath, reuse: changed.size ? 'unchanged models' : 'all' };
}

function stampOf(rel: string, st: fs.Stats, checksum: string, since: number): Stamp {
  const s: Stamp = [rel, st.size, st.mtimeMs, st.ctimeMs, st.ino, checksum];
  return racy(s, since) ? [rel, RACY, s[2], s[3], s[4], checksum] : s;
}

/** What may surround a model's Jinja without taking part in it: no braces. */
const PLAIN_RE = /[{}]/;
/** Jinja that reaches beyond its own output (or sees the model's own code). */
const MIDDLE_BAD_RE = /\b(extends|block|return|raise_compiler_error|exceptions|model|node|graph|caller|this)\b/;

/**
 * The compiled SQL of a model whose file changed only outside its Jinja: the text before the
 * first brace and after the last one. The Jinja in between is the same text in the same context
 * (nothing else changed), so it renders to what it rendered before: the old compiled SQL minus
 * the old surroundings. Null when that does not hold or cannot be shown to.
 */
export function recomposeCompiled(oldRaw: string, oldCompiled: string, newRaw: string): string | null {
  // Jinja drops one trailing newline of a template (core/template/engine.ts).
  const strip = (t: string) => (t.endsWith('\r\n') ? t.slice(0, -2) : t.endsWith('\n') ? t.slice(0, -1) : t);
  const split = (t: string): { head: string; middle: string; tail: string } | null => {
    const first = t.indexOf('{');
    if (first === -1) return PLAIN_RE.test(t) ? null : { head: t, middle: '', tail: '' };
    const last = t.lastIndexOf('}');
    const head = t.slice(0, first);
    const middle = t.slice(first, last + 1);
    const tail = t.slice(last + 1);
    if (PLAIN_RE.test(head) || PLAIN_RE.test(tail)) return null;
    if (!middle.startsWith('{{') || middle[2] === '-' || !middle.endsWith('}}') || middle[middle.length - 3] === '-') return null;
    if (MIDDLE_BAD_RE.test(middle)) return null;
    return { head, middle, tail };
  };
  const a = split(strip(oldRaw));
  const b = split(strip(newRaw));
  if (!a || !b || a.middle !== b.middle) return null;
  if (oldCompiled.length < a.head.length + a.tail.length || !oldCompiled.startsWith(a.head) || !oldCompiled.endsWith(a.tail)) return null;
  const rendered = oldCompiled.slice(a.head.length, oldCompiled.length - a.tail.length);
  if (a.middle === '' && rendered !== '') return null;
  return b.head + rendered + b.tail;
}

interface NodeJson {
  resource_type?: unknown;
  raw_code?: unknown;
  compiled_code?: unknown;
  checksum?: { checksum?: unknown };
  config?: { materialized?: unknown };
}

/**
 * Model files changed outside their Jinja (recomposeCompiled), nothing else: their entries of
 * manifest.json and their compiled files are made anew, the rest of manifest.json is copied.
 */
function recompileChanged(state: CompileState, root: string, fd: number, size: number, manifestPath: string, headLength: number, newHead: Buffer, changed: ReadonlyMap<number, { readonly bytes: Buffer; readonly checksum: string; readonly st: fs.Stats }>, since: number): boolean {
  const byInput = new Map(state.models.map((m, k) => [m[0], k]));
  const edits: { readonly k: number; readonly text: Buffer; readonly compiled: string; readonly sameCompiled: boolean }[] = [];
  for (const [i, c] of changed) {
    const k = byInput.get(i);
    if (k === undefined) return false;
    const [, start, end] = state.models[k];
    // As discovery reads files: UTF-8 text without NUL bytes or a byte order mark.
    if (c.bytes.indexOf(0) !== -1 || !isUtf8(c.bytes) || (c.bytes[0] === 0xef && c.bytes[1] === 0xbb && c.bytes[2] === 0xbf)) return false;
    const newRaw = c.bytes.toString('utf8');
    if (VOLATILE_RE.test(newRaw)) return false;
    const buf = Buffer.alloc(end - start);
    if (fs.readSync(fd, buf, 0, buf.length, start) !== buf.length) return false;
    const node = JSON.parse(buf.toString('utf8')) as NodeJson;
    const oldRaw = node.raw_code;
    const oldCompiled = node.compiled_code;
    const recorded = state.inputs[i][5];
    if (node.resource_type !== 'model' || typeof oldRaw !== 'string' || typeof oldCompiled !== 'string' || node.config?.materialized === 'ephemeral') return false;
    if (!node.checksum || node.checksum.checksum !== recorded || createHash('sha256').update(oldRaw, 'utf8').digest('hex') !== recorded) return false;
    const compiled = recomposeCompiled(oldRaw, oldCompiled, newRaw);
    if (compiled === null) return false;
    node.raw_code = newRaw;
    node.checksum.checksum = c.checksum;
    node.compiled_code = compiled;
    edits.push({ k, text: Buffer.from(JSON.stringify(node), 'utf8'), compiled, sameCompiled: compiled === oldCompiled });
  }
  edits.sort((x, y) => state.models[x.k][1] - state.models[y.k][1]);
  // manifest.json: the new first part, then the old text with the changed entries replaced.
  const tmp = `${manifestPath}.${process.pid}.tmp`;
  const out = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(out, newHead);
    const copy = (from: number, to: number) => {
      const chunk = Buffer.allocUnsafe(Math.min(8 << 20, Math.max(0, to - from)));
      for (let pos = from; pos < to; ) {
        const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, to - pos), pos);
        if (n <= 0) throw new Error('manifest.json shrank');
        fs.writeSync(out, chunk, 0, n);
        pos += n;
      }
    };
    let pos = headLength;
    for (const e of edits) {
      const [, start, end] = state.models[e.k];
      copy(pos, start);
      fs.writeSync(out, e.text);
      pos = end;
    }
    copy(pos, size);
  } catch {
    fs.closeSync(out);
    fs.rmSync(tmp, { force: true });
    return false;
  }
  fs.closeSync(out);
  // Compiled files, each replaced atomically (left alone when the same).
  for (const e of edits) {
    if (e.sameCompiled) continue;
    const o = state.models[e.k][3];
    const abs = path.resolve(root, state.outputs[o][0]);
    const t = `${abs}.${process.pid}.tmp`;
    fs.writeFileSync(t, e.compiled);
    fs.renameSync(t, abs);
    const st = fs.statSync(abs);
    state.outputs[o] = [state.outputs[o][0], st.size, st.mtimeMs, st.ctimeMs, st.ino, ''];
  }
  fs.renameSync(tmp, manifestPath);
  const st = fs.statSync(manifestPath);
  state.outputs[state.manifest.output] = [state.outputs[state.manifest.output][0], st.size, st.mtimeMs, st.ctimeMs, st.ino, ''];
  for (const [i, c] of changed) state.inputs[i] = stampOf(state.inputs[i][0], c.st, c.checksum, since);
  // Entries after a replaced one (and all, when the first part's length changed) moved.
  const edited = new Map(edits.map((e) => [e.k, e]));
  const spans = edits.map((e) => ({ start: state.models[e.k][1], growth: e.text.length - (state.models[e.k][2] - state.models[e.k][1]) }));
  const order = state.models.map((_, k) => k).sort((x, y) => state.models[x][1] - state.models[y][1]);
  let delta = newHead.length - headLength;
  let j = 0;
  for (const k of order) {
    const [input, start, end, output] = state.models[k];
    for (; j < spans.length && spans[j].start < start; j++) delta += spans[j].growth;
    const e = edited.get(k);
    state.models[k] = [input, start + delta, e ? start + delta + e.text.length : end + delta, output];
  }
  return true;
}

const HEAD_PREFIX = '{"metadata":';

function writeState(file: string, state: CompileState): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(state));
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
    fs.rmSync(file, { force: true });
  }
}

/** Removes the record (a full compile is about to change the outputs). */
export function forgetCompileState(targetDir: string): void {
  try {
    fs.rmSync(path.join(targetDir, COMPILE_STATE_FILE), { force: true });
  } catch {
    // the record is checked against the outputs anyway
  }
}

interface ProjectPaths {
  readonly modelPaths: readonly string[];
  readonly seedPaths: readonly string[];
  readonly snapshotPaths: readonly string[];
  readonly testPaths: readonly string[];
  readonly macroPaths: readonly string[];
  readonly analysisPaths: readonly string[];
  readonly docsPaths: readonly string[];
  readonly targetPath: string;
  readonly packagesInstallPath: string;
}

interface SourceFileLike {
  readonly absPath: string;
  readonly checksum: string;
  readonly contents: string;
}

/** A model's file (absolute), the byte range of its JSON in manifest.json, its compiled file (relative to the target folder). */
export interface ModelEntry {
  readonly input: string;
  readonly start: number;
  readonly end: number;
  readonly output: string;
}

export interface RecordInput {
  readonly opts: object & { readonly profilesDir?: string };
  readonly cwd: string;
  readonly root: string;
  readonly targetDir: string;
  readonly project: ProjectPaths;
  readonly files: readonly SourceFileLike[];
  readonly packages: readonly { readonly root: string; readonly project: ProjectPaths; readonly files: readonly SourceFileLike[] }[];
  /** The profiles.yml read. */
  readonly profileFile: string;
  /** Env vars read through env_var() in this process, with the values seen. */
  readonly envReads: ReadonlyMap<string, string | undefined>;
  /** Output files written, relative to the target folder, manifest.json included. */
  readonly outputs: readonly string[];
  /** The first piece of manifest.json as written (redacted). */
  readonly manifestHead: string;
  readonly report: CompileReport;
  /** Model entries of manifest.json (absent: none may be changed alone). */
  readonly models?: readonly ModelEntry[];
  /** When the compile started, ms since the epoch. */
  readonly startedAt: number;
}

/**
 * Records a successful compile (see the top of this file). Only for a compile that depends on
 * files, arguments and the environment alone: the caller checks warnings, warehouse use,
 * --defer and --state. Failing to record is not an error.
 */
export function recordCompileState(input: RecordInput): boolean {
  const all = [...input.files, ...input.packages.flatMap((p) => p.files)];
  for (const f of all) if (VOLATILE_RE.test(f.contents)) return false;
  if (!input.manifestHead.startsWith(HEAD_PREFIX)) return false;
  const root = input.root;
  const since = input.startedAt;
  try {
    const inputs: Stamp[] = [];
    const seen = new Set<string>();
    const addInput = (abs: string, checksum: string | null) => {
      if (seen.has(abs)) return;
      seen.add(abs);
      let s = stamp(root, abs);
      // A file the compile did not hash is hashed now, unless it may have changed since it was read.
      if (racy(s, since)) s = [s[0], RACY, s[2], s[3], s[4], checksum ?? ''];
      else s[5] = checksum ?? (s[1] === ABSENT ? '' : (sha256File(abs) ?? ''));
      inputs.push(s);
    };
    const fixed = ['dbt_project.yml', 'selectors.yml', 'packages.yml', 'dependencies.yml', 'package-lock.yml', 'profiles.yml'];
    for (const f of fixed) addInput(path.join(root, f), null);
    const profileDirs = [input.opts.profilesDir ? path.resolve(input.cwd, input.opts.profilesDir) : null, process.env.DBT_PROFILES_DIR ?? null, path.join(os.homedir(), '.dbt')];
    for (const d of profileDirs) if (d) addInput(path.join(d, 'profiles.yml'), null);
    addInput(path.resolve(input.profileFile), null);
    for (const f of all) addInput(f.absPath, f.checksum);
    const dirs = new Map<string, Stamp>();
    const addDir = (abs: string) => {
      if (dirs.has(abs)) return;
      const s = stamp(root, abs);
      dirs.set(abs, racy(s, since) ? [s[0], RACY, s[2], s[3], s[4], ''] : s);
    };
    walkProject(root, input.project, addDir);
    const installDir = path.resolve(root, input.project.packagesInstallPath);
    addDir(installDir);
    for (const p of input.packages) {
      addDir(p.root);
      addInput(path.join(p.root, 'dbt_project.yml'), null);
      walkProject(p.root, p.project, addDir);
    }
    const outputs = input.outputs.map((o) => stamp(root, path.join(input.targetDir, o)));
    const manifestIndex = input.outputs.indexOf('manifest.json');
    if (manifestIndex === -1 || outputs.some((o) => o[1] < 0)) return false;
    const salt = randomUUID();
    const env = new Map<string, string | undefined>();
    for (const name of envOfInterest()) env.set(name, process.env[name]);
    env.set('HOME', process.env.HOME);
    env.set('USERPROFILE', process.env.USERPROFILE);
    // Names read by env_var() in this process (this compile's among them, with the values it saw).
    for (const name of input.envReads.keys()) env.set(name, process.env[name]);
    const models: CompileState['models'] = [];
    // A file that reads the graph may show another model's code: no model changes alone then.
    if (input.models && !all.some((f) => GRAPH_RE.test(f.contents))) {
      const inputIndex = new Map(inputs.map((s, i) => [s[0], i]));
      const outputIndex = new Map(input.outputs.map((o, i) => [o, i]));
      const perFile = new Map<number, number>();
      for (const m of input.models) {
        const i = inputIndex.get(path.relative(root, m.input));
        const o = outputIndex.get(m.output);
        if (i === undefined || o === undefined) continue;
        perFile.set(i, (perFile.get(i) ?? 0) + 1);
        models.push([i, m.start, m.end, o]);
      }
      // One file, one node.
      for (let k = models.length - 1; k >= 0; k--) if (perFile.get(models[k][0])! > 1) models.splice(k, 1);
    }
    const state: CompileState = {
      models,
      format: FORMAT,
      key: argsKey(input.opts, root),
      targetPath: path.relative(root, input.targetDir) || '.',
      env: [...env].map(([k, v]) => [k, envDigest(salt, k, v)]),
      envNames: envOfInterest().join('\0'),
      salt,
      inputs,
      dirs: [...dirs.values()],
      outputs,
      manifest: { output: manifestIndex, head: input.manifestHead },
      report: input.report,
    };
    writeState(path.join(input.targetDir, COMPILE_STATE_FILE), state);
    return true;
  } catch {
    forgetCompileState(input.targetDir);
    return false;
  }
}

/** Every folder discovery lists for a project (or package) at `root` (see core/project/discover.ts), and its roots even when missing. */
function walkProject(root: string, project: ProjectPaths, addDir: (abs: string) => void): void {
  const norm = (p: string) => path.posix.normalize(p.replace(/\\/g, '/')).replace(/\/+$/, '') || '.';
  const skipped = new Set([project.targetPath, project.packagesInstallPath, 'dbt_packages', 'dbt_modules'].map(norm));
  const realSeen = new Set<string>();
  const walk = (abs: string, rel: string) => {
    addDir(abs);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const childRel = rel === '.' ? e.name : `${rel}/${e.name}`;
      const childAbs = path.join(abs, e.name);
      let isDir = e.isDirectory();
      if (e.isSymbolicLink()) {
        const st = fs.statSync(childAbs, { throwIfNoEntry: false });
        isDir = st?.isDirectory() ?? false;
        if (isDir) {
          const real = fs.realpathSync(childAbs);
          if (realSeen.has(real)) continue;
          realSeen.add(real);
        }
      }
      if (isDir && !skipped.has(childRel)) walk(childAbs, childRel);
    }
  };
  const roots = [project.modelPaths, project.seedPaths, project.snapshotPaths, project.testPaths, project.macroPaths, project.analysisPaths, project.docsPaths].flat().map(norm);
  for (const r of new Set(roots)) {
    if (skipped.has(r)) continue;
    walk(path.join(root, r), r);
  }
}
