// Reading selector text: `[@][N+][method[.arg]:]value[+N]` criteria, joined by commas
// (intersection) and whitespace (union). Never throws anything but a KilnError(SELECTOR_INVALID)
// whose message shows the argument with a caret under the offending column.
import { closest, distance } from 'fastest-levenshtein';
import { Codes, KilnError } from '../errors.js';
import { METHODS, methodNames } from './methods.js';
import { setOf, type IndirectSelection, type SelectionCriteria, type SelectionSpec, type SpecOrigin } from './spec.js';

/** Parses one criterion; `origin.col` is where `raw` starts inside `origin.text`. */
export function parseCriterion(raw: string, origin: SpecOrigin, indirect: IndirectSelection = 'eager'): SelectionCriteria {
  const fail = (offset: number, why: string, hint?: string): never => {
    throw specError({ ...origin, col: origin.col + offset }, why, hint);
  };
  if (raw.length === 0) fail(0, 'an empty selector');
  let i = 0;
  const childrensParents = raw[0] === '@';
  if (childrensParents) i++;
  let parents = false;
  let parentsDepth: number | undefined;
  const lead = /^(\d*)\+/.exec(raw.slice(i));
  if (lead) {
    parents = true;
    parentsDepth = depthOf(lead[1]!);
    i += lead[0].length;
  }
  let end = raw.length;
  let children = false;
  let childrenDepth: number | undefined;
  const trail = /\+(\d*)$/.exec(raw.slice(i));
  if (trail) {
    children = true;
    childrenDepth = depthOf(trail[1]!);
    end = i + trail.index;
  }
  if (childrensParents && children) {
    fail(end, "'@' and a trailing '+' cannot be combined", "'@x' already selects x, all its descendants and their ancestors; drop the trailing '+'.");
  }
  const body = raw.slice(i, end);
  if (body.length === 0) fail(i, 'there is nothing to select after the graph operator', 'Write a name or method after it, e.g. `+orders` or `tag:nightly+`.');
  if (body[0] === '+' || body[0] === '@') fail(i, `unexpected '${body[0]}'`, "Graph operators go once at each end: `2+orders`, `orders+3`, `@orders`.");

  let method = '';
  let args: string[] = [];
  let value = body;
  let valueAt = i;
  const m = /^([\w.]*):/.exec(body);
  if (m) {
    const parts = m[1]!.split('.');
    method = parts[0]!;
    args = parts.slice(1);
    value = body.slice(m[0].length);
    valueAt = i + m[0].length;
    if (method === '') fail(i, "a ':' with no method name before it", `Methods: ${methodNames().join(', ')}.`);
    const def = METHODS.get(method);
    if (!def) {
      const near = closest(method, methodNames());
      fail(i, `unknown selector method '${method}'`, `${distance(near, method) <= 2 ? `Did you mean '${near}:'? ` : ''}Methods: ${methodNames().join(', ')}.`);
    }
    let argAt = i + method.length + 1;
    for (const a of args) {
      if (a === '') fail(argAt - 1, `'${m[1]}' has an empty part after a '.'`, 'Write config keys as `config.materialized:table`.');
      argAt += a.length + 1;
    }
    if (def!.needsArgs && args.length === 0) fail(i, `'${method}:' needs a key`, `Write it as \`${def!.example}\`.`);
    if (!def!.needsArgs && args.length > 0) fail(i + method.length, `'${method}' takes no '.${args.join('.')}' part`, `Write it as \`${def!.example}\`.`);
    if (value === '') fail(valueAt, `'${m[1]}:' has no value`, `Write it as \`${def!.example}\`.`);
    if (def!.values && !def!.values.includes(value)) {
      const near = closest(value, [...def!.values]);
      fail(valueAt, `'${value}' is not a value of '${method}:'`, `${distance(near, value) <= 3 ? `Did you mean '${method}:${near}'? ` : ''}Values: ${def!.values.join(', ')}.`);
    }
    const bad = def!.check?.(value);
    if (bad) fail(valueAt, `'${value}' is not a valid '${method}:' value: ${bad}`, `Write it as \`${def!.example}\`.`);
  } else {
    const colon = body.indexOf(':');
    if (colon >= 0 && !looksLikePath(body)) {
      const near = closest(body.slice(0, colon), methodNames());
      fail(i, `'${body.slice(0, colon)}' is not a selector method`, `${distance(near, body.slice(0, colon)) <= 2 ? `Did you mean '${near}:'? ` : ''}Methods: ${methodNames().join(', ')}.`);
    }
    method = defaultMethod(body);
  }
  if (method !== 'config') {
    const plus = value.indexOf('+');
    if (plus >= 0) fail(valueAt + plus, "unexpected '+' inside the selector", 'Graph operators go at the ends: `+orders` (ancestors), `orders+` (descendants), `2+orders`, `orders+3`.');
  }
  return { kind: 'criteria', raw, method, args, value, childrensParents, parents, parentsDepth, children, childrenDepth, indirect, origin };
}

