// manifest.json in dbt's shape (schema v12), so tools that read dbt artifacts can read kiln's.
import { settledStoreFailures } from '../data-tests/store-failures.js';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { SqlDialect } from '../../adapters/adapter.js';
import type { ColumnInfo, ConstraintDef, Exposure, Manifest, NodeConfig, ParsedNode, SourceTable } from '../nodes.js';
import type { Dag } from '../graph/dag.js';
import { nodeSqlPath } from './paths.js';
import { configDefaultsText, withConfigDefaults } from './config-defaults.js';
import { dbtUnitTestRows } from '../unit-tests/unit-test-checksum.js';
import { operationId, operationJson } from './operation-json.js';
import { varDigests } from '../state/usage.js';
import { isSeedStamp, manifestChecksum } from '../seeds/seed-stamp.js';
import { dbtRawCode } from '../project/dbt-strip.js';
import { modelArgument } from '../data-tests/test-names.js';
import { resourceRelative } from '../parser/paths.js';
import type { TimeSpine } from '../semantic/types.js';
import { semanticEdges, semanticSections } from '../semantic/json.js';
import { DBT_COMPAT_VERSION, KILN_VERSION } from '../version.js';
import { braces, isBare, isPlain, json, prop, str } from './json-text.js';
import { FlatTextMemo } from './flat-text-memo.js';
import { nodeTags } from '../data-tests/node-tags.js';
import { nodeRelation, sourceRelationInProject, type QuotingSettings } from '../project/quoting.js';

export { DBT_COMPAT_VERSION, KILN_VERSION };

export interface ArtifactMeta {
  readonly invocationId: string;
  readonly generatedAt: Date;
  readonly adapterType: string;
  /** When the invocation started (dbt's invocation_started_at); default generatedAt, which commands set to it. */
  readonly invocationStartedAt?: Date;
}

/** manifest.json's metadata.quoting (dbt 1.11): the project's `quoting:` over the default (each part quoted; column unset). */
function quotingJson(q: QuotingSettings | undefined): Record<string, boolean | null> {
  return { database: q?.database ?? true, schema: q?.schema ?? true, identifier: q?.identifier ?? true, column: q?.column ?? null };
}

export function metadata(meta: ArtifactMeta, schema: string): Record<string, unknown> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('DBT_ENV_CUSTOM_ENV_') && v !== undefined) env[k.slice('DBT_ENV_CUSTOM_ENV_'.length)] = v;
  }
  return {
    dbt_schema_version: `https://schemas.getdbt.com/dbt/${schema}.json`,
    dbt_version: DBT_COMPAT_VERSION,
    generator: 'kiln',
    kiln_version: KILN_VERSION,
    generated_at: meta.generatedAt.toISOString(),
    invocation_id: meta.invocationId,
    invocation_started_at: (meta.invocationStartedAt ?? meta.generatedAt).toISOString(),
    env,
  };
}

export function manifestJson(manifest: Manifest, dag: Dag, dialect: SqlDialect, meta: ArtifactMeta): Record<string, unknown> {
  return Object.fromEntries(manifestParts(manifest, dag, dialect, meta).map(([k, v]) => [k, v instanceof LazyMap ? Object.fromEntries(v.entries()) : v]));
}

/**
 * manifest.json as text, piece by piece: exactly JSON.stringify(manifestJson(...)), without the
 * whole object or the whole string ever in memory (10,000 models make a manifest of ~90 MB).
 * Pieces never split a JSON string. `listener` is told where parts land as they are written.
 */
export function* manifestJsonChunks(manifest: Manifest, dag: Dag, dialect: SqlDialect, meta: ArtifactMeta, listener?: ManifestListener): Generator<string> {
  let sep = '{';
  for (const [key, value] of manifestParts(manifest, dag, dialect, meta)) {
    if (!(value instanceof LazyMap)) {
      const text = JSON.stringify(value);
      if (text !== undefined) {
        const piece = `${sep}${str(key)}:${text}`;
        if (sep === '{') listener?.head?.(piece);
        yield piece;
      }
      sep = ',';
      continue;
    }
    let inner = '{';
    yield `${sep}${str(key)}:`;
    const start = listener?.position() ?? 0;
    const nodes = key === 'nodes' ? listener?.node : undefined;
    const entries = value.texts ? value.texts() : jsonTexts(value.entries());
    if (!nodes) {
      // Whole entries gathered into pieces of about BATCH_CHARS: one write each, not one per entry.
      let batch = '';
      for (const [k, text] of entries) {
        if (text === undefined) continue;
        batch += inner + str(k) + ':' + text;
        inner = ',';
        if (batch.length >= BATCH_CHARS) {
          yield batch;
          batch = '';
        }
      }
      if (batch !== '') yield batch;
    } else {
      for (const [k, text] of entries) {
        if (text === undefined) continue;
        const prefix = inner + str(k) + ':';
        inner = ',';
        const at = listener!.position();
        yield prefix + text;
        nodes(k, at + Buffer.byteLength(prefix, 'utf8'), listener!.position());
      }
    }
    yield inner === '{' ? '{}' : '}';
    listener?.section?.(key, start, listener.position());
    sep = ',';
  }
  yield sep === '{' ? '{}' : '}';
  listener?.end?.(listener.position());
}

/** Characters of map entries (whole ones) gathered into one piece when nobody is told where each lands. */
const BATCH_CHARS = 1 << 16;

function* jsonTexts(entries: Iterable<readonly [string, unknown]>): Generator<readonly [string, string | undefined]> {
  for (const [k, v] of entries) yield [k, JSON.stringify(v)];
}

/**
 * Told where parts of manifest.json land as manifestJsonChunks' pieces are written: byte offsets
 * in the file as written (after any redaction), read from `position` between pieces.
 */
export interface ManifestListener {
  /** Bytes of the file so far (the writer has taken every piece yielded before it is asked). */
  readonly position: () => number;
  /** The first piece (`{"metadata":{...}`), as made. */
  readonly head?: (piece: string) => void;
  /** An entry of `nodes`: the byte range of its value. */
  readonly node?: (id: string, start: number, end: number) => void;
  /** A large map (`nodes`, `parent_map`, ...): the byte range of its value. */
  readonly section?: (key: string, start: number, end: number) => void;
  /** The file's size, once every piece was written. */
  readonly end?: (size: number) => void;
}

/** A map whose entries are made one at a time, as they are written. */
class LazyMap {
  constructor(
    readonly entries: () => Iterable<readonly [string, unknown]>,
    /** The same entries with each value as its JSON text (undefined: left out), when made faster so. */
    readonly texts?: () => Iterable<readonly [string, string | undefined]>,
  ) {}
}

