// Property YAML (`models:`, `seeds:`, `sources:`, ...) → PropertyFile. Each entry is checked on
// its own: a problem is recorded with the line of the offending key and parsing goes on with
// the next entry. Descriptions and data tests stay as written (rendered later, like dbt);
// other Jinja values are rendered now through the injected renderer.
import { s, type Shape } from './shape.js';
import { Codes, KilnError, type Problems, type SourceLocation } from '../errors.js';
import { type ConfigResourceType, validateConfig } from './config-schema.js';
import type { ColumnDecl, NodePatch, PropertyFile, SourceDecl, SourceTableDecl } from './properties-types.js';
import { renderTree } from './render.js';
import type { RenderString } from './types.js';
import { closestMatch, describeValue, isPlainObject } from './values.js';
import { type YamlFile, type YamlPath, locOf, parseYaml } from './yaml-file.js';
import { pythonFloats } from './yaml-floats.js';
import { checkValue } from './zod-check.js';

const NODE_SECTIONS = [
  ['models', 'model'],
  ['seeds', 'seed'],
  ['snapshots', 'snapshot'],
  ['analyses', 'analysis'],
  ['data_tests', 'test'],
] as const satisfies readonly (readonly [string, ConfigResourceType])[];
const RECORDED_SECTIONS = ['exposures', 'macros', 'unit_tests'] as const;
const OTHER_SECTIONS = ['semantic_models', 'metrics', 'saved_queries', 'groups', 'functions'] as const;
const TOP_LEVEL_KEYS: readonly string[] = [
  'version', 'sources', ...NODE_SECTIONS.map(([k]) => k), ...RECORDED_SECTIONS, ...OTHER_SECTIONS,
];

/** Known keys of a node entry, for typo warnings (other keys are kept in `extra`). */
const ENTRY_KEYS = [
  'name', 'description', 'config', 'columns', 'tests', 'data_tests', 'meta', 'docs', 'access',
  'group', 'versions', 'latest_version', 'constraints', 'deprecation_date', 'time_spine', 'tags',
];
const COLUMN_KEYS = ['name', 'description', 'data_type', 'meta', 'tags', 'tests', 'data_tests', 'constraints', 'quote', 'config', 'granularity'];
const SOURCE_KEYS = [
  'name', 'description', 'database', 'schema', 'loader', 'loaded_at_field', 'loaded_at_query',
  'freshness', 'meta', 'tags', 'config', 'quoting', 'overrides', 'tables', 'docs',
];
const TABLE_KEYS = [
  'name', 'description', 'identifier', 'columns', 'tests', 'data_tests', 'loaded_at_field',
  'loaded_at_query', 'freshness', 'meta', 'tags', 'config', 'quoting', 'external', 'docs',
];
/** Rendered later (doc(), test kwargs) or at run time (hooks): never at load time. */
// loaded_at_query too: dbt renders it when freshness runs, where `this` is the source table.
const NO_RENDER = new Set(['description', 'tests', 'data_tests', 'pre-hook', 'post-hook', 'pre_hook', 'post_hook', 'loaded_at_query']);

const strOrNull = s.string().nullable();
// Built once (a shape builds its zod schema on first need: far costlier to construct than to use).
const mappingOrNull = s.record(s.unknown()).nullable();
const listOrNull = s.array(s.unknown()).nullable();
const tagsSchema = s.union([s.string(), s.array(s.string())]).nullable();
const boolOrNull = s.boolean().nullable();