/**
 * One `--select`/`--exclude` argument: whitespace-separated pieces (a union), each a comma-joined
 * intersection. Returns the pieces; an argument of only whitespace gives none.
 */
export function parseSelectArg(text: string, source: string, indirect: IndirectSelection = 'eager', argIndex = 1): SelectionSpec[] {
  const out: SelectionSpec[] = [];
  const token = /[^\s]+/g;
  for (let t = token.exec(text); t; t = token.exec(text)) {
    const piece = t[0];
    const parts: SelectionCriteria[] = [];
    let at = 0;
    for (const part of piece.split(',')) {
      const origin: SpecOrigin = { source, text, col: t.index + at + 1, arg: argIndex };
      if (part === '') {
        throw specError(origin, piece.length === 1 ? "a lone ','" : "an empty selector between commas", 'A comma intersects two selectors: `tag:nightly,path:models/marts`.');
      }
      parts.push(parseCriterion(part, origin, indirect));
      at += part.length + 1;
    }
    const origin: SpecOrigin = { source, text, col: t.index + 1, arg: argIndex };
    // Each piece is an intersection (of one, usually) so an empty piece can be warned about.
    out.push(setOf('intersection', parts, indirect, piece, { expectExists: true, origin }));
  }
  return out;
}

/** dbt's default method for a bare value: a path when it has a slash, a file name for `x.sql`. */
function defaultMethod(value: string): string {
  if (value.includes('/') || value.includes('\\')) return 'path';
  if (/\.(sql|py|csv)$/i.test(value)) return 'file';
  return 'fqn';
}

function looksLikePath(value: string): boolean {
  return value.includes('/') || value.includes('\\');
}

function depthOf(digits: string): number | undefined {
  if (digits === '') return undefined;
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** An error pointing at `origin.col` of `origin.text`, with the text and a caret. */
export function specError(origin: SpecOrigin, why: string, hint?: string): KilnError {
  const frame = frameOf(origin);
  // A command-line argument is located as `--select:<argument>:<column>`.
  const loc = origin.loc ?? { file: origin.source, line: origin.arg ?? 1, col: origin.col };
  return new KilnError(Codes.SELECTOR_INVALID, `Invalid selector in ${whereOf(origin)}: ${why}${frame}`, {
    loc,
    hint: hint ?? 'Selectors look like `orders`, `+orders`, `orders+`, `tag:nightly`, `path:models/staging`, `state:modified+`.',
  });
}

/** The argument with a caret under the column: shown under selector errors. */
export function frameOf(origin: SpecOrigin): string {
  const shown = origin.text.replace(/[\t\r\n]/g, ' ');
  return `\n    ${shown}\n    ${' '.repeat(Math.max(0, origin.col - 1))}^`;
}

/** `--select (argument 2) at column 5`, or the file for selectors.yml. */
export function whereOf(origin: SpecOrigin): string {
  if (origin.loc) return origin.source;
  return `${origin.source}${origin.arg && origin.arg > 1 ? ` (argument ${origin.arg})` : ''} at column ${origin.col}`;
}