/** The manifest's top-level keys in order; the large maps are lazy. */
function manifestParts(manifest: Manifest, dag: Dag, dialect: SqlDialect, meta: ArtifactMeta): [string, unknown][] {
  const keys = modelFacts(manifest);
  // Project hooks: nodes of dbt's manifest with no edges (absent when there are none).
  const operations = manifest.operations?.hooks ?? [];
  const nodes = new LazyMap(
    function* () {
      for (const n of manifest.nodes.values()) if (n.resourceType !== 'unit_test') yield [n.uniqueId, nodeJson(n, dialect, manifest.packageRoots, keys)] as const;
      for (const op of operations) yield [operationId(op), operationJson(op, manifest.operations!.target)] as const;
    },
    function* () {
      for (const n of manifest.nodes.values()) if (n.resourceType !== 'unit_test') yield [n.uniqueId, nodeText(n, dialect, manifest.packageRoots, keys)] as const;
      for (const op of operations) yield [operationId(op), JSON.stringify(operationJson(op, manifest.operations!.target))] as const;
    },
  );
  const unitTests = new LazyMap(function* () {
    for (const n of manifest.nodes.values()) if (n.resourceType === 'unit_test') yield [n.uniqueId, unitTestJson(n)] as const;
  });
  const sources = new LazyMap(function* () {
    for (const s of manifest.sources.values()) yield [s.uniqueId, sourceJson(s, dialect, manifest.packageRoots)] as const;
  });
  const macros = new LazyMap(function* () {
    for (const m of manifest.macros.values()) {
      yield [
        m.uniqueId,
        {
          name: m.name,
          resource_type: 'macro',
          package_name: m.packageName,
          path: m.path,
          original_file_path: dbtFilePath(m.originalFilePath, m.packageName, manifest.packageRoots),
          unique_id: m.uniqueId,
          macro_sql: m.macroSql,
          depends_on: { macros: [] },
          description: m.description,
          meta: {},
          docs: { show: true, node_color: null },
          config: { meta: {}, docs: { show: true, node_color: null } },
          patch_path: m.patchPath ? `${m.packageName}://${dbtFilePath(m.patchPath, m.packageName, manifest.packageRoots)}` : null,
          // Only what a `macros:` patch describes: dbt writes [] for a macro no YAML describes, whatever its signature.
          arguments: m.argumentDocs ?? [],
          supported_languages: null,
        },
      ] as const;
    }
  });
  // dbt's own doc block first, as dbt lists it (its docs site shows it when the project has none).
  const docs: Record<string, unknown> = { [BUILTIN_OVERVIEW.unique_id]: BUILTIN_OVERVIEW };
  for (const d of manifest.docs.values()) {
    docs[d.uniqueId] = {
      name: d.name,
      resource_type: 'doc',
      package_name: d.packageName,
      path: d.path,
      original_file_path: dbtFilePath(d.originalFilePath, d.packageName, manifest.packageRoots),
      unique_id: d.uniqueId,
      block_contents: d.blockContents,
    };
  }
  const disabled: Record<string, unknown[]> = {};
  for (const n of manifest.disabled.values()) (disabled[n.uniqueId] ??= []).push(nodeJson(n, dialect, manifest.packageRoots));
  const ids = () => [...manifest.nodes.keys(), ...manifest.sources.keys()];
  // Exposures are leaves of dbt's maps (kiln's DAG of runnable nodes leaves them out).
  const exposures = [...(manifest.exposures?.values() ?? [])];
  const exposedBy = new Map<string, string[]>();
  for (const e of exposures) for (const p of e.dependsOn.nodes) (exposedBy.get(p) ?? exposedBy.set(p, []).get(p)!).push(e.uniqueId);
  // So are semantic models, metrics and saved queries (nothing runs them either).
  const semantic = semanticSections(manifest, dialect);
  const extra = semanticEdges(manifest);
  function* parents(): Generator<readonly [string, readonly string[]]> {
    for (const id of ids()) yield [id, dag.parents(id)];
    for (const e of exposures) yield [e.uniqueId, [...new Set(e.dependsOn.nodes)]];
    for (const op of operations) yield [operationId(op), []];
    yield* extra.parents;
  }
  function* children(): Generator<readonly [string, readonly string[]]> {
    for (const id of ids()) {
      const exposed = exposedBy.get(id);
      const more = extra.children.get(id);
      yield [id, exposed || more ? [...new Set([...dag.children(id), ...(exposed ?? []), ...(more ?? [])])] : dag.children(id)];
    }
    for (const e of exposures) yield [e.uniqueId, []];
    for (const op of operations) yield [operationId(op), []];
    for (const id of extra.parents.keys()) yield [id, extra.children.get(id) ?? []];
  }
  // Lists of ids, sorted (the DAG's own arrays are copied first).
  const parentMap = new LazyMap(() => sortedLists(parents()), () => listTexts(parents()));
  const childMap = new LazyMap(() => sortedLists(children()), () => listTexts(children()));
  return [
    [
      'metadata',
      {
        ...metadata(meta, 'manifest/v12'),
        project_name: manifest.projectName,
        project_id: createHash('md5').update(manifest.projectName).digest('hex'),
        user_id: null,
        send_anonymous_usage_stats: false,
        adapter_type: meta.adapterType,
        quoting: quotingJson(manifest.quoting),
        run_started_at: (meta.invocationStartedAt ?? meta.generatedAt).toISOString(),
        // Digests (not values) of the vars in effect, for `state:modified` in a later run.
        ...(manifest.vars ? { kiln_vars: varDigests(manifest.vars) } : {}),
      },
    ],
    ['nodes', nodes],
    ['sources', sources],
    ['macros', macros],
    ['docs', docs],
    ['exposures', Object.fromEntries([...(manifest.exposures?.values() ?? [])].map((e) => [e.uniqueId, exposureJson(e, manifest.packageRoots)]))],
    ['metrics', semantic.metrics],
    ['groups', Object.fromEntries([...(manifest.groups?.values() ?? [])].map((g) => [g.uniqueId, { name: g.name, resource_type: 'group', package_name: g.packageName, path: resourceRelative(g.originalFilePath), original_file_path: g.originalFilePath, unique_id: g.uniqueId, owner: g.owner, description: g.description || null, config: { meta: {} } }]))],
    ['selectors', {}],
    ['disabled', disabled],
    ['parent_map', parentMap],
    ['child_map', childMap],
    ['group_map', groupMap(manifest)],
    ['saved_queries', semantic.saved_queries],
    ['semantic_models', semantic.semantic_models],
    ['unit_tests', unitTests],
    // dbt 1.11's user-defined functions: kiln has none.
    ['functions', {}],
  ];
}

/**
 * The `__overview__` doc block of dbt's own package, which dbt 1.11 lists in every manifest's
 * `docs` (its file: dbt's docs/overview.md); the text is kiln's.
 */
