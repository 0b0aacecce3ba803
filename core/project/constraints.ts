// `constraints:` entries of a model and of its columns (dbt's shape), validated into
// ConstraintDefs. Problems are collected with the YAML location of the entry they are in.
import { Codes, KilnError, type Problems, type SourceLocation } from '../errors.js';
import type { ConstraintDef, ConstraintType, ParsedNode } from '../nodes.js';

const TYPES: readonly ConstraintType[] = ['not_null', 'unique', 'primary_key', 'foreign_key', 'check', 'custom'];
const KEYS = ['type', 'name', 'expression', 'columns', 'to', 'to_columns', 'warn_unenforced', 'warn_unsupported'];

/** `ref('x')`, `ref("pkg", "x")`, `ref('x', v=2)`: the package and name; null when `to` is no ref. */
export function parseRefText(text: string): { readonly package?: string; readonly name: string } | null {
  const m = /^\s*ref\s*\(\s*(['"])([^'"]+)\1\s*(?:,\s*(['"])([^'"]+)\3\s*)?(?:,\s*v(?:ersion)?\s*=\s*[^)]*)?\)\s*$/.exec(text);
  if (!m) return null;
  return m[4] === undefined ? { name: m[2] } : { package: m[2], name: m[4] };
}

const asList = (v: unknown): string[] | null =>
  typeof v === 'string' ? [v] : Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number') ? v.map(String) : null;

/**
 * The entries of one `constraints:` list. `column`: the column they are declared on (null for a
 * model-level list, whose entries name their `columns`).
 */
export function parseConstraints(raw: readonly unknown[] | undefined, column: string | null, loc: SourceLocation, problems: Problems, node: string): ConstraintDef[] {
  const out: ConstraintDef[] = [];
  const bad = (message: string, hint: string) => problems.error(new KilnError(Codes.CONFIG_INVALID, `In ${node}, ${message}`, { loc, hint }));
  for (const entry of raw ?? []) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      bad(`a constraint must be a mapping with a \`type\`, got ${JSON.stringify(entry)}`, `write e.g. \`- type: not_null\``);
      continue;
    }
    const e = entry as Record<string, unknown>;
    const type = e.type;
    if (typeof type !== 'string' || !TYPES.includes(type as ConstraintType)) {
      bad(`constraint type ${JSON.stringify(type)} is not one of ${TYPES.join(', ')}`, 'use one of the constraint types dbt defines');
      continue;
    }
    const unknown = Object.keys(e).filter((k) => !KEYS.includes(k));
    if (unknown.length) {
      problems.warn(new KilnError(Codes.CONFIG_UNKNOWN_KEY, `In ${node}, unknown constraint key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `\`${k}\``).join(', ')}`, { loc, hint: `a constraint takes ${KEYS.join(', ')}` }));
    }
    const columns = column !== null ? [column] : asList(e.columns) ?? [];
    if (column === null && columns.length === 0 && type !== 'check' && type !== 'custom') {
      bad(`a model-level \`${type}\` constraint needs \`columns\``, `list the columns it covers: \`columns: [id]\` (or declare it on the column itself)`);
      continue;
    }
    const expression = e.expression === undefined || e.expression === null ? null : String(e.expression);
    const to = typeof e.to === 'string' ? e.to : null;
    const toColumns = asList(e.to_columns) ?? [];
    if ((type === 'check' || type === 'custom') && !expression) {
      bad(`a \`${type}\` constraint needs an \`expression\``, type === 'check' ? 'e.g. `expression: "amount >= 0"`' : 'give the clause to add as `expression`');
      continue;
    }
    if (type === 'foreign_key') {
      if (to !== null && !parseRefText(to)) {
        bad(`foreign_key \`to: ${to}\` is not a ref`, "write `to: ref('other_model')` with `to_columns: [id]`, or use the older `expression: \"schema.table (id)\"`");
        continue;
      }
      if (to === null && !expression) {
        bad('a foreign_key constraint needs `to` and `to_columns` (or an `expression`)', "e.g. `to: ref('customers')` and `to_columns: [id]`");
        continue;
      }
      if (to !== null && toColumns.length === 0) {
        bad(`foreign_key \`to: ${to}\` needs \`to_columns\``, 'name the referenced column(s): `to_columns: [id]`');
        continue;
      }
    }
    out.push({
      type: type as ConstraintType,
      name: typeof e.name === 'string' ? e.name : null,
      expression,
      columns,
      onColumn: column !== null,
      to,
      toColumns,
      warnUnenforced: e.warn_unenforced !== false,
      warnUnsupported: e.warn_unsupported !== false,
      loc,
    });
  }
  return out;
}

/** Every constraint of a node: model-level and on its columns. */
export function allConstraints(node: Pick<ParsedNode, 'constraints' | 'columns'>): ConstraintDef[] {
  return [...(node.constraints ?? []), ...Object.values(node.columns).flatMap((c) => c.constraints ?? [])];
}