/** Parses one property YAML file; problems go to `problems`, never thrown. */
export function parsePropertyFile(relPath: string, contents: string, problems: Problems, render?: RenderString): PropertyFile {
  const empty = emptyPropertyFile(relPath);
  let yf: YamlFile;
  try {
    yf = parseYaml(contents.charCodeAt(0) === 0xfeff ? contents.slice(1) : contents, relPath, { fast: true });
  } catch (e) {
    problems.capture(e);
    return empty;
  }
  if (!isPlainObject(yf.value)) {
    problems.error(
      new KilnError(Codes.CONFIG_INVALID, `${relPath} must be a mapping (models:, sources:, ...), got ${describeValue(yf.value)}`, {
        loc: locOf(yf, []),
      }),
    );
    return empty;
  }
  const doc = yf.value;
  const r = new EntryReader(yf, problems, render);

  if (doc.version !== undefined && doc.version !== null && doc.version !== 2 && doc.version !== '2') {
    problems.error(
      new KilnError(Codes.CONFIG_INVALID, `\`version\` must be 2, got ${describeValue(doc.version)}`, {
        loc: locOf(yf, ['version']),
        hint: 'property files use `version: 2` (or no version at all)',
      }),
    );
  }
  for (const key of Object.keys(doc)) {
    if (TOP_LEVEL_KEYS.includes(key)) continue;
    const near = closestMatch(key, TOP_LEVEL_KEYS, 2);
    problems.warn(
      new KilnError(Codes.CONFIG_UNKNOWN_KEY, `Unknown key \`${key}\` in ${relPath}` + (near ? `; did you mean \`${near}\`?` : ''), {
        loc: locOf(yf, [key]),
        hint: `\`${key}\` is ignored`,
      }),
    );
  }

  const sections: Record<string, NodePatch[]> = {};
  for (const [key, resourceType] of NODE_SECTIONS) {
    sections[key] = r.entries(doc, [], key, (entry, p) => r.nodePatch(entry, p, resourceType));
  }
  const sources = r.entries(doc, [], 'sources', (entry, p) => r.source(entry, p));
  const recorded = (key: string): unknown[] => r.entries(doc, [], key, (entry) => entry, false);
  const other: Record<string, unknown[]> = {};
  for (const key of OTHER_SECTIONS) if (doc[key] !== undefined) other[key] = recorded(key);

  return {
    path: relPath,
    models: sections.models!,
    seeds: sections.seeds!,
    snapshots: sections.snapshots!,
    analyses: sections.analyses!,
    singularTests: sections.data_tests!,
    sources,
    exposures: recorded('exposures'),
    macros: recorded('macros'),
    unitTests: recorded('unit_tests'),
    other,
  };
}

export function emptyPropertyFile(relPath: string): PropertyFile {
  return {
    path: relPath,
    models: [],
    seeds: [],
    snapshots: [],
    analyses: [],
    singularTests: [],
    sources: [],
    exposures: [],
    macros: [],
    unitTests: [],
    other: {},
  };
}

/** Validation helpers bound to one file; every problem is located by its YAML path. */
class EntryReader {
  constructor(
    private readonly yf: YamlFile,
    private readonly problems: Problems,
    private readonly render: RenderString | undefined,
  ) {}

  loc(p: YamlPath): SourceLocation {
    return locOf(this.yf, p);
  }

  /** dbt refuses a source or table that sets both loaded_at_field and loaded_at_query (at either place: the entry or its config). */
  private oneLoadedAt(entry: Record<string, unknown>, config: Readonly<Record<string, unknown>>, p: YamlPath, what: string): void {
    const set = (k: string) => entry[k] != null || config[k] != null;
    if (!set('loaded_at_field') || !set('loaded_at_query')) return;
    this.invalid(
      entry.loaded_at_query != null ? [...p, 'loaded_at_query'] : [...p, 'config', 'loaded_at_query'],
      `${what} sets both loaded_at_field and loaded_at_query; freshness takes one`,
      'Keep loaded_at_field (a timestamp column or expression) or loaded_at_query (a query returning one timestamp), not both.',
    );
  }

  private invalid(p: YamlPath, message: string, hint?: string): void {
    this.problems.error(new KilnError(Codes.CONFIG_INVALID, message, { loc: this.loc(p), hint }));
  }

  /** A section's list; each mapping entry goes through `read` (undefined = skipped). */
  entries<T>(
    obj: Record<string, unknown>,
    base: YamlPath,
    key: string,
    read: (entry: Record<string, unknown>, p: YamlPath) => T | undefined,
    needName = true,
  ): T[] {
    const value = obj[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.invalid([...base, key], `\`${key}\` must be a list of entries, got ${describeValue(value)}`, `write each entry as \`- name: ...\``);
      return [];
    }
    const out: T[] = [];
    value.forEach((entry: unknown, i) => {
      const p = [...base, key, i];
      if (!isPlainObject(entry)) {
        this.invalid(p, `Entry ${i + 1} of \`${key}\` must be a mapping, got ${describeValue(entry)}`);
        return;
      }
      if (needName && !this.name(entry, p, key)) return;
      const v = read(entry, p);
      if (v !== undefined) out.push(v);
    });
    return out;
  }

