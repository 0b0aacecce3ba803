// YAML parsing for project files. YAML 1.2 core schema (so `2024-01-01` stays a string) with YAML
// 1.1's yes/no/on/off booleans (PyYAML's, which dbt reads every file with: `flag: off` is false), `<<`
// merge keys enabled (dbt reads YAML with PyYAML, which supports them and projects use them),
// duplicate keys rejected. Every validation error points at a line found with lineOf().
import type { Document, LineCounter, Node as YamlNode, Pair, ScalarTag, Tags, YAMLError } from 'yaml';
import { Codes, KilnError, type SourceLocation } from '../errors.js';
import { yamlLib } from '../yaml-lib.js';
import { readSourceFile } from './discover.js';
import { POS_SCALE, type PositionTable, firstPosition, isTrueWord, positionIn, parseFastYaml, YAML11_BOOL_RE, YAML11_BOOL_WORDS } from './yaml-fast.js';
import { FloatScalar, type FloatTexts, noteFloatText, takeFloatScalars } from './yaml-floats.js';

export type YamlPath = readonly (string | number)[];

export interface YamlFile {
  /** Display path used in locations (relative to the project root when inside it). */
  readonly file: string;
  readonly text: string;
  /** The document as plain JS; an empty document is `{}`. */
  readonly value: unknown;
  /** The `yaml` package's document (absent when the fast reader handled the file). */
  readonly doc?: Document.Parsed;
  readonly lineCounter?: LineCounter;
  /** Key/item positions recorded by the fast reader. */
  readonly positions?: PositionTable;
  /** Float scalars dbt reads otherwise than `value` holds them (yaml-floats.ts); absent when none. */
  readonly floatTexts?: FloatTexts;
}

export interface ParseYamlOptions {
  /**
   * Try the fast reader first (for the plain YAML of property files); anything it does not
   * handle goes to the `yaml` package, so the result is the same either way.
   */
  readonly fast?: boolean;
}

/** Parses YAML text; syntax errors (and duplicate keys) throw KilnError(YAML_SYNTAX). */
export function parseYaml(text: string, file: string, opts: ParseYamlOptions = {}): YamlFile {
  // A byte-order mark is the full parser's to skip (the fast reader would keep it in the first key).
  if (opts.fast && text.charCodeAt(0) !== 0xfeff) {
    const fast = parseFastYaml(text);
    if (fast) return { file, text, value: fast.value ?? {}, positions: fast.positions, floatTexts: fast.floatTexts };
  }
  const Y = yamlLib();
  const lineCounter = new Y.LineCounter();
  const noted = { any: false };
  const doc = Y.parseDocument(text, {
    version: '1.2',
    schema: 'core',
    merge: true,
    customTags: (tags) => [...floatTags(tags, noted), YAML11_BOOL],
    uniqueKeys: sameKey,
    prettyErrors: false,
    lineCounter,
  });
  if (doc.errors.length > 0) throw syntaxError(doc.errors[0]!, text, file, lineCounter, doc);
  // `key: {{ var('x') }}` is valid YAML (a flow mapping used as a key) but never what was meant.
  if (text.includes('{{')) checkUnquotedJinja(doc, text, file, lineCounter);
  if (noted.any) plainFloatKeys(doc);
  if (YAML11_KEY_RE.test(text)) wordKeys(doc);
  let js: unknown;
  try {
    js = doc.contents === null ? null : doc.toJS({ maxAliasCount: 10_000 });
  } catch (e) {
    // `*name` with no `&name` before it: the parser accepts it, resolving it throws.
    throw aliasError(e, doc, text, file, lineCounter);
  }
  const { value, floatTexts } = takeFloatScalars(js);
  return { file, text, doc, lineCounter, value: value ?? {}, floatTexts };
}

const FLOAT_TAG = 'tag:yaml.org,2002:float';

/** YAML 1.1's other boolean words, as PyYAML reads them (the core schema has true/false only). */
const YAML11_BOOL: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: YAML11_BOOL_RE,
  resolve: isTrueWord,
};

