// `state:` selection: compare the current project with the manifest of an earlier run (usually
// production's). A node is new when the old manifest lacks it; modified when its SQL, configs,
// relation, persisted descriptions or contract differ, or when a macro it calls (directly or
// through other macros) or a var it reads changed.
import type { Manifest, ParsedNode, SourceTable } from '../nodes.js';
import type { Json, StateManifest } from './artifacts.js';
import { canonicalJson, usageOf, varDigest, type Usage } from './usage.js';

/** The comparable parts of a node, built the same way from a ParsedNode and from manifest JSON. */
interface Fingerprint {
  readonly body: string;
  readonly isGenericTest: boolean;
  readonly config: string;
  readonly relation: string;
  readonly fqn: string;
  readonly descriptions: string;
  readonly contract: string;
}

export class StateComparison {
  private readonly usage: Usage;
  private readonly changedMacros: Set<string>;
  private readonly changedVars: Set<string> | null;
  private readonly memo = new Map<string, Set<string>>();
  private readonly macroReach = new Map<string, boolean>();
  private readonly varReach = new Map<string, boolean>();

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
    for (const s of this.current.sources.values()) if (this.otherMatches(value, s.uniqueId, this.old.sources.get(s.uniqueId), () => sourceKey(s))) out.add(s.uniqueId);
    for (const e of this.current.exposures?.values() ?? []) {
      const key = () => exposureKey({ depends_on: { nodes: e.dependsOn.nodes }, type: e.type, owner: e.owner, url: e.url, maturity: e.maturity, config: { ...e.config, tags: e.tags } });
      if (this.otherMatches(value, e.uniqueId, this.old.exposures.get(e.uniqueId), key)) out.add(e.uniqueId);
    }
    this.memo.set(value, out);
    return out;
  }

  private nodeMatches(value: string, n: ParsedNode): boolean {
    if (n.resourceType === 'unit_test') return this.otherMatches(value, n.uniqueId, this.old.unitTests.get(n.uniqueId), () => unitTestKey(n));
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
        if (!old) return true;
        const a = fingerprintOf(n);
        const b = fingerprintOfJson(old);
        switch (value) {
          case 'modified.body':
            return !sameBody(a, b);
          case 'modified.configs':
            return a.config !== b.config;
          case 'modified.relation':
            return a.relation !== b.relation;
          case 'modified.persisted_descriptions':
            return a.descriptions !== b.descriptions;
          case 'modified.contract':
            return a.contract !== b.contract;
          default:
            return false;
        }
      }
    }
  }

  private modified(n: ParsedNode, old: Json | undefined): boolean {
    if (!old) return true;
    const a = fingerprintOf(n);
    const b = fingerprintOfJson(old);
    const sameContents = sameBody(a, b) && a.config === b.config && a.relation === b.relation && a.fqn === b.fqn && a.descriptions === b.descriptions && a.contract === b.contract;
    return !sameContents || this.reachesChangedMacro(n.uniqueId) || this.readsChangedVar(n.uniqueId);
  }

  /** Sources, exposures and unit tests: new / old / modified (whole definition) only. */
  private otherMatches(value: string, id: string, old: Json | undefined, key: () => string): boolean {
    switch (value) {
      case 'new':
        return old === undefined;
      case 'old':
        return old !== undefined;
      case 'modified':
      case 'unmodified': {
        const changed = old === undefined || key() !== (id.startsWith('source.') ? sourceJsonKey(old) : id.startsWith('unit_test.') ? unitTestJsonKey(old) : exposureJsonKey(old));
        return value === 'modified' ? changed : !changed;
      }
      default:
        return false;
    }
  }

  private reachesChangedMacro(id: string): boolean {
    if (this.changedMacros.size === 0) return false;
    return this.reach(id, this.macroReach, (m) => this.changedMacros.has(m));
  }

  private readsChangedVar(id: string): boolean {
    const changed = this.changedVars;
    if (!changed || changed.size === 0) return false;
    const readsChanged = (x: string) => (this.usage.vars.get(x) ?? []).some((v) => changed.has(v));
    if (readsChanged(id)) return true;
    return this.reach(id, this.varReach, readsChanged);
  }

  /** Whether any macro reachable from `id` through macro calls satisfies `hit` (memoized; cycles safe). */
  private reach(id: string, memo: Map<string, boolean>, hit: (macroId: string) => boolean): boolean {
    const known = memo.get(id);
    if (known !== undefined) return known;
    memo.set(id, false); // a recursion cycle adds nothing
    let found = false;
    for (const m of this.usage.macros.get(id) ?? []) {
      if (hit(m) || this.reach(m, memo, hit)) {
        found = true;
        break;
      }
    }
    memo.set(id, found);
    return found;
  }
}

function changedVarNames(current: Readonly<Record<string, unknown>>, old: Readonly<Record<string, string>>): Set<string> {
  const out = new Set<string>();
  for (const k of new Set([...Object.keys(current), ...Object.keys(old)])) {
    if (!(k in current) || !(k in old) || varDigest(current[k]) !== old[k]) out.add(k);
  }
  return out;
}

function sameBody(a: Fingerprint, b: Fingerprint): boolean {
  // Generic tests are their macro and arguments: their id changes when the arguments do.
  if (a.isGenericTest) return true;
  return a.body === b.body;
}

