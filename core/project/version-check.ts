// require-dbt-version: which dbt versions a project (or a package) says it works with. dbt refuses
// to run a project whose range excludes the installed dbt, unless --no-version-check; kiln checks
// the range against the dbt version it follows (DBT_FOLLOWED_VERSION, core/version.ts).
import { Codes, KilnError } from '../errors.js';

type Version = readonly [number, number, number];

const SPEC_RE = /^\s*(>=|<=|>|<|=|==)?\s*v?(\d+)(?:\.(\d+|\*))?(?:\.(\d+|\*))?(?:[-+][0-9A-Za-z.-]*)?\s*$/;

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Whether `version` satisfies every range of `specs` (each ">=1.5.0", "<2.0.0", "1.7.1", or several joined by commas). */
export function satisfies(version: string, specs: readonly string[], file: string): boolean {
  const v = parse(version)!;
  for (const spec of specs.flatMap((s) => String(s).split(','))) {
    if (!spec.trim()) continue;
    const m = SPEC_RE.exec(spec);
    if (!m) {
      throw new KilnError(Codes.CONFIG_INVALID, `require-dbt-version: '${spec.trim()}' is not a version range`, {
        loc: { file },
        hint: 'Write ranges such as ">=1.7.0" and "<2.0.0" (a list, or joined by a comma).',
      });
    }
    const op = m[1] ?? '=';
    const wild = m[3] === undefined || m[3] === '*' ? 1 : m[4] === undefined || m[4] === '*' ? 2 : 3;
    const want: Version = [Number(m[2]), wild > 1 ? Number(m[3]) : 0, wild > 2 ? Number(m[4]) : 0];
    const c = compare(v, want);
    const ok =
      op === '>=' ? c >= 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : op === '<' ? c < 0 : wild === 3 ? c === 0 : v.slice(0, wild).every((x, i) => x === want[i]);
    if (!ok) return false;
  }
  return true;
}

function parse(v: string): Version | null {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/** Throws when `specs` (of `pkg`, declared in `file`) exclude `version`: dbt's message, with kiln's code. */
export function checkRequiredVersion(version: string, pkg: string, specs: readonly string[], file: string): void {
  if (specs.length === 0 || satisfies(version, specs, file)) return;
  throw new KilnError(Codes.VERSION_UNSUPPORTED, `The '${pkg}' package requires dbt ${specs.map((s) => `'${s}'`).join(', ')}; kiln follows dbt ${version}`, {
    loc: { file },
    hint: `Check require-dbt-version in ${file}, or run again with --no-version-check (also DBT_VERSION_CHECK=false, or flags: {version_check: false}).`,
  });
}
