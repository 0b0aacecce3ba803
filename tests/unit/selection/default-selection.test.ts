// With nothing selected, commands take every resource without evaluating the selection over the
// graph (selectEverything). It must give what evaluating dbt's default spec gives, in the same
// order, in every indirect-selection mode.
import { describe, expect, it } from 'vitest';
import { buildSpec, isDefaultRequest, resolveSelection, resolveSpec, selectEverything } from '../../../core/selection/select.js';
import { INDIRECT_MODES } from '../../../core/selection/spec.js';
import { manifestOf, node } from '../graph/manifest-fixture.js';
import { shopManifest } from './fixture.js';

describe('the default selection', () => {
  const manifest = shopManifest();

  for (const indirect of INDIRECT_MODES) {
    it(`equals the evaluated default spec (${indirect})`, () => {
      const evaluated = resolveSpec(manifest, buildSpec({ indirect }), { root: '/proj' }).selected;
      expect([...selectEverything(manifest, 'all')!]).toEqual([...evaluated]);
      expect([...resolveSelection(manifest, { select: [' '], indirect }, { root: '/proj' }).selected]).toEqual([...evaluated]);
    });
  }

  it('keeps only the requested resource types, in the same order', () => {
    const evaluated = [...resolveSpec(manifest, buildSpec({}), { root: '/proj' }).selected];
    const types = ['model', 'test', 'source'];
    const typeOf = (id: string) => manifest.nodes.get(id)?.resourceType ?? (manifest.sources.has(id) ? 'source' : 'exposure');
    expect([...selectEverything(manifest, types)!]).toEqual(evaluated.filter((id) => types.includes(typeOf(id))));
  });

  it('is taken only when nothing is selected, excluded or defaulted by selectors.yml', () => {
    expect(isDefaultRequest({})).toBe(true);
    expect(isDefaultRequest({ select: ['', '  '], exclude: [] })).toBe(true);
    expect(isDefaultRequest({ select: ['a'] })).toBe(false);
    expect(isDefaultRequest({ exclude: ['a'] })).toBe(false);
    expect(isDefaultRequest({ selector: 'nightly' })).toBe(false);
  });

  it('leaves a node with an empty fqn to the full evaluation', () => {
    const m = manifestOf([node('a'), node('b', ['a'], { fqn: [] })]);
    expect(selectEverything(m, 'all')).toBeNull();
    expect([...resolveSelection(m, {}, { root: '/proj' }).selected]).toEqual([...resolveSpec(m, buildSpec({}), { root: '/proj' }).selected]);
  });
});
