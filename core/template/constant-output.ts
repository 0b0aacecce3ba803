// Jinja folds an output whose expression is constant (`{{ 250 }}`, `{{ ['a'] }}`, `{{ 1 + 1 }}`)
// into text when it compiles the template, even in dbt's native environment (jinja2's
// NativeCodeGenerator joins constant outputs with str()). So where dbt renders a value
// natively, `{{ 250 }}` gives the text '250' and only a computed value (`{{ var('n') }}`)
// keeps its type. This tells the two apart on kiln's parse tree.
import type { NjNode } from './nunjucks-internals.js';

/** Names Jinja's parser reads as constants. */
const CONSTANT_NAMES = new Set(['true', 'false', 'none', 'True', 'False', 'None']);

/** Nodes Jinja's as_const() folds when every operand is constant. */
const FOLDED = new Set([
  'Array', 'Group', 'Dict', 'Pair', 'NodeList',
  'Add', 'Sub', 'Mul', 'Div', 'FloorDiv', 'Mod', 'Pow', 'Concat', 'And', 'Or', 'In',
  'Compare', 'CompareOperand', 'Neg', 'Pos', 'Not', 'InlineIf',
]);

interface Fielded {
  readonly typename: string;
  readonly fields?: readonly string[];
  readonly [field: string]: unknown;
}

export function isConstantExpression(node: NjNode): boolean {
  const n = node as unknown as Fielded;
  if (n.typename === 'Literal') return true;
  if (n.typename === 'Symbol') return CONSTANT_NAMES.has(String(n.value));
  if (!FOLDED.has(n.typename)) return false;
  for (const field of n.fields ?? []) {
    const v = n[field];
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) {
      for (const c of v) if (!isNodeConstant(c)) return false;
    } else if (typeof v === 'object') {
      if (!isConstantExpression(v as NjNode)) return false;
    } else if (field !== 'type') return false;
  }
  return true;
}

function isNodeConstant(v: unknown): boolean {
  return v !== null && typeof v === 'object' && isConstantExpression(v as NjNode);
}

/** Whether a parsed template is a single output of a constant expression. */
export function isConstantOutput(root: NjNode): boolean {
  const children = (root as unknown as { children?: NjNode[] }).children;
  if (!children || children.length !== 1) return false;
  const out = children[0] as unknown as { typename: string; children?: NjNode[] };
  return out.typename === 'Output' && out.children?.length === 1 && isConstantExpression(out.children[0]!);
}
