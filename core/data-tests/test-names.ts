// dbt's generated names for generic tests, so `-s not_null_orders_id` keeps working:
// `<test>_<model>_<arg values>`, or a truncated prefix plus an md5 when 64 characters or longer.
// crypto.hash: one call, no Hash object per name (30,000 tests in a large project).
import { hash } from 'node:crypto';

export function genericTestName(testName: string, namespace: string | null, target: string, args: Readonly<Record<string, unknown>>): { name: string; fullName: string } {
  const flat: string[] = [];
  for (const key of Object.keys(args).sort()) {
    if (key === 'model') continue;
    const v = args[key];
    const parts = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : [v];
    for (const p of parts) flat.push(pyStr(p));
  }
  const unique = flat.map((a) => a.replace(/[^0-9a-zA-Z_]+/g, '_')).join('__');
  const identifier = `${namespace ? `${namespace.replace(/\./g, '_')}_` : ''}${testName}_${target}`;
  const fullName = `${identifier}_${unique}`;
  if (fullName.length >= 64) {
    return { name: `${identifier.slice(0, 30)}_${hash('md5', fullName, 'hex')}`, fullName };
  }
  return { name: fullName, fullName };
}

export function testUniqueId(projectName: string, name: string, fullName: string): string {
  return `test.${projectName}.${name}.${hash('md5', fullName, 'hex').slice(-10)}`;
}

/** Python's str() of a YAML value, which is what dbt's names are built from. */
function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}
