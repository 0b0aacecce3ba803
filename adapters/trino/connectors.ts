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
  /** `not null` on a column of CREATE TABLE (a contracted model's not_null constraint). */
  readonly notNull: boolean;
}

const KNOWN: Readonly<Record<string, ConnectorTraits>> = {
  // Checked by kiln's tests against a real Trino.
  iceberg: { replaceTable: true, rowLevel: true, notNull: true },
  memory: { replaceTable: false, rowLevel: false, notNull: true },
  // From Trino's connector documentation (MERGE and DELETE on Delta tables, NOT NULL columns).
  delta_lake: { replaceTable: false, rowLevel: true, notNull: true },
};

const CONSERVATIVE: ConnectorTraits = { replaceTable: false, rowLevel: false, notNull: false };

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
    // Trino has no unique, primary key, foreign key or check constraints in any connector.
    enforcedConstraints: t.notNull ? ['not_null'] : [],
    describedAs: `Trino connector '${connector}' (catalog ${catalog})`,
    ...incremental,
  };
}

/** Before the connectors are known (the adapter is not open yet). */
export function unknownCatalogCapabilities(catalog: string): AdapterCapabilities {
  return { ...connectorCapabilities('?', catalog), describedAs: `Trino catalog ${catalog}` };
}
