// What env_var() read in this process and the secret values it saw: kept apart from the template
// runtime (builtins.ts) so that the CLI's redaction and kiln compile's up-to-date check need not
// load it.

const SECRET_PREFIXES = ['DBT_ENV_SECRET_', 'KILN_SECRET_'];
const SECRET_VALUES = new Set<string>();

/** Every secret env var value read by any template in this process, for log redaction. */
export function secretValues(): ReadonlySet<string> {
  return SECRET_VALUES;
}

export function noteSecret(value: string): void {
  SECRET_VALUES.add(value);
}

/** Env vars read by env_var() while a tracker is open (partial parsing keys cached results on them). */
let envReads: Map<string, string | undefined> | null = null;

/** Every env var env_var() read in this process, with the last value seen (compile's up-to-date record). */
const ALL_ENV_READS = new Map<string, string | undefined>();

export function envReadsInProcess(): ReadonlyMap<string, string | undefined> {
  return ALL_ENV_READS;
}

/** Records one read of env_var(). */
export function noteEnvRead(name: string, value: string | undefined): void {
  envReads?.set(name, value);
  ALL_ENV_READS.set(name, value);
}

/**
 * Runs `fn` and returns the env vars env_var() read meanwhile, with the values seen (undefined:
 * unset). Nested calls also report their reads to the enclosing one.
 */
export function trackEnvReads<T>(fn: () => T): { value: T; reads: Map<string, string | undefined> } {
  const outer = envReads;
  const reads = new Map<string, string | undefined>();
  envReads = reads;
  try {
    return { value: fn(), reads };
  } finally {
    envReads = outer;
    if (outer) for (const [k, v] of reads) outer.set(k, v);
  }
}

export function isSecretEnvName(name: string): boolean {
  return SECRET_PREFIXES.some((p) => name.startsWith(p));
}

/** Replaces every recorded secret value in text with *****. */
export function redactSecrets(text: string, secrets: Iterable<string> = SECRET_VALUES): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('*****');
  return out;
}
