// Shared set-up for the DuckDB integration tests: adapters on a temp-dir file or in memory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TargetConfig } from '../../../core/project/types.js';
import { DuckDBAdapter } from '../../../adapters/duckdb/adapter.js';
import { duckdbAdapterFactory } from '../../../adapters/duckdb/index.js';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-duckdb-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function target(fields: Record<string, unknown>, over: Partial<TargetConfig> = {}): TargetConfig {
  return { name: 'dev', type: 'duckdb', schema: 'main', database: '', threads: 4, fields, secretFields: [], ...over };
}

export function makeAdapter(projectRoot: string, fields: Record<string, unknown>, over: Partial<TargetConfig> = {}): DuckDBAdapter {
  return duckdbAdapterFactory.create(target(fields, over), projectRoot) as DuckDBAdapter;
}

/** The two kinds of database every behaviour is checked on. */
export const STORAGE = [
  { kind: 'file', fields: (dir: string) => ({ path: join(dir, 'dev.duckdb') }), database: 'dev' },
  { kind: 'memory', fields: (_dir: string) => ({ path: ':memory:' }), database: 'memory' },
] as const;