  /** Checks `name:`; numbers are accepted (YAML reads `2020` as one). */
  private name(entry: Record<string, unknown>, p: YamlPath, what: string): boolean {
    const n = entry.name;
    if (typeof n === 'string' && n !== '') return true;
    if (typeof n === 'number') {
      entry.name = String(n);
      return true;
    }
    if (n === undefined || n === null || n === '') this.invalid(p, `An entry of \`${what}\` has no \`name\``, 'every entry needs `name: <resource name>`');
    else this.invalid([...p, 'name'], `\`name\` must be a string, got ${describeValue(n)}`);
    return false;
  }

  /** The value of `key` if it matches `schema`; else records the problem and returns undefined. */
  field<T>(obj: Record<string, unknown>, p: YamlPath, key: string, schema: Shape<T>, expected: string): T | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    const r = checkValue(schema, expected, v);
    if (r.ok) return r.value as T;
    this.invalid([...p, key, ...r.subPath], `\`${[key, ...r.subPath].join('.')}\` must be ${r.expected}, got ${describeValue(r.got)}`, r.hint);
    return undefined;
  }

  private rendered(entry: Record<string, unknown>, p: YamlPath): Record<string, unknown> {
    return renderTree(entry, p, {
      render: this.render,
      locate: (q) => this.loc(q),
      problems: this.problems,
      skip: (q) => NO_RENDER.has(String(q[q.length - 1])),
      // dbt renders property YAML natively (`my_threshold: "{{ var('n') }}"` is a number); kiln
      // does so for configs, whose values keep their type, and reads other fields as text.
      native: (q) => q[q.length - 1] === 'config',
    }) as Record<string, unknown>;
  }

  private typoWarnings(obj: Record<string, unknown>, p: YamlPath, known: readonly string[], what: string): void {
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      const near = closestMatch(key, known, 2);
      if (!near) continue;
      this.problems.warn(
        new KilnError(Codes.CONFIG_UNKNOWN_KEY, `Unknown ${what} key \`${key}\` in ${this.yf.file}; did you mean \`${near}\`?`, {
          loc: this.loc([...p, key]),
          hint: `\`${key}\` is kept as written but has no effect`,
        }),
      );
    }
  }

  private config(entry: Record<string, unknown>, p: YamlPath, resourceType: ConfigResourceType): Record<string, unknown> {
    const raw = this.field(entry, p, 'config', mappingOrNull, 'a mapping of configs');
    if (!raw) return {};
    const base = [...p, 'config'];
    return validateConfig(raw, resourceType, this.loc(base), this.problems, (k) => this.loc([...base, k]));
  }

  /**
   * dbt reads an entry's top-level `meta:` and `docs:` as configs (`config: {meta, docs}`): they
   * reach the node's config and manifest.json, over dbt_project.yml's and under the SQL file's
   * config(). Written in both places, the `config:` one wins.
   */
  private withEntryConfigs(config: Record<string, unknown>, entry: Record<string, unknown>, meta: Record<string, unknown>, p: YamlPath, resourceType: ConfigResourceType): Record<string, unknown> {
    const hasMeta = Object.keys(meta).length > 0;
    if (!hasMeta && entry.docs === undefined) return config;
    const out = { ...config };
    if (hasMeta) out.meta = isPlainObject(config.meta) ? { ...meta, ...config.meta } : meta;
    if (entry.docs !== undefined && out.docs === undefined) {
      const docs = validateConfig({ docs: entry.docs }, resourceType, this.loc([...p, 'docs']), this.problems, () => this.loc([...p, 'docs'])).docs;
      if (docs !== undefined) out.docs = docs;
    }
    return out;
  }

  /** `tests:` and `data_tests:` mean the same; both on one entry is an error. */
  private dataTests(entry: Record<string, unknown>, p: YamlPath): unknown[] {
    const hasTests = entry.tests !== undefined;
    const hasData = entry.data_tests !== undefined;
    if (hasTests && hasData) {
      this.problems.error(
        new KilnError(Codes.CONFIG_INVALID, `\`${String(entry.name)}\` has both \`tests:\` and \`data_tests:\``, {
          loc: this.loc([...p, 'tests']),
          related: [this.loc([...p, 'data_tests'])],
          hint: '`tests:` is the old name of `data_tests:`; move all entries under `data_tests:`',
        }),
      );
    }
    const key = hasData ? 'data_tests' : 'tests';
    const list = this.field(entry, p, key, listOrNull, 'a list of data tests') ?? [];
    // Test arguments reach names, ids and SQL through Python's str(): floats as dbt reads them.
    return this.yf.floatTexts && list.length ? (pythonFloats(entry[key], this.yf.floatTexts) as unknown[]) : list;
  }

  /** `versions:` entries with their tests' floats as dbt reads them (see dataTests). */
  private versionsWithFloats(versions: unknown): unknown {
    const texts = this.yf.floatTexts;
    if (!texts || !Array.isArray(versions)) return versions;
    const withTests = (o: unknown): unknown => {
      if (!isPlainObject(o)) return o;
      let out = o;
      for (const k of ['data_tests', 'tests']) {
        const x = pythonFloats(o[k], texts);
        if (x !== o[k]) out = { ...out, [k]: x };
      }
      return out;
    };
    return versions.map((v) => {
      const e = withTests(v);
      if (!isPlainObject(e) || !Array.isArray(e.columns)) return e;
      const own = e.columns as unknown[];
      const columns = own.map(withTests);
      return columns.some((c, i) => c !== own[i]) ? { ...e, columns } : e;
    });
  }

  private description(obj: Record<string, unknown>, p: YamlPath): string {
    const v = obj.description;
    // What field() gives for these (a string as it is, none as ''), without its result objects:
    // every model and column (100,000 in a large project) has a description.
    if (typeof v === 'string') return v;
    if (v === undefined || v === null) return '';
    return this.field(obj, p, 'description', strOrNull, 'a string') ?? '';
  }

  private meta(obj: Record<string, unknown>, p: YamlPath): Record<string, unknown> {
    return this.field(obj, p, 'meta', mappingOrNull, 'a mapping') ?? {};
  }

  private tags(obj: Record<string, unknown>, p: YamlPath): string[] {
    const t = this.field(obj, p, 'tags', tagsSchema, 'a string or a list of strings');
    return t === undefined || t === null ? [] : typeof t === 'string' ? [t] : t;
  }

  private columns(entry: Record<string, unknown>, p: YamlPath, resourceType: ConfigResourceType): ColumnDecl[] {
    return this.entries(entry, p, 'columns', (col, cp) => this.column(col, cp, resourceType));
  }

  private column(col: Record<string, unknown>, p: YamlPath, _resourceType: ConfigResourceType): ColumnDecl {
    this.typoWarnings(col, p, COLUMN_KEYS, 'column');
    // 100,000 columns in a large project, most without `config:`, `meta:` or unknown keys: no
    // path copies, entry lists or spreads unless there is something to read.
    // (Problems are recorded in the order of the general case: config, its meta and tags, tags, ...)
    const config = (col.config === undefined ? undefined : this.field(col, p, 'config', mappingOrNull, 'a mapping')) ?? NO_KEYS;
    let configMeta: Record<string, unknown> | undefined;
    let tags: string[];
    if (hasKeys(config)) {
      const cp = [...p, 'config'];
      configMeta = this.field(config, cp, 'meta', mappingOrNull, 'a mapping') ?? undefined;
      const configTags = this.tags(config, cp);
      tags = this.tags(col, p);
      for (const t of configTags) if (!tags.includes(t)) tags.push(t);
    } else tags = col.tags === undefined ? NO_ITEMS : this.tags(col, p);
    let extra: Record<string, unknown> = NO_KEYS;
    for (const k in col) if (!COLUMN_KEYS.includes(k)) (extra === NO_KEYS ? (extra = {}) : extra)[k] = col[k];
    if (col.granularity !== undefined) (extra === NO_KEYS ? (extra = {}) : extra).granularity = col.granularity;
    return {
      name: String(col.name),
      description: this.description(col, p),
      data_type: this.field(col, p, 'data_type', strOrNull, 'a string') ?? null,
      meta: col.meta === undefined ? (configMeta ? { ...configMeta } : NO_KEYS) : { ...this.meta(col, p), ...configMeta },
      tags,
      data_tests: col.tests === undefined && col.data_tests === undefined ? NO_ITEMS : this.dataTests(col, p),
      constraints: this.field(col, p, 'constraints', listOrNull, 'a list of constraints') ?? NO_ITEMS,
      quote: this.field(col, p, 'quote', boolOrNull, 'true or false') ?? null,
      config,
      loc: this.loc(p),
      extra,
    };
  }

  nodePatch(raw: Record<string, unknown>, p: YamlPath, resourceType: ConfigResourceType): NodePatch {
    const entry = this.rendered(raw, p);
    this.typoWarnings(entry, p, ENTRY_KEYS, resourceType);
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry)) {
      if (!['name', 'description', 'config', 'columns', 'tests', 'data_tests', 'meta'].includes(k)) extra[k] = k === 'versions' ? this.versionsWithFloats(v) : v;
    }
    const meta = this.meta(entry, p);
    return {
      name: String(entry.name),
      description: this.description(entry, p),
      config: this.withEntryConfigs(this.config(entry, p, resourceType), entry, meta, p, resourceType),
      columns: this.columns(entry, p, resourceType),
      dataTests: this.dataTests(entry, p),
      meta,
      loc: this.loc(p),
      extra,
    };
  }

  source(raw: Record<string, unknown>, p: YamlPath): SourceDecl {
    const entry = this.rendered(raw, p);
    this.typoWarnings(entry, p, SOURCE_KEYS, 'source');
    const name = String(entry.name);
    const config = this.config(entry, p, 'source');
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry)) if (!SOURCE_KEYS.includes(k)) extra[k] = v;
    if (entry.loaded_at_query !== undefined) extra.loaded_at_query = entry.loaded_at_query;
    if (entry.docs !== undefined) extra.docs = entry.docs;
    this.oneLoadedAt(entry, config, p, `source ${name}`);
    return {
      name,
      description: this.description(entry, p),
      database: this.field(entry, p, 'database', strOrNull, 'a string') ?? null,
      schema: this.field(entry, p, 'schema', strOrNull, 'a string') ?? name,
      loader: this.field(entry, p, 'loader', strOrNull, 'a string') ?? '',
      loadedAtField: this.field(entry, p, 'loaded_at_field', strOrNull, 'a string') ?? stringOrNull(config.loaded_at_field),
      freshness: this.freshness(entry, p, config),
      meta: this.meta(entry, p),
      tags: this.tags(entry, p),
      config,
      quoting: this.field(entry, p, 'quoting', mappingOrNull, 'a mapping {database, schema, identifier}') ?? {},
      overrides: this.field(entry, p, 'overrides', strOrNull, 'a package name') ?? null,
      tables: this.entries(entry, p, 'tables', (t, tp) => this.table(t, tp)),
      loc: this.loc(p),
      extra,
    };
  }

  private table(entry: Record<string, unknown>, p: YamlPath): SourceTableDecl {
    this.typoWarnings(entry, p, TABLE_KEYS, 'source table');
    const config = this.config(entry, p, 'source');
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry)) if (!TABLE_KEYS.includes(k)) extra[k] = v;
    for (const k of ['external', 'loaded_at_query', 'docs']) if (entry[k] !== undefined) extra[k] = entry[k];
    this.oneLoadedAt(entry, config, p, `source table ${String(entry.name)}`);
    return {
      name: String(entry.name),
      identifier: this.field(entry, p, 'identifier', strOrNull, 'a string') ?? null,
      description: this.description(entry, p),
      columns: this.columns(entry, p, 'source'),
      dataTests: this.dataTests(entry, p),
      loadedAtField: this.field(entry, p, 'loaded_at_field', strOrNull, 'a string') ?? stringOrNull(config.loaded_at_field),
      freshness: this.freshness(entry, p, config),
      meta: this.meta(entry, p),
      tags: this.tags(entry, p),
      config,
      quoting: this.field(entry, p, 'quoting', mappingOrNull, 'a mapping {database, schema, identifier}') ?? {},
      loc: this.loc(p),
      extra,
    };
  }

  /**
   * `freshness:` as written (also from `config:`): undefined when not given (inherit from the
   * source), null when explicitly disabled.
   */
  private freshness(entry: Record<string, unknown>, p: YamlPath, config: Record<string, unknown>): unknown {
    if (entry.freshness !== undefined) {
      // Same rules as the `freshness` config; checked through it for one set of messages.
      const checked = validateConfig({ freshness: entry.freshness }, 'source', this.loc([...p, 'freshness']), this.problems);
      return checked.freshness;
    }
    return config.freshness;
  }
}

/**
 * What a column without `config:`, `meta:`, `tags:`, tests, constraints or other keys holds: one
 * shared, frozen empty object and list instead of five fresh ones per column (100,000 columns in
 * a large project, all alive until the end of the parse). Frozen: a change throws, never leaks.
 */
const NO_KEYS = Object.freeze({}) as Record<string, unknown>;
const NO_ITEMS = Object.freeze([]) as unknown as never[];

function hasKeys(o: Readonly<Record<string, unknown>>): boolean {
  for (const _ in o) return true;
  return false;
}

function stringOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
