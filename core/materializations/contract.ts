// Model contracts (`contract: {enforced: true}`): the columns and data types declared in YAML are
// checked against the model's query before anything is built, and a table is created with the
// declared types and constraints, then filled by column name. dbt's rules: names and types must
// match (size, precision and scale are not compared; order is not, the table takes the declared
// order); views are checked but carry no constraints.
//
// The check asks the database itself: the query and a `select cast(null as <declared type>)` are
// each created as a view inside the plan's transaction and their columns read back, so both sides
// are named in the database's own type names (`int` and `int4` are both `integer`).
import type { ColumnDescription, ConstraintSpec, ContractColumn, RelationName } from '../../adapters/adapter.js';
import { Codes, KilnError, type SourceLocation } from '../errors.js';
import type { ConstraintDef, ParsedNode } from '../nodes.js';
import { helperNames, type PlanContext, type Step } from './plan.js';

export interface DeclaredColumn {
  readonly name: string;
  readonly dataType: string;
  readonly constraints: readonly ConstraintDef[];
}

export function contractEnforced(node: Pick<ParsedNode, 'config' | 'resourceType'>): boolean {
  const c = node.config.contract;
  return node.resourceType === 'model' && typeof c === 'object' && c !== null && (c as { enforced?: unknown }).enforced === true;
}

/** Where to point a contract error: the model's entry in property YAML. */
export function contractLoc(node: ParsedNode): SourceLocation {
  return node.patchLoc ?? { file: node.originalFilePath };
}

/** The declared type as the database should read it: dbt's one generic alias, `string`, is the dialect's text type. */
function declaredType(node: ParsedNode, dataType: string, ctx: PlanContext): string {
  const aliasTypes = (node.config.contract as { alias_types?: unknown } | undefined)?.alias_types !== false;
  return aliasTypes && dataType.trim().toLowerCase() === 'string' ? ctx.dialect.seedType('text') : dataType;
}

export function declaredColumns(node: ParsedNode, ctx: PlanContext): DeclaredColumn[] {
  return Object.values(node.columns).map((c) => ({ name: c.name, dataType: declaredType(node, c.data_type ?? '', ctx), constraints: c.constraints ?? [] }));
}

/** `character varying(10)` → `character varying`: dbt compares types without size, precision and scale. */
export function typeKey(t: string): string {
  return t.toLowerCase().replace(/\([^)]*\)/g, '').replace(/\s+/g, ' ').trim();
}

/** Every difference between the declared columns and the query's, as lines for one message. */
export function contractDifferences(declared: readonly DeclaredColumn[], actual: readonly ColumnDescription[], declaredTypes: readonly ColumnDescription[]): string[] {
  const out: string[] = [];
  const matched = new Set<ColumnDescription>();
  declared.forEach((d, i) => {
    const a = actual.find((c) => c.name === d.name) ?? actual.filter((c) => c.name.toLowerCase() === d.name.toLowerCase()).at(0);
    if (!a) {
      out.push(`${d.name}: declared (${d.dataType}) but the query does not return it`);
      return;
    }
    matched.add(a);
    const want = declaredTypes[i]?.dataType ?? d.dataType;
    if (typeKey(want) !== typeKey(a.dataType)) out.push(`${d.name}: declared ${d.dataType}${typeKey(want) === typeKey(d.dataType) ? '' : ` (${want})`}, the query returns ${a.dataType}`);
  });
  for (const a of actual) if (!matched.has(a)) out.push(`${a.name}: returned by the query (${a.dataType}) but not declared in the contract`);
  return out;
}

function mismatchError(node: ParsedNode, diffs: readonly string[]): KilnError {
  return new KilnError(
    Codes.CONTRACT_MISMATCH,
    `The contract of ${node.name} does not match its query (${diffs.length} difference${diffs.length === 1 ? '' : 's'}); nothing was built:\n${diffs.map((d) => `  - ${d}`).join('\n')}`,
    {
      loc: contractLoc(node),
      node: node.uniqueId,
      hint: 'Change the model\'s select (cast to the declared type, add or rename columns) or the `columns:` of its YAML entry so that the two agree',
    },
  );
}

/**
 * Create the query and the declared columns as views (the helper names tmp and staging), read
 * both, drop them, then fail with every difference or go on with `then(the query's columns)`.
 */
