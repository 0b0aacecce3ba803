// The shape of a parsed selection: criteria (`+tag:nightly`) combined by union (space),
// intersection (comma) and difference (--exclude, selectors.yml `exclude:`). Every criterion
// remembers where it was written so errors and warnings can point at it.
import type { SourceLocation } from '../errors.js';

/** How tests come along with the nodes they test (dbt's --indirect-selection). */
export type IndirectSelection = 'eager' | 'cautious' | 'buildable' | 'empty';
export const INDIRECT_MODES: readonly IndirectSelection[] = ['eager', 'cautious', 'buildable', 'empty'];

/** Where a criterion was written: a command-line argument or a selectors.yml entry. */
export interface SpecOrigin {
  /** `--select`, `--exclude`, or `selectors.yml`. */
  readonly source: string;
  /** The whole argument (or YAML string) the criterion is part of. */
  readonly text: string;
  /** 1-based column of the criterion inside `text`. */
  readonly col: number;
  /** Which argument of the option (1-based), when it was given more than once. */
  readonly arg?: number;
  /** For selectors.yml: the file position of the entry. */
  readonly loc?: SourceLocation;
}

export interface SelectionCriteria {
  readonly kind: 'criteria';
  readonly raw: string;
  /** `fqn`, `tag`, `config`, ... (never empty). */
  readonly method: string;
  /** `config.materialized` → ['materialized']. */
  readonly args: readonly string[];
  readonly value: string;
  readonly childrensParents: boolean;
  readonly parents: boolean;
  readonly parentsDepth?: number;
  readonly children: boolean;
  readonly childrenDepth?: number;
  readonly indirect: IndirectSelection;
  readonly origin: SpecOrigin;
}

export interface SelectionSet {
  readonly kind: 'union' | 'intersection' | 'difference';
  readonly components: readonly SelectionSpec[];
  readonly indirect: IndirectSelection;
  readonly raw: string;
  /** Warn when this part matches nothing (each space-separated piece the user typed). */
  readonly expectExists: boolean;
  readonly origin?: SpecOrigin;
}

export type SelectionSpec = SelectionCriteria | SelectionSet;

export function setOf(kind: SelectionSet['kind'], components: readonly SelectionSpec[], indirect: IndirectSelection, raw: string, extra: Partial<Pick<SelectionSet, 'expectExists' | 'origin'>> = {}): SelectionSet {
  return { kind, components, indirect, raw, expectExists: extra.expectExists ?? false, origin: extra.origin };
}

/** Every criterion of a spec, in order (to check up front which need `--state`). */
export function criteriaOf(spec: SelectionSpec): SelectionCriteria[] {
  if (spec.kind === 'criteria') return [spec];
  return spec.components.flatMap(criteriaOf);
}