/** The core schema's tags, with floats to note (yaml-floats.ts) resolved to FloatScalar. */
function floatTags(tags: Tags, noted: { any: boolean }): Tags {
  return tags.map((t) => {
    if (typeof t !== 'object' || t.tag !== FLOAT_TAG || !('test' in t) || !t.test) return t;
    const tag = t as ScalarTag;
    const resolve = tag.resolve.bind(tag);
    const noting: ScalarTag = {
      ...tag,
      resolve: (str, onError, options) => {
        const n = parseFloat(str);
        if (!noteFloatText(str, n)) return resolve(str, onError, options);
        noted.any = true;
        return new FloatScalar(n, str);
      },
    };
    return noting;
  });
}

/** A line that may hold such a word as a key (a cheap pre-check before walking the document). */
const YAML11_KEY_RE = new RegExp(`(?:^|[\\s{,\\-?])(?:${YAML11_BOOL_WORDS})\\s*:`, 'm');

/** A key written as a YAML 1.1 boolean word, as its text. */
function boolWordKey(node: YamlNode): unknown {
  return yamlLib().isScalar(node) && typeof node.value === 'boolean' && node.source !== undefined && YAML11_BOOL_RE.test(node.source) ? node.source : node;
}

/** Duplicate keys: the same scalar value, except that a key written `on` or `yes` is its text. */
function sameKey(a: YamlNode, b: YamlNode): boolean {
  const Y = yamlLib();
  if (a === b) return true;
  if (!Y.isScalar(a) || !Y.isScalar(b)) return false;
  const ka = boolWordKey(a);
  const kb = boolWordKey(b);
  return (ka === a ? a.value : ka) === (kb === b ? b.value : kb);
}

/** Mapping keys are names: a key written `on` or `no` stays that text (dbt's keys never mean a
 *  boolean, where PyYAML would make them True/False). */
function wordKeys(doc: Document.Parsed): void {
  const Y = yamlLib();
  Y.visit(doc, {
    Pair(_, pair) {
      const key = pair.key as YamlNode;
      const text = boolWordKey(key);
      if (text !== key && Y.isScalar(key)) key.value = text;
    },
  });
}

/** Mapping keys are names: a float written as a key is its number, as before (no FloatScalar). */
function plainFloatKeys(doc: Document.Parsed): void {
  const Y = yamlLib();
  Y.visit(doc, {
    Pair(_, pair) {
      if (Y.isScalar(pair.key) && pair.key.value instanceof FloatScalar) pair.key.value = pair.key.value.value;
    },
  });
}

/** Reads and parses a YAML file; an unreadable, binary or non-UTF-8 file is FILE_UNREADABLE. */
export function readYamlFile(absPath: string, displayPath: string, opts: ParseYamlOptions = {}): YamlFile {
  return parseYaml(readSourceFile(absPath, displayPath).contents, displayPath, opts);
}

/** Full documents of files the fast reader handled, parsed again when a scalar's source text is wanted. */
const fullDocs = new WeakMap<YamlFile, Document.Parsed | undefined>();

/**
 * The source text of the scalar at `path` (`1.0` as written, not the number 1). The fast reader
 * keeps no source text, so a file it read is parsed once more in full: rare (a number where a
 * string or a version is expected), and it keeps the `yaml` package unloaded otherwise.
 */
export function scalarSourceOf(yf: YamlFile, path: YamlPath): string | undefined {
  let doc = yf.doc;
  if (!doc) {
    if (!fullDocs.has(yf)) fullDocs.set(yf, parseYaml(yf.text, yf.file).doc);
    doc = fullDocs.get(yf);
  }
  const node = doc?.getIn(path, true) as { source?: string } | undefined;
  return typeof node?.source === 'string' ? node.source : undefined;
}

export function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/**
 * The node at `path` and where it is written: for a mapping key the key's position, for a list
 * item the item's. Stops at the deepest part of the path that exists.
 */