const BUILTIN_OVERVIEW = Object.freeze({
  name: '__overview__',
  resource_type: 'doc',
  package_name: 'dbt',
  path: 'overview.md',
  original_file_path: 'docs/overview.md',
  unique_id: 'doc.dbt.__overview__',
  block_contents:
    '### About this documentation\n\nThese pages are generated from the project: its models, seeds, snapshots, sources, tests and the lineage between them, with the descriptions and columns its property files give.\n\nTo show your own introduction here, add a `{% docs __overview__ %}` block to a Markdown file of the project.',
});

function* sortedLists(entries: Iterable<readonly [string, readonly string[]]>): Generator<readonly [string, string[]]> {
  for (const [id, list] of entries) yield [id, [...list].sort()];
}

/** sortedLists' entries with each list as its JSON text (most lists hold none or one id). */
function* listTexts(entries: Iterable<readonly [string, readonly string[]]>): Generator<readonly [string, string]> {
  for (const [id, list] of entries) yield [id, listText(list)];
}

/** JSON.stringify([...list].sort()). */
function listText(list: readonly string[]): string {
  const n = list.length;
  if (n === 0) return '[]';
  if (n === 1 && typeof list[0] === 'string') return '[' + str(list[0]) + ']';
  if (n > 16) return JSON.stringify([...list].sort());
  const sorted = list.slice();
  // An insertion sort of a few ids (sort() sets up a work area per call); `<` on strings
  // compares code units, as sort() does once it has made both strings.
  for (let i = 1; i < n; i++) {
    const v = sorted[i];
    if (typeof v !== 'string') return JSON.stringify([...list].sort());
    let j = i - 1;
    for (; j >= 0 && v < sorted[j]; j--) sorted[j + 1] = sorted[j];
    sorted[j + 1] = v;
  }
  if (typeof sorted[0] !== 'string') return JSON.stringify([...list].sort());
  let out = '[' + str(sorted[0]);
  for (let i = 1; i < n; i++) out += ',' + str(sorted[i]);
  return out + ']';
}

/** Each group's unique id → the nodes in it. */
function groupMap(manifest: Manifest): Record<string, string[]> {
  if (!manifest.groups?.size) return {};
  const out: Record<string, string[]> = {};
  const ids = new Map([...manifest.groups.values()].map((g) => [g.name, g.uniqueId]));
  for (const n of manifest.nodes.values()) {
    const id = typeof n.config.group === 'string' ? ids.get(n.config.group) : undefined;
    if (id) (out[id] ??= []).push(n.uniqueId);
  }
  return out;
}

/** Package name → the folder its files' paths begin with (Manifest.packageRoots). */
export type PackageRoots = ReadonlyMap<string, string> | undefined;

/**
 * A file's path as dbt records it: a package's files relative to the package's own folder
 * (`models/x.sql`), where kiln's messages name them from the project (`dbt_packages/pkg/models/x.sql`).
 */
export function dbtFilePath(file: string, packageName: string, roots: PackageRoots): string {
  const root = roots?.get(packageName);
  return root !== undefined && file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file;
}

/** `facts`: what the rest of the manifest says of models (modelFacts), for dbt's `primary_key` and `time_spine` when given. */
export function nodeJson(n: ParsedNode, dialect: SqlDialect, roots?: PackageRoots, facts?: ModelFacts): Record<string, unknown> {
  const ephemeral = n.config.materialized === 'ephemeral';
  return {
    database: n.database,
    schema: n.schema,
    name: n.name,
    resource_type: n.resourceType,
    package_name: n.packageName,
    path: n.path,
    original_file_path: dbtFilePath(n.originalFilePath, n.packageName, roots),
    unique_id: n.uniqueId,
    fqn: n.fqn,
    alias: n.alias,
    checksum: manifestChecksum(n.checksum, n.originalFilePath),
    config: withConfigDefaults(configJson(settledConfig(n.config, n.resourceType), n.resourceType), n.resourceType),
    tags: nodeTags(n),
    description: n.description,
    columns: Object.fromEntries(
      Object.values(n.columns).map((c) => [c.name, { name: c.name, description: c.description, meta: c.meta, data_type: c.data_type, constraints: (c.constraints ?? []).map(constraintJson), quote: null, config: { meta: c.meta, tags: c.tags }, tags: c.tags, granularity: null, doc_blocks: c.docBlocks ?? [] }]),
    ),
    meta: n.config.meta,
    group: typeof n.config.group === 'string' && n.config.group ? n.config.group : null,
    docs: nodeDocs(n.config.docs),
    patch_path: n.patchPath ? `${n.packageName}://${dbtFilePath(n.patchPath, n.packageName, roots)}` : null,
    build_path: n.buildPath ?? null,
    unrendered_config: n.unrenderedConfig ?? {},
    relation_name: ephemeral || n.resourceType === 'test' || n.resourceType === 'analysis' ? null : dialect.renderRelation(nodeRelation(n)),
    // dbt's raw_code is the file stripped of surrounding whitespace (core/project/dbt-strip.ts).
    raw_code: dbtRawCode(n),
    doc_blocks: n.docBlocks ?? [],
    // A seed has no code, refs or compiled SQL; the rest have dbt's fields of their kind only (a
    // strict reader of dbt's schema rejects a seed or a test with a model's access or version).
    ...(n.resourceType === 'seed' ? { root_path: seedRootPath(n, roots), depends_on: { macros: [] } } : codeJson(n, facts, roots)),
  };
}

/**
 * A seed's root_path as dbt writes it: the absolute folder of the project (or installed package)
 * it belongs to; null when kiln has not the CSV's absolute path.
 */
function seedRootPath(n: ParsedNode, roots: PackageRoots | undefined): string | null {
  const file = n.seedFile;
  if (file === undefined) return null;
  const rel = dbtFilePath(n.originalFilePath, n.packageName, roots).split('/').join(path.sep);
  return file.endsWith(path.sep + rel) ? file.slice(0, file.length - rel.length - 1) : null;
}

// ---------------------------------------------------------------- node entries as text
//
// manifest.json's node entries (40,000 at 10,000 models with their tests) made as text directly:
// exactly JSON.stringify(nodeJson(...)), without the ~30 objects per node that it builds and
// then walks (about half of the time manifest.json took, and much of the collector's work).
// Values passed through from the node keep JSON.stringify's rules (undefined leaves the key
// out); shapes where building the object changes what is written (a key listed twice, keys that
// are array indices and so come first, hooks renamed) take the object path.

