// `kiln compile` with nothing changed since the last compile: the outputs on disk are already
// what a compile would write, apart from manifest.json's invocation id and time. After each
// successful compile that depends on nothing but files, arguments and the environment, this
// records in target/ (kiln_compile_state.bin) what it read and wrote (size, times and inode of every input file, folder
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
import { withConfigDefaults } from '../../artifacts/config-defaults.js';
import { isUtf8 } from 'node:buffer';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { codeFingerprint } from './cache-key.js';
import { targetPathOverride } from '../../project/target-path.js';
import { normalizeRoot, skippedRoots } from '../../project/discover.js';
import { graphSplices, moveTailRanges, readWarmRecord, rerenderStatic, saveWarmRecord, type Rerendered, type Splice, type WarmRecord } from './warm-render.js';
import type { JinjaOptions, JinjaRerendered, ModelJson } from './warm-jinja.js';
import type { ProjectFile } from '../../project/types.js';
import { isSeedStamp } from '../../seeds/seed-stamp.js';
import { dbtChecksum, pyStrip } from '../../project/dbt-strip.js';
import type { WrittenStat } from '../../artifacts/file-writes.js';
import { CONSOLE_ONLY_OPTIONS } from '../../cli/console-only.js';
import { FLAG_SOURCES } from '../../cli/flag-sources.js';

/** The record, in the target folder. */
export const COMPILE_STATE_FILE = 'kiln_compile_state.bin';
const FORMAT = 1;

/** Words whose presence in any file may make two compiles of the same files differ. */
// (Templates that query the warehouse are caught when they compile: such a compile is not recorded.)
const VOLATILE_RE = /\b(invocation_id|run_started_at|modules|microbatch|log|print|warn|exceptions|run_query|statement|load_result|random)\b/;

/** Words that let a template see other nodes' code. */
const GRAPH_RE = /\b(graph|context)\b/;
/** VOLATILE_RE's words and GRAPH_RE's: a file with none of them (most) is read once, not twice. */
const VOLATILE_OR_GRAPH_RE = /\b(invocation_id|run_started_at|modules|microbatch|log|print|warn|exceptions|run_query|statement|load_result|random|graph|context)\b/;
/** In macros (which a model may call), also the calling model itself. */
const MACRO_SEES_MODEL_RE = /\b(graph|context|model|node)\b/;
/** A macro or generic test taking `model` or `node` as a parameter: inside it the name is that parameter. */
const MODEL_PARAM_BLOCK_RE = /\{%-?\s*(macro|test)\s+\w+\s*\(([^)]*)\)\s*-?%\}[\s\S]*?\{%-?\s*end\1\s*-?%\}/g;

