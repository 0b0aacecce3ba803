// Building generic tests from their declarations as the partial-parse cache keeps them: the first
// build notes each test's id hash on its declaration, the cache file keeps it, and a warm parse's
// build takes it from there instead of hashing again, giving the same nodes.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { Problems } from '../../../core/errors.js';
import { buildGenericTests, type DeclaredTest, type TestBuildContext, type TestTarget } from '../../../core/data-tests/build-tests.js';
import { modelArgument, testUniqueId } from '../../../core/data-tests/test-names.js';
import { ParseCache } from '../../../core/parser/partial/parse-cache.js';
import { testdir } from '../../helpers/testdir.js';

const problems = new Problems();
const ctx: TestBuildContext = {
  projectName: 'shop',
  dataTestsTree: {},
  problems,
  recordArgRefs: () => {},
  relationFor: (name) => ({ database: 'db', schema: 'main_dbt_test__audit', alias: name }),
};
const target: TestTarget = { kind: 'model', name: 'orders', attachedNode: 'model.shop.orders', file: 'models/orders.yml', root: 'models' };
const loc = { file: 'models/orders.yml', line: 3 };

interface Declarations {
  readonly target: TestTarget;
  readonly tests: DeclaredTest[];
}

const declare = (): Declarations => ({
  target,
  tests: [
    { entry: 'unique', columnName: 'id', loc },
    { entry: { accepted_values: { values: ['placed', "it's"] } }, columnName: 'status', loc },
  ],
});

it('notes each test id hash on its declaration; the cache file keeps it and a warm build reuses it', () => {
  const file = path.join(testdir({}), 'cache.kiln');
  const build = (d: Declarations) => buildGenericTests(d.target, d.tests, ctx);

  const cold = new ParseCache('k').forOneParse();
  cold.beginParse();
  const built = cold.memoBuilt('tests', problems, declare, build);
  const idOf = (name: string, kwargs: Record<string, unknown>, testName: string) => testUniqueId('shop', name, { name: testName, namespace: null, kwargs }, modelArgument(target));
  expect(built.map((n) => n.uniqueId)).toEqual([
    idOf('unique_orders_id', { column_name: 'id' }, 'unique'),
    idOf('accepted_values_orders_status__placed__it_s', { values: ['placed', "it's"], column_name: 'status' }, 'accepted_values'),
  ]);
  expect(cold.save(file)).toBe(true);
  const hashes = built.map((n) => n.uniqueId.slice(-10));
  for (const h of hashes) expect(fs.readFileSync(file, 'utf8')).toContain(`"idHash":"${h}"`);

  // A warm parse: the declarations from the file, the hashes with them.
  const warm = ParseCache.load(file, 'k').forOneParse();
  warm.beginParse();
  let declaredAgain = 0;
  let seen: readonly DeclaredTest[] = [];
  const again = warm.memoBuilt('tests', problems, () => (declaredAgain++, declare()), (d) => ((seen = d.tests.map((t) => ({ ...t }))), build(d)));
  expect(declaredAgain).toBe(0);
  expect(seen.map((t) => t.idHash)).toEqual(hashes);
  expect(JSON.stringify(again)).toBe(JSON.stringify(built));
  expect(problems.errors).toEqual([]);
});

it('takes a noted hash as it is (built from the declaration it was noted on)', () => {
  const d = declare();
  d.tests[0]!.idHash = '0123456789';
  const [first, second] = buildGenericTests(d.target, d.tests, ctx);
  expect(first!.uniqueId).toBe('test.shop.unique_orders_id.0123456789');
  expect(second!.uniqueId).toBe(`test.shop.accepted_values_orders_status__placed__it_s.${d.tests[1]!.idHash}`);
  expect(d.tests[1]!.idHash).toMatch(/^[0-9a-f]{10}$/);
});
