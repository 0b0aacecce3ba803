// `state:` selection: compare the current project with the manifest of an earlier run (usually
// production's). A node is new when the old manifest lacks it; modified when its SQL, configs,
// relation, persisted descriptions or contract differ, or when a macro it calls (directly or
// through other macros) or a var it reads changed. Each aspect is compared only when asked for,
// and without building strings: a 10,000-node comparison takes milliseconds.
import { isConfigDefault } from '../artifacts/config-defaults.js';
import type { Manifest, ParsedNode, SourceTable } from '../nodes.js';
import type { Json, StateManifest } from './artifacts.js';
import { usageOf, varDigest, type Usage } from './usage.js';
import { isSeedStamp } from '../seeds/seed-stamp.js';
import { dbtRawCode, pyStrip } from '../project/dbt-strip.js';
import { stripBom } from '../project/yaml-file.js';
import { isWholeFloat } from '../project/yaml-floats.js';
import { semanticDefinition, sameSemantic } from '../semantic/state.js';
import { semanticNodes } from '../selection/universe.js';

type Aspect = 'body' | 'configs' | 'relation' | 'fqn' | 'persisted_descriptions' | 'contract';
const CONTENT: readonly Aspect[] = ['body', 'configs', 'relation', 'fqn', 'persisted_descriptions', 'contract'];

export class StateComparison {
  private readonly usage: Usage;
  private readonly changedMacros: Set<string>;
  private readonly changedVars: Set<string> | null;
  private readonly memo = new Map<string, Set<string>>();
  private readonly modifiedMemo = new Map<string, boolean>();
  private macroHits: Set<string> | null = null;
  private varHits: Set<string> | null = null;

  constructor(
    private readonly current: Manifest,
    private readonly old: StateManifest,
  ) {
    this.usage = usageOf(current);
    this.changedMacros = new Set();
    for (const m of current.macros.values()) if (old.macros.get(m.uniqueId) !== m.macroSql) this.changedMacros.add(m.uniqueId);
    this.changedVars = old.varDigests && current.vars ? changedVarNames(current.vars, old.varDigests) : null;
  }

  /** Ids `state:<value>` selects (value checked by the parser). */
  select(value: string): Set<string> {
    let out = this.memo.get(value);
    if (out) return out;
    out = new Set();
    for (const n of this.current.nodes.values()) if (this.nodeMatches(value, n)) out.add(n.uniqueId);
    for (const s of this.current.sources.values()) {
      if (this.otherMatches(value, this.old.sources.get(s.uniqueId), (old) => sameSource(s, old))) out.add(s.uniqueId);
    }
    for (const e of this.current.exposures?.values() ?? []) {
      // (config as manifest.json writes it: the parser's, holding enabled, tags and meta as dbt's does)
      const now = { depends_on: { nodes: e.dependsOn.nodes }, type: e.type, owner: e.owner, url: e.url, maturity: e.maturity, config: e.config };
      if (this.otherMatches(value, this.old.exposures.get(e.uniqueId), (old) => sameExposure(now, old))) out.add(e.uniqueId);
    }
    for (const e of semanticNodes(this.current)) {
      if (this.otherMatches(value, this.old.semantic.get(e.uniqueId), (old) => sameSemantic(semanticDefinition(e), old, equivalent))) out.add(e.uniqueId);
    }
    this.memo.set(value, out);
    return out;
  }

  private nodeMatches(value: string, n: ParsedNode): boolean {
    if (n.resourceType === 'unit_test') return this.otherMatches(value, this.old.unitTests.get(n.uniqueId), (old) => sameUnitTest(n, old));
    const old = this.old.nodes.get(n.uniqueId);
    switch (value) {
      case 'new':
        return old === undefined;
      case 'old':
        return old !== undefined;
      case 'modified':
        return this.modified(n, old);
      case 'unmodified':
        return !this.modified(n, old);
      case 'modified.macros':
        return this.reachesChangedMacro(n.uniqueId);
      case 'modified.vars':
        return this.readsChangedVar(n.uniqueId);
      default: {
        const aspect = value.slice('modified.'.length) as Aspect;
        return old === undefined || !same(aspect, n, old);
      }
    }
  }