/** JSON.stringify(nodeJson(n, dialect, roots, facts)), made without building the object. */
export function nodeText(n: ParsedNode, dialect: SqlDialect, roots?: PackageRoots, facts?: ModelFacts): string | undefined {
  const columns = columnsText(n.columns);
  const code = n.resourceType === 'seed' ? prop(',"root_path":', seedRootPath(n, roots)) + ',"depends_on":{"macros":[]}' : codeText(n, facts, roots);
  const head = headText(n, roots);
  // The first key present, columns written in the order given, kwargs without their own `model`: else the object.
  if (head === undefined || columns === undefined || code === undefined) return JSON.stringify(nodeJson(n, dialect, roots, facts));
  const ephemeral = n.config.materialized === 'ephemeral';
  const group = n.config.group;
  const docs = n.config.docs;
  const tags = json(nodeTags(n));
  const description = n.description;
  const meta = json(n.config.meta);
  const plainEnd = !(typeof group === 'string' && group) && (docs === null || typeof docs !== 'object') && !n.patchPath && n.buildPath === undefined;
  // Key prefixes are constants (`,"schema":`), and runs of keys most nodes write alike are one string.
  return (
    head +
    ',"checksum":' +
    (isSeedStamp(n.checksum) ? '{"name":"path"' + prop(',"checksum":', n.originalFilePath) + '}' : n.checksum === '' ? NO_CHECKSUM : '{"name":"sha256"' + prop(',"checksum":', n.checksum) + '}') +
    ',"config":' +
    configText(n.config, n.resourceType) +
    (plainEnd && tags === '[]' && description === '' && columns === '{}' && meta === '{}'
      ? BARE_TAGS_TO_CONFIG
      : (tags === undefined ? '' : ',"tags":' + tags) +
        prop(',"description":', description) +
        ',"columns":' +
        columns +
        (meta === undefined ? '' : ',"meta":' + meta) +
        (plainEnd
          ? PLAIN_GROUP_TO_CONFIG
          : ',"group":' +
            (typeof group === 'string' && group ? str(group) : 'null') +
            ',"docs":' +
            docsText(docs) +
            ',"patch_path":' +
            (n.patchPath ? str(`${n.packageName}://${dbtFilePath(n.patchPath, n.packageName, roots)}`) : 'null') +
            ',"build_path":' +
            (n.buildPath === undefined ? 'null' : str(n.buildPath)) +
            ',"unrendered_config":')) +
    unrenderedText(n.unrenderedConfig) +
    (ephemeral || n.resourceType === 'test' || n.resourceType === 'analysis' ? ',"relation_name":null' : prop(',"relation_name":', dialect.renderRelation(nodeRelation(n)))) +
    rawCodeText(dbtRawCode(n)) +
    (n.docBlocks ? ',"doc_blocks":' + JSON.stringify(n.docBlocks) : ',"doc_blocks":[]') +
    code +
    '}'
  );
}

/**
 * From `{` to `alias`, or undefined when the first key has no JSON (the object path). When the
 * node's names are all strings with nothing to escape (one test of them all), each is put between
 * constants that hold its quotes: two concatenations a key rather than four.
 */
function headText(n: ParsedNode, roots: PackageRoots | undefined): string | undefined {
  const { database, schema, name, resourceType, packageName, path, uniqueId, alias } = n;
  const file = dbtFilePath(n.originalFilePath, n.packageName, roots);
  if (
    typeof database === 'string' &&
    typeof schema === 'string' &&
    typeof name === 'string' &&
    typeof resourceType === 'string' &&
    typeof packageName === 'string' &&
    typeof path === 'string' &&
    typeof file === 'string' &&
    typeof uniqueId === 'string' &&
    typeof alias === 'string' &&
    isBare(database + schema + name + resourceType + packageName + path + file + uniqueId + alias)
  ) {
    return '{"database":"' + database + '","schema":"' + schema + '","name":"' + name + '","resource_type":"' + resourceType + '","package_name":"' + packageName + '","path":"' + path + '","original_file_path":"' + file + '","unique_id":"' + uniqueId + '"' + prop(',"fqn":', n.fqn) + ',"alias":"' + alias + '"';
  }
  const first = json(database);
  if (first === undefined) return undefined;
  return (
    '{"database":' +
    first +
    prop(',"schema":', schema) +
    prop(',"name":', name) +
    prop(',"resource_type":', resourceType) +
    prop(',"package_name":', packageName) +
    prop(',"path":', path) +
    prop(',"original_file_path":', file) +
    prop(',"unique_id":', uniqueId) +
    prop(',"fqn":', n.fqn) +
    prop(',"alias":', alias)
  );
}

/** The last raw_code written and its text (a generic test's is one of a few calls). */
let lastRawCode = '';
let lastRawCodeText = ',"raw_code":""';

function rawCodeText(code: string): string {
  if (code === lastRawCode) return lastRawCodeText;
  const text = prop(',"raw_code":', code);
  if (typeof code === 'string') {
    lastRawCode = code;
    lastRawCodeText = text;
  }
  return text;
}

/** dbt's FileHash.empty(): a node without a file of its own (a generic test). */
const NO_CHECKSUM = '{"name":"none","checksum":""}';

const SHOWN_TEXT = '{"show":true,"node_color":null}';

/** From `group` to `unrendered_config`'s value for a node in no group, with no docs config and no patch file (every generic test). */
const PLAIN_GROUP_TO_CONFIG = `,"group":null,"docs":${SHOWN_TEXT},"patch_path":null,"build_path":null,"unrendered_config":`;

/** A node's unrendered_config as text: most nodes of a folder have equal ones, written as one string once. */
function unrenderedText(config: Readonly<Record<string, unknown>> | undefined): string {
  if (config === undefined) return '{}';
  let text = UNRENDERED_TEXTS.get(config);
  if (text === undefined) UNRENDERED_TEXTS.set(config, (text = JSON.stringify(config)));
  return text;
}

const UNRENDERED_TEXTS = new WeakMap<object, string>();

/** From `tags` to `unrendered_config`'s value for such a node with no tags, description, columns or meta. */
const BARE_TAGS_TO_CONFIG = `,"tags":[],"description":"","columns":{},"meta":{}${PLAIN_GROUP_TO_CONFIG}`;

function docsText(docs: unknown): string {
  return docs === null || typeof docs !== 'object' ? SHOWN_TEXT : JSON.stringify(nodeDocs(docs));
}

const NO_HOOKS = '"pre-hook":[],"post-hook":[]';

/** configText's results by resource type, for configs that recur (a folder's models, most tests). */
const CONFIG_TEXTS = new Map<string, FlatTextMemo>();

/** configJson's text: the config as it is followed by empty hooks, unless it names hooks itself. */
/** A test's store_failures and store_failures_as as dbt settles them (a copy only for the few tests that set one). */
function settledConfig(config: NodeConfig, resourceType: string): NodeConfig {
  if (resourceType !== 'test' || ((config.store_failures === null || config.store_failures === undefined) && (config.store_failures_as === null || config.store_failures_as === undefined))) return config;
  return { ...config, ...settledStoreFailures(config) } as NodeConfig;
}

