// checkRelations: two resources on one relation, or one on the helper relation of another, is
// refused before anything runs (the helper names are only made when some relation's name ends
// in a helper suffix: this checks the answer is the same either way).
import { describe, expect, it } from 'vitest';
import type { AdapterCapabilities } from '../../../adapters/adapter.js';
import { Codes, Problems } from '../../../core/errors.js';
import { checkRelations } from '../../../core/materializations/preflight.js';
import { suffixed, TMP_SUFFIX } from '../../../core/materializations/plan.js';
import { manifestOf, node } from '../graph/manifest-fixture.js';

const caps = { maxIdentifierLength: 63 } as AdapterCapabilities;

function problemsOf(nodes: ReturnType<typeof node>[]): Problems {
  const m = manifestOf(nodes);
  const problems = new Problems();
  checkRelations(m, new Set(m.nodes.keys()), caps, problems);
  return problems;
}

describe('checkRelations', () => {
  it('accepts distinct relations', () => {
    expect(problemsOf([node('orders'), node('customers'), node('orders_tmp')]).errors).toEqual([]);
  });

  it("refuses a relation named like another's helper relation, in any case", () => {
    for (const alias of ['orders__dbt_tmp', 'ORDERS__DBT_BACKUP', 'orders__dbt_staging']) {
      const errors = problemsOf([node('orders'), node('other', [], { alias })]).errors;
      expect(errors.map((e) => e.code)).toEqual([Codes.NAME_DUPLICATE]);
      expect(errors[0]!.message).toContain('other');
    }
    // Past the length limit the helper name is cut and hashed, still ending in its suffix.
    const long = 'x'.repeat(60);
    const errors = problemsOf([node(long), node('other', [], { alias: suffixed(long, TMP_SUFFIX, caps.maxIdentifierLength) })]).errors;
    expect(errors.map((e) => e.code)).toEqual([Codes.NAME_DUPLICATE]);
  });

  it('refuses two resources on one relation', () => {
    const errors = problemsOf([node('a'), node('b', [], { alias: 'a' })]).errors;
    expect(errors.map((e) => e.code)).toEqual([Codes.NAME_DUPLICATE]);
  });
});
