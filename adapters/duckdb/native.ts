// The DuckDB driver, loaded on first use rather than with the adapter: parse, compile and ls of a
// DuckDB project never reach the warehouse, and loading the native binding costs about 190 ms
// and 38 MB. The driver is CommonJS, so a synchronous require loads it where a value is needed
// at once (the version behind a capability).
import { createRequire } from 'node:module';

export type DuckDBApi = typeof import('@duckdb/node-api');

let api: DuckDBApi | undefined;

export function duckdbApi(): DuckDBApi {
  return (api ??= createRequire(import.meta.url)('@duckdb/node-api') as DuckDBApi);
}