function configText(raw: NodeConfig, resourceType: string): string {
  const config = settledConfig(raw, resourceType);
  if (!isPlain(config)) return JSON.stringify(withConfigDefaults(configJson(config, resourceType), resourceType));
  if (resourceType === 'test') return testConfigText(config);
  // (A config remembered had none of the hook keys below: one with the same keys has none either.)
  let memo = CONFIG_TEXTS.get(resourceType);
  const known = memo?.get(config);
  if (known !== undefined) return known;
  if (Object.hasOwn(config, 'pre_hook') || Object.hasOwn(config, 'post_hook') || Object.hasOwn(config, 'pre-hook') || Object.hasOwn(config, 'post-hook')) return JSON.stringify(withConfigDefaults(configJson(config, resourceType), resourceType));
  const text = JSON.stringify(config);
  // (compat3: the keys dbt writes at their defaults, config-defaults.ts)
  const defaults = configDefaultsText(config, resourceType);
  const hooks = resourceType === 'test' ? '' : NO_HOOKS;
  const out = text === '{}' ? `{${hooks}${hooks ? defaults : defaults.slice(1)}}` : `${text.slice(0, -1)}${hooks ? `,${hooks}` : ''}${defaults}}`;
  if (!memo) CONFIG_TEXTS.set(resourceType, (memo = new FlatTextMemo()));
  memo.set(config, out);
  return out;
}

/** A data test's config texts, remembered without their alias (see testConfigText). */
const TEST_CONFIG_TEXTS = new FlatTextMemo();

/** Where a test's config text (in dbt's key order: enabled, alias, ...) has an alias of null. */
const ALIAS_NULL = '"alias":null';
const ALIAS_AT = ['{' + ALIAS_NULL, '{"enabled":true,' + ALIAS_NULL, '{"enabled":false,' + ALIAS_NULL];

/**
 * configText for a data test: its keys put in dbt's order (config-defaults.ts), by the object
 * path, remembered by content, but for `alias`. A test with a long name has its short name as
 * its alias (one test in ten at 10,000 models): its text is that of the same config with a null
 * alias, the alias put in place; remembered with it, each such test made the object path again
 * and pushed the config all other tests share out of the memo.
 */
function testConfigText(config: NodeConfig): string {
  const alias = config.alias;
  // (An alias held as undefined is left out of the text, not written as null.)
  if (alias === undefined ? Object.hasOwn(config, 'alias') : alias !== null && typeof alias !== 'string') return JSON.stringify(withConfigDefaults(configJson(config, 'test'), 'test'));
  // (As for other configs: one remembered had no hook key, so one with the same keys has none.)
  let base = TEST_CONFIG_TEXTS.get(config, 'alias');
  if (base === undefined) {
    if (Object.hasOwn(config, 'pre_hook') || Object.hasOwn(config, 'post_hook') || Object.hasOwn(config, 'pre-hook') || Object.hasOwn(config, 'post-hook')) return JSON.stringify(withConfigDefaults(configJson(config, 'test'), 'test'));
    // A null alias is written as a missing one is (null, dbt's default).
    base = JSON.stringify(withConfigDefaults(configJson(typeof alias === 'string' ? { ...config, alias: null } : config, 'test'), 'test'));
    TEST_CONFIG_TEXTS.set(config, base, 'alias');
  }
  if (typeof alias !== 'string') return base;
  for (const head of ALIAS_AT) {
    if (base.startsWith(head)) {
      const at = head.length - ALIAS_NULL.length;
      return base.slice(0, at) + '"alias":' + str(alias) + base.slice(head.length);
    }
  }
  return JSON.stringify(withConfigDefaults(configJson(config, 'test'), 'test'));
}

/** A column's keys from `quote` on, when its meta, tags and doc blocks are empty (most columns). */
const PLAIN_COLUMN_END = ',"quote":null,"config":{"meta":{},"tags":[]},"tags":[],"granularity":null,"doc_blocks":[]}';
/** After the description's text, for such a column with no data type or constraints (the closing quote first). */
const BARE_COLUMN_END = `","meta":{},"constraints":[]${PLAIN_COLUMN_END}`;
const BARE_COLUMN_END_TYPED = `","meta":{},"data_type":null,"constraints":[]${PLAIN_COLUMN_END}`;

/**
 * The `columns` object's text, or undefined when a column's name is not the key it is filed
 * under (Object.fromEntries by name could then merge or reorder entries).
 */
function columnsText(columns: ParsedNode['columns']): string | undefined {
  if (columns === null || typeof columns !== 'object') return undefined;
  // (Opened and closed here rather than by braces(), whose slice would copy the whole text once more.)
  let out = '';
  let first = true;
  for (const key of Object.keys(columns)) {
    const c = columns[key];
    if (c.name !== key) return undefined;
    const description = c.description;
    const meta = json(c.meta);
    const tags = json(c.tags);
    const type = c.data_type;
    const blocks = c.docBlocks?.length ? JSON.stringify(c.docBlocks) : '[]';
    if (meta === '{}' && tags === '[]' && blocks === '[]' && (type === undefined || type === null) && !c.constraints?.length && typeof description === 'string' && isBare(key + description)) {
      // The most common column: its name and description between constants that hold their quotes.
      out += (first ? '{"' : ',"') + key + '":{"name":"' + key + '","description":"' + description + (type === null ? BARE_COLUMN_END_TYPED : BARE_COLUMN_END);
      first = false;
      continue;
    }
    const name = str(key);
    const metaProp = meta === undefined ? '' : ',"meta":' + meta;
    const tagsProp = tags === undefined ? '' : ',"tags":' + tags;
    // (compat3: dbt 1.11's column `config` holds the column's meta and tags; `granularity` after them)
    out +=
      (first ? '{' : ',') +
      name +
      ':{"name":' +
      name +
      prop(',"description":', description) +
      metaProp +
      prop(',"data_type":', type) +
      ',"constraints":' +
      (c.constraints?.length ? JSON.stringify(c.constraints.map(constraintJson)) : '[]') +
      (meta === '{}' && tags === '[]' && blocks === '[]' ? PLAIN_COLUMN_END : ',"quote":null,"config":' + braces(metaProp + tagsProp) + tagsProp + ',"granularity":null,"doc_blocks":' + blocks + '}');
    first = false;
  }
  return first ? '{}' : out + '}';
}

const WHERE_SUBQUERY = ['macro.dbt.get_where_subquery'];
/** What dbt's test materialization calls, listed once it ran (pass, fail, warn or error alike). */
const TEST_MATERIALIZATION = ['macro.dbt.get_limit_subquery_sql', 'macro.dbt.should_store_failures', 'macro.dbt.statement'];

/**
 * depends_on.macros as dbt writes them for a data test: once compiled, a generic test also lists
 * get_where_subquery, which rendering its `model` argument called (dbt's parse lists it for all
 * but its own unique and not_null, whose bodies it does not render then); once executed, any
 * test lists the macros of the materialization that ran it.
 */
