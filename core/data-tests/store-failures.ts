// store_failures and store_failures_as of a data test, settled as dbt 1.11's TestConfig.finalize_and_validate
// settles them once every config source is merged: store_failures_as, when set, decides (ephemeral:
// no storing; table or view: stored as that); else it follows store_failures (true: table, false:
// ephemeral, unset: unset).

/** The two keys as dbt writes them in manifest.json. */
export function settledStoreFailures(config: Readonly<Record<string, unknown>>): { store_failures: unknown; store_failures_as: unknown } {
  const as = config.store_failures_as;
  const sf = config.store_failures;
  if (as === undefined || as === null) return { store_failures: sf ?? null, store_failures_as: sf === true ? 'table' : sf === false ? 'ephemeral' : null };
  return { store_failures: as !== 'ephemeral', store_failures_as: as };
}

/** Whether a test's failing rows are stored (`flag`: --store-failures, for a test that sets neither), and as what. */
export function storesFailuresAs(config: Readonly<Record<string, unknown>>, flag: boolean | undefined): 'table' | 'view' | null {
  const { store_failures: sf, store_failures_as: as } = settledStoreFailures(config);
  if (sf === true) return as === 'view' ? 'view' : 'table';
  return sf === null && flag ? 'table' : null;
}
