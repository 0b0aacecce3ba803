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

/**
 * Whether a tracker is open (trackEnvReads), and the env vars env_var() read since it opened:
 * the map is made at the first read only, since partial parsing tracks every file it parses
 * (~30,000 at 10,000 models) and nearly none reads an env var.
 */
let tracking = false;
let envReads: Map<string, string | undefined> | null = null;

/** What a tracker returns when nothing was read (never written to). */
const NO_READS: ReadonlyMap<string, string | undefined> = new Map();

/** Every env var env_var() read in this process, with the last value seen (compile's up-to-date record). */
const ALL_ENV_READS = new Map<string, string | undefined>();

export function envReadsInProcess(): ReadonlyMap<string, string | undefined> {
  return ALL_ENV_READS;
}

/** Records one read of env_var(). */
export function noteEnvRead(name: string, value: string | undefined): void {
  if (tracking) (envReads ??= new Map()).set(name, value);
  ALL_ENV_READS.set(name, value);
}

/**
 * Runs `fn` and returns the env vars env_var() read meanwhile, with the values seen (undefined:
 * unset). Nested calls also report their reads to the enclosing one.
 */
export function trackEnvReads<T>(fn: () => T): { value: T; reads: ReadonlyMap<string, string | undefined> } {
  const outerTracking = tracking;
  const outer = envReads;
  tracking = true;
  envReads = null;
  try {
    const value = fn();
    return { value, reads: envReads ?? NO_READS };
  } finally {
    // (set by noteEnvRead meanwhile: TypeScript sees only the null above)
    const reads = envReads as Map<string, string | undefined> | null;
    tracking = outerTracking;
    envReads = outer;
    if (outerTracking && reads) {
      const into = (envReads ??= new Map());
      for (const [k, v] of reads) into.set(k, v);
    }
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