  private modified(n: ParsedNode, old: Json | undefined): boolean {
    let m = this.modifiedMemo.get(n.uniqueId);
    if (m === undefined) {
      m = old === undefined || !CONTENT.every((a) => same(a, n, old)) || this.reachesChangedMacro(n.uniqueId) || this.readsChangedVar(n.uniqueId);
      this.modifiedMemo.set(n.uniqueId, m);
    }
    return m;
  }

  /** Sources, exposures, unit tests and the semantic layer: new / old / modified (whole definition) only. */
  private otherMatches(value: string, old: Json | undefined, sameAs: (old: Json) => boolean): boolean {
    switch (value) {
      case 'new':
        return old === undefined;
      case 'old':
        return old !== undefined;
      case 'modified':
        return old === undefined || !sameAs(old);
      case 'unmodified':
        return old !== undefined && sameAs(old);
      default:
        return false;
    }
  }

  private reachesChangedMacro(id: string): boolean {
    if (this.changedMacros.size === 0) return false;
    this.macroHits ??= this.macrosReaching((m) => this.changedMacros.has(m));
    return (this.usage.macros.get(id) ?? []).some((m) => this.macroHits!.has(m));
  }

  private readsChangedVar(id: string): boolean {
    const changed = this.changedVars;
    if (!changed || changed.size === 0) return false;
    if ((this.usage.vars.get(id) ?? []).some((v) => changed.has(v))) return true;
    this.varHits ??= this.macrosReaching((m) => (this.usage.vars.get(m) ?? []).some((v) => changed.has(v)));
    return (this.usage.macros.get(id) ?? []).some((m) => this.varHits!.has(m));
  }

  /** The macros that satisfy `hit` themselves or call (through any chain) one that does. */
  private macrosReaching(hit: (macroId: string) => boolean): Set<string> {
    const memo = new Map<string, boolean>();
    const visit = (id: string): boolean => {
      const known = memo.get(id);
      if (known !== undefined) return known;
      memo.set(id, false); // a recursion cycle adds nothing
      const found = hit(id) || (this.usage.macros.get(id) ?? []).some(visit);
      memo.set(id, found);
      return found;
    };
    const out = new Set<string>();
    for (const id of this.current.macros.keys()) if (visit(id)) out.add(id);
    return out;
  }
}

function changedVarNames(current: Readonly<Record<string, unknown>>, old: Readonly<Record<string, string>>): Set<string> {
  const out = new Set<string>();
  for (const k of new Set([...Object.keys(current), ...Object.keys(old)])) {
    if (!(k in current) || !(k in old) || varDigest(current[k]) !== old[k]) out.add(k);
  }
  return out;
}

