// Shared set-up for the DuckDB integration tests: adapters on a temp-dir file or in memory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TargetConfig } from '../../../core/project/types.js';
import { DuckDBAdapter } from '../../../adapters/duckdb/adapter.js';
import { duckdbAdapterFactory } from '../../../adapters/duckdb/index.js';
import { openSession, select, type Session } from '../../../core/cli/session.js';
import { testdir } from '../../helpers/testdir.js';

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

/**
 * A project `p` of `files` (models etc.) on a DuckDB file, with a `kiln run` session open on it,
 * its models selected and its adapter open: for tests driving the Runner themselves. The caller
 * closes `session.adapter`.
 */
export async function openRunSession(files: Record<string, string>, threads: number): Promise<{ dir: string; session: Session; selected: Set<string> }> {
  const dir = testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: ${threads}\n`,
    ...files,
  });
  const opts = { command: 'run', logFormat: 'text', color: false } as const;
  const session = await openSession(opts, dir);
  const selected = select(session, opts, ['model'], () => undefined);
  await session.adapter.open();
  return { dir, session, selected };
}