/** A node's comparable parts, from the parsed project. */
export function fingerprintOf(n: ParsedNode): Fingerprint {
  const config = normalizeConfig({ ...n.config, pre_hook: n.config.pre_hook ?? [], post_hook: n.config.post_hook ?? [] });
  return build({
    checksum: n.checksum,
    rawCode: n.rawCode,
    isGenericTest: n.testMetadata !== undefined,
    config,
    fqn: n.fqn,
    description: n.description,
    columns: Object.fromEntries(Object.values(n.columns).map((c) => [c.name, { description: c.description, data_type: c.data_type }])),
  });
}

/** The same parts from a node of an earlier manifest.json. */
export function fingerprintOfJson(j: Json): Fingerprint {
  const rawConfig = (j.config ?? {}) as Json;
  const hooks = (k: string) => (Array.isArray(rawConfig[k]) ? (rawConfig[k] as unknown[]).map((h) => (h && typeof h === 'object' ? String((h as Json).sql ?? '') : String(h))) : []);
  const { 'pre-hook': _pre, 'post-hook': _post, ...rest } = rawConfig;
  const config = normalizeConfig({ ...rest, pre_hook: hooks('pre-hook'), post_hook: hooks('post-hook') });
  const columns: Record<string, unknown> = {};
  for (const [name, c] of Object.entries((j.columns ?? {}) as Record<string, Json>)) columns[name] = { description: c?.description ?? '', data_type: c?.data_type ?? null };
  const checksum = (j.checksum as Json | undefined)?.checksum;
  return build({
    checksum: typeof checksum === 'string' ? checksum : '',
    rawCode: typeof j.raw_code === 'string' ? j.raw_code : '',
    isGenericTest: !!j.test_metadata,
    config,
    fqn: Array.isArray(j.fqn) ? (j.fqn as string[]) : [],
    description: typeof j.description === 'string' ? j.description : '',
    columns,
  });
}

interface Parts {
  checksum: string;
  rawCode: string;
  isGenericTest: boolean;
  config: Record<string, unknown>;
  fqn: readonly string[];
  description: string;
  columns: Record<string, unknown>;
}

function build(p: Parts): Fingerprint {
  const c = p.config;
  const persist = (c.persist_docs ?? {}) as Json;
  const contract = (c.contract ?? {}) as Json;
  const enforced = contract.enforced === true;
  const cols = p.columns as Record<string, { description: unknown; data_type: unknown }>;
  return {
    // Checksums compare the file when both sides have one; the code otherwise.
    body: p.checksum ? `sha:${p.checksum}` : `raw:${p.rawCode}`,
    isGenericTest: p.isGenericTest,
    config: canonicalJson(c),
    // The configured names, not the resolved ones: prod and dev differ in schema by design.
    relation: canonicalJson([c.database ?? null, c.schema ?? null, c.alias ?? null]),
    fqn: p.fqn.join('.'),
    descriptions: canonicalJson([
      persist.relation === true ? p.description : null,
      persist.columns === true ? Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v.description])) : null,
    ]),
    contract: enforced ? canonicalJson(Object.fromEntries(Object.entries(cols).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.data_type]))) : 'not enforced',
  };
}

/** Empty values (null, {}, []) count as unset, so a default written out on one side is no change. */
function normalizeConfig(config: Record<string, unknown>): Record<string, unknown> {
  return (prune(config) ?? {}) as Record<string, unknown>;
}

function prune(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map((x) => prune(x) ?? null);
  if (typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const p = prune(x);
      if (p !== undefined) out[k] = p;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v;
}

function sourceKey(s: SourceTable): string {
  return canonicalJson({ schema: s.schema, identifier: s.identifier, fqn: s.fqn, loaded_at_field: s.loadedAtField ?? null, freshness: prune(s.freshness) ?? null, config: normalizeConfig({ ...s.config }) });
}

function sourceJsonKey(j: Json): string {
  return canonicalJson({
    schema: j.schema ?? null,
    identifier: j.identifier ?? null,
    fqn: j.fqn ?? [],
    loaded_at_field: j.loaded_at_field ?? null,
    freshness: prune(j.freshness) ?? null,
    config: normalizeConfig({ ...((j.config ?? {}) as Json) }),
  });
}

function exposureJsonKey(j: Json): string {
  return exposureKey(j);
}

/** An exposure's definition, from its manifest.json shape (the current one is built the same way). */
function exposureKey(j: Json): string {
  const deps = ((j.depends_on as Json | undefined)?.nodes ?? []) as string[];
  return canonicalJson(prune({ deps: [...deps].sort(), type: j.type, owner: j.owner, url: j.url, maturity: j.maturity, config: j.config }) ?? null);
}

/** A unit test is its definition: model, given rows, expected rows, overrides and config. */
function unitTestKey(n: ParsedNode): string {
  const u = n.unitTest;
  return canonicalJson(prune({
    model: u?.model,
    given: u?.given.map((g) => ({ input: g.input, rows: g.rows, format: g.format })),
    expect: u ? { rows: u.expect.rows, format: u.expect.format } : null,
    overrides: u ? { macros: u.overrides.macros, vars: u.overrides.vars, env_vars: u.overrides.envVars } : null,
    config: { tags: n.config.tags, meta: n.config.meta },
  }) ?? null);
}

function unitTestJsonKey(j: Json): string {
  const config = (j.config ?? {}) as Json;
  return canonicalJson(prune({ model: j.model, given: j.given, expect: j.expect, overrides: j.overrides, config: { tags: config.tags, meta: config.meta } }) ?? null);
}