function findPosition(yf: YamlFile, path: YamlPath): { line: number; col: number } | undefined {
  if (yf.positions) return findFastPosition(yf.value, yf.positions, path);
  if (!yf.doc || !yf.lineCounter) return undefined;
  const doc = yf.doc;
  let node: unknown = doc.contents;
  let pos: number | undefined = rangeStart(node);
  for (const seg of path) {
    if (yamlLib().isAlias(node)) node = node.resolve(doc);
    if (yamlLib().isMap(node)) {
      const pair = (node.items as Pair[]).find((p) => keyText(p.key) === String(seg));
      if (!pair) break;
      pos = rangeStart(pair.key) ?? pos;
      node = pair.value;
    } else if (yamlLib().isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (item === undefined) break;
      pos = rangeStart(item) ?? pos;
      node = item;
    } else {
      break;
    }
  }
  return pos === undefined ? undefined : yf.lineCounter.linePos(pos);
}

function findFastPosition(value: unknown, positions: PositionTable, path: YamlPath): { line: number; col: number } | undefined {
  const packed = fastPosition(value, positions, path);
  return packed === undefined ? undefined : { line: Math.floor(packed / POS_SCALE), col: packed % POS_SCALE };
}

/** findFastPosition's answer as the reader packs it (`line * POS_SCALE + col`). */
function fastPosition(value: unknown, positions: PositionTable, path: YamlPath): number | undefined {
  let node = value;
  let packed: number | undefined;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') break;
    const list = positions.get(node);
    const p = list && positionIn(node, list, seg);
    if (p === undefined) break;
    packed = p;
    node = (node as Record<string, unknown>)[seg];
  }
  if (packed === undefined && value !== null && typeof value === 'object') {
    // The path is not there at all: point at the start of the document, as the full parser does.
    const list = positions.get(value);
    packed = list && firstPosition(value, list);
  }
  return packed;
}

/** 1-based line of `path` in the document (e.g. `['models', 0, 'config', 'materialized']`). */
export function lineOf(yf: YamlFile, path: YamlPath): number | undefined {
  return findPosition(yf, path)?.line;
}

/** `{file, line, col}` of `path`; just `{file}` when the document is empty. */
export function locOf(yf: YamlFile, path: YamlPath): SourceLocation {
  if (yf.positions) {
    // Called for every entry and column of a property file: no intermediate {line, col}.
    const packed = fastPosition(yf.value, yf.positions, path);
    return packed === undefined ? { file: yf.file } : { file: yf.file, line: Math.floor(packed / POS_SCALE), col: packed % POS_SCALE };
  }
  const pos = findPosition(yf, path);
  if (pos === undefined) return { file: yf.file };
  return { file: yf.file, line: pos.line, col: pos.col };
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as YamlNode | null | undefined)?.range;
  return r ? r[0] : undefined;
}

function keyText(key: unknown): string | undefined {
  if (yamlLib().isScalar(key)) {
    const word = boolWordKey(key);
    return typeof word === 'string' ? word : String(key.value);
  }
  return undefined;
}

