// Resolving a parsed selection to node ids, as dbt does: each criterion matches, grows by its
// graph operators, then pulls in tests by the indirect-selection mode; unions, intersections and
// differences combine the direct sets, and tests held back by `cautious`/`buildable` are let in
// once all their parents are selected. Sets are bit sets over the universe (see universe.ts).
import { KilnError } from '../errors.js';
import { matchCriteria, type MatchContext } from './match.js';
import { frameOf, whereOf } from './parse-spec.js';
import type { IndirectSelection, SelectionCriteria, SelectionSpec } from './spec.js';
import { or, orInto, type Bits } from './universe.js';

export interface Evaluated {
  readonly direct: Bits;
  /** Tests reachable through the selection but held back by the indirect mode (may overlap direct). */
  readonly indirect: Bits;
}

export interface EvalOptions {
  /** Called for each part the user wrote that selects nothing (a warning, not an error). */
  readonly onEmpty?: (spec: SelectionSpec) => void;
}

export function evaluate(spec: SelectionSpec, ctx: MatchContext, opts: EvalOptions = {}): Evaluated {
  if (spec.kind === 'criteria') return evalCriteria(spec, ctx);
  const bundles = spec.components.map((c) => evaluate(c, ctx, opts));
  const n = ctx.universe.size;
  const initial = new Uint8Array(n);
  const indirect = new Uint8Array(n);
  if (spec.kind === 'union') {
    for (const b of bundles) {
      orInto(initial, b.direct);
      orInto(indirect, b.direct);
      orInto(indirect, b.indirect);
    }
  } else if (bundles.length > 0) {
    const [first, ...rest] = bundles;
    const keep = spec.kind === 'intersection' ? (x: number) => x === rest.length : (x: number) => x === 0;
    for (let i = 0; i < n; i++) {
      if (first!.direct[i]) {
        let hits = 0;
        for (const b of rest) hits += b.direct[i]!;
        if (keep(hits)) initial[i] = 1;
      }
      if (first!.direct[i] || first!.indirect[i]) {
        let hits = 0;
        for (const b of rest) hits += b.direct[i]! | b.indirect[i]!;
        if (keep(hits)) indirect[i] = 1;
      }
    }
  }
  const direct = incorporate(initial, indirect, spec.indirect, ctx);
  if (spec.expectExists && !direct.includes(1)) opts.onEmpty?.(spec);
  return { direct, indirect };
}

function evalCriteria(c: SelectionCriteria, ctx: MatchContext): Evaluated {
  let collected: Bits;
  try {
    collected = matchCriteria(c, ctx);
  } catch (e) {
    throw e instanceof KilnError ? pointAt(e, c) : e;
  }
  const u = ctx.universe;
  const selected = collected.slice();
  if (c.childrensParents) {
    const down = or(u.descendants(collected), collected);
    orInto(selected, down);
    orInto(selected, u.ancestors(down));
  }
  if (c.parents) orInto(selected, u.ancestors(collected, c.parentsDepth));
  if (c.children) orInto(selected, u.descendants(collected, c.childrenDepth));
  if (c.indirect === 'empty') return { direct: selected, indirect: u.empty() };
  return expand(selected, c.indirect, ctx);
}

/** Tests (and unit tests) directly downstream of the selection, by mode. */
function expand(selected: Bits, mode: IndirectSelection, ctx: MatchContext): Evaluated {
  const u = ctx.universe;
  const direct = selected.slice();
  const indirect = u.empty();
  let buildable: Bits | null = null;
  const allIn = (t: number, pool: Bits) => u.allParentsIn(t, pool);
  const children = u.childEdges();
  for (let i = 0; i < selected.length; i++) {
    if (!selected[i]) continue;
    for (let k = children.start[i]!; k < children.start[i + 1]!; k++) {
      const t = children.flat[k]!;
      if (!u.isTestLike(t) || direct[t]) continue;
      if (mode === 'eager' || allIn(t, selected)) {
        direct[t] = 1;
        continue;
      }
      if (mode === 'buildable') {
        buildable ??= or(or(selected, u.ancestors(selected)), u.sources());
        if (allIn(t, buildable)) {
          direct[t] = 1;
          continue;
        }
      }
      indirect[t] = 1;
    }
  }
  return { direct, indirect };
}

/** Held-back tests join once all their parents are in (cautious) or built upstream (buildable). */
function incorporate(direct: Bits, indirect: Bits, mode: IndirectSelection, ctx: MatchContext): Bits {
  if (mode !== 'cautious' && mode !== 'buildable') return direct;
  const u = ctx.universe;
  const out = direct.slice();
  const pool = mode === 'buildable' ? or(direct, u.ancestors(direct)) : out;
  for (let i = 0; i < indirect.length; i++) {
    if (!indirect[i] || out[i] || !u.isTestLike(i)) continue;
    if (u.allParentsIn(i, pool)) out[i] = 1;
  }
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
