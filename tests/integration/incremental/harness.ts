// Multi-run scenarios on every adapter: a project whose seeds and models change between runs,
// with the rows that landed read back in a form both databases print alike.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { kiln, type CliResult } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { duckdbTarget, postgresTarget, type AdapterTarget } from '../adapters/targets.js';

export type { AdapterTarget };

/** One DuckDB and one PostgreSQL target; call `cleanupTargets` in afterAll. */
export function targets(): AdapterTarget[] {
  return [duckdbTarget(), postgresTarget()];
}

export async function cleanupTargets(list: readonly AdapterTarget[]): Promise<void> {
  for (const t of list) await t.cleanup();
}

export interface Project {
  readonly dir: string;
  readonly target: AdapterTarget;
  /** `schema.name` of a relation the project built. */
  rel(name: string): string;
  run(args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
  /** Runs and expects exit code 0. */
  ok(args: readonly string[]): Promise<CliResult>;
  /** Rows of a query, ordered as written; `{{ t }}`-free: use rel(). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  write(file: string, contents: string): void;
  relations(): Promise<string[]>;
}

export async function project(target: AdapterTarget, files: Record<string, string>, projectYml = ''): Promise<Project> {
  const dir = testdir({ 'dbt_project.yml': `name: p\nprofile: p\n${projectYml}`, ...files });
  await target.setup(dir, 'p');
  const run = async (args: readonly string[], env: Record<string, string> = {}) => {
    const saved: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    try {
      return await kiln(args, dir);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  };
  return {
    dir,
    target,
    rel: (name) => `${target.schema}.${name}`,
    run,
    ok: async (args) => {
      const r = await run(args);
      expect(r.code, r.output).toBe(0);
      return r;
    },
    rows: async (sql) => (await target.query(dir, sql)).map(normalizeRow),
    write: (file, contents) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), contents);
    },
    relations: async () => (await target.relations(dir)).map((r) => r.name),
  };
}

/** Numbers as numbers, timestamps as `YYYY-MM-DD HH:MM:SS` text, whatever the driver gave. */
function normalizeRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'bigint') out[k] = Number(v);
    else if (v instanceof Date) out[k] = v.toISOString().replace('T', ' ').replace(/(\.000)?Z$/, '');
    else out[k] = v;
  }
  return out;
}

/** A CSV from rows: `csv(['id', 'name'], [1, 'a'], [2, 'b'])`. */
export function csv(header: readonly string[], ...rows: readonly (readonly unknown[])[]): string {
  return [header.join(','), ...rows.map((r) => r.map((v) => (v === null ? '' : String(v))).join(','))].join('\n') + '\n';
}
