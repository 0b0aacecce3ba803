// The DuckDB fields of a profile target, checked and normalised.
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { TargetConfig } from '../../core/project/types.js';
import { Codes, KilnError } from '../../core/errors.js';

export type SettingValue = string | number | boolean;

export interface DuckDBProfile {
  /** Absolute file path, or `:memory:[name]`. */
  readonly path: string;
  readonly schema: string;
  readonly threads: number;
  readonly extensions: readonly string[];
  readonly settings: Readonly<Record<string, SettingValue>>;
  /** The catalog name DuckDB will give the database. */
  readonly catalog: string;
}

export const MEMORY = ':memory:';

/** `:memory:` or a named in-memory database `:memory:<name>`: no file. */
export function isMemoryPath(path: string): boolean {
  return path.startsWith(MEMORY);
}

/**
 * DuckDB names a file's catalog after the file name up to its first dot (`my.db.duckdb` → `my`);
 * `memory` for an in-memory database (a named one, `:memory:<name>`, is opened as `:memory:`).
 */
export function catalogForPath(path: string): string {
  if (isMemoryPath(path)) return 'memory';
  const name = basename(path);
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

export function readProfile(target: TargetConfig, projectRoot: string): DuckDBProfile {
  const f = target.fields;
  const rawPath = f.path ?? MEMORY;
  if (typeof rawPath !== 'string' || rawPath === '') throw invalid(`'path' must be a file path or ':memory:'`);
  const path = isMemoryPath(rawPath) || isAbsolute(rawPath) ? rawPath : resolve(projectRoot, rawPath);

  const extensions = f.extensions ?? [];
  if (!Array.isArray(extensions) || !extensions.every((e) => typeof e === 'string' && /^[A-Za-z0-9_]+$/.test(e))) {
    throw invalid(`'extensions' must be a list of extension names`);
  }

  const rawSettings = f.settings ?? {};
  if (typeof rawSettings !== 'object' || rawSettings === null || Array.isArray(rawSettings)) {
    throw invalid(`'settings' must be a map of DuckDB setting names to values`);
  }
  const settings: Record<string, SettingValue> = {};
  for (const [k, v] of Object.entries(rawSettings as Record<string, unknown>)) {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(k)) throw invalid(`'settings' has an invalid setting name ${JSON.stringify(k)}`);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw invalid(`setting '${k}' must be a string, number or boolean`);
    }
    settings[k] = v;
  }

  const threads = Number.isInteger(target.threads) && target.threads > 0 ? target.threads : 1;
  return {
    path,
    schema: target.schema || 'main',
    threads,
    extensions,
    settings,
    catalog: catalogForPath(path),
  };
}

export function folderOf(path: string): string | null {
  return isMemoryPath(path) ? null : dirname(path);
}

function invalid(message: string): KilnError {
  return new KilnError(Codes.CONFIG_INVALID, `DuckDB profile: ${message}`);
}
