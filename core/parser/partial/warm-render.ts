// A model file changed between its Jinja (a CTE added between two refs, a ref changed to another
// model): re-render that one model from a record of the last full compile instead of compiling
// the project, when the result is provably what a full compile would give.
//
// The record (target/kiln_warm_render.json, next to kiln_compile_state.bin and bound to it by its
// salt) holds what such a model's Jinja can reach: for each name a ref() means, the unique id,
// the relation as it renders and its position in the compile's topological order; the same for
// source(); and where manifest.json's parent_map and child_map lie (as distances from the end of
// the file, which edits of node entries before them leave alone).
//
// Handled (anything else: null, and the caller compiles in full):
// - the old and the new file are both static templates (core/compiler/static-template.ts:
//   literal ref/source/config/var calls only), so parse and compile call nothing but those;
// - the new file's calls are ref('name') and source('a', 'b'), each of a name in the record, and
//   config(...) calls as the old file had them, in the same order (the same config), or with
//   `materialized` switched between view and table in the one call that sets it;
// - no var() in the new file (its value is not recorded);
// - refs to names that resolve to one node, not ephemeral, not private, not deprecated, not
//   versioned (so no error, warning or CTE can come of them; see resolveDependencies);
// - when the parents change: no unit tests in the project (they check a model's refs), no
//   constraints on the model (foreign keys add parents), and no new parent has the model among
//   its ancestors (no cycle; parents earlier in the recorded topological order need no walk).
import fs from 'node:fs';
import path from 'node:path';
import { readStatic, type StaticCall } from '../../compiler/static-scan.js';

export const WARM_RENDER_FILE = 'kiln_warm_render.json';
export const WARM_RECORD_FORMAT = 2;

/** A relation's parts as the compiler makes it: [database, schema, identifier, type] (warm-jinja.ts rebuilds it). */
export type RelationParts = [string, string, string, string | null];
/** [unique id, relation as rendered, position in the topological order, its parts]. */
export type RefEntry = [string, string, number, RelationParts];
/** [unique id, relation as rendered, its parts]. */
export type SourceEntry = [string, string, RelationParts];
/** A byte range of manifest.json as distances from its end: [end - start, end - stop]. */
type TailRange = [number, number];

export interface WarmRecord {
  readonly format: number;
  readonly salt: string;
  parentMap: TailRange;
  childMap: TailRange;
  readonly refs: Record<string, RefEntry>;
  readonly sources: Record<string, SourceEntry>;
  /** Unit tests check a model's refs: the parents of a model may not change alone. */
  readonly unitTests: boolean;
  /** false once an edge against the recorded topological order was added (the positions then prove nothing). */
  ordered?: boolean;
  /** Whether the project defines generate_schema_name, generate_alias_name or generate_database_name. */
  readonly namingMacros?: boolean;
  /** What a model re-rendered with the template engine needs (warm-jinja.ts); absent: never. */
  readonly jinja?: JinjaRecord;
}

export interface JinjaRecord {
  /** The project's macro files (paths relative to the project root), as the compile read them. */
  readonly macroFiles: readonly string[];
}

// ---------------------------------------------------------------- recording (full compile; the writer is warm-record.ts)

/**
 * Notes where the values of parent_map and child_map lie in manifest.json as it is written: a
 * ManifestListener's `section` and `end` (core/artifacts/manifest-json.ts), with byte offsets
 * read from the writer between pieces (ArtifactWriter.streamPosition).
 */
export class ManifestSections {
  private readonly found: { parentMap?: [number, number]; childMap?: [number, number] } = {};
  private end = 0;

  /** Bytes seen so far (the file's size once every piece went by). */
  get size(): number {
    return this.end;
  }

  readonly section = (key: string, start: number, end: number): void => {
    if (key === 'parent_map') this.found.parentMap = [start, end];
    else if (key === 'child_map') this.found.childMap = [start, end];
    this.end = end;
  };

  readonly done = (size: number): void => {
    this.end = size;
  };

