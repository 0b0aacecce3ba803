// Turns whatever a template threw into a KilnError with file:line:col and a hint. KilnErrors
// raised by context functions (ref, config, ...) propagate with their own code/message; only
// the location is added. nunjucks' "(unknown path)" prefixes and stack traces never leak.
import { closest, distance } from 'fastest-levenshtein';
import { Codes, KilnError, KilnErrors, type SourceLocation } from '../errors.js';
import { LineIndex, codeFrame, diagnoseBlocks } from './blocks.js';
import { ReturnSignal, getTrace } from './signals.js';

const KNOWN_TAGS = [
  'if', 'elif', 'else', 'endif', 'for', 'endfor', 'set', 'endset', 'macro', 'endmacro', 'call', 'endcall',
  'filter', 'endfilter', 'raw', 'endraw', 'do', 'break', 'continue', 'test', 'endtest', 'with', 'endwith',
];

/** Strips nunjucks decorations from a message. */
export function cleanMessage(message: string): string {
  return message
    .replace(/^\(.*?\)\s*(\[Line \d+(, Column \d+)?\])?\s*/s, '')
    .replace(/^(Template render error|Error|TypeError|RangeError|SyntaxError):\s*/, '')
    .replace(/^\(.*?\)\s*(\[Line \d+(, Column \d+)?\])?\s*/s, '')
    .replace(/^(Template render error|Error|TypeError|RangeError|SyntaxError):\s*/, '')
    .replace(/^(parse\w*|compile\w*|advanceAfterBlockEnd|assertType):\s*/, '')
    .trim();
}

interface Positioned {
  message?: unknown;
  lineno?: unknown;
  colno?: unknown;
}

function position(e: unknown): { line?: number; col?: number } {
  if (typeof e !== 'object' || e === null) return {};
  const p = e as Positioned;
  return {
    line: typeof p.lineno === 'number' && p.lineno > 0 ? p.lineno : undefined,
    col: typeof p.colno === 'number' && p.colno > 0 ? p.colno : undefined,
  };
}

/** A syntax error from parsing/compiling `source` → KilnError(JINJA_SYNTAX) with file:line:col and the offending line. */
export function syntaxError(
  file: string,
  source: string,
  err: unknown,
  lineOffset = 0,
  names: { filters: string[]; tests: string[] } = { filters: [], tests: [] },
): KilnError {
  if (err instanceof KilnError) return err;
  const idx = new LineIndex(source);
  let message = cleanMessage(err instanceof Error ? err.message : String(err));
  let { line, col } = position(err);
  let hint: string | undefined;

  const unknownTag = /^unknown block tag: (\w+)/.exec(message);
  const eofish = /end of file|got EOF|expected (elif|block end|variable end)|expected end of comment/i.test(message);
  const problem = unknownTag || eofish || line === undefined ? diagnoseBlocks(file, source) : null;
  if (unknownTag) {
    const tag = unknownTag[1];
    if (KNOWN_TAGS.includes(tag) || tag.startsWith('end')) {
      // a real tag in the wrong place: a stray end tag, a second else, ...
      if (problem) {
        message = problem.message;
        line = problem.line;
        col = problem.col;
      } else {
        message = `unexpected {% ${tag} %} here`;
        hint = tag === 'else' || tag === 'elif' ? `{% ${tag} %} must be inside {% if %}${tag === 'else' ? ' or {% for %}' : ''}, before its end tag, and {% else %} only once.` : undefined;
      }
    } else {
      message = `unknown tag {% ${tag} %}`;
      const best = closest(tag, KNOWN_TAGS);
      if (tag === 'materialization' || tag === 'docs' || tag === 'snapshot') {
        hint = `{% ${tag} %} blocks are only allowed in ${tag === 'docs' ? 'docs (.md) files' : tag === 'snapshot' ? 'snapshot files' : 'macro files'}.`;
      } else if (distance(tag, best) <= 2) hint = `Did you mean {% ${best} %}?`;
    }
  } else if (/^no (filter|test) named '([^']+)'/.test(message)) {
    const [, kind, name] = /^no (filter|test) named '([^']+)'/.exec(message) as RegExpExecArray;
    const pool = kind === 'filter' ? names.filters : names.tests;
    const best = pool.length ? closest(name, pool) : '';
    if (best && distance(name, best) <= Math.max(2, Math.floor(name.length / 3))) hint = `Did you mean '${best}'?`;
  } else if (problem && (eofish || line === undefined)) {
    message = problem.message;
    line = problem.line;
    col = problem.col;
  }
  line ??= 1;
  const frame = codeFrame(idx, Math.min(line, idx.source.split('\n').length), col ?? 1);
  return new KilnError(Codes.JINJA_SYNTAX, `Jinja syntax error: ${message}`, {
    loc: { file, line: line + lineOffset, col },
    hint: hint ? `${hint}\n${frame}` : frame,
  });
}

