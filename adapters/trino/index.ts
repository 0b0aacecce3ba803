// The Trino adapter (profile `type: trino`), on trino-client (Trino's HTTP protocol).
import type { AdapterFactory } from '../adapter.js';
import { TrinoAdapter } from './trino-adapter.js';

export const trinoAdapterFactory: AdapterFactory = {
  type: 'trino',
  create: (target, projectRoot) => new TrinoAdapter(target, projectRoot),
};

export { TrinoAdapter } from './trino-adapter.js';
export { trinoDialect, quoteIdentifier, quoteLiteral, renderRelation } from './dialect.js';
