// Which nodes a save changed: the manifest after the save against the one before it, in memory.
// A node changed when it is new, when its SQL, relation, configs, dependencies or descriptions
// differ, when a macro it calls (through any chain of macros) or a var it reads changed, or when a
// source it reads was redefined. `kiln watch` rebuilds these (and what depends on them).
import type { Manifest, ParsedNode } from '../nodes.js';
import { equivalent } from '../state/compare.js';
import { usageOf, type Usage } from '../state/usage.js';

/**
 * `scope`, when given, names the files (relative paths) that can have changed any node: only
 * nodes defined or described in them are compared (plus new ones). Comparing every node of a
 * 10,000-model project (40,000 with tests) costs a few hundred milliseconds; a save of one
 * model file needs one comparison. Pass null when a change can reach every node (the project
 * file, a macro, a doc block).
 */
export function changedNodes(before: Manifest, after: Manifest, scope: ReadonlySet<string> | null = null, candidates?: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  // `candidates`: the only nodes of `after` that may differ from `before` (an incremental re-parse says which).
  for (const n of candidates ? nodesAmong(after, candidates) : after.nodes.values()) {
    const old = before.nodes.get(n.uniqueId);
    if (!old) out.add(n.uniqueId);
    else if (old !== n && (scope === null || inScope(old, scope) || inScope(n, scope)) && !sameNode(old, n)) out.add(n.uniqueId);
  }
  // A redefined source (identifier, database, quoting...) changes the SQL of what reads it.
  const changedSources = new Set<string>();
  for (const s of after.sources.values()) {
    const old = before.sources.get(s.uniqueId);
    if (old !== s && (!old || !equivalent({ ...old, loc: null }, { ...s, loc: null }))) changedSources.add(s.uniqueId);
  }
  const changedMacros = new Set<string>();
  for (const m of after.macros.values()) if (before.macros.get(m.uniqueId)?.macroSql !== m.macroSql) changedMacros.add(m.uniqueId);
  const changedVars = varsChanged(before.vars ?? {}, after.vars ?? {});
  if (changedSources.size === 0 && changedMacros.size === 0 && changedVars.size === 0) return out;

  // The usage scan reads every template: only paid when a macro, var or source changed.
  const usage = changedMacros.size || changedVars.size ? usageOf(after) : null;
  const macroHits = usage && changedMacros.size ? macrosReaching(after, usage, (m) => changedMacros.has(m)) : new Set<string>();
  const varHits = usage && changedVars.size ? macrosReaching(after, usage, (m) => (usage.vars.get(m) ?? []).some((v) => changedVars.has(v))) : new Set<string>();
  for (const n of after.nodes.values()) {
    if (out.has(n.uniqueId)) continue;
    if (n.dependsOn.nodes.some((d) => changedSources.has(d))) out.add(n.uniqueId);
    else if (usage && (usage.macros.get(n.uniqueId) ?? []).some((m) => macroHits.has(m) || varHits.has(m))) out.add(n.uniqueId);
    else if (usage && (usage.vars.get(n.uniqueId) ?? []).some((v) => changedVars.has(v))) out.add(n.uniqueId);
  }
  return out;
}

function* nodesAmong(m: Manifest, ids: ReadonlySet<string>): Iterable<ParsedNode> {
  for (const id of ids) {
    const n = m.nodes.get(id);
    if (n) yield n;
  }
}

/**
 * What decides a node's relation and its tests' outcome. Locations are left out: a line added
 * above a model in a YAML file moves every later model's location without changing it.
 */
function sameNode(a: ParsedNode, b: ParsedNode): boolean {
  return (
    a.checksum === b.checksum &&
    a.rawCode === b.rawCode &&
    a.database === b.database &&
    a.schema === b.schema &&
    a.alias === b.alias &&
    a.description === b.description &&
    sameList(a.dependsOn.nodes, b.dependsOn.nodes) &&
    equivalent(a.config, b.config) &&
    sameColumns(a, b) &&
    equivalent(a.testMetadata, b.testMetadata) &&
    equivalent(a.unitTest, b.unitTest)
  );
}

/** Columns without the tests declared on them: a new test is a node of its own, not a change of the model. */
function sameColumns(a: ParsedNode, b: ParsedNode): boolean {
  const strip = (n: ParsedNode) => Object.fromEntries(Object.entries(n.columns).map(([k, c]) => [k, { ...c, data_tests: null }]));
  return a.columns === b.columns || equivalent(strip(a), strip(b));
}

function inScope(n: ParsedNode, scope: ReadonlySet<string>): boolean {
  if (scope.has(n.originalFilePath)) return true;
  const p = n.patchPath;
  if (p === null) return false;
  // A save or two is the usual scope: compared in place, without a substring of the path of each
  // of 20,000 nodes (before and after) on every rebuild.
  if (scope.size > 4) return scope.has(stripPackage(p));
  const at = p.indexOf('://') + 3;
  const start = at === 2 ? 0 : at;
  for (const f of scope) if (p.length - start === f.length && p.startsWith(f, start)) return true;
  return false;
}

/** patch_path is written `<package>://models/schema.yml`. */
function stripPackage(p: string): string {
  const i = p.indexOf('://');
  return i === -1 ? p : p.slice(i + 3);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function varsChanged(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): Set<string> {
  const out = new Set<string>();
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) if (!equivalent(before[k], after[k]) || !(k in before) || !(k in after)) out.add(k);
  return out;
}

/** The macros that satisfy `hit` themselves or call (through any chain) one that does. */
function macrosReaching(manifest: Manifest, usage: Usage, hit: (macroId: string) => boolean): Set<string> {
  const memo = new Map<string, boolean>();
  const visit = (id: string): boolean => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    memo.set(id, false); // a recursion cycle adds nothing
    const found = hit(id) || (usage.macros.get(id) ?? []).some(visit);
    memo.set(id, found);
    return found;
  };
  const out = new Set<string>();
  for (const id of manifest.macros.keys()) if (visit(id)) out.add(id);
  return out;
}
