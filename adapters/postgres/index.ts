// The PostgreSQL adapter (profile `type: postgres`), on node-postgres.
import type { AdapterFactory } from '../adapter.js';
import { PostgresAdapter } from './postgres-adapter.js';

export const postgresAdapterFactory: AdapterFactory = {
  type: 'postgres',
  create: (target) => new PostgresAdapter(target),
};

export { PostgresAdapter } from './postgres-adapter.js';
export { postgresDialect, quoteIdentifier, quoteLiteral, renderRelation } from './dialect.js';
export { runLockKey, type RunLockOptions } from './run-lock.js';
export type { PostgresProfile } from './profile.js';