/** One aspect of a parsed node against the same node in an earlier manifest.json. */
function same(aspect: Aspect, n: ParsedNode, j: Json): boolean {
  const oldConfig = (j.config ?? {}) as Json;
  switch (aspect) {
    case 'body': {
      // Generic tests are their macro and arguments: their id changes when the arguments do.
      if (n.testMetadata) return true;
      const old = j.checksum as Json | undefined;
      const sum = old?.checksum;
      // As dbt: a seed is its checksum, any other node its raw_code (a snapshot's is its block).
      if (n.resourceType === 'seed') {
        // A seed over dbt's size limit has dbt's path checksum: the same path is the same seed, as
        // dbt judges it (it cannot tell either), and a hashed one before is a changed one.
        if (isSeedStamp(n.checksum)) return old?.name === 'path' && sum === n.originalFilePath;
        // The hash of all its bytes: a manifest.json kiln wrote before it hashed as dbt does.
        if (typeof sum === 'string' && sum) return n.checksum === sum || n.fileChecksum === sum;
      }
      // Stripped as dbt strips files; the old one too: a manifest.json kiln wrote before kept the file
      // as it was, and dbt keeps a file's byte order mark in raw_code (kiln reads files without it).
      if (typeof j.raw_code === 'string') return dbtRawCode(n) === (n.resourceType === 'snapshot' ? j.raw_code : pyStrip(stripBom(j.raw_code)));
      return n.checksum !== '' && n.checksum === sum;
    }
    case 'configs':
      return sameConfig(n.config, oldConfig);
    case 'relation':
      // The configured names, not the resolved ones: prod and dev differ in schema by design.
      return equivalent(n.config.database, oldConfig.database) && equivalent(n.config.schema, oldConfig.schema) && equivalent(n.config.alias, oldConfig.alias);
    case 'fqn':
      return equivalent(n.fqn, j.fqn);
    case 'persisted_descriptions': {
      const persist = (n.config.persist_docs ?? {}) as Json;
      const before = (oldConfig.persist_docs ?? {}) as Json;
      if (!(persist.relation === true || before.relation === true || persist.columns === true || before.columns === true)) return true;
      const cols = (j.columns ?? {}) as Record<string, Json>;
      const sameRelation = !(persist.relation === true || before.relation === true) || n.description === (j.description ?? '');
      const sameColumns = !(persist.columns === true || before.columns === true) || equivalent(descriptions(n), Object.fromEntries(Object.entries(cols).map(([k, c]) => [k, c?.description ?? ''])));
      return sameRelation && sameColumns;
    }
    case 'contract': {
      const now = (n.config.contract ?? {}) as Json;
      const before = (oldConfig.contract ?? {}) as Json;
      if (now.enforced !== true && before.enforced !== true) return true;
      if (now.enforced !== before.enforced) return false;
      const cols = (j.columns ?? {}) as Record<string, Json>;
      return equivalent(Object.fromEntries(Object.values(n.columns).map((c) => [c.name, c.data_type])), Object.fromEntries(Object.entries(cols).map(([k, c]) => [k, c?.data_type ?? null])));
    }
  }
}

/** Configs, key by key; hooks as lists of SQL (manifest.json writes them as `pre-hook` objects). */
function sameConfig(now: Readonly<Record<string, unknown>>, old: Json): boolean {
  // A key one side leaves out and the other writes at dbt's default (config-defaults.ts) is the same.
  for (const k in now) {
    if (k === 'pre_hook' || k === 'post_hook') continue;
    if (k === 'tags') {
      if (!sameTags(now.tags, old.tags)) return false;
      continue;
    }
    if (!equivalent(now[k], old[k]) && (k in old || !isConfigDefault(k, now[k]))) return false;
  }
  for (const k in old) {
    if (k === 'pre-hook' || k === 'post-hook' || k in now) continue;
    if (!isEmpty(old[k]) && !isConfigDefault(k, old[k])) return false;
  }
  return equivalent(now.pre_hook, isEmpty(old['pre-hook']) ? null : hookSql(old['pre-hook'])) && equivalent(now.post_hook, isEmpty(old['post-hook']) ? null : hookSql(old['post-hook']));
}

/**
 * Tags as a set: their order and repeats select nothing differently (a data test's config.tags
 * list its entry's twice where dbt does, and kiln changed which tests those are); dbt leaves
 * tags out of state:modified altogether.
 */
function sameTags(now: unknown, old: unknown): boolean {
  if (equivalent(now, old)) return true;
  const a = tagSet(now);
  const b = tagSet(old);
  if (a.size !== b.size) return false;
  for (const t of a) if (!b.has(t)) return false;
  return true;
}

function tagSet(v: unknown): Set<string> {
  if (Array.isArray(v)) return new Set(v.map(String));
  return v === undefined || v === null ? new Set() : new Set([String(v)]);
}