function dependsOnMacros(n: ParsedNode): readonly string[] {
  const macros = n.dependsOn.macros;
  if (n.resourceType !== 'test' || n.compiledCode === undefined) return macros;
  let out = macros;
  const add = (ids: readonly string[]) => {
    for (const id of ids) if (!out.includes(id)) out = [...out, id];
  };
  if (n.testMetadata) add(WHERE_SUBQUERY);
  if (n.testExecuted) add(TEST_MATERIALIZATION);
  return out;
}

/** codeJson's text (after the node's own keys, with its leading comma), or undefined for the object path. */
function codeText(n: ParsedNode, facts: ModelFacts | undefined, roots: PackageRoots | undefined): string | undefined {
  const compiled = n.compiledCode;
  const sources = json(n.sources);
  const extraCtes = extraCtesText(n);
  const contract = contractText(n);
  let out =
    ',"language":"sql","refs":' +
    refsText(n.refs) +
    (sources === '[]' ? NO_SOURCES_TO_DEPENDS : (sources === undefined ? '' : ',"sources":' + sources) + ',"metrics":[],"functions":[],"depends_on":') +
    dependsOnText(dependsOnMacros(n), n.dependsOn.nodes) +
    (compiled === undefined && extraCtes === '[]' && contract === CONTRACT_ALIASED
      ? UNCOMPILED_TO_CONTRACT
      : (compiled !== undefined ? ',"compiled_path":' + str(`target/compiled/${nodeSqlPath(n, roots)}`) + ',"compiled":true' + prop(',"compiled_code":', compiled ?? null) + ',"extra_ctes_injected":true' : ',"compiled_path":null,"compiled":false,"compiled_code":null,"extra_ctes_injected":false') +
        ',"extra_ctes":' +
        extraCtes +
        ',"contract":' +
        contract);
  if (n.resourceType === 'model') {
    out +=
      ',"access":' +
      (typeof n.config.access === 'string' ? str(n.config.access) : '"protected"') +
      ',"constraints":' +
      (n.constraints?.length ? JSON.stringify(n.constraints.map(constraintJson)) : '[]') +
      prop(',"version":', n.version ?? null) +
      prop(',"latest_version":', n.latestVersion ?? null) +
      prop(',"deprecation_date":', n.deprecationDate ?? null);
    if (facts) {
      out += ',"primary_key":' + json(primaryKeyOf(n, facts.keys.get(n.uniqueId)));
      const spine = facts.spines.get(`${n.packageName}.${n.name}`);
      out += ',"time_spine":' + (spine ? JSON.stringify({ standard_granularity_column: spine.standardGranularityColumn, custom_granularities: spine.customGranularities }) : 'null');
    }
  }
  if (n.resourceType !== 'test') return out;
  const test = testText(n);
  return test === undefined ? undefined : out + test;
}

/** From `sources` (none) to `depends_on`'s key. */
const NO_SOURCES_TO_DEPENDS = ',"sources":[],"metrics":[],"functions":[],"depends_on":';

/** From `compiled_path` to `contract` for a node not compiled, with no CTEs and contract config (every test of a compile). */
const UNCOMPILED_TO_CONTRACT = ',"compiled_path":null,"compiled":false,"compiled_code":null,"extra_ctes_injected":false,"extra_ctes":[],"contract":{"enforced":false,"alias_types":true,"checksum":null}';

/** `depends_on`'s text: {"macros": [...], "nodes": [...]}. */
function dependsOnText(macros: readonly string[], nodes: readonly string[]): string {
  const m = json(macros);
  const d = json(nodes);
  if (m === undefined || d === undefined) return braces(prop(',"macros":', macros) + prop(',"nodes":', nodes));
  return '{"macros":' + m + ',"nodes":' + d + '}';
}

/** The last refs list written whose text cannot change (frozen, as every generic test of one model shares it), and that text. */
let lastRefs: ParsedNode['refs'] | null = null;
let lastRefsText = '';

function refsText(refs: ParsedNode['refs']): string {
  if (refs === lastRefs) return lastRefsText;
  let out = '';
  let fixed = Object.isFrozen(refs);
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i];
    out += `${i ? ',' : ''}${braces(prop(',"name":', r.name) + prop(',"package":', r.package ?? null) + prop(',"version":', r.version ?? null))}`;
    fixed &&= Object.isFrozen(r) && typeof r.version !== 'object';
  }
  out = `[${out}]`;
  if (fixed) {
    lastRefs = refs;
    lastRefsText = out;
  }
  return out;
}

const CONTRACT_ALIASED = '{"enforced":false,"alias_types":true,"checksum":null}';
const CONTRACT_UNALIASED = '{"enforced":false,"alias_types":false,"checksum":null}';

function contractText(n: ParsedNode): string {
  const c = (n.config.contract ?? {}) as { enforced?: unknown; alias_types?: unknown };
  if (c.enforced === true) return JSON.stringify(contractJson(n));
  return c.alias_types !== false ? CONTRACT_ALIASED : CONTRACT_UNALIASED;
}

/** What a generic test's text takes from the node it is attached to. */
interface TestTargetText {
  readonly target: { kind: string; name: string; sourceName?: string; version?: string };
  /** `"model":...` (dbt's argument, last of kwargs). */
  readonly model: string;
  /** `,"file_key_name":...`. */
  readonly fileKey: string;
}

/** The last attached node's TestTargetText (tests come grouped by the model they test). */
let lastAttached: string | undefined;
let lastTarget: TestTargetText | undefined;

function targetText(target: TestTargetText['target']): TestTargetText {
  return { target, model: '"model":' + str(modelArgument(target)), fileKey: ',"file_key_name":' + str(`${target.kind}s.${target.kind === 'source' ? target.sourceName : target.name}`) };
}

function testTarget(n: ParsedNode): TestTargetText | undefined {
  const attached = n.attachedNode;
  if (attached) {
    if (attached === lastAttached) return lastTarget;
    const [kind, , name, ...version] = attached.split('.');
    lastTarget = targetText({ kind: kind!, name: name!, version: version.length ? version.join('.').slice(1) : undefined });
    lastAttached = attached;
    return lastTarget;
  }
  return n.sources[0] ? targetText({ kind: 'source', sourceName: n.sources[0][0], name: n.sources[0][1] }) : undefined;
}

/** JSON.stringify(kw) for a plain object, made directly when its keys and values are strings with nothing to escape (`{"column_name":"id"}`). */
function kwargsText(kw: Record<string, unknown>): string {
  let out = '';
  let probe = '';
  for (const k in kw) {
    const v = kw[k];
    if (typeof v !== 'string') return JSON.stringify(kw);
    out += (out === '' ? '{"' : ',"') + k + '":"' + v + '"';
    probe += k + v;
  }
  if (out === '') return JSON.stringify(kw);
  return isBare(probe) ? out + '}' : JSON.stringify(kw);
}

