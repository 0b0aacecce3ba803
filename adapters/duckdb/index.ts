// The DuckDB adapter (profile `type: duckdb`), kiln's embedded default.
import type { AdapterFactory } from '../adapter.js';
import { DuckDBAdapter } from './adapter.js';

export const duckdbAdapterFactory: AdapterFactory = {
  type: 'duckdb',
  create: (target, projectRoot) => new DuckDBAdapter(target, projectRoot),
};

export { DuckDBAdapter } from './adapter.js';
export { duckdbDialect } from './dialect.js';
