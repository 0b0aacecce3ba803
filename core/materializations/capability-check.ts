// Before anything runs: every selected node asks only for what the database can do where it is
// built (on Trino, the connector of its catalog: `memory` has no DELETE or MERGE). A model that
// needs more is a config error naming the model, the database and the missing ability, reported
// with every other problem before the first statement runs.
import type { AdapterCapabilities } from '../../adapters/adapter.js';
import type { Problems } from '../errors.js';
import type { Manifest } from '../nodes.js';
import { configError, incrementalConfig } from './incremental-config.js';

export function checkCapabilities(manifest: Manifest, selected: ReadonlySet<string>, capabilitiesFor: (database: string) => AdapterCapabilities, problems: Problems): void {
  for (const id of selected) {
    const n = manifest.nodes.get(id);
    if (!n) continue;
    const caps = capabilitiesFor(n.database);
    if (n.resourceType === 'model' && n.config.materialized === 'incremental') {
      try {
        incrementalConfig(n, caps);
      } catch (e) {
        problems.capture(e);
      }
    } else if (n.resourceType === 'snapshot' && caps.supportsDelete === false) {
      problems.error(
        configError(
          n,
          'snapshot',
          `a snapshot updates the rows it has stored, and ${caps.describedAs ?? 'this database'} cannot update or delete rows`,
          `Build the snapshot in a catalog whose connector can (set \`target_database\` or \`database\`), e.g. an Iceberg catalog.`,
        ),
      );
    }
  }
}
