// Rendering Jinja inside YAML values through the injected renderer, and converting rendered
// text back to native values where a field wants one (dbt renders YAML "natively").
import { Codes, KilnError, type Problems, type SourceLocation } from '../errors.js';
import type { RenderString } from './types.js';
import { hasJinja, isPlainObject } from './values.js';
import type { YamlPath } from './yaml-file.js';

export interface RenderTreeOptions {
  readonly render?: RenderString;
  readonly locate: (path: YamlPath) => SourceLocation;
  /** Paths whose subtree is left as written (hooks, descriptions, tests...). */
  readonly skip: (path: YamlPath) => boolean;
  readonly problems: Problems;
  /** Paths whose subtree is rendered natively (render.native), where a config keeps the value's type. */
  readonly native?: (path: YamlPath) => boolean;
}

/** A copy of `value` with every Jinja string rendered; render errors go to `problems`. */
export function renderTree(value: unknown, path: YamlPath, opts: RenderTreeOptions): unknown {
  if (!opts.render) return value;
  return walk(value, [...path], opts, false);
}

function walk(value: unknown, path: (string | number)[], opts: RenderTreeOptions, native: boolean): unknown {
  if (typeof value === 'string') {
    if (!hasJinja(value)) return value;
    return native && opts.render?.native ? rendering(value, opts.locate(path), opts.problems, opts.render.native) : renderOne(value, opts.locate(path), opts);
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const v = opts.skip(path) ? value[i] : walk(value[i], path, opts, native);
      path.pop();
      if (v !== value[i]) (out ??= value.slice())[i] = v;
    }
    return out ?? value;
  }
  if (isPlainObject(value)) {
    let out: Record<string, unknown> | undefined;
    // Keys rather than entries: no [key, value] pair per key of every YAML mapping.
    for (const k of Object.keys(value)) {
      const v0 = value[k];
      path.push(k);
      const v = opts.skip(path) ? v0 : walk(v0, path, opts, native || (opts.native?.(path) ?? false));
      path.pop();
      if (v !== v0) (out ??= { ...value })[k] = v;
    }
    return out ?? value;
  }
  return value;
}

/** Renders one string; a failure is recorded and the raw text kept so loading can go on. */
export function renderOne(text: string, loc: SourceLocation, opts: { render?: RenderString; problems: Problems }): string {
  if (!opts.render || !hasJinja(text)) return text;
  return rendering(text, loc, opts.problems, opts.render);
}

function rendering<T>(text: string, loc: SourceLocation, problems: Problems, render: (text: string, loc: SourceLocation) => T): T | string {
  try {
    return render(text, loc);
  } catch (e) {
    if (e instanceof KilnError) {
      // The engine places errors within the value's text (line 1 of the string); point at the
      // YAML key instead, unless the error is in another file (a macro the value called).
      const inValue = !e.loc || (e.loc.file === loc.file && loc.line !== undefined);
      problems.error(inValue ? new KilnError(e.code, e.message, { loc, node: e.node, hint: e.hint, related: e.related, cause: e }) : e);
    } else {
      problems.error(
        new KilnError(Codes.JINJA_RENDER, `Could not render ${JSON.stringify(text)}: ${(e as Error).message}`, {
          loc,
          cause: e,
        }),
      );
    }
    return text;
  }
}

const TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const FALSE = new Set(['false', 'False', 'FALSE', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);

/** `"true"` → true, ...; undefined when the text is not a boolean. (yes/no as YAML 1.1 reads them.) */
export function parseBool(s: string): boolean | undefined {
  const t = s.trim();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return undefined;
}

/** `"5432"` → 5432; undefined when the text is not a plain number. */
export function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

export function isNullText(s: string): boolean {
  const t = s.trim();
  return t === '' || t === 'None' || t === 'none' || t === 'null' || t === 'Null' || t === '~';
}
