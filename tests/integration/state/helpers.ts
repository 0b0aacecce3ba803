// The shop template copied into a temp dir with two targets on one DuckDB file (`prod` and `dev`
// schemas), so a test can build "production", keep its artifacts, edit the copy and compare.
import fs from 'node:fs';
import path from 'node:path';
import { kiln, repoRoot, type CliResult } from '../../helpers/cli.js';
import { queryDuckDb } from '../../helpers/duckdb-query.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILES = `shop:
  target: dev
  outputs:
    prod:
      type: duckdb
      path: shop.duckdb
      schema: prod
      threads: 4
    dev:
      type: duckdb
      path: shop.duckdb
      schema: dev
      threads: 4
`;

export function shopCopy(): string {
  const dir = testdir({});
  const template = path.join(repoRoot, 'project-template');
  fs.cpSync(template, dir, {
    recursive: true,
    filter: (src) => !/(^|[\\/])(target|logs|dbt_packages)([\\/]|$)|\.duckdb(\.wal)?$/.test(path.relative(template, src)),
  });
  fs.writeFileSync(path.join(dir, 'profiles.yml'), PROFILES);
  return dir;
}

/** Builds everything into the prod schema and keeps its artifacts in prod-artifacts/. */
export async function buildProd(dir: string): Promise<void> {
  const r = await kiln(['build', '--target', 'prod'], dir);
  if (r.code !== 0) throw new Error(`prod build failed:\n${r.output}`);
  fs.cpSync(path.join(dir, 'target'), path.join(dir, 'prod-artifacts'), { recursive: true });
}

export function edit(dir: string, file: string, change: (text: string) => string): void {
  const abs = path.join(dir, file);
  fs.writeFileSync(abs, change(fs.readFileSync(abs, 'utf8')));
}

export function write(dir: string, file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
}

/** `kiln ls` names (sorted), failing the test on a non-zero exit. */
export async function ls(dir: string, args: string[]): Promise<string[]> {
  const r = await kiln(['ls', '--output', 'name', ...args], dir);
  if (r.code !== 0) throw new Error(`kiln ls ${args.join(' ')} exited ${r.code}:\n${r.output}`);
  return r.stdout.split('\n').filter(Boolean).sort();
}

export function q(dir: string, sql: string): Promise<Record<string, unknown>[]> {
  return queryDuckDb(path.join(dir, 'shop.duckdb'), sql);
}

export async function tables(dir: string, schema: string): Promise<string[]> {
  const rows = await q(dir, `select table_name as t from information_schema.tables where table_schema = '${schema}' order by 1`);
  return rows.map((r) => String(r.t));
}

export function runResults(dir: string): { unique_id: string; status: string }[] {
  return JSON.parse(fs.readFileSync(path.join(dir, 'target', 'run_results.json'), 'utf8')).results;
}

export function expectOk(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}:\n${r.output}`);
  return r;
}