/** A few lines around `line` with a caret under `col`. */
export function codeFrame(text: string, line: number, col?: number): string {
  const lines = text.split(/\r?\n/);
  const from = Math.max(1, line - 1);
  const to = Math.min(lines.length, line + 1);
  const width = String(to).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    const marker = n === line ? '>' : ' ';
    out.push(`${marker} ${String(n).padStart(width)} | ${(lines[n - 1] ?? '').replace(/\t/g, '→')}`);
    if (n === line && col !== undefined) out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, col - 1))}^`);
  }
  return out.join('\n');
}

function syntaxError(
  err: YAMLError,
  text: string,
  file: string,
  lc: LineCounter,
  doc: Document.Parsed,
): KilnError {
  const { line, col } = lc.linePos(err.pos[0]);
  const reason = err.message.replace(/ at line \d+, column \d+[\s\S]*$/, '');
  const frame = codeFrame(text, line, col);
  let advice = '';
  const related: SourceLocation[] = [];
  let message = reason;
  if (err.code === 'DUPLICATE_KEY') {
    const key = duplicateKeyAt(doc, err.pos[0]) ?? '?';
    message = `duplicate key \`${key}\``;
    const first = firstKeyPosition(doc, err.pos[0]);
    if (first !== undefined) {
      const fl = lc.linePos(first).line;
      related.push({ file, line: fl });
      advice = `\`${key}\` is already set on line ${fl}; each key may appear once per mapping.`;
    } else {
      advice = 'each key may appear once per mapping.';
    }
  } else if (err.code === 'TAB_AS_INDENT') {
    advice = 'YAML does not allow tabs for indentation; indent with spaces.';
  } else if (/\{\{|\{%/.test(text.split(/\r?\n/)[line - 1] ?? '')) {
    advice = `a value that starts with \`{{\` must be quoted, e.g. \`schema: "{{ var('x') }}"\`.`;
  }
  return new KilnError(Codes.YAML_SYNTAX, `YAML syntax error in ${file} at line ${line}, column ${col}: ${message}`, {
    loc: { file, line, col },
    hint: advice ? `${advice}\n${frame}` : frame,
    related,
  });
}

function duplicateKeyAt(doc: Document.Parsed, pos: number): string | undefined {
  let found: string | undefined;
  yamlLib().visit(doc, {
    Pair(_, pair) {
      if (rangeStart(pair.key) === pos) {
        found = keyText(pair.key);
        return yamlLib().visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Position of the first occurrence of the duplicate key found at `pos`. */
function firstKeyPosition(doc: Document.Parsed, pos: number): number | undefined {
  let result: number | undefined;
  yamlLib().visit(doc, {
    Map(_, map) {
      const pairs = map.items as Pair[];
      const dup = pairs.find((p) => rangeStart(p.key) === pos);
      if (!dup) return undefined;
      const name = keyText(dup.key);
      const first = pairs.find((p) => p !== dup && keyText(p.key) === name);
      result = rangeStart(first?.key);
      return yamlLib().visit.BREAK;
    },
  });
  return result;
}

function aliasError(e: unknown, doc: Document.Parsed, text: string, file: string, lc: LineCounter): unknown {
  if (!(e instanceof ReferenceError) || !/alias/i.test(e.message)) return e;
  let at: { name: string; pos: number } | undefined;
  yamlLib().visit(doc, {
    Alias(_, alias) {
      const pos = rangeStart(alias);
      if (pos === undefined || alias.resolve(doc) !== undefined) return undefined;
      at = { name: alias.source, pos };
      return yamlLib().visit.BREAK;
    },
  });
  if (!at) return new KilnError(Codes.YAML_SYNTAX, `YAML error in ${file}: ${e.message}`, { loc: { file } });
  const { line, col } = lc.linePos(at.pos);
  return new KilnError(Codes.YAML_SYNTAX, `YAML syntax error in ${file} at line ${line}, column ${col}: alias \`*${at.name}\` refers to no anchor \`&${at.name}\` defined before it`, {
    loc: { file, line, col },
    hint: `define \`&${at.name}\` on an earlier value, or fix the name.\n${codeFrame(text, line, col)}`,
  });
}

function checkUnquotedJinja(doc: Document.Parsed, text: string, file: string, lc: LineCounter): void {
  let bad: number | undefined;
  // PyYAML rejects such keys as unhashable; nothing in a dbt project uses them.
  yamlLib().visit(doc, {
    Pair(_, pair) {
      if (!yamlLib().isCollection(pair.key)) return undefined;
      bad = rangeStart(pair.key);
      return yamlLib().visit.BREAK;
    },
  });
  if (bad === undefined) return;
  const { line, col } = lc.linePos(bad);
  throw new KilnError(
    Codes.YAML_SYNTAX,
    `YAML syntax error in ${file} at line ${line}, column ${col}: unquoted Jinja \`{{ ... }}\` is read as a YAML mapping`,
    {
      loc: { file, line, col },
      hint: `quote values that contain Jinja, e.g. \`schema: "{{ var('x') }}"\`.\n${codeFrame(text, line, col)}`,
    },
  );
}
