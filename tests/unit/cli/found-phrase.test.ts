import { describe, expect, it } from 'vitest';
import { foundPhrase } from '../../../core/cli/commands/shared.js';
import type { Manifest, ParsedNode } from '../../../core/nodes.js';

const nodes = (...types: string[]): Map<string, ParsedNode> => new Map(types.map((t, i) => [`${t}.p.n${i}`, { resourceType: t } as ParsedNode]));
const manifest = (types: string[], more: Partial<Manifest> = {}): Manifest =>
  ({ projectName: 'p', nodes: nodes(...types), sources: new Map(), macros: new Map(), docs: new Map(), disabled: new Map(), ...more }) as Manifest;

describe('foundPhrase', () => {
  // dbt 1.11 counts in the order its parse files nodes: singular tests (SQL files) before seeds,
  // generic tests (property files) after them; unit tests last.
  it('counts each resource type, in dbt order, singular for one', () => {
    const m = manifest(['test', 'model', 'seed', 'model', 'test', 'test', 'snapshot', 'unit_test'], { sources: new Map([['source.p.s.t', {} as never]]) });
    expect(foundPhrase(m)).toBe('2 models, 1 snapshot, 3 data tests, 1 seed, 1 source, 1 unit test');
  });

  it('puts generic tests after seeds when no test is singular', () => {
    const generic = { resourceType: 'test', testMetadata: { name: 'not_null' } } as unknown as ParsedNode;
    const m = manifest(['model', 'seed'], { sources: new Map([['source.p.s.t', {} as never]]) });
    m.nodes.set('test.p.nn', generic);
    expect(foundPhrase(m)).toBe('1 model, 1 seed, 1 test, 1 source');
  });

  it('says nothing when there is nothing', () => {
    expect(foundPhrase(manifest([]))).toBe('nothing');
  });
});