/** testJson's text (its keys with their leading commas), or undefined for the object path (kwargs naming `model` themselves). */
function testText(n: ParsedNode): string | undefined {
  const meta = n.testMetadata;
  if (!meta) return '';
  const target = testTarget(n);
  let kwargs: string;
  if (!target) kwargs = prop(',"kwargs":', meta.kwargs);
  else {
    const kw = meta.kwargs as unknown;
    if (!isPlain(kw) || Object.hasOwn(kw, 'model')) return undefined;
    const text = kwargsText(kw);
    kwargs = ',"kwargs":' + (text === '{}' ? '{' + target.model + '}' : text.slice(0, -1) + ',' + target.model + '}');
  }
  const name = json(meta.name);
  // dbt 1.11's order: column_name, file_key_name, attached_node, test_metadata
  return (
    prop(',"column_name":', n.columnName ?? null) +
    (target ? target.fileKey : '') +
    prop(',"attached_node":', n.attachedNode ?? null) +
    ',"test_metadata":' +
    (name === undefined ? braces(kwargs + prop(',"namespace":', meta.namespace)) : '{"name":' + name + kwargs + prop(',"namespace":', meta.namespace) + '}')
  );
}

function codeJson(n: ParsedNode, facts: ModelFacts | undefined, roots: PackageRoots): Record<string, unknown> {
  const code: Record<string, unknown> = {
    language: 'sql',
    refs: n.refs.map((r) => ({ name: r.name, package: r.package ?? null, version: r.version ?? null })),
    sources: n.sources,
    metrics: [],
    functions: [],
    depends_on: { macros: dependsOnMacros(n), nodes: n.dependsOn.nodes },
    compiled_path: n.compiledCode !== undefined ? `target/compiled/${nodeSqlPath(n, roots)}` : null,
    compiled: n.compiledCode !== undefined,
    compiled_code: n.compiledCode ?? null,
    extra_ctes_injected: n.compiledCode !== undefined,
    extra_ctes: n.extraCtes ?? [],
    contract: contractJson(n),
  };
  if (n.resourceType === 'model') {
    code.access = typeof n.config.access === 'string' ? n.config.access : 'protected';
    code.constraints = (n.constraints ?? []).map(constraintJson);
    code.version = n.version ?? null;
    code.latest_version = n.latestVersion ?? null;
    code.deprecation_date = n.deprecationDate ?? null;
    if (facts) {
      code.primary_key = primaryKeyOf(n, facts.keys.get(n.uniqueId));
      const spine = facts.spines.get(`${n.packageName}.${n.name}`);
      code.time_spine = spine ? { standard_granularity_column: spine.standardGranularityColumn, custom_granularities: spine.customGranularities } : null;
    }
  }
  return n.resourceType === 'test' ? { ...code, ...testJson(n) } : code;
}

/**
 * Each model's data tests that name its columns, as dbt infers a primary key from them: columns
 * with unique (or unique_combination_of_columns) and not_null tests, enabled or not.
 */
export interface KeyTests {
  notNull: string[];
  unique: string[];
  uniqueDisabled: string[];
}

export interface ModelFacts {
  readonly keys: ReadonlyMap<string, KeyTests>;
  /** Declared time spines by `<package>.<model name>`. */
  readonly spines: ReadonlyMap<string, TimeSpine>;
}

function modelFacts(manifest: Manifest): ModelFacts {
  const spines = new Map((manifest.semantic?.timeSpines ?? []).map((t) => [`${t.packageName}.${t.model}`, t]));
  return { keys: primaryKeys(manifest), spines };
}

function primaryKeys(manifest: Manifest): Map<string, KeyTests> {
  const out = new Map<string, KeyTests>();
  const note = (t: ParsedNode, enabled: boolean) => {
    const meta = t.testMetadata;
    if (!meta || !t.attachedNode) return;
    const isUnique = meta.name === 'unique' || meta.name === 'unique_combination_of_columns';
    if (!isUnique && meta.name !== 'not_null') return;
    const kw = meta.kwargs as Record<string, unknown>;
    const columns = typeof kw.column_name === 'string' ? [kw.column_name] : Array.isArray(kw.combination_of_columns) ? kw.combination_of_columns.map(String) : [];
    if (!columns.length) return;
    let k = out.get(t.attachedNode);
    if (!k) out.set(t.attachedNode, (k = { notNull: [], unique: [], uniqueDisabled: [] }));
    const into = !isUnique ? k.notNull : enabled ? k.unique : k.uniqueDisabled;
    for (const c of columns) if (!into.includes(c)) into.push(c);
  };
  for (const n of manifest.nodes.values()) if (n.resourceType === 'test') note(n, true);
  for (const n of manifest.disabled.values()) if (n.resourceType === 'test') note(n, false);
  return out;
}

/** dbt's primary_key: a primary_key constraint's columns, else tested columns (see KeyTests). */
function primaryKeyOf(n: ParsedNode, tests: KeyTests | undefined): string[] {
  const model = (n.constraints ?? []).find((c) => c.type === 'primary_key' && !c.onColumn);
  if (model) return model.columns;
  for (const key in n.columns) {
    if (!Object.hasOwn(n.columns, key)) continue;
    const c = n.columns[key];
    if (c.constraints?.length && c.constraints.some((x) => x.type === 'primary_key')) return [c.name];
  }
  if (!tests) return [];
  const both = tests.notNull.filter((c) => tests.unique.includes(c) || tests.uniqueDisabled.includes(c));
  if (both.length) return both;
  return tests.unique.length ? tests.unique : tests.uniqueDisabled;
}

/**
 * A test's own keys. A generic test's kwargs end with dbt's `model` argument, and file_key_name
 * names the YAML entry that declared it (`models.orders`, `sources.shop`); its target is the node
 * it is attached to, or for a source's test (attached to nothing) its first source.
 */
function testJson(n: ParsedNode): Record<string, unknown> {
  const meta = n.testMetadata;
  if (!meta) return {}; // a singular test has none of them, as in dbt
  let target: { kind: string; name: string; sourceName?: string; version?: string } | undefined;
  if (n.attachedNode) {
    const [kind, , name, ...version] = n.attachedNode.split('.');
    target = { kind: kind!, name: name!, version: version.length ? version.join('.').slice(1) : undefined };
  } else if (n.sources[0]) target = { kind: 'source', sourceName: n.sources[0][0], name: n.sources[0][1] };
  return {
    column_name: n.columnName ?? null,
    file_key_name: target ? `${target.kind}s.${target.kind === 'source' ? target.sourceName : target.name}` : undefined,
    attached_node: n.attachedNode ?? null,
    test_metadata: { name: meta.name, kwargs: target ? { ...meta.kwargs, model: modelArgument(target) } : meta.kwargs, namespace: meta.namespace },
  };
}