/** Whether a file may show a model's own code to a template other than the model's (see recompileChanged). */
export function mayShowModelCode(kind: string | undefined, contents: string): boolean {
  if (kind !== 'macro') return GRAPH_RE.test(contents);
  const rest = contents.replace(MODEL_PARAM_BLOCK_RE, (block, _kw: string, params: string) =>
    /\b(model|node)\b/.test(params) && !GRAPH_RE.test(block) && !/\{%-?\s*(macro|test)\b/.test(block.slice(2)) ? '' : block,
  );
  return MACRO_SEES_MODEL_RE.test(rest);
}

/** [path relative to the project root, size, mtimeMs, ctimeMs, ino, sha256 or '' (inputs only)]; size -1: absent. */
type Stamp = [string, number, number, number, number, string];
/** Racy entries have RACY as their size: never trusted without a hash. */
const RACY = -2;
const ABSENT = -1;

interface Header {
  readonly format: number;
  readonly key: string;
  readonly targetPath: string;
  /** Env vars that matter: name → digest (null: unset). */
  readonly env: [string, string | null][];
  /** Names of DBT_/KILN_ vars set when recorded (a new one is a change too). */
  readonly envNames: string;
  readonly salt: string;
  /** manifest.json: its row, and the text of its first part (`{"metadata":{...}`). */
  manifest: { readonly row: number; readonly head: string };
  readonly report: CompileReport;
  readonly counts: { readonly inputs: number; readonly dirs: number; readonly outputs: number; readonly models: number };
}

/**
 * The record, by column (one file of ~1.5 MB for 10,000 models, read without making an object
 * per row). Rows: the input files, then the folders, then the output files.
 */
interface CompileState {
  readonly header: Header;
  /** Paths relative to the project root. */
  readonly paths: string[];
  /** Per row: size (ABSENT, RACY), mtimeMs, ctimeMs, ino. */
  readonly nums: Float64Array;
  /** Per input row: sha256 hex of the contents compiled, or ''. */
  readonly sums: string[];
  /**
   * Models whose file alone may change with the rest of the compile reused (recompileChanged),
   * 4 numbers each: input row, start and end of its JSON in manifest.json, output row.
   */
  readonly models: Float64Array;
}

const MAGIC = Buffer.from('KILNCS1\n', 'latin1');

function encodeState(state: CompileState): Buffer[] {
  const header = Buffer.from(JSON.stringify(state.header), 'utf8');
  const paths = Buffer.from(state.paths.join('\0'), 'utf8');
  const sums = Buffer.from(state.sums.join(','), 'latin1');
  const lens = Buffer.alloc(12);
  lens.writeUInt32LE(header.length, 0);
  lens.writeUInt32LE(paths.length, 4);
  lens.writeUInt32LE(sums.length, 8);
  const used = MAGIC.length + 12 + header.length + paths.length + sums.length;
  const pad = Buffer.alloc((8 - (used % 8)) % 8);
  return [MAGIC, lens, header, paths, sums, pad, Buffer.from(state.nums.buffer, state.nums.byteOffset, state.nums.byteLength), Buffer.from(state.models.buffer, state.models.byteOffset, state.models.byteLength)];
}

function decodeState(buf: Buffer): CompileState | null {
  if (buf.length < MAGIC.length + 12 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  let off = MAGIC.length;
  const headerLen = buf.readUInt32LE(off);
  const pathsLen = buf.readUInt32LE(off + 4);
  const sumsLen = buf.readUInt32LE(off + 8);
  off += 12;
  const header = JSON.parse(buf.toString('utf8', off, (off += headerLen))) as Header;
  if (header.format !== FORMAT) return null;
  const paths = buf.toString('utf8', off, (off += pathsLen)).split('\0');
  const sums = buf.toString('latin1', off, (off += sumsLen)).split(',');
  off += (8 - (off % 8)) % 8;
  const { inputs, dirs, outputs, models } = header.counts;
  const rows = inputs + dirs + outputs;
  if (paths.length !== rows || sums.length !== inputs || buf.length !== off + (rows + models) * 32) return null;
  const numbers = (from: number, count: number) => new Float64Array(buf.buffer.slice(buf.byteOffset + from, buf.byteOffset + from + count * 8));
  return { header, paths, sums, nums: numbers(off, rows * 4), models: numbers(off + rows * 32, models * 4) };
}

function sameRow(s: CompileState, row: number, st: fs.Stats | undefined): boolean {
  const b = row * 4;
  if (!st) return s.nums[b] === ABSENT;
  return s.nums[b] === st.size && s.nums[b + 1] === st.mtimeMs && s.nums[b + 2] === st.ctimeMs && s.nums[b + 3] === st.ino;
}

/** Sets a row's stat; `since`: racy times (see racy()) mark it RACY. */
function setRow(s: CompileState, row: number, st: fs.Stats, since?: number): void {
  const b = row * 4;
  s.nums[b] = since !== undefined && racyTimes(st.mtimeMs, st.ctimeMs, since) ? RACY : st.size;
  s.nums[b + 1] = st.mtimeMs;
  s.nums[b + 2] = st.ctimeMs;
  s.nums[b + 3] = st.ino;
}

/** What the compile printed, to print again. */
export interface CompileReport {
  readonly found: string;
  readonly count: number;
  readonly written: number;
  readonly formatNote: boolean;
  /** Nodes whose SQL the compile printed (named in --select), with their compiled file. */
  readonly printed?: readonly { readonly name: string; readonly output: string }[];
}

/** The options that decide what compile writes (console-only ones, like the log format, left out). */
function argsKey(opts: object, root: string): string {
  const skip = CONSOLE_ONLY_OPTIONS;
  const parts: [string, unknown][] = Object.entries(opts).filter(([k, v]) => !skip.has(k) && v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256')
    .update(JSON.stringify([FORMAT, codeFingerprint(), process.version, root, parts]))
    .digest('hex');
}

function envDigest(salt: string, name: string, value: string | undefined): string | null {
  return value === undefined ? null : createHash('sha256').update(`${salt}\0${name}\0${value}`).digest('hex');
}

/**
 * Env vars that change only what is printed: KILN_PROFILE (the phase timings) and dbt's for the
 * console-only options (DBT_QUIET, DBT_LOG_LEVEL, ...). A template reading one with env_var()
 * still has it recorded (envReads).
 */
const COSMETIC_ENV = new Set(['KILN_PROFILE', ...FLAG_SOURCES.filter((f) => CONSOLE_ONLY_OPTIONS.has(f.key)).map((f) => f.env)]);

/** Env vars kiln or dbt read directly: their names by prefix, and HOME (~/.dbt). */
function envOfInterest(): string[] {
  return Object.keys(process.env)
    .filter((k) => (k.startsWith('DBT_') || k.startsWith('KILN_')) && !COSMETIC_ENV.has(k))
    .sort();
}

/** path.relative for the common case of a path inside `root` (as the check joins them back: root + sep + rel). */
function relativeTo(root: string, abs: string): string {
  return abs.length > root.length + 1 && abs.startsWith(root) && abs[root.length] === path.sep && !abs.includes(`${path.sep}.`) ? abs.slice(root.length + 1) : path.relative(root, abs);
}

/** path.join(dir, rel) for the common case of a plain relative path (`compiled/pkg/models/a.sql`), without normalizing it. */
function joinUnder(dir: string, rel: string): string {
  return path.sep === '/' && rel !== '' && !rel.startsWith('/') && !PLAIN_REL_BAD_RE.test(rel) && !dir.endsWith('/') ? `${dir}/${rel}` : path.join(dir, rel);
}

/** What path.join would change in a relative path: `.` or `..` segments, doubled or trailing slashes. */
const PLAIN_REL_BAD_RE = /(^|\/)\.\.?(\/|$)|\/\/|\/$/;

function stamp(root: string, abs: string, checksum = ''): Stamp {
  const rel = relativeTo(root, abs);
  const st = fs.statSync(abs, { throwIfNoEntry: false });
  if (!st) return [rel, ABSENT, 0, 0, 0, ''];
  return [rel, st.size, st.mtimeMs, st.ctimeMs, st.ino, checksum];
}

/** Whether a stat time may have been set during the compile (`since`: its start, ms since the epoch). */
function racy(s: Stamp, since: number): boolean {
  return s[1] !== ABSENT && racyTimes(s[2], s[3], since);
}

function racyTimes(mtimeMs: number, ctimeMs: number, since: number): boolean {
  // Timestamps in whole seconds: a file system with coarse times (FAT, HFS+); allow for it.
  const slack = mtimeMs % 1000 === 0 && ctimeMs % 1000 === 0 ? 2100 : 100;
  return mtimeMs >= since - slack || ctimeMs >= since - slack;
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
  readonly targetDir: string;
}

/**
 * When nothing compile depends on changed since the recorded compile and its outputs are as
 * written: gives manifest.json the new invocation id and time and returns what to print.
 * Otherwise null (the caller compiles in full). Never throws.
 */
export async function compileIfUpToDate(opts: JinjaOptions & { readonly partialParse?: boolean; readonly parseState?: unknown; readonly state?: string; readonly defer?: boolean; readonly writeJson?: boolean }, cwd: string, meta: { readonly invocationId: string; readonly generatedAt: Date }): Promise<UpToDate | null> {
  // (--no-write-json: the record's manifest.json is not to be rewritten)
  if (opts.partialParse === false || opts.parseState !== undefined || opts.state !== undefined || opts.defer || opts.writeJson === false) return null;
  try {
    return await check(opts, cwd, meta);
  } catch {
    return null;
  }
}

async function check(opts: JinjaOptions, cwd: string, meta: { readonly invocationId: string; readonly generatedAt: Date }): Promise<UpToDate | null> {
  const since = Date.now();
  const root = path.resolve(cwd, opts.projectDir ?? '.');
  const targetPath = targetPathOverride(opts.targetPath) ?? peekTargetPath(root);
  if (targetPath === null) return null;
  const targetDir = path.resolve(root, targetPath);
  const file = path.join(targetDir, COMPILE_STATE_FILE);
  let state: CompileState | null;
  try {
    state = decodeState(fs.readFileSync(file));
  } catch {
    return null;
  }
  if (!state) return null;
  const h = state.header;
  // The record keeps the folder relative to the project (an absolute --target-path is recorded so too).
  if (h.targetPath !== (path.relative(root, targetDir) || '.') || h.key !== argsKey(opts, root)) return null;
  if (envOfInterest().join('\0') !== h.envNames) return null;
  for (const [name, digest] of h.env) if (envDigest(h.salt, name, process.env[name]) !== digest) return null;
  const { inputs, dirs, outputs } = h.counts;
  const prefix = root + path.sep;
  const abs = (row: number) => prefix + state.paths[row];
  for (let row = inputs; row < inputs + dirs; row++) {
    if (state.nums[row * 4] === RACY || !sameRow(state, row, fs.statSync(abs(row), { throwIfNoEntry: false }))) return null;
  }
  const changed = new Map<number, { readonly bytes: Buffer; readonly checksum: string; readonly st: fs.Stats }>();
  for (let row = 0; row < inputs; row++) {
    const st = fs.statSync(abs(row), { throwIfNoEntry: false });
    if (state.nums[row * 4] !== RACY && sameRow(state, row, st)) continue;
    // Touched, copied back, or recorded while it might still change: the contents decide. A
    // large seed recorded by its stamp (core/seeds/seed-stamp.ts) has no hash to compare.
    if (!st || !state.sums[row] || isSeedStamp(state.sums[row])) return null;
    const bytes = fs.readFileSync(abs(row));
    const checksum = createHash('sha256').update(bytes).digest('hex');
    if (checksum === state.sums[row]) setRow(state, row, st, since);
    else changed.set(row, { bytes, checksum, st });
  }
  const manifestRow = h.manifest.row;
  for (let row = inputs + dirs; row < inputs + dirs + outputs; row++) {
    if (row !== manifestRow && !sameRow(state, row, fs.statSync(abs(row), { throwIfNoEntry: false }))) return null;
  }
  // manifest.json: as written, not shared with another name (a hard link), its first part as recorded.
  if (!h.manifest.head.startsWith(HEAD_PREFIX)) return null;
  const manifestPath = abs(manifestRow);
  const head = Buffer.from(h.manifest.head, 'utf8');
  const metadata = JSON.parse(h.manifest.head.slice(HEAD_PREFIX.length)) as Record<string, unknown>;
  if (typeof metadata.generated_at !== 'string' || typeof metadata.invocation_id !== 'string') return null;
  metadata.generated_at = meta.generatedAt.toISOString();
  metadata.invocation_id = meta.invocationId;
  if (typeof metadata.invocation_started_at === 'string') metadata.invocation_started_at = meta.generatedAt.toISOString();
  if (typeof metadata.run_started_at === 'string') metadata.run_started_at = meta.generatedAt.toISOString();
  const newHead = Buffer.from(HEAD_PREFIX + JSON.stringify(metadata), 'utf8');
  // A link would be written through in place, where a compile replaces it with a file.
  if (fs.lstatSync(manifestPath).isSymbolicLink()) return null;
  const fd = fs.openSync(manifestPath, changed.size ? 'r' : 'r+');
  try {
    const st = fs.fstatSync(fd);
    if (!sameRow(state, manifestRow, st) || st.nlink !== 1) return null;
    const old = Buffer.alloc(head.length);
    if (fs.readSync(fd, old, 0, old.length, 0) !== old.length || !old.equals(head)) return null;
    if (changed.size === 0) {
      if (newHead.length !== head.length) return null;
      // Same length, same place: the file is valid JSON before and after this one small write.
      fs.writeSync(fd, newHead, 0, newHead.length, 0);
      setRow(state, manifestRow, fs.fstatSync(fd));
    } else if (!(await recompileChanged(state, abs, fd, st.size, manifestPath, head.length, newHead, changed, since, { root, cwd, opts }))) {
      return null;
    }
  } finally {
    fs.closeSync(fd);
  }
  h.manifest = { row: manifestRow, head: newHead.toString('utf8') };
  writeState(file, state);
  return { report: h.report, targetPath, targetDir, reuse: changed.size ? 'unchanged models' : 'all' };
}

/** What may surround a model's Jinja without taking part in it: no braces. */
const PLAIN_RE = /[{}]/;
/** Jinja that reaches beyond its own output (or sees the model's own code). */
const MIDDLE_BAD_RE = /\b(extends|block|return|raise_compiler_error|exceptions|model|node|graph|context|caller|this)\b/;

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
  unique_id?: unknown;
  name?: unknown;
  refs?: unknown;
  sources?: unknown;
  depends_on?: { nodes?: unknown; macros?: unknown };
  constraints?: unknown;
  columns?: Record<string, { constraints?: unknown }>;
  raw_code?: unknown;
  compiled_code?: unknown;
  checksum?: { checksum?: unknown };
  config?: { materialized?: unknown } & Record<string, unknown>;
  unrendered_config?: Record<string, unknown>;
}

/**
 * Model files changed outside their Jinja (recomposeCompiled), nothing else: their entries of
 * manifest.json and their compiled files are made anew, the rest of manifest.json is copied.
 */
async function recompileChanged(state: CompileState, abs: (row: number) => string, fd: number, size: number, manifestPath: string, headLength: number, newHead: Buffer, changed: ReadonlyMap<number, { readonly bytes: Buffer; readonly checksum: string; readonly st: fs.Stats }>, since: number, where: { readonly root: string; readonly cwd: string; readonly opts: JinjaOptions }): Promise<boolean> {
  const m = state.models;
  const count = m.length / 4;
  const byInput = new Map<number, number>();
  for (let k = 0; k < count; k++) byInput.set(m[k * 4], k);
  const edits: { readonly k: number; readonly start: number; readonly end: number; readonly text: Buffer; readonly compiled: string; readonly sameCompiled: boolean }[] = [];
  let warm: WarmRecord | null | undefined;
  /** Whether the record changed beyond where the maps lie (a model's relation type). */
  let warmChanged = false;
  const graph: Splice[] = [];
  for (const [row, c] of changed) {
    const k = byInput.get(row);
    if (k === undefined) return false;
    const start = m[k * 4 + 1];
    const end = m[k * 4 + 2];
    // As discovery reads files: UTF-8 text without NUL bytes or a byte order mark.
    if (c.bytes.indexOf(0) !== -1 || !isUtf8(c.bytes) || (c.bytes[0] === 0xef && c.bytes[1] === 0xbb && c.bytes[2] === 0xbf)) return false;
    const newRaw = c.bytes.toString('utf8');
    if (VOLATILE_RE.test(newRaw)) return false;
    const buf = Buffer.alloc(end - start);
    if (fs.readSync(fd, buf, 0, buf.length, start) !== buf.length) return false;
    const node = JSON.parse(buf.toString('utf8')) as NodeJson;
    const strippedRaw = node.raw_code;
    const oldCompiled = node.compiled_code;
    const recorded = state.sums[row];
    if (node.resource_type !== 'model' || typeof strippedRaw !== 'string' || typeof oldCompiled !== 'string' || node.config?.materialized === 'ephemeral') return false;
    // manifest.json has the file as dbt reads it (stripped, dbt-strip.ts); the file itself was
    // that text and a final line break, or that text alone (any other file is compiled anew).
    if (!node.checksum || node.checksum.checksum !== createHash('sha256').update(strippedRaw, 'utf8').digest('hex')) return false;
    const oldRaw = [`${strippedRaw}\n`, strippedRaw, `${strippedRaw}\r\n`].find((text) => createHash('sha256').update(text, 'utf8').digest('hex') === recorded);
    if (oldRaw === undefined) return false;
    let compiled = recomposeCompiled(oldRaw, oldCompiled, newRaw);
    if (compiled === null) {
      // Changed between its Jinja: re-rendered from the record of the last compile (warm-render.ts).
      if (mayShowModelCode('model', newRaw)) return false;
      warm ??= readWarmRecord(path.dirname(manifestPath), state.header.salt);
      if (!warm) return false;
      // Static templates from the record alone (warm-render.ts); others with the template engine (warm-jinja.ts).
      let r: Rerendered | null = rerenderStatic(warm, oldRaw, newRaw);
      if (!r && warm.jinja && isModelJson(node)) {
        const { rerenderJinja } = await import('./warm-jinja.js');
        r = await rerenderJinja(warm, where.root, where.cwd, where.opts, node, oldRaw, newRaw);
      }
      if (!r || !applyRerendered(warm, node, r, fd, size, graph)) return false;
      // Another changed model may have been rendered with the relation type the record had before.
      if (r.materialized) {
        if (changed.size > 1) return false;
        warmChanged = true;
      }
      compiled = node.compiled_code as string;
    }
    node.raw_code = pyStrip(newRaw);
    node.checksum.checksum = dbtChecksum(c.bytes, c.checksum);
    node.compiled_code = compiled;
    edits.push({ k, start, end, text: Buffer.from(JSON.stringify(node), 'utf8'), compiled, sameCompiled: compiled === oldCompiled });
  }
  // parent_map and child_map entries come after every node entry: they move no model's range.
  for (const g of graph) edits.push({ k: -1, start: g.start, end: g.end, text: g.text, compiled: '', sameCompiled: true });
  edits.sort((x, y) => x.start - y.start);
  // manifest.json: the new first part, then the old text with the changed entries replaced.
  const tmp = `${manifestPath}.${process.pid}.tmp`;
  const out = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(out, newHead);
    // 1 MB at a time: several times less system time than 8 MB chunks here (page cache copies stay in cache).
    const chunk = Buffer.allocUnsafe(1 << 20);
    const copy = (from: number, to: number) => {
      for (let pos = from; pos < to; ) {
        const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, to - pos), pos);
        if (n <= 0) throw new Error('manifest.json shrank');
        fs.writeSync(out, chunk, 0, n);
        pos += n;
      }
    };
    let pos = headLength;
    for (const e of edits) {
      copy(pos, e.start);
      fs.writeSync(out, e.text);
      pos = e.end;
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
    const row = m[e.k * 4 + 3];
    const file = abs(row);
    const t = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(t, e.compiled);
    fs.renameSync(t, file);
    setRow(state, row, fs.statSync(file));
  }
  if ((graph.length || warmChanged) && warm) {
    // Where parent_map and child_map now lie; without the record a later change falls back to a full compile.
    moveTailRanges(warm, size, graph);
    saveWarmRecord(path.dirname(manifestPath), warm);
  }
  fs.renameSync(tmp, manifestPath);
  setRow(state, state.header.manifest.row, fs.statSync(manifestPath));
  for (const [row, c] of changed) {
    setRow(state, row, c.st, since);
    state.sums[row] = c.checksum;
  }
  // Entries after a replaced one (and all, when the first part's length changed) moved.
  const edited = new Map(edits.map((e) => [e.k, e]));
  const order = Array.from({ length: count }, (_, k) => k).sort((x, y) => m[x * 4 + 1] - m[y * 4 + 1]);
  let delta = newHead.length - headLength;
  let j = 0;
  for (const k of order) {
    const start = m[k * 4 + 1];
    for (; j < edits.length && edits[j].start < start; j++) delta += edits[j].text.length - (edits[j].end - edits[j].start);
    const e = edited.get(k);
    m[k * 4 + 1] = start + delta;
    m[k * 4 + 2] = e ? start + delta + e.text.length : m[k * 4 + 2] + delta;
  }
  return true;
}

