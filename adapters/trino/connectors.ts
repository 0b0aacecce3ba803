// What kiln may ask of each Trino connector. A Trino target reaches many catalogs, each served by
// a connector with its own abilities; capabilities are declared per connector and looked up by
// the catalog a model is built in. Connectors not listed get the conservative set: CTAS and
// rename for tables, CREATE OR REPLACE VIEW for views, appends only.
import type { AdapterCapabilities } from '../adapter.js';

interface ConnectorTraits {
  /** CREATE OR REPLACE TABLE ... AS, atomic (one new snapshot). */
  readonly replaceTable: boolean;
  /** MERGE and DELETE. */
  readonly rowLevel: boolean;
}

const KNOWN: Readonly<Record<string, ConnectorTraits>> = {
  // Checked by kiln's tests against a real Trino.
  iceberg: { replaceTable: true, rowLevel: true },
  memory: { replaceTable: false, rowLevel: false },
  // From Trino's connector documentation (MERGE and DELETE on Delta tables).
  delta_lake: { replaceTable: false, rowLevel: true },
};

const CONSERVATIVE: ConnectorTraits = { replaceTable: false, rowLevel: false };

export function connectorCapabilities(connector: string, catalog: string): AdapterCapabilities {
  const t = KNOWN[connector] ?? CONSERVATIVE;
  // delete+insert and microbatch delete rows; merge needs MERGE.
  const incremental = { incrementalStrategies: t.rowLevel ? ['append', 'merge', 'delete+insert', 'microbatch'] : ['append'], supportsIndexes: false };
  return {
    supportsTransactionalDdl: false,
    supportsMerge: t.rowLevel,
    supportsDelete: t.rowLevel,
    supportsCreateOrReplaceView: true,
    replacesViewsInPlace: true,
    supportsCreateOrReplaceTable: t.replaceTable,
    // Trino has no limit of its own; metastores keep names in columns of 128 characters or more.
    maxIdentifierLength: 128,
    describedAs: `Trino connector '${connector}' (catalog ${catalog})`,
    ...incremental,
  };
}

/** Before the connectors are known (the adapter is not open yet). */
export function unknownCatalogCapabilities(catalog: string): AdapterCapabilities {
  return { ...connectorCapabilities('?', catalog), describedAs: `Trino catalog ${catalog}` };
}