/** dbt's shape of a constraint: model-level entries also carry their `columns`. */
function constraintJson(c: ConstraintDef): Record<string, unknown> {
  return {
    type: c.type,
    name: c.name,
    expression: c.expression,
    warn_unenforced: c.warnUnenforced,
    warn_unsupported: c.warnUnsupported,
    to: c.to,
    to_columns: c.toColumns,
    ...(c.onColumn ? {} : { columns: c.columns }),
  };
}

/** The contract as configured; its checksum covers the declared names and types (changes to either change it). */
function contractJson(n: ParsedNode): Record<string, unknown> {
  const c = (n.config.contract ?? {}) as { enforced?: unknown; alias_types?: unknown };
  const enforced = c.enforced === true;
  const checksum = enforced
    ? createHash('sha256')
        .update(JSON.stringify(Object.values(n.columns).map((col) => [col.name, col.data_type])))
        .digest('hex')
    : null;
  return { enforced, alias_types: c.alias_types !== false, checksum };
}

const SHOWN = { show: true, node_color: null };

/** A node's `docs` (show, node_color) from its `docs` config: shown, no colour, unless set. */
export function nodeDocs(docs: unknown): { show: boolean; node_color: string | null } {
  if (docs === null || typeof docs !== 'object') return SHOWN;
  const { show, node_color } = docs as { show?: unknown; node_color?: unknown };
  return { show: show !== false, node_color: typeof node_color === 'string' ? node_color : null };
}

/** A node's config as dbt writes it: hooks as `pre-hook`/`post-hook` lists, none on a data test (dbt's test configs have no hooks). */
function configJson(config: NodeConfig, resourceType: string): Record<string, unknown> {
  const { pre_hook, post_hook, ...rest } = config;
  if (resourceType === 'test') return rest;
  return {
    ...rest,
    'pre-hook': (pre_hook ?? []).map((sql) => ({ sql, transaction: true, index: null })),
    'post-hook': (post_hook ?? []).map((sql) => ({ sql, transaction: true, index: null })),
  };
}

export function sourceJson(s: SourceTable, dialect: SqlDialect, roots?: PackageRoots): Record<string, unknown> {
  return {
    database: s.database,
    schema: s.schema,
    name: s.name,
    resource_type: 'source',
    package_name: s.packageName,
    path: s.path,
    original_file_path: dbtFilePath(s.originalFilePath, s.packageName, roots),
    unique_id: s.uniqueId,
    fqn: s.fqn,
    source_name: s.sourceName,
    source_description: s.sourceDescription,
    loader: s.loader,
    identifier: s.identifier,
    quoting: s.quoting ?? NO_QUOTING,
    loaded_at_field: s.loadedAtField,
    loaded_at_query: s.loadedAtQuery ?? null,
    freshness: s.freshness === null ? null : freshnessJson(s.freshness),
    external: null,
    description: s.description,
    columns: sourceColumnsJson(s.columns),
    meta: s.meta,
    source_meta: s.sourceMeta ?? {},
    tags: s.tags,
    config: s.config,
    patch_path: null,
    unrendered_config: s.unrenderedConfig ?? {},
    relation_name: dialect.renderRelation(sourceRelationInProject(s)),
    // dbt's; kiln keeps no unrendered database/schema for sources
    unrendered_database: null,
    unrendered_schema: null,
    doc_blocks: s.docBlocks ?? [],
  };
}

/** A source's columns as dbt 1.11 writes them (a model's columns without constraints' content). */
function sourceColumnsJson(columns: Record<string, ColumnInfo>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of Object.values(columns)) {
    out[c.name] = { name: c.name, description: c.description, meta: c.meta, data_type: c.data_type, constraints: [], quote: c.quote ?? null, config: { meta: c.meta, tags: c.tags }, tags: c.tags, granularity: null, doc_blocks: c.docBlocks ?? [] };
  }
  return out;
}

const NO_QUOTING: QuotingSettings = Object.freeze({ database: null, schema: null, identifier: null, column: null });

const NO_THRESHOLD = { count: null, period: null };

/** A source's freshness with every key dbt writes (an unset threshold as {count: null, period: null}). */
function freshnessJson(f: unknown): Record<string, unknown> {
  if (f === null || typeof f !== 'object') return { warn_after: NO_THRESHOLD, error_after: NO_THRESHOLD, filter: null };
  const { warn_after, error_after, filter, ...rest } = f as Record<string, unknown>;
  return { warn_after: warn_after ?? NO_THRESHOLD, error_after: error_after ?? NO_THRESHOLD, filter: filter ?? null, ...rest };
}

function unitTestJson(n: ParsedNode): Record<string, unknown> {
  const u = n.unitTest!;
  return {
    model: u.model,
    // rows as dbt's parser leaves them (csv text as dicts, a row free of nulls first); no fixture files
    given: u.given.map((g) => ({ input: g.input, rows: dbtUnitTestRows(g.format, g.rows), format: g.format, fixture: null })),
    expect: { rows: dbtUnitTestRows(u.expect.format, u.expect.rows), format: u.expect.format, fixture: null },
    name: n.name,
    resource_type: 'unit_test',
    package_name: n.packageName,
    // as dbt: the YAML file's path under its resource folder
    path: resourceRelative(n.originalFilePath),
    original_file_path: n.originalFilePath,
    unique_id: n.uniqueId,
    fqn: n.fqn,
    description: n.description,
    overrides: u.noOverrides ? null : { macros: u.overrides.macros, vars: u.overrides.vars, env_vars: u.overrides.envVars },
    depends_on: { macros: [], nodes: n.dependsOn.nodes },
    config: { tags: n.config.tags, meta: n.config.meta, enabled: true, static_analysis: null },
    // dbt's sha256 of the definition (core/unit-tests/unit-test-checksum.ts)
    ...(n.checksum ? { checksum: n.checksum } : {}),
    // the tested model's schema, as dbt; no model versions
    schema: n.schema,
    versions: null,
    version: null,
  };
}

function exposureJson(e: Exposure, roots: PackageRoots): Record<string, unknown> {
  return {
    name: e.name,
    resource_type: 'exposure',
    package_name: e.packageName,
    path: e.path,
    original_file_path: dbtFilePath(e.originalFilePath, e.packageName, roots),
    unique_id: e.uniqueId,
    fqn: e.fqn,
    type: e.type,
    owner: e.owner,
    description: e.description,
    label: e.label,
    maturity: e.maturity,
    meta: e.meta,
    tags: e.tags,
    config: e.config,
    unrendered_config: {},
    url: e.url,
    depends_on: { macros: [], nodes: e.dependsOn.nodes },
    refs: e.refs.map((r) => ({ name: r.name, package: r.package ?? null, version: r.version ?? null })),
    sources: e.sources,
    metrics: [],
  };
}

// compat3: manifest.json's extra_ctes (the ephemeral models compile inlined), kept apart from the writer's code.
function extraCtesText(n: ParsedNode): string {
  return n.extraCtes ? JSON.stringify(n.extraCtes) : '[]';
}