  /** The two ranges as distances from the end, or null when either was not seen. */
  tailRanges(): { parentMap: TailRange; childMap: TailRange } | null {
    const { parentMap, childMap } = this.found;
    if (!parentMap || !childMap) return null;
    const tail = (r: [number, number]): TailRange => [this.end - r[0], this.end - r[1]];
    return { parentMap: tail(parentMap), childMap: tail(childMap) };
  }
}

export function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export function forgetWarmRecord(targetDir: string): void {
  try {
    fs.rmSync(path.join(targetDir, WARM_RENDER_FILE), { force: true });
  } catch {
    // bound to the compile record by its salt: a stale one is not used
  }
}

/** The record of the compile whose salt is given, or null. */
export function readWarmRecord(targetDir: string, salt: string): WarmRecord | null {
  try {
    const r = JSON.parse(fs.readFileSync(path.join(targetDir, WARM_RENDER_FILE), 'utf8')) as WarmRecord;
    return r.format === WARM_RECORD_FORMAT && r.salt === salt ? r : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- re-rendering (warm compile)

/** What a full compile would make of the changed model: its compiled SQL and parse results. */
export interface Rerendered {
  readonly compiled: string;
  readonly refs: { name: string; package: null; version: null }[];
  readonly sources: [string, string][];
  /** depends_on.nodes: ref targets then sources, first occurrence each (resolveDependencies' EdgeList). */
  readonly dependsOn: string[];
  /** The config's `materialized` changed by the file's config() [from, to] (see configChange). */
  readonly materialized?: [string, string];
  /** depends_on.macros: the macros the new text calls itself (absent: a static text, which calls none). */
  readonly macros?: string[];
}

const own = <T>(o: Record<string, T>, k: string): T | undefined => (Object.hasOwn(o, k) ? o[k] : undefined);

function sameCall(a: StaticCall, b: StaticCall): boolean {
  return JSON.stringify([a.fn, a.args, a.kwargs]) === JSON.stringify([b.fn, b.args, b.kwargs]);
}

/** The model re-rendered from the record, or null when that cannot be shown to equal a full compile. */
export function rerenderStatic(record: WarmRecord, oldRaw: string, newRaw: string): Rerendered | null {
  const before = readStatic(oldRaw);
  const after = readStatic(newRaw);
  if (!before || !after) return null;
  const oldConfigs = before.filter((p): p is StaticCall => typeof p !== 'string' && p.fn === 'config');
  const newConfigs: StaticCall[] = [];
  let compiled = '';
  const refs: Rerendered['refs'] = [];
  const sources: [string, string][] = [];
  const dependsOn: string[] = [];
  const sourceIds: string[] = [];
  for (const part of after) {
    if (typeof part === 'string') {
      compiled += part;
      continue;
    }
    const strings = part.args.every((a) => typeof a === 'string');
    if (part.fn === 'config') {
      newConfigs.push(part);
    } else if (part.fn === 'ref' && part.args.length === 1 && strings && part.kwargs === null) {
      const name = part.args[0] as string;
      const e = own(record.refs, name);
      if (!e) return null;
      refs.push({ name, package: null, version: null });
      if (!dependsOn.includes(e[0])) dependsOn.push(e[0]);
      compiled += e[1];
    } else if (part.fn === 'source' && part.args.length === 2 && strings && part.kwargs === null) {
      const [a, b] = part.args as [string, string];
      const e = own(record.sources, `${a}.${b}`);
      if (!e) return null;
      sources.push([a, b]);
      sourceIds.push(e[0]);
      compiled += e[1];
    } else {
      return null;
    }
  }
  const materialized = configChange(record, oldConfigs, newConfigs);
  if (materialized === null) return null;
  for (const id of sourceIds) if (!dependsOn.includes(id)) dependsOn.push(id);
  return { compiled, refs, sources, dependsOn, ...(materialized.length ? { materialized } : {}) };
}

/** Materializations a model may switch between alone: the relation keeps its name, no CTE comes or goes. */
const LOCAL_MATERIALIZATIONS = new Set(['view', 'table']);

/**
 * How the config() calls changed: [] when they are the same calls; [from, to] when only one
 * `materialized=` between view and table changed (with the same keys in the same order, the
 * merged config differs in that value alone: it is replaced, not merged); null otherwise. A
 * project's own naming macros may read the config (generate_schema_name(custom, node)): then none.
 */
function configChange(record: WarmRecord, before: readonly StaticCall[], after: readonly StaticCall[]): [string, string] | [] | null {
  if (before.length !== after.length) return null;
  let change: [string, string] | [] = [];
  let mentions = 0;
  for (let i = 0; i < after.length; i++) {
    const a = before[i];
    const b = after[i];
    if (b.kwargs && Object.hasOwn(b.kwargs, 'materialized')) mentions++;
    if (sameCall(a, b)) continue;
    if (record.namingMacros !== false || change.length || a.args.length || b.args.length || !a.kwargs || !b.kwargs) return null;
    const keys = Object.keys(a.kwargs);
    if (JSON.stringify(keys) !== JSON.stringify(Object.keys(b.kwargs))) return null;
    for (const k of keys) {
      const from = a.kwargs[k];
      const to = b.kwargs[k];
      if (JSON.stringify(from) === JSON.stringify(to)) continue;
      if (k !== 'materialized' || typeof from !== 'string' || typeof to !== 'string' || !LOCAL_MATERIALIZATIONS.has(from) || !LOCAL_MATERIALIZATIONS.has(to)) return null;
      change = [from, to];
    }
  }
  // Set once: the call that changed is the one that decides.
  return change.length && mentions !== 1 ? null : change;
}

/** A replacement of bytes [start, end) of manifest.json. */
export interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: Buffer;
}

/**
 * The splices of parent_map and child_map when a model's parents change from `before` to
 * `after` (depends_on.nodes), or null when the change cannot be shown safe (see the top).
 * No splices when the parents are the same set.
 */
export function graphSplices(record: WarmRecord, fd: number, size: number, model: { readonly id: string; readonly name: string }, before: readonly string[], after: readonly string[]): Splice[] | null {
  const was = new Set(before);
  const now = new Set(after);
  const added = [...now].filter((p) => !was.has(p));
  const removed = [...was].filter((p) => !now.has(p));
  if (added.length === 0 && removed.length === 0) return [];
  if (record.unitTests) return null;
  const self = own(record.refs, model.name);
  if (!self || self[0] !== model.id) return null;
  const parentMap = readSection(fd, size, record.parentMap, ',"parent_map":');
  const childMap = readSection(fd, size, record.childMap, ',"child_map":');
  if (!parentMap || !childMap) return null;
  const rankOf = new Map(Object.values(record.refs).map((e) => [e[0], e[2]]));
  const sourceIds = new Set(Object.values(record.sources).map((e) => e[0]));
  // A source has no parents, and a node earlier in a topological order is no descendant of this
  // one; else a walk up from the new parent must not meet the model (the full compile's cycle error).
  // (An edge against that order, once accepted, leaves it an order no longer: walks then go all the way.)
  const earlier = (id: string) => record.ordered !== false && (rankOf.get(id) ?? Infinity) < self[2];
  const later = added.filter((p) => !sourceIds.has(p) && !earlier(p));
  if (later.length && reaches(parentMap.all(), later, model.id, earlier)) return null;
  const splices: Splice[] = [];
  const entry = parentMap.entry(model.id);
  if (!entry || JSON.stringify([...before].sort()) !== JSON.stringify(entry.list)) return null;
  splices.push(entry.replace([...now].sort()));
  for (const p of [...removed, ...added]) {
    const e = childMap.entry(p);
    if (!e) return null;
    const has = e.list.includes(model.id);
    if (has !== was.has(p)) return null;
    splices.push(e.replace(has ? e.list.filter((c) => c !== model.id) : [...e.list, model.id].sort()));
  }
  if (later.length) record.ordered = false;
  return splices.sort((a, b) => a.start - b.start);
}

/** A map of manifest.json ({"id":["id",...],...}) read from its recorded range, checked against what precedes it. */
/**
 * Whether `target` is among `from` and their ancestors (`parents`: parent_map), not walking past
 * nodes `below` says cannot have it as an ancestor. Unknown ids count as reaching it.
 */
function reaches(parents: Readonly<Record<string, readonly string[]>> | null, from: readonly string[], target: string, below: (id: string) => boolean): boolean {
  if (!parents) return true;
  const seen = new Set<string>();
  const stack = [...from];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === target) return true;
    if (seen.has(id) || below(id)) continue;
    seen.add(id);
    const up = Object.hasOwn(parents, id) ? parents[id] : undefined;
    if (!Array.isArray(up)) return true;
    stack.push(...up);
  }
  return false;
}

