// Resolving a parsed selection to node ids, as dbt does: each criterion matches, grows by its
// graph operators, then pulls in tests by the indirect-selection mode; unions, intersections and
// differences combine the direct sets, and tests held back by `cautious`/`buildable` are let in
// once all their parents are selected.
import { KilnError } from '../errors.js';
import { matchCriteria, type MatchContext } from './match.js';
import { frameOf, whereOf } from './parse-spec.js';
import type { IndirectSelection, SelectionCriteria, SelectionSpec } from './spec.js';

export interface Evaluated {
  readonly direct: Set<string>;
  /** Tests reachable through the selection but held back by the indirect mode (may overlap direct). */
  readonly indirect: Set<string>;
}

export interface EvalOptions {
  /** Called for each part the user wrote that selects nothing (a warning, not an error). */
  readonly onEmpty?: (spec: SelectionSpec) => void;
}

export function evaluate(spec: SelectionSpec, ctx: MatchContext, opts: EvalOptions = {}): Evaluated {
  if (spec.kind === 'criteria') return evalCriteria(spec, ctx);
  const bundles = spec.components.map((c) => evaluate(c, ctx, opts));
  const directSets = bundles.map((b) => b.direct);
  const indirectSets = bundles.map((b) => union([b.direct, b.indirect]));
  const combine = spec.kind === 'union' ? union : spec.kind === 'intersection' ? intersection : difference;
  const initial = combine(directSets);
  const indirect = combine(indirectSets);
  const direct = incorporate(initial, indirect, spec.indirect, ctx);
  if (spec.expectExists && direct.size === 0) opts.onEmpty?.(spec);
  return { direct, indirect };
}

function evalCriteria(c: SelectionCriteria, ctx: MatchContext): Evaluated {
  let collected: Set<string>;
  try {
    collected = matchCriteria(c, ctx);
  } catch (e) {
    throw e instanceof KilnError ? pointAt(e, c) : e;
  }
  const u = ctx.universe;
  const selected = new Set(collected);
  if (c.childrensParents) {
    const down = u.descendants(collected);
    for (const id of collected) down.add(id);
    for (const id of down) selected.add(id);
    for (const id of u.ancestors(down)) selected.add(id);
  }
  if (c.parents) for (const id of u.ancestors(collected, c.parentsDepth)) selected.add(id);
  if (c.children) for (const id of u.descendants(collected, c.childrenDepth)) selected.add(id);
  if (c.indirect === 'empty') return { direct: selected, indirect: new Set() };
  return expand(selected, c.indirect, ctx);
}

/** Tests (and unit tests) directly downstream of the selection, by mode. */
function expand(selected: Set<string>, mode: IndirectSelection, ctx: MatchContext): Evaluated {
  const u = ctx.universe;
  const direct = new Set(selected);
  const indirect = new Set<string>();
  let buildable: Set<string> | null = null;
  for (const id of u.children(selected)) {
    const item = u.byId.get(id);
    const node = item?.node;
    if (!node || (node.resourceType !== 'test' && node.resourceType !== 'unit_test')) continue;
    const parents = node.dependsOn.nodes;
    if (mode === 'eager' || parents.every((p) => selected.has(p))) {
      direct.add(id);
      continue;
    }
    if (mode === 'buildable') {
      buildable ??= buildableSet(selected, ctx);
      if (parents.every((p) => buildable!.has(p))) {
        direct.add(id);
        continue;
      }
    }
    indirect.add(id);
  }
  return { direct, indirect };
}

/** Held-back tests join once all their parents are in (cautious) or built upstream (buildable). */
function incorporate(direct: Set<string>, indirect: Set<string>, mode: IndirectSelection, ctx: MatchContext): Set<string> {
  if (mode !== 'cautious' && mode !== 'buildable') return direct;
  const out = new Set(direct);
  const pool = mode === 'buildable' ? union([direct, ctx.universe.ancestors(direct)]) : out;
  for (const id of indirect) {
    if (out.has(id)) continue;
    const node = ctx.universe.byId.get(id)?.node;
    if (node && node.dependsOn.nodes.every((p) => pool.has(p))) out.add(id);
  }
  return out;
}

function buildableSet(selected: Set<string>, ctx: MatchContext): Set<string> {
  const out = union([selected, ctx.universe.ancestors(selected)]);
  for (const id of ctx.universe.manifest.sources.keys()) out.add(id);
  return out;
}

function union(sets: readonly Set<string>[]): Set<string> {
  const out = new Set<string>();
  for (const s of sets) for (const id of s) out.add(id);
  return out;
}

function intersection(sets: readonly Set<string>[]): Set<string> {
  if (sets.length === 0) return new Set();
  const [first, ...rest] = [...sets].sort((a, b) => a.size - b.size);
  const out = new Set<string>();
  for (const id of first!) if (rest.every((s) => s.has(id))) out.add(id);
  return out;
}

function difference(sets: readonly Set<string>[]): Set<string> {
  if (sets.length === 0) return new Set();
  const [first, ...rest] = sets;
  const out = new Set<string>();
  for (const id of first!) if (!rest.some((s) => s.has(id))) out.add(id);
  return out;
}

/** A state/result error, re-issued pointing at the criterion that needed it. */
function pointAt(e: KilnError, c: SelectionCriteria): KilnError {
  return new KilnError(e.code, `${e.message} (needed by '${c.raw}' in ${whereOf(c.origin)})${frameOf(c.origin)}`, {
    loc: c.origin.loc ?? { file: c.origin.source, line: c.origin.arg ?? 1, col: c.origin.col },
    hint: e.hint,
    related: e.loc ? [e.loc, ...e.related] : e.related,
    cause: e,
  });
}