/**
 * A model changed between its Jinja, re-rendered from `warm` (see warm-render.ts): sets its
 * compiled_code, refs, sources and depends_on in `node`, and adds to `graph` the parent_map and
 * child_map splices its new parents need (one model's parents at most may change per compile).
 */
function applyRerendered(warm: WarmRecord, node: NodeJson, r: Rerendered & Pick<JinjaRerendered, 'config' | 'calls'>, fd: number, size: number, graph: Splice[]): boolean {
  if (typeof node.unique_id !== 'string' || typeof node.name !== 'string' || !node.depends_on || !Array.isArray(node.depends_on.nodes)) return false;
  const before = node.depends_on.nodes as string[];
  if (JSON.stringify(before) !== JSON.stringify(r.dependsOn)) {
    // Foreign keys to other models add parents too.
    if (!Array.isArray(node.constraints) || node.constraints.length || Object.values(node.columns ?? {}).some((c) => !Array.isArray(c.constraints) || c.constraints.length)) return false;
    const splices = graphSplices(warm, fd, size, { id: node.unique_id, name: node.name }, before, r.dependsOn);
    if (!splices || (splices.length && graph.length)) return false;
    graph.push(...splices);
  }
  if (r.materialized) {
    // The config() call that changed set it: the old value must be what the config says.
    if (!node.config || node.config.materialized !== r.materialized[0]) return false;
    // The relation a ref() gives keeps its name; its type follows (Compiler.relationOf).
    const self = Object.hasOwn(warm.refs, node.name) ? warm.refs[node.name] : undefined;
    if (self && self[0] === node.unique_id && Array.isArray(self[3])) self[3][3] = r.materialized[1] === 'view' ? 'view' : 'table';
    if (!r.config) node.config.materialized = r.materialized[1];
    // unrendered_config has the calls' value (they are applied last), when no other change came with it.
    if (!r.calls) {
      if (node.unrendered_config?.materialized !== r.materialized[0]) return false;
      node.unrendered_config.materialized = r.materialized[1];
    }
  }
  if (r.calls) {
    const next = unrenderedAfter(node.unrendered_config, r.calls.before, r.calls.after);
    if (!next) return false;
    node.unrendered_config = next;
  }
  // depends_on.macros: the body's calls, then its hooks' (which the record cannot tell apart): a
  // model with hooks keeps its list only when the body's calls stay as they were.
  const oldMacros = Array.isArray(node.depends_on.macros) ? (node.depends_on.macros as string[]) : [];
  const newMacros = r.macros ?? [];
  if (JSON.stringify(oldMacros) !== JSON.stringify(newMacros)) {
    if (hasHooks(node.config)) return false;
    node.depends_on.macros = newMacros;
  }
  if (r.config) node.config = withConfigDefaults(r.config, 'model');
  node.compiled_code = r.compiled;
  node.refs = r.refs;
  node.sources = r.sources;
  node.depends_on.nodes = r.dependsOn;
  return true;
}

