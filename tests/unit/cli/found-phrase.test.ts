import { describe, expect, it } from 'vitest';
import { foundPhrase } from '../../../core/cli/commands/shared.js';
import type { Manifest, ParsedNode } from '../../../core/nodes.js';

const nodes = (...types: string[]): Map<string, ParsedNode> => new Map(types.map((t, i) => [`${t}.p.n${i}`, { resourceType: t } as ParsedNode]));
const manifest = (types: string[], more: Partial<Manifest> = {}): Manifest =>
  ({ projectName: 'p', nodes: nodes(...types), sources: new Map(), macros: new Map(), docs: new Map(), disabled: new Map(), ...more }) as Manifest;

describe('foundPhrase', () => {
  it('counts each resource type, in dbt order, singular for one', () => {
    const m = manifest(['test', 'model', 'seed', 'model', 'test', 'test', 'snapshot', 'unit_test'], { sources: new Map([['source.p.s.t', {} as never]]) });
    expect(foundPhrase(m)).toBe('2 models, 1 seed, 1 snapshot, 3 data tests, 1 unit test, 1 source');
  });

  it('says nothing when there is nothing', () => {
    expect(foundPhrase(manifest([]))).toBe('nothing');
  });
});