function readSection(fd: number, size: number, range: TailRange, key: string): { entry(id: string): { list: string[]; replace(list: string[]): Splice } | null; all(): Record<string, string[]> | null } | null {
  const start = size - range[0];
  const end = size - range[1];
  const keyBytes = Buffer.from(key, 'utf8');
  if (start - keyBytes.length < 0 || end <= start || end > size) return null;
  const buf = Buffer.alloc(end - start + keyBytes.length);
  if (fs.readSync(fd, buf, 0, buf.length, start - keyBytes.length) !== buf.length) return null;
  if (!buf.subarray(0, keyBytes.length).equals(keyBytes) || buf[keyBytes.length] !== 0x7b || buf[buf.length - 1] !== 0x7d) return null;
  const base = start - keyBytes.length;
  return {
    all() {
      try {
        return JSON.parse(buf.toString('utf8', keyBytes.length)) as Record<string, string[]>;
      } catch {
        return null;
      }
    },
    entry(id) {
      // Values are arrays of strings: `"id":[` can only be a key (after a string in an array comes `,` or `]`).
      const needle = Buffer.from(`${JSON.stringify(id)}:[`, 'utf8');
      const at = buf.indexOf(needle, keyBytes.length);
      if (at === -1 || (buf[at - 1] !== 0x7b && buf[at - 1] !== 0x2c) || buf.indexOf(needle, at + 1) !== -1) return null;
      const open = at + needle.length - 1;
      const close = arrayEnd(buf, open);
      if (close === -1) return null;
      const list = JSON.parse(buf.toString('utf8', open, close + 1)) as string[];
      return { list, replace: (l) => ({ start: base + open, end: base + close + 1, text: Buffer.from(JSON.stringify(l), 'utf8') }) };
    },
  };
}

/** The index of the `]` closing the array of strings opening at `open` (bytes: UTF-8 continuation bytes are never ASCII). */
function arrayEnd(buf: Buffer, open: number): number {
  let inString = false;
  for (let i = open + 1; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5d) return i;
  }
  return -1;
}

/**
 * The record after manifest.json was rewritten with `splices` (sorted, none across a section's
 * bounds): distances from the end move by the growth of what follows.
 */
export function moveTailRanges(record: WarmRecord, size: number, splices: readonly Splice[]): void {
  const growthFrom = (pos: number) => splices.reduce((d, s) => (s.start >= pos ? d + s.text.length - (s.end - s.start) : d), 0);
  const move = (r: TailRange): TailRange => {
    const start = size - r[0];
    const end = size - r[1];
    return [r[0] + growthFrom(start), r[1] + growthFrom(end)];
  };
  record.parentMap = move(record.parentMap);
  record.childMap = move(record.childMap);
}

/** Saves a record changed by moveTailRanges; on failure removes it. */
export function saveWarmRecord(targetDir: string, record: WarmRecord): void {
  try {
    writeAtomically(path.join(targetDir, WARM_RENDER_FILE), JSON.stringify(record));
  } catch {
    forgetWarmRecord(targetDir);
  }
}