/**
 * unrendered_config after the config() calls changed from `before` to `after`: the folders'
 * and property file's keys as they were, the calls' keys over them (core/project/unrendered-config.ts).
 * Exact when the old calls' keys come first in the new calls, in their order (a new key, unless
 * the folders set it, goes last); null otherwise, or when a key the calls set is set no more.
 */
function unrenderedAfter(entry: Record<string, unknown> | undefined, before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> | null {
  if (!entry) return null;
  const oldKeys = Object.keys(before);
  const newKeys = Object.keys(after);
  if (oldKeys.some((k, i) => newKeys[i] !== k || !Object.hasOwn(entry, k))) return null;
  return { ...entry, ...after };
}

function hasHooks(config: unknown): boolean {
  const c = (config ?? {}) as Record<string, unknown>;
  return [c['pre-hook'], c['post-hook']].some((h) => Array.isArray(h) && h.length > 0);
}

function isModelJson(node: NodeJson): node is NodeJson & ModelJson {
  const n = node as Record<string, unknown>;
  return ['unique_id', 'name', 'original_file_path', 'database', 'schema', 'alias', 'package_name'].every((k) => typeof n[k] === 'string') && !!n.config && typeof n.config === 'object';
}

const HEAD_PREFIX = '{"metadata":';

function writeState(file: string, state: CompileState): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writevSync(fd, encodeState(state));
    } finally {
      fs.closeSync(fd);
    }
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