export function contractCheckSteps(node: ParsedNode, sql: string, ctx: PlanContext, then: (actual: readonly ColumnDescription[]) => readonly Step[]): Step[] {
  const { dialect } = ctx;
  const { tmp, staging } = helperNames(node, ctx.capabilities);
  const declared = declaredColumns(node, ctx);
  const probe = `select\n${declared.map((d) => `  cast(null as ${d.dataType}) as ${dialect.quoteIdentifier(d.name)}`).join(',\n')}`;
  const dropProbes: Step[] = [
    { kind: 'sql', sql: dialect.drop({ ...tmp, type: 'view' }), purpose: 'drop contract probe' },
    { kind: 'sql', sql: dialect.drop({ ...staging, type: 'view' }), purpose: 'drop contract probe' },
  ];
  return [
    { kind: 'sql', sql: dialect.createViewAs(tmp, sql), purpose: 'contract: the query\'s columns' },
    {
      kind: 'sql',
      sql: dialect.createViewAs(staging, probe),
      purpose: 'contract: the declared columns',
      onError: (e) =>
        new KilnError(Codes.CONFIG_INVALID, `A data_type in the contract of ${node.name} is not a type this database knows (declared: ${declared.map((d) => `${d.name} ${d.dataType}`).join(', ')}); the database says: ${e.message.split('\n')[0]}`, {
          loc: contractLoc(node),
          node: node.uniqueId,
          hint: 'write each data_type as the database spells it; in YAML, quote a type with a comma (`data_type: "decimal(20,1)"`), since `{name: a, data_type: decimal(20,1)}` splits at the comma',
        }),
    },
    {
      kind: 'inspect',
      relations: [tmp, staging],
      then: ([actual, declaredTypes]) => {
        const diffs = contractDifferences(declared, actual, declaredTypes);
        // The probes go first even on a mismatch: without a transaction nothing else removes them.
        if (diffs.length) return [...dropProbes, { kind: 'inspect', relations: [], then: () => { throw mismatchError(node, diffs); } }];
        return [...dropProbes, ...then(actual)];
      },
    },
  ];
}

/** The constraints of a node the database enforces, as the dialect takes them. */
function specOf(c: ConstraintDef): ConstraintSpec {
  return {
    type: c.type,
    name: c.name,
    expression: c.expression,
    columns: c.columns,
    references: c.toRelation ? { relation: c.toRelation, columns: c.toColumns } : null,
  };
}

export function constraintEnforced(c: ConstraintDef, ctx: PlanContext): boolean {
  return (ctx.capabilities.enforcedConstraints ?? []).includes(c.type);
}

/**
 * A contracted table: checked, created with the declared types and constraints, filled by
 * column name (the insert is the step reported). Column names are the query's own spelling.
 */
export function contractTableSteps(node: ParsedNode, sql: string, rel: RelationName, ctx: PlanContext, after: readonly Step[] = []): Step[] {
  const { dialect } = ctx;
  if (!dialect.createContractTable || !dialect.insertSelect) {
    // A database without these builders checks the contract and builds as usual.
    return contractCheckSteps(node, sql, ctx, () => [{ kind: 'sql', sql: dialect.createTableAs(rel, sql), purpose: 'create table', main: true }, ...after]);
  }
  const createContractTable = dialect.createContractTable.bind(dialect);
  const insertSelect = dialect.insertSelect.bind(dialect);
  const declared = declaredColumns(node, ctx);
  const modelLevel = (node.constraints ?? []).filter((c) => constraintEnforced(c, ctx));
  return contractCheckSteps(node, sql, ctx, (actual) => {
    const nameOf = (declaredName: string): string => actual.find((a) => a.name === declaredName)?.name ?? actual.find((a) => a.name.toLowerCase() === declaredName.toLowerCase())?.name ?? declaredName;
    // A model-level not_null is each of its columns' own `not null`.
    const notNull = new Set(modelLevel.filter((c) => c.type === 'not_null').flatMap((c) => c.columns.map((x) => x.toLowerCase())));
    const columns: ContractColumn[] = declared.map((d) => {
      const own = d.constraints.filter((c) => constraintEnforced(c, ctx)).map(specOf);
      const extra: ConstraintSpec[] = notNull.has(d.name.toLowerCase()) && !own.some((c) => c.type === 'not_null') ? [{ type: 'not_null', name: null, expression: null, columns: [d.name], references: null }] : [];
      return { name: nameOf(d.name), dataType: d.dataType, constraints: [...own, ...extra] };
    });
    const tableLevel = modelLevel.filter((c) => c.type !== 'not_null').map((c) => specOf({ ...c, columns: c.columns.map(nameOf) }));
    return [
      { kind: 'sql', sql: createContractTable(rel, columns, tableLevel), purpose: 'create contracted table' },
      { kind: 'sql', sql: insertSelect(rel, columns.map((c) => c.name), sql), purpose: 'fill contracted table', main: true },
      ...after,
    ];
  });
}
