// Generic tests' unique ids equal dbt's (ids taken from manifests dbt-core 1.11 wrote for the same
// declarations), so state comparisons and tools reading both line up.
import { describe, expect, it } from 'vitest';
import { modelArgument, testUniqueId } from '../../../core/data-tests/test-names.js';

describe('generic test ids', () => {
  it("a versioned model's tests hash its ref with the version, as dbt does", () => {
    const meta = { name: 'unique', namespace: null, kwargs: { column_name: 'id' } };
    expect(testUniqueId('ver', 'unique_dim_customers_v1_id', meta, modelArgument({ kind: 'model', name: 'dim_customers', version: 1 }))).toBe('test.ver.unique_dim_customers_v1_id.f55d167630');
    expect(testUniqueId('ver', 'unique_dim_customers_v2_id', meta, modelArgument({ kind: 'model', name: 'dim_customers', version: 2 }))).toBe('test.ver.unique_dim_customers_v2_id.7ee817a038');
  });
});