type ProjectPaths = Pick<ProjectFile, 'modelPaths' | 'seedPaths' | 'snapshotPaths' | 'testPaths' | 'macroPaths' | 'analysisPaths' | 'docsPaths' | 'targetPath' | 'packagesInstallPath'>;

interface SourceFileLike {
  readonly kind?: string;
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
  /** The record's salt (random; binds records made beside it, such as warm-render.ts's, to this one). */
  readonly salt?: string;
}

/** What beginCompileState needs: the inputs' side of a RecordInput. */
export type RecordInputs = Pick<RecordInput, 'opts' | 'cwd' | 'root' | 'targetDir' | 'project' | 'files' | 'packages' | 'profileFile' | 'startedAt'>;

/**
 * Records a successful compile (see the top of this file), in two steps. Only for a compile that
 * depends on files, arguments and the environment alone: the caller checks warnings, warehouse
 * use, --defer and --state; failing to record is not an error. First what depends on the inputs
 * alone (their stats and digests, the folders), which a compile makes while its writer thread is
 * still writing the outputs; then, given every output written, the record. `written`: the outputs' stats as
 * written (ArtifactWriter.writtenStats, by absolute path); an output missing there is stat'ed.
 * `statElsewhere`: offered the input files to stat on another thread (ArtifactWriter.statOnWriter);
 * when it takes them, their stats must then be in `written` (absent ones with size -1), else
 * each missing one is stat'ed here. Null: there is nothing to record (the old record, if any,
 * stays forgotten).
 */
