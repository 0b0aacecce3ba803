// Typed readers for a profile target's adapter fields (host, port, ...), shared by the adapters'
// profile parsers. `invalid` builds the adapter's own error so each message names its adapter.
import type { KilnError } from '../core/errors.js';

export type ProfileFields = Readonly<Record<string, unknown>>;
type Invalid = (message: string) => KilnError;

/** A string field; absent, null and '' read as unset. */
export function profileString(f: ProfileFields, key: string, invalid: Invalid): string | undefined {
  const v = f[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw invalid(`'${key}' must be a string, got ${JSON.stringify(v)}`);
  return v;
}

/** A number field; a numeric string is accepted (the profile loader converts rendered numbers,
 *  but a hand-built TargetConfig may not). */
export function profileNumber(f: ProfileFields, key: string, invalid: Invalid): number | undefined {
  const v = f[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  throw invalid(`'${key}' must be a number, got ${JSON.stringify(v)}`);
}
