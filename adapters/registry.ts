// Which adapter serves a profile's `type`. Adapters are loaded lazily so a DuckDB project never
// loads the Postgres driver and vice versa.
import { Codes, KilnError } from '../core/errors.js';
import type { TargetConfig } from '../core/project/types.js';
import type { Adapter, AdapterFactory } from './adapter.js';
import { withoutRuntimeProbe } from './postgres/driver-import.js';

const loaders: Record<string, () => Promise<AdapterFactory>> = {
  duckdb: async () => (await import('./duckdb/index.js')).duckdbAdapterFactory,
  postgres: async () => (await withoutRuntimeProbe(() => import('./postgres/index.js'))).postgresAdapterFactory,
  trino: async () => (await import('./trino/index.js')).trinoAdapterFactory,
};

export const adapterTypes = (): string[] => Object.keys(loaders);

export async function createAdapter(target: TargetConfig, projectRoot: string, profileFile: string): Promise<Adapter> {
  const load = loaders[target.type];
  if (!load) {
    throw new KilnError(Codes.ADAPTER_UNKNOWN, `No adapter for type '${target.type}' (target '${target.name}')`, {
      loc: target.typeLoc ?? { file: profileFile },
      hint: `kiln supports: ${adapterTypes().join(', ')}. Set \`type:\` of the target to one of them.`,
    });
  }
  return (await load()).create(target, projectRoot);
}