function hintFor(message: string): string | undefined {
  if (/Cannot read propert(y|ies) of (undefined|null)/.test(message)) {
    return 'A value used here is undefined or none (a missing variable, attribute or key?).';
  }
  if (/is not a function|is not iterable/.test(message)) return 'Check the type of the value used here.';
  if (/^No (filter|test) named/.test(message)) return 'See the list of supported filters and tests in the kiln docs.';
  return undefined;
}

function shift(loc: SourceLocation, file: string, lineOffset: number): SourceLocation {
  return lineOffset && loc.file === file && loc.line !== undefined ? { ...loc, line: loc.line + lineOffset } : loc;
}

/**
 * Converts an error thrown while rendering `file` into a KilnError. KilnErrors keep their
 * code, message, hint and node; the template location is added when they have none.
 */
export function renderError(file: string, err: unknown, lineOffset = 0): KilnError | KilnErrors {
  if (err instanceof KilnErrors) return err;
  const trace = getTrace(err).map((t) => shift({ file: t.file || file, line: t.line, col: t.col }, file, lineOffset));
  let inner: unknown = err;
  // unwrap nunjucks' "Template render error" wrappers (from nunjucks' own code paths)
  while (inner instanceof Error && inner.name === 'Template render error' && (inner as { cause?: unknown }).cause) {
    const pos = position(inner);
    if (!trace.length && pos.line) trace.push({ file, line: pos.line + lineOffset, col: pos.col });
    inner = (inner as { cause?: unknown }).cause;
  }
  const loc: SourceLocation = trace[0] ?? { file };
  const related = trace.slice(1);

  if (inner instanceof ReturnSignal) {
    return new KilnError(Codes.JINJA_RENDER, 'return() was called outside of a macro', { loc, hint: 'Use return(value) only inside {% macro %} blocks.' });
  }
  if (inner instanceof KilnErrors) return inner;
  if (inner instanceof KilnError) {
    if (!trace.length) return inner;
    let newLoc = inner.loc;
    let rel = related;
    if (!newLoc) {
      newLoc = loc;
    } else if (newLoc.line === undefined) {
      const match = trace.find((t) => t.file === newLoc?.file);
      newLoc = match ?? newLoc;
      rel = trace.filter((t) => t !== match);
    } else {
      rel = trace.filter((t) => t.file !== newLoc?.file || t.line !== newLoc?.line);
    }
    return new KilnError(inner.code, inner.message, {
      loc: newLoc,
      node: inner.node,
      hint: inner.hint,
      related: [...inner.related, ...rel],
      cause: inner.cause ?? undefined,
    });
  }
  const raw = inner instanceof Error ? inner.message : String(inner);
  const message = cleanMessage(raw) || 'template rendering failed';
  return new KilnError(Codes.JINJA_RENDER, message, { loc, related, hint: hintFor(message), cause: inner });
}
