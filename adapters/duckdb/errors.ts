// DuckDB errors → KilnErrors. DuckDB's own message is kept (it names the object, the line and
// a suggestion); only the JS wrapping is dropped.
import { Codes, KilnError } from '../../core/errors.js';

const MAX_LINE = 300;

/** DuckDB's message, trimmed; lines are cut short (CSV errors quote the whole offending line). */
export function messageOf(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  return raw
    .split('\n')
    .map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}… (${l.length - MAX_LINE} more characters)` : l))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function isInterrupt(e: unknown): boolean {
  return messageOf(e).startsWith('INTERRUPT Error');
}

/** An error raised while running SQL. */
export function databaseError(e: unknown): KilnError {
  if (e instanceof KilnError) return e;
  if (isInterrupt(e)) return new KilnError(Codes.CANCELLED, 'query cancelled');
  return new KilnError(Codes.DATABASE_ERROR, messageOf(e));
}

/** An error raised while opening the database file. */
export function openError(e: unknown, path: string): KilnError {
  const msg = messageOf(e);
  if (/Could not set lock on file/i.test(msg)) {
    // e.g. `Conflicting lock is held in /usr/bin/node (PID 4280)`
    const holder = /lock is held in (.+?) \(PID (\d+)\)/.exec(msg);
    const who = holder ? ` by ${holder[1]} (PID ${holder[2]})` : '';
    return new KilnError(Codes.DATABASE_UNREACHABLE, `DuckDB file ${path} is locked${who}`, {
      loc: { file: path },
      hint: 'another kiln/dbt/duckdb process has it open; close it or use a different path',
    });
  }
  return new KilnError(Codes.DATABASE_UNREACHABLE, `cannot open DuckDB database ${path}: ${msg}`, { loc: { file: path } });
}

/** A profile extension that could not be loaded: kiln never downloads extensions. */
export function extensionError(name: string, e: unknown): KilnError {
  const msg = messageOf(e);
  const missing = /not found|install it first|not installed/i.test(msg);
  const what = missing ? 'is not installed' : 'could not be loaded';
  return new KilnError(
    Codes.DATABASE_UNREACHABLE,
    `DuckDB extension "${name}" ${what}; kiln does not download extensions (autoinstall is off, and this machine may be offline). DuckDB said: ${msg.split('\n')[0]}`,
    {
      hint: missing
        ? `install it once while online (e.g. \`duckdb -c "INSTALL ${name}"\` or \`INSTALL ${name}\` from any DuckDB client of the same version), or remove it from the profile's extensions`
        : `check the extension name in the profile's extensions`,
    },
  );
}

export function settingError(key: string, e: unknown): KilnError {
  return new KilnError(Codes.CONFIG_INVALID, `DuckDB setting '${key}' was rejected: ${messageOf(e).split('\n')[0]}`, {
    hint: 'check the name and value under the profile\'s settings',
  });
}