export function beginCompileState(input: RecordInputs, statElsewhere?: (files: readonly string[]) => boolean): ((record: RecordInput, written?: ReadonlyMap<string, WrittenStat>) => boolean) | null {
  const all = [...input.files, ...input.packages.flatMap((p) => p.files)];
  /** Whether any file may show a model's own code to another template (see mayShowModelCode). */
  let showsCode = false;
  for (const f of all) {
    if (f.kind !== 'macro' && !VOLATILE_OR_GRAPH_RE.test(f.contents)) continue;
    if (VOLATILE_RE.test(f.contents)) return null;
    showsCode ||= mayShowModelCode(f.kind, f.contents);
  }
  const root = input.root;
  const since = input.startedAt;
  /** Input files (absolute) in the record's order, with the digest the compile made of each (null: none). */
  const wanted: [string, string | null][] = [];
  let inputs: Stamp[] | null = null;
  let dirRows: Stamp[];
  try {
    const seen = new Set<string>();
    const addInput = (abs: string, checksum: string | null) => {
      if (seen.has(abs)) return;
      seen.add(abs);
      wanted.push([abs, checksum]);
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
    dirRows = [...dirs.values()];
    // The inputs' stats are taken here unless another thread takes them meanwhile (they then come with `written`).
    if (!statElsewhere?.(wanted.map((w) => w[0]))) inputs = inputStamps(root, since, wanted);
  } catch {
    forgetCompileState(input.targetDir);
    return null;
  }
  return (record, written) => {
    if (!record.manifestHead.startsWith(HEAD_PREFIX)) return false;
    try {
      inputs ??= inputStamps(root, since, wanted, written);
      const outputs = record.outputs.map((o) => {
        const abs = joinUnder(input.targetDir, o);
        const st = written?.get(abs);
        return st ? ([relativeTo(root, abs), st[0], st[1], st[2], st[3], ''] as Stamp) : stamp(root, abs);
      });
      const manifestIndex = record.outputs.indexOf('manifest.json');
      if (manifestIndex === -1 || outputs.some((o) => o[1] < 0)) return false;
      writeState(path.join(input.targetDir, COMPILE_STATE_FILE), stateOf(record, inputs, dirRows, outputs, manifestIndex, showsCode));
      return true;
    } catch {
      forgetCompileState(input.targetDir);
      return false;
    }
  };
}

/** The inputs' stamps: `stats` (by absolute path) where given, else a stat; a file the compile did not hash is hashed now, unless it may have changed since it was read. */
function inputStamps(root: string, since: number, wanted: readonly (readonly [string, string | null])[], stats?: ReadonlyMap<string, WrittenStat>): Stamp[] {
  return wanted.map(([abs, checksum]) => {
    const st = stats?.get(abs);
    let s: Stamp = !st ? stamp(root, abs) : st[0] === ABSENT ? [relativeTo(root, abs), ABSENT, 0, 0, 0, ''] : [relativeTo(root, abs), st[0], st[1], st[2], st[3], ''];
    if (racy(s, since)) s = [s[0], RACY, s[2], s[3], s[4], checksum ?? ''];
    else s[5] = checksum ?? (s[1] === ABSENT ? '' : (sha256File(abs) ?? ''));
    return s;
  });
}

/** The record of a compile from the stamps of its inputs, folders and outputs. */
function stateOf(input: RecordInput, inputs: readonly Stamp[], dirRows: readonly Stamp[], outputs: readonly Stamp[], manifestIndex: number, showsCode: boolean): CompileState {
  const root = input.root;
  const salt = input.salt ?? randomUUID();
  const env = new Map<string, string | undefined>();
  for (const name of envOfInterest()) env.set(name, process.env[name]);
  env.set('HOME', process.env.HOME);
  env.set('USERPROFILE', process.env.USERPROFILE);
  // Names read by env_var() in this process (this compile's among them, with the values it saw).
  for (const name of input.envReads.keys()) env.set(name, process.env[name]);
  const rows = [...inputs, ...dirRows, ...outputs];
  const outputBase = inputs.length + dirRows.length;
  const models: number[] = [];
  // A file that reads the graph may show another model's code: no model changes alone then.
  if (input.models && !showsCode) {
    const inputIndex = new Map(inputs.map((s, i) => [s[0], i]));
    const outputIndex = new Map(input.outputs.map((o, i) => [o, outputBase + i]));
    const perFile = new Map<number, number>();
    const found: number[][] = [];
    for (const m of input.models) {
      const i = inputIndex.get(relativeTo(root, m.input));
      const o = outputIndex.get(m.output);
      if (i === undefined || o === undefined) continue;
      perFile.set(i, (perFile.get(i) ?? 0) + 1);
      found.push([i, m.start, m.end, o]);
    }
    // One file, one node.
    for (const f of found) if (perFile.get(f[0]) === 1) models.push(...f);
  }
  const nums = new Float64Array(rows.length * 4);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    nums[i * 4] = r[1];
    nums[i * 4 + 1] = r[2];
    nums[i * 4 + 2] = r[3];
    nums[i * 4 + 3] = r[4];
  }
  return {
    header: {
      format: FORMAT,
      key: argsKey(input.opts, root),
      targetPath: path.relative(root, input.targetDir) || '.',
      env: [...env].map(([k, v]) => [k, envDigest(salt, k, v)]),
      envNames: envOfInterest().join('\0'),
      salt,
      manifest: { row: outputBase + manifestIndex, head: input.manifestHead },
      report: input.report,
      counts: { inputs: inputs.length, dirs: dirRows.length, outputs: outputs.length, models: models.length / 4 },
    },
    paths: rows.map((r) => r[0]),
    nums,
    sums: inputs.map((r) => r[5]),
    models: new Float64Array(models),
  };
}

/** Every folder discovery lists for a project (or package) at `root` (see core/project/discover.ts), and its roots even when missing. */
function walkProject(root: string, project: ProjectPaths, addDir: (abs: string) => void): void {
  const skipped = skippedRoots(root, project);
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
  const roots = [project.modelPaths, project.seedPaths, project.snapshotPaths, project.testPaths, project.macroPaths, project.analysisPaths, project.docsPaths].flat().map(normalizeRoot);
  for (const r of new Set(roots)) {
    if (skipped.has(r)) continue;
    walk(path.join(root, r), r);
  }
}