function hookSql(v: unknown): string[] {
  return Array.isArray(v) ? v.map((h) => (h && typeof h === 'object' ? String((h as Json).sql ?? '') : String(h))) : [];
}

function descriptions(n: ParsedNode): Record<string, string> {
  return Object.fromEntries(Object.values(n.columns).map((c) => [c.name, c.description]));
}

/**
 * Deep equality where empty values (undefined, null, {}, []) count as unset, so a default written
 * out by one side (or another tool) is no change; key order never matters.
 */
export function equivalent(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a;
  const tb = typeof b;
  // Primitives (the common case): equal, or both unset.
  if (ta !== 'object' && tb !== 'object') return a === b || (a === undefined && b === undefined);
  if (a === null || a === undefined) return isEmpty(b);
  if (b === null || b === undefined) return isEmpty(a);
  if (ta !== 'object' || tb !== 'object') return false;
  // Whole-number floats of test arguments (yaml-floats.ts): no keys to compare, their numbers.
  if (isWholeFloat(a) || isWholeFloat(b)) return isWholeFloat(a) && isWholeFloat(b) && a.valueOf() === b.valueOf();
  const aa = Array.isArray(a);
  const ab = Array.isArray(b);
  if (aa || ab) {
    if (aa && ab) {
      const x = a as unknown[];
      const y = b as unknown[];
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (!equivalent(x[i], y[i])) return false;
      return true;
    }
    return isEmpty(a) && isEmpty(b);
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k in x) if (!equivalent(x[k], y[k])) return false;
  for (const k in y) if (!(k in x) && !isEmpty(y[k])) return false;
  return true;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.length === 0;
  for (const k in v as Record<string, unknown>) if (!isEmpty((v as Record<string, unknown>)[k])) return false;
  return true;
}

function sameSource(s: SourceTable, j: Json): boolean {
  // Tags as a set (sameTags): a state manifest from before kiln sorted them lists them as written.
  const { tags, ...config } = s.config;
  const { tags: oldTags, ...oldConfig } = (j.config ?? {}) as Json;
  return (
    equivalent(s.schema, j.schema) &&
    equivalent(s.identifier, j.identifier) &&
    equivalent(s.fqn, j.fqn) &&
    equivalent(s.loadedAtField, j.loaded_at_field) &&
    equivalent(s.freshness, j.freshness) &&
    equivalent(config, oldConfig) &&
    sameTags(tags, oldTags) &&
    // A quoting change changes how source() writes it (dbt's same_quoting).
    equivalent(s.quoting ?? UNSET_QUOTING, j.quoting ?? UNSET_QUOTING)
  );
}

const UNSET_QUOTING = { database: null, schema: null, identifier: null, column: null };

function sameExposure(now: Json, j: Json): boolean {
  const deps = (x: Json) => [...(((x.depends_on as Json | undefined)?.nodes ?? []) as string[])].sort();
  return equivalent(deps(now), deps(j)) && (['type', 'owner', 'url', 'maturity', 'config'] as const).every((k) => equivalent(now[k], j[k]));
}

/** A unit test is its definition: model, given rows, expected rows, overrides and config. */
function sameUnitTest(n: ParsedNode, j: Json): boolean {
  const u = n.unitTest;
  const config = (j.config ?? {}) as Json;
  return (
    equivalent(u?.model, j.model) &&
    equivalent(u?.given.map((g) => ({ input: g.input, rows: g.rows, format: g.format })), j.given) &&
    equivalent(u ? { rows: u.expect.rows, format: u.expect.format } : null, j.expect) &&
    equivalent(u ? { macros: u.overrides.macros, vars: u.overrides.vars, env_vars: u.overrides.envVars } : null, j.overrides) &&
    equivalent(n.config.tags, config.tags) &&
    equivalent(n.config.meta, config.meta)
  );
}
