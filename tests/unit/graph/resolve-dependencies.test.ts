// Dependency edges from recorded refs: each parent once, in the order first referenced, however
// many refs a node makes (short lists and long ones are kept differently).
import { expect, it } from 'vitest';
import { Problems } from '../../../core/errors.js';
import { resolveDependencies } from '../../../core/parser/parse-project.js';
import { manifestOf, node } from './manifest-fixture.js';

it('keeps each parent once, in first-reference order, for few and for many refs', () => {
  const parents = Array.from({ length: 30 }, (_, i) => node(`p${String(i).padStart(2, '0')}`));
  const refOrder = [3, 1, 3, 0, 1, ...Array.from({ length: 30 }, (_, i) => 29 - i), 5, 29, 0];
  const many = node('many', [], { refs: refOrder.map((i) => ({ name: `p${String(i).padStart(2, '0')}` })) });
  const few = node('few', ['model.p.p02'], { refs: [{ name: 'p02' }, { name: 'p01' }, { name: 'p02' }] });
  const m = manifestOf([...parents, many, few]);
  const problems = new Problems();
  resolveDependencies(m, problems);
  expect(problems.errors).toEqual([]);
  const expected = [...new Set(refOrder)].map((i) => `model.p.p${String(i).padStart(2, '0')}`);
  expect(m.nodes.get('model.p.many')!.dependsOn.nodes).toEqual(expected);
  expect(m.nodes.get('model.p.few')!.dependsOn.nodes).toEqual(['model.p.p02', 'model.p.p01']);
});
