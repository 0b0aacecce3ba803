// Version ranges of hub packages, read as dbt reads them: each requirement is one comparison
// (`>=1.0.0`, `<2.0.0`, `1.1.1`, `=1.1.1`; `1.0` means `1.0.0`), every requirement on a package
// (the project's and those of the packages that depend on it) must hold, the newest version
// that satisfies all wins, and prereleases are candidates only when asked for
// (`install-prerelease: true`, or a requirement that names a prerelease).

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Dot-separated prerelease identifiers (`1.0.0-b1` → ['b1']); empty for a release. */
  readonly prerelease: readonly string[];
  readonly text: string;
}

export type Operator = '>=' | '<=' | '>' | '<' | '=';

/** One requirement on a package's version, and who made it (shown in errors). */
export interface Requirement {
  readonly text: string;
  /** `packages.yml:3`, or `dbt-labs/codegen 0.12.1` for a requirement of a dependency. */
  readonly from: string;
}

// `1` is allowed too: YAML reads an unquoted `version: 1.0` as the number 1
const VERSION = /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export function parseVersion(text: string): Version | null {
  const m = VERSION.exec(text.trim());
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0), prerelease: m[4] ? m[4].split('.') : [], text: text.trim() };
}

function compareIdentifiers(a: readonly string[], b: readonly string[]): number {
  // A release sorts after its prereleases; identifiers compare numerically when both are numbers.
  if (!a.length || !b.length) return (a.length ? -1 : 0) + (b.length ? 1 : 0);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const na = /^\d+$/.test(a[i]);
    const nb = /^\d+$/.test(b[i]);
    if (na && nb) {
      const d = Number(a[i]) - Number(b[i]);
      if (d) return d;
    } else if (na !== nb) return na ? -1 : 1;
    else if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch || compareIdentifiers(a.prerelease, b.prerelease);
}

export interface Specifier {
  readonly op: Operator;
  readonly version: Version;
}

export function parseSpecifier(text: string): Specifier | null {
  const m = /^\s*(>=|<=|>|<|==|=)?\s*(\S+)\s*$/.exec(text);
  if (!m) return null;
  const version = parseVersion(m[2]);
  if (!version) return null;
  const op = (m[1] === '==' || !m[1] ? '=' : m[1]) as Operator;
  return { op, version };
}

export function satisfies(v: Version, s: Specifier): boolean {
  const d = compareVersions(v, s.version);
  switch (s.op) {
    case '>=':
      return d >= 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '<':
      return d < 0;
    case '=':
      return d === 0;
  }
}

interface Bound {
  readonly spec: Specifier;
  readonly req: Requirement;
}

export type Reduced =
  | { readonly ok: true; readonly specs: readonly Specifier[] }
  | { readonly ok: false; readonly kind: 'invalid'; readonly req: Requirement }
  | { readonly ok: false; readonly kind: 'conflict'; readonly a: Requirement; readonly b: Requirement };

/**
 * Checks that the requirements can hold together. On a conflict it names the two that cannot:
 * the tightest lower bound and the tightest upper bound (an exact pin is both).
 */
export function reduceRequirements(reqs: readonly Requirement[]): Reduced {
  let lower: Bound | null = null;
  let upper: Bound | null = null;
  const specs: Specifier[] = [];
  for (const req of reqs) {
    const spec = parseSpecifier(req.text);
    if (!spec) return { ok: false, kind: 'invalid', req };
    specs.push(spec);
    const b: Bound = { spec, req };
    if (spec.op !== '<' && spec.op !== '<=') {
      const d = lower ? compareVersions(spec.version, lower.spec.version) : 1;
      if (d > 0 || (d === 0 && spec.op === '>')) lower = b; // higher, or as high and exclusive
    }
    if (spec.op !== '>' && spec.op !== '>=') {
      const d = upper ? compareVersions(spec.version, upper.spec.version) : -1;
      if (d < 0 || (d === 0 && spec.op === '<')) upper = b;
    }
  }
  if (lower && upper) {
    const d = compareVersions(lower.spec.version, upper.spec.version);
    const bothInclusive = lower.spec.op !== '>' && upper.spec.op !== '<';
    if (d > 0 || (d === 0 && !bothInclusive)) return { ok: false, kind: 'conflict', a: lower.req, b: upper.req };
  }
  return { ok: true, specs };
}

/** The newest of `available` satisfying every specifier; prereleases only when `prerelease`. */
export function newestSatisfying(available: readonly string[], specs: readonly Specifier[], prerelease: boolean): string | null {
  let best: Version | null = null;
  for (const text of available) {
    const v = parseVersion(text);
    if (!v || (v.prerelease.length && !prerelease)) continue;
    if (!specs.every((s) => satisfies(v, s))) continue;
    if (!best || compareVersions(v, best) > 0) best = v;
  }
  return best ? best.text : null;
}

/** Whether any requirement names a prerelease (dbt then considers prereleases). */
export function asksForPrerelease(reqs: readonly Requirement[]): boolean {
  return reqs.some((r) => (parseSpecifier(r.text)?.version.prerelease.length ?? 0) > 0);
}

/** Versions sorted newest first (for messages listing what exists). */
export function newestFirst(versions: readonly string[]): string[] {
  const parsed = versions.map((t) => ({ t, v: parseVersion(t) }));
  return parsed.sort((x, y) => (x.v && y.v ? compareVersions(y.v, x.v) : x.v ? -1 : y.v ? 1 : 0)).map((x) => x.t);
}
