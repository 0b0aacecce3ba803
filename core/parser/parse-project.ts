// Parse: turn a loaded project's files into nodes (models, seeds), sources, macros and doc
// blocks; apply config precedence (project tree < property YAML < in-file config()); resolve
// refs and sources into dependency edges. Collects every problem instead of stopping at one.
import path from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import type { SqlDialect } from '../../adapters/adapter.js';
import { Codes, KilnError, Problems, type SourceLocation } from '../errors.js';
import type { ColumnInfo, ConstraintDef, DocBlock, Exposure, GroupDef, MacroDef, Manifest, NodeConfig, ParsedNode, RefCall, SourceTable } from '../nodes.js';
import { configForPath, configUnder, mergeConfigs } from '../project/config-tree.js';
import { mergeConfigCalls, unrenderedTreeConfig, withOwnConfig } from '../project/unrendered-config.js';
import { validateConfig } from '../project/config-schema.js';
import { parsePropertyFile } from '../project/load-properties.js';
import { allConstraints, parseConstraints, parseRefText } from '../project/constraints.js';
import type { NodePatch, PropertyFile } from '../project/properties-types.js';
import type { LoadedProject, ProfileSelection, ProjectSourceFile, RenderString } from '../project/types.js';
import { extractBlocks } from '../template/blocks.js';
import { parseSnapshots } from './snapshots.js';
import { applyMacroPatches } from './macro-patches.js';
import { parseExposures } from './exposures.js';
import { settleSourceConfig } from './source-config.js';
import { sourceTableTags } from './source-tags.js';
import { hasSemanticLayer, parseSemanticLayer, TIME_SPINE_COLUMNS } from '../semantic/parse.js';
import { resolveSemanticLayer } from '../semantic/resolve.js';
import { yamlLocator } from '../semantic/yaml-at.js';
import { kwargs, type MacroInfo, type RenderContext, type TemplateEngine } from '../template/engine.js';
import { compareVersions, sameVersion, versionPatch, versionsOf, type VersionDecl, type VersionedModel, type VersionId } from './versions.js';
import { readStatic } from '../compiler/static-template.js';
import { readParseCalls } from '../compiler/static-scan.js';
import { runParseOps, runStaticCalls, testsIncremental } from './run-parse-ops.js';
import { parseContext, staticParseContext, yamlContext, type ContextDeps, type ParseRecord } from '../compiler/context.js';
import { resolveRelationName, type NamingMacroCall } from '../compiler/naming.js';
import { Vars } from '../compiler/vars.js';
import { buildGenericTests, DBT_FAST_PATH_TESTS, isCallExpression, type DeclaredTest, type TestBuildContext, type TestTarget } from '../data-tests/build-tests.js';
import { BUILTIN_TESTS_FILE, BUILTIN_TESTS_SQL } from '../data-tests/builtin-tests.js';
import { parseUnitTests } from '../unit-tests/parse-unit-tests.js';
import { RefIndex } from '../packages/ref-index.js';
import type { PackageUnit } from '../packages/parse-packages.js';
import type { JinjaEnv } from '../macros/jinja-env.js';
import { fileVolatility } from './partial/cache-key.js';
import { fqnUnder, relativeUnder } from './paths.js';
import type { FileKeyMemo, KeyMemo, MemoOptions, ParseMemo } from './partial/parse-cache.js';
import { nodeRelation, quotePolicyOf, quotingSettings } from '../project/quoting.js';

export interface ParseInput {
  readonly loaded: LoadedProject;
  readonly profile: ProfileSelection;
  readonly engine: TemplateEngine;
  readonly dialect: SqlDialect;
  readonly invocationId: string;
  readonly runStartedAt: Date;
  readonly flags: Readonly<Record<string, unknown>>;
  /** Read templates whose only Jinja is literal ref/source/config/var calls without the renderer (default true). */
  readonly staticFastPath?: boolean;
  /** dbt's adapter/api/graph objects for template contexts (core/macros/jinja-env.ts). */
  readonly jinja?: JinjaEnv;
  /** Set when this parse is one installed package (or the root) of several (core/packages/parse-packages.ts). */
  readonly unit?: PackageUnit;
  /**
   * Partial parsing (core/parser/partial/): per-file results of earlier parses, reused when the
   * file and what it depends on are unchanged. The caller checks the project key.
   */
  readonly cache?: ParseMemo;
  /**
   * The files are a subset of the project (kiln watch's incremental re-parse, core/watch/
   * incremental-parse.ts): the checks that need every node (versions without a file, entries
   * describing nothing, unit tests, refs) are left to the caller.
   */
  readonly scoped?: boolean;
}

export interface ParseOutput {
  readonly manifest: Manifest;
  readonly deps: ContextDeps;
  readonly problems: Problems;
}

const DEFAULTS: Record<string, Partial<NodeConfig>> = {
  model: { enabled: true, materialized: 'view', tags: [], meta: {}, persist_docs: {}, quoting: {}, column_types: {}, on_schema_change: 'ignore' },
  seed: { enabled: true, materialized: 'seed', tags: [], meta: {}, quote_columns: null, column_types: {}, delimiter: ',', on_schema_change: 'ignore' },
  test: { enabled: true, materialized: 'test', schema: 'dbt_test__audit', severity: 'ERROR', tags: [], meta: {}, store_failures: null, where: null, limit: null, fail_calc: 'count(*)', warn_if: '!= 0', error_if: '!= 0' },
  analysis: { enabled: true, materialized: 'view', tags: [], meta: {} },
};

export function parseProject(input: ParseInput): ParseOutput {
  const { loaded, profile, engine, dialect } = input;
  const problems = new Problems();
  for (const w of loaded.warnings) problems.warn(w);
  const projectName = loaded.project.name;
  const vars = new Vars(loaded.project.vars, loaded.cliVars, projectName);
  const docs = new Map<string, DocBlock>();
  // The root project's quoting names every node's relation, a package's included (dbt).
  const projectQuoting = quotingSettings(input.unit?.rootQuoting ?? loaded.project.quoting);
  const quotePolicy = quotePolicyOf(projectQuoting);
  const deps: ContextDeps = {
    dialect,
    target: profile.target,
    vars,
    projectName,
    docs,
    invocationId: input.invocationId,
    runStartedAt: input.runStartedAt,
    flags: input.flags,
    jinja: input.jinja,
    varsFor: input.unit?.varsFor,
    ...(quotePolicy ? { quoting: quotePolicy } : {}),
  };
  // Installed packages' nodes also take the root project's folder configs, which win (dbt).
  const rootTreeCfg = (cfg: Record<string, unknown>, tree: 'models' | 'seeds' | 'dataTests' | 'sources' | 'analyses', fqn: readonly string[]): Record<string, unknown> => {
    const over = input.unit?.rootTrees?.[tree];
    return over ? mergeConfigs(cfg, configForPath(over, fqn)) : cfg;
  };
  const manifest: Manifest = {
    projectName,
    nodes: new Map(),
    sources: new Map(),
    macros: new Map(),
    docs: new Map(),
    disabled: new Map(),
    // Recorded so a later `state:modified` sees which vars changed (manifest.json keeps digests).
    vars: vars.toObject(),
  };
  const byKind = groupFiles(loaded.files);

  // Partial parsing: a result is reused under a key naming every file it was made from (with
  // its checksum); a file reading per-invocation values is never cached (fileVolatility).
  const cache = input.cache;
  // Kept by the cache across parses (kiln watch), and reused while a file's text is the same
  // string (an unchanged file's text is the one read before) under the same flags.
  const volatility = cache?.volatility ?? new Map<string, FileKeyMemo>();
  const flagsKey = JSON.stringify(input.flags) ?? '';
  const fileKey = (f: ProjectSourceFile): string | null => {
    let known = volatility.get(f.path);
    if (known === undefined || known.contents !== f.contents || known.flags !== flagsKey || known.root !== f.root) {
      const value = fileVolatility(f.contents, input.flags);
      known = { contents: f.contents, root: f.root, flags: flagsKey, value, key: value === null ? null : `${f.path}\0${f.root}\0${f.checksum}\0${value}` };
      volatility.set(f.path, known);
    }
    return known.key;
  };
  const propertyFileByPath = new Map(byKind.properties.map((f) => [f.path, f]));
  const propsKey = (file: string): string | null => {
    const pf = propertyFileByPath.get(file);
    return pf ? fileKey(pf) : null;
  };
  const joinKey = (parts: readonly (string | null)[]): string | null => (parts.includes(null) ? null : `${projectName}\0${parts.join('\0')}`);
  const keyMemos = cache?.keys ?? new Map<string, Map<string, KeyMemo>>();
  // Each package is parsed with the same cache: its keys are kept apart by project name.
  const slotsOf = new Map<string, Map<string, KeyMemo>>();
  /** joinKey(parts), reusing the string of the last parse for the same purpose and slot while its parts are the same. */
  const memoKey = (purpose: string, slot: string, parts: readonly (string | null)[]): string | null => {
    let bySlot = slotsOf.get(purpose);
    if (!bySlot) {
      const at = `${projectName}\0${purpose}`;
      bySlot = keyMemos.get(at);
      if (!bySlot) keyMemos.set(at, (bySlot = new Map()));
      slotsOf.set(purpose, bySlot);
    }
    const known = bySlot.get(slot);
    if (known && sameParts(known.parts, parts)) return known.key;
    const key = joinKey(parts);
    bySlot.set(slot, { parts, key });
    return key;
  };
  const memo = <T>(purpose: string, slot: string, parts: readonly (string | null)[], compute: () => T, options?: MemoOptions): T =>
    cache ? cache.memo(memoKey(purpose, slot, parts), problems, compute, options) : compute();

  // Macros first: models may call them, and they may replace the naming rules. kiln's own test
  // macros are compiled when a test first calls one (a run of models calls none).
  engine.addMacroFileLazily(BUILTIN_TESTS_FILE, BUILTIN_TESTS_SQL, 'dbt');
  for (const f of byKind.macro) {
    try {
      for (const m of engine.addMacroFile(f.path, f.contents, projectName)) {
        const def = macroDef(projectName, f, m);
        manifest.macros.set(def.uniqueId, def);
      }
    } catch (e) {
      problems.capture(e);
    }
  }

  for (const f of byKind.doc) {
    try {
      for (const b of extractBlocks(f.path, f.contents, 'docs')) {
        const prev = docs.get(b.name);
        if (prev) {
          problems.error(new KilnError(Codes.NAME_DUPLICATE, `Two doc blocks are named '${b.name}'`, {
            loc: { file: f.path, line: b.line },
            related: [prev.loc],
            hint: 'Rename one of them; doc() looks blocks up by name.',
          }));
          continue;
        }
        const block: DocBlock = { uniqueId: `doc.${projectName}.${b.name}`, name: b.name, packageName: projectName, originalFilePath: f.path, path: relativeUnder(f.root, f.path), blockContents: b.body.trim(), loc: { file: f.path, line: b.line } };
        docs.set(b.name, block);
        manifest.docs.set(block.uniqueId, block);
      }
    } catch (e) {
      problems.capture(e);
    }
  }

  // Property YAML: descriptions, columns and configs keyed by resource name.
  const renderYaml: RenderString = Object.assign((text: string, loc: SourceLocation): string => engine.render(loc.file, text, yamlContext(deps, profile.profileName, loc.file)), {
    native: (text: string, loc: SourceLocation): unknown => engine.renderYamlNative(loc.file, text, yamlContext(deps, profile.profileName, loc.file)),
  });
  // Model entries, the bulk of most property files, are needed in full only to parse the model
  // or its tests: the files keep an outline of them (name, place), and the full file is read,
  // from the cache or parsed again, only when one of those must be parsed (partial parsing).
  const propertyFiles: PropertyFile[] = [];
  const fullProperties = new Map<string, () => PropertyFile>();
  for (const f of byKind.properties) {
    let full: PropertyFile | undefined;
    const parseFull = (): PropertyFile => (full ??= parsePropertyFile(f.path, f.contents, problems, renderYaml));
    const fullKey = ['properties', fileKey(f)];
    try {
      propertyFiles.push(memo('properties outline', f.path, ['properties outline', fileKey(f)], () => outlineModels(parseFull())));
      // Through the cache once even when the outline was just parsed, so that a long-lived
      // process keeps the full file; the cache file does not (memoryOnly): another invocation
      // parses it again only when a model it describes changed.
      let fetched = false;
      fullProperties.set(f.path, () => {
        if (!fetched) {
          fetched = true;
          full = memo('properties', f.path, fullKey, parseFull, { memoryOnly: true });
        }
        return full ?? parseFull();
      });
      if (cache) {
        const k = memoKey('properties', f.path, fullKey);
        if (k !== null) cache.retain(k);
      }
    } catch (e) {
      problems.capture(e);
    }
  }
  const patches = collectPatches(propertyFiles, problems);
  const groups = collectGroups(projectName, propertyFiles, problems);
  if (groups.size) manifest.groups = groups;
  /** The full entry of a model outlined in its property file. */
  // Each full file's model entries by name (a file may describe hundreds: no search through all of them per model).
  const fullModelsByName = new Map<PropertyFile, Map<string, NodePatch[]>>();
  const fullPatch = (p: NodePatch): NodePatch => {
    if (!(p as PatchOutline).outline) return p;
    const full = fullProperties.get(p.loc.file)?.();
    if (!full) return p;
    let byName = fullModelsByName.get(full);
    if (!byName) {
      fullModelsByName.set(full, (byName = new Map()));
      for (const m of full.models) {
        const list = byName.get(m.name);
        if (list) list.push(m);
        else byName.set(m.name, [m]);
      }
    }
    return byName.get(p.name)?.find((m) => m.loc.line === p.loc.line) ?? p;
  };

  const callMacro = namingMacroCaller(engine, deps, profile.profileName, projectName, input.unit?.rootPackage);
  const describe = (text: string, where: string | SourceLocation): string => {
    if (!text.includes('{{') && !text.includes('{%')) return text;
    const at = typeof where === 'string' ? { file: where } : where;
    try {
      return engine.render(at.file, text, yamlContext(deps, profile.profileName, at.file));
    } catch (e) {
      // The engine counts lines within the description; point at its entry in the YAML instead.
      if (e instanceof KilnError && e.loc?.file === at.file) problems.error(new KilnError(e.code, e.message, { loc: at, hint: e.hint, cause: e }));
      else problems.capture(e);
      return text;
    }
  };

  /** dbt's doc_blocks of a description: the doc blocks its `{{ doc(...) }}` outputs show (undefined when none). */
  const docBlocks = (text: string | undefined): string[] | undefined => (text && text.includes('doc(') ? docBlocksOf(text, manifest.docs, projectName) : undefined);

  applyMacroPatches(manifest.macros, projectName, propertyFiles, describe, problems);

  // Sources.
  for (const pf of propertyFiles) {
    for (const src of pf.sources) {
      for (const t of src.tables) {
        const id = `source.${projectName}.${src.name}.${t.name}`;
        if (manifest.sources.has(id)) {
          problems.error(new KilnError(Codes.NAME_DUPLICATE, `Source table '${src.name}.${t.name}' is declared twice`, { loc: t.loc, related: [manifest.sources.get(id)!.loc] }));
          continue;
        }
        const tree = rootTreeCfg(configForPath(loaded.project.sources, [projectName, src.name, t.name], 'source'), 'sources', [projectName, src.name, t.name]);
        const quoting = quotingSettings(src.quoting, t.quoting);
        const sourcePolicy = quotePolicyOf(quoting);
        const inProject = quotePolicyOf(projectQuoting, quoting);
        const tags = sourceTableTags(src, t);
        const settled = settleSourceConfig(src, t, tree, unrenderedTreeConfig(loaded.project.unrenderedTrees?.sources, [projectName, src.name, t.name]), tags);
        const blocks = docBlocks(t.description);
        const table: SourceTable = {
          uniqueId: id,
          resourceType: 'source',
          packageName: projectName,
          sourceName: src.name,
          name: t.name,
          identifier: t.identifier ?? t.name,
          database: src.database ?? profile.target.database,
          schema: src.schema ?? src.name,
          quoting,
          ...(sourcePolicy ? { quotePolicy: sourcePolicy } : {}),
          ...(inProject ? { projectQuotePolicy: inProject } : {}),
          description: describe(t.description, t.loc),
          sourceDescription: describe(src.description, src.loc),
          loader: src.loader,
          columns: columnsMap(t.columns, (d, at) => describe(d, at ?? t.loc), docBlocks),
          meta: settled.meta,
          sourceMeta: settled.sourceMeta,
          tags,
          config: settled.config,
          unrenderedConfig: settled.unrenderedConfig,
          loadedAtField: settled.loadedAtField,
          loadedAtQuery: settled.loadedAtQuery,
          freshness: settled.freshness,
          ...(blocks ? { docBlocks: blocks } : {}),
          originalFilePath: pf.path,
          path: pf.path,
          fqn: [projectName, ...path.posix.dirname(pf.path).split('/').slice(1).filter((p) => p && p !== '.'), src.name, t.name],
          loc: t.loc,
          dataTests: [...t.dataTests],
        };
        if (table.config.enabled) manifest.sources.set(id, table);
      }
    }
  }

  // Exposures: downstream uses, part of the graph for selection (`+exposure:weekly_report`).
  const exposures = parseExposures({
    projectName,
    propertyFiles,
    problems,
    describe,
    recordDeps: (text, loc, refs, sources) => {
      const record: ParseRecord = { refs, sources, configs: [] };
      engine.render(loc.file, text, parseContext(deps, { name: '', resourceType: 'exposure', file: loc.file, database: '', schema: '', alias: '', config: {} }, profile.profileName, record, () => ({})));
    },
  });
  if (exposures.size) manifest.exposures = exposures;

  // Semantic models, metrics, saved queries and time spines (core/semantic/); resolved with the refs.
  const timeSpineModels = [...patches.model.values()].filter((p) => p.extra.time_spine !== undefined);
  if (hasSemanticLayer(propertyFiles, timeSpineModels)) {
    manifest.semantic = parseSemanticLayer({
      projectName, propertyFiles, timeSpineModels, problems, describe, render: renderYaml,
      rootOf: (file) => propertyFileByPath.get(file)?.root ?? '',
      projectRaw: loaded.project.raw,
      target: profile.target,
      locator: yamlLocator((file) => propertyFileByPath.get(file)?.contents),
    });
  }

  const names = new Map<string, { file: string; kind: string }>();
  const claimName = (name: string, file: string, kind: string): boolean => {
    const prev = names.get(name);
    if (prev) {
      problems.error(new KilnError(Codes.NAME_DUPLICATE, `Two resources are named '${name}': ${prev.file} (${prev.kind}) and ${file} (${kind})`, {
        loc: { file },
        related: [{ file: prev.file }],
        hint: 'ref() finds resources by name, so names must be unique across models, seeds and snapshots. Rename one of the files.',
      }));
      return false;
    }
    names.set(name, { file, kind });
    return true;
  };

  // Versioned models: which model file defines which version.
  const versioned = new Map<string, VersionedModel>();
  const versionFiles = new Map<string, { model: VersionedModel; version: VersionDecl }>();
  {
    const modelFileNames = new Set(byKind.model.map((f) => path.posix.basename(f.path).replace(/\.sql$/, '')));
    for (const patch of patches.model.values()) {
      const model = versionsOf(patch, problems);
      if (!model) continue;
      versioned.set(model.name, model);
      for (const version of model.versions) {
        // The latest version may stay in the model's unversioned file (dbt's rule).
        const file = !modelFileNames.has(version.definedIn) && version.raw.defined_in === undefined && sameVersion(version.v, model.latest) && modelFileNames.has(model.name) ? model.name : version.definedIn;
        versionFiles.set(file, { model, version });
      }
    }
  }

  const versionId = (name: string, v: VersionId) => `model.${projectName}.${name}.v${v}`;
  /** A version's entry in full (the outline knows only which files define the versions). */
  const fullVersionPatch = (model: VersionedModel, v: VersionId): NodePatch => {
    const full = versionsOf(fullPatch(model.patch), new Problems()) ?? model;
    return versionPatch(full, full.versions.find((x) => sameVersion(x.v, v)) ?? model.versions.find((x) => sameVersion(x.v, v))!);
  };

  const parseRecords = new Map<string, ParseRecord>();
  for (const f of byKind.model) {
    // dbt skips empty model files (a `create view as ()` would only fail in the database).
    if (f.contents.trim() === '') continue;
    const node = parseTemplated(f, 'model');
    if (node) addNode(node);
  }
  for (const model of input.scoped ? [] : versioned.values()) {
    for (const version of model.versions) {
      const id = versionId(model.name, version.v);
      if (manifest.nodes.has(id) || manifest.disabled.has(id)) continue;
      problems.error(new KilnError(Codes.REF_UNKNOWN, `Version ${version.v} of model '${model.name}' has no model file: expected ${version.definedIn}.sql`, {
        loc: model.patch.loc,
        hint: `Create models/.../${version.definedIn}.sql, or point the version at its file with \`defined_in:\`.`,
      }));
    }
  }
  for (const f of byKind.seed) {
    const node = parseSeed(f);
    if (node) addNode(node);
  }
  const propertySources = new Map(byKind.properties.map((f) => [f.path, f]));
  const snapshots = parseSnapshots({
    projectName,
    files: byKind.snapshot,
    propertyFiles: propertyFiles.map((file) => ({ file, root: propertySources.get(file.path)?.root ?? '', checksum: propertySources.get(file.path)?.dbtChecksum ?? '' })),
    patches: patches.snapshot,
    tree: loaded.project.snapshots,
    unrenderedTree: loaded.project.unrenderedTrees?.snapshots,
    target: profile.target,
    engine,
    deps,
    profileName: profile.profileName,
    problems,
    callMacro,
    describe,
    columns: columnsMap,
    normalize: normalizeConfig,
  });
  for (const node of snapshots) addNode(node);
  for (const f of byKind.test) {
    const node = parseTemplated(f, 'test');
    if (node) addNode(node);
  }
  // Analyses are compiled (kiln compile), never run.
  for (const f of byKind.analysis) {
    const node = parseTemplated(f, 'analysis');
    if (node) addNode(node);
  }
  // Whether a test macro exists, by namespace and name: 30,000 tests name a handful (no macro is added meanwhile).
  const testMacros = new Map<string, boolean>();
  const testMacroPackages = new Map<string, string | undefined>();
  const hasTestMacro = (name: string, namespace: string | undefined): boolean => {
    const k = `${namespace ?? ''}\0${name}`;
    let known = testMacros.get(k);
    if (known === undefined) testMacros.set(k, (known = engine.hasMacro(name, namespace)));
    return known;
  };
  for (const t of genericTests()) {
    // A test that names no test macro fails at load time (as in dbt), not when it runs.
    const meta = t.testMetadata;
    if (meta && !hasTestMacro(`test_${meta.name}`, meta.namespace ?? undefined)) {
      problems.error(new KilnError(Codes.JINJA_RENDER, `Unknown data test '${meta.namespace ? `${meta.namespace}.` : ''}${meta.name}': no {% test ${meta.name}(...) %} is defined`, {
        loc: t.loc,
        node: t.uniqueId,
        hint: 'Built-in tests are unique, not_null, accepted_values and relationships; others are defined with {% test name(model, column_name) %} in macros/ or tests/generic/ (or come from an installed package).',
      }));
      continue;
    }
    if (meta) applyTestMacro(t, meta.name, meta.namespace ?? undefined);
    addNode(t);
  }
  const contentsOf = new Map(byKind.properties.map((f) => [f.path, f.contents]));
  const unitTestFiles = propertyFiles.filter((pf) => pf.unitTests.length).map((pf) => ({ file: pf.path, contents: contentsOf.get(pf.path) ?? '', entries: pf.unitTests }));
  if (!input.scoped) for (const t of parseUnitTests(unitTestFiles, manifest, problems)) addNode(t);

  /**
   * What dbt learns from a generic test's macro at parse time: its depends_on.macros (the test
   * macro of the package that defines it, and get_where_subquery, which the test's `model`
   * argument calls) and the config() calls of its body, which win over the folder configs
   * (`{% test is_empty(model) %}{{ config(severity='warn') }}...`) but not over the test's YAML
   * entry, whose config() call dbt renders after the macro's. dbt renders neither for its own
   * unique and not_null.
   */
  function applyTestMacro(t: ParsedNode, name: string, namespace: string | undefined): void {
    const macroName = `test_${name}`;
    const pkg = namespace ?? testMacroPackage(macroName);
    const id = `macro.${pkg}.${macroName}`;
    if (id === 'macro.dbt.test_unique' || id === 'macro.dbt.test_not_null') {
      t.dependsOn.macros = [id];
      return;
    }
    t.dependsOn.macros = [id, 'macro.dbt.get_where_subquery'];
    if (!macroSource(pkg, macroName).includes('config(')) return;
    const record: ParseRecord = { refs: [], sources: [], configs: [] };
    const identity = { name: t.name, resourceType: 'test', file: t.originalFilePath, database: t.database, schema: t.schema, alias: t.alias, config: t.config, uniqueId: t.uniqueId };
    const ctx = parseContext(deps, identity, profile.profileName, record, () => t.config);
    const args: Record<string, unknown> = { ...(t.testMetadata?.kwargs ?? {}), model: ctx.this };
    if (t.columnName !== undefined && t.columnName !== null) args.column_name = t.columnName;
    try {
      engine.callMacro(macroName, [kwargs(args)], ctx, pkg);
    } catch {
      // The body is rendered for its config() calls only; it runs (and reports errors) later.
    }
    if (record.configs.length === 0) return;
    // dbt renders the test's raw_code: the macro call (its body's config() calls), then the
    // config() call of the entry's own configs, which therefore win over the body's.
    const entry = t.entryConfig;
    let config: Record<string, unknown> = t.config;
    let bodyTags: string[] | null = null;
    for (const kw of record.configs) {
      config = mergeConfigs(config, validateConfig(kw, 'test', t.loc, problems));
      if (kw.tags !== undefined && kw.tags !== null) (bodyTags ??= []).push(...(Array.isArray(kw.tags) ? kw.tags.map(String) : [String(kw.tags)]));
    }
    if (entry) {
      const { tags: _tags, ...again } = entry;
      // (Validated when the test was built: problems with them are reported once.)
      if (hasKeys(again)) config = mergeConfigs(config, validateConfig(again, 'test', t.loc, new Problems()));
    }
    // config.tags: the folders', the entry's, the body's config() calls' (appended as written),
    // then the entry's again. (A namespaced `pkg.unique` was built as dbt's unique: its entry's
    // tags are there once.)
    if (bodyTags !== null) {
      const before = t.config.tags ?? [];
      const again = fastPathTests().has(name) ? [] : tagList(entry?.tags);
      config.tags = [...before.slice(0, before.length - again.length), ...bodyTags, ...again];
    }
    t.config = config as NodeConfig;
    // unrendered_config: the folders' as written, then the config() calls in the order rendered.
    const calls: Record<string, unknown> = {};
    if (entry) mergeConfigCalls(calls, entry);
    for (const kw of record.configs) mergeConfigCalls(calls, kw);
    if (entry && !fastPathTests().has(name)) mergeConfigCalls(calls, entry);
    t.unrenderedConfig = withOwnConfig(unrenderedTreeConfig(loaded.project.unrenderedTrees?.data_tests, t.fqn), calls);
  }

  /** The package whose `test_<name>` a test of this project calls, as dbt resolves it (this project's, else the first that has it, else dbt's). */
  function testMacroPackage(macroName: string): string {
    return (hasTestMacro(macroName, projectName) ? projectName : macroPackageOf(macroName)) ?? 'dbt';
  }

  /** unique and not_null while they resolve to dbt's own macros: dbt builds those without rendering them (TestBuildContext.fastPathTests). */
  function fastPathTests(): ReadonlySet<string> {
    const kept = [...DBT_FAST_PATH_TESTS].filter((name) => testMacroPackage(`test_${name}`) === 'dbt');
    return kept.length === DBT_FAST_PATH_TESTS.size ? DBT_FAST_PATH_TESTS : new Set(kept);
  }

  function macroPackageOf(name: string): string | undefined {
    const k = `\0\0${name}`;
    if (!testMacroPackages.has(k)) testMacroPackages.set(k, engine.macroPackage(name));
    return testMacroPackages.get(k);
  }

  function macroSource(pkg: string, name: string): string {
    return engine.macroSource(name, pkg) ?? '';
  }

  function addNode(node: ParsedNode): void {
    if (!node.config.enabled) {
      manifest.disabled.set(node.uniqueId, node);
      return;
    }
    const isTest = node.resourceType === 'test' || node.resourceType === 'unit_test' || node.resourceType === 'analysis';
    if (!isTest && !claimName(node.version === undefined ? node.name : `${node.name} v${node.version}`, node.originalFilePath, node.resourceType)) return;
    if (isTest && manifest.nodes.has(node.uniqueId)) {
      problems.error(new KilnError(Codes.NAME_DUPLICATE, `Two tests are named '${node.name}'`, {
        loc: node.loc,
        related: [manifest.nodes.get(node.uniqueId)!.loc],
        hint: 'Give one of them a `name:` of its own.',
      }));
      return;
    }
    manifest.nodes.set(node.uniqueId, node);
  }

  /** The generic tests of one node, as its property file declares them. */
  interface TestDeclarations {
    readonly target: TestTarget;
    readonly tests: DeclaredTest[];
  }

  function genericTests(): ParsedNode[] {
    const rootOf = new Map(byKind.properties.map((f) => [f.path, f.root]));
    const recordArgRefs = (value: string, loc: SourceLocation, refs: RefCall[], sources: [string, string][]) => {
      const record: ParseRecord = { refs, sources, configs: [] };
      const ctx = parseContext(deps, { name: '', resourceType: 'test', file: loc.file, database: '', schema: '', alias: '', config: {} }, profile.profileName, record, () => ({}));
      engine.renderNative(loc.file, isCallExpression(value) ? `{{ ${value} }}` : value, ctx, { lineOffset: (loc.line ?? 1) - 1 });
    };
    const tctx: TestBuildContext = {
      projectName,
      dataTestsTree: loaded.project.dataTests,
      unrenderedTree: loaded.project.unrenderedTrees?.data_tests,
      // dbt renders these with its schema YAML context (var, env_var, target; no macros).
      renderConfigValue: (value, loc) => engine.renderYamlNative(loc.file, value, yamlContext(deps, profile.profileName, loc.file), { lineOffset: (loc.line ?? 1) - 1 }),
      problems,
      recordArgRefs,
      relationFor: (name, config) => resolveRelationName({ name, resourceType: 'test', config }, profile.target, callMacro),
      fastPathTests: fastPathTests(),
    };
    const out: ParsedNode[] = [];
    // Loops rather than spreads of map()s and a flatMap: an array per column otherwise (100,000).
    const declared = (patchTests: readonly unknown[], columns: readonly Omit<ColumnInfo, 'constraints'>[], loc: SourceLocation): DeclaredTest[] => {
      const out: DeclaredTest[] = [];
      for (const entry of patchTests) out.push({ entry, columnName: null, loc });
      for (const c of columns) {
        if (c.data_tests.length === 0) continue;
        // `quote: true` on a column: its tests get the quoted name (as dbt does), so names with
        // spaces, semicolons, quotes or upper case reach the test's SQL intact.
        const columnName = (c as { quote?: boolean | null }).quote === true ? dialect.quoteIdentifier(c.name) : c.name;
        const at = (c as { loc?: SourceLocation }).loc ?? loc;
        // The column's tags lead its tests' node tags (dbt); most columns have none.
        const columnTags = c.tags.length ? c.tags : undefined;
        for (const entry of c.data_tests) out.push(columnTags ? { entry, columnName, columnTags, loc: at } : { entry, columnName, loc: at });
      }
      return out;
    };
    // A node's generic tests: the cache keeps what declares them (small) and they are built from
    // it on each parse. The built tests were half of the cache file at 10,000 models (37 MB) and
    // the costliest half to write on a cold parse. Each declaration keeps its tests' id hashes
    // (noted by the first build), so building them again on a warm parse hashes nothing.
    const testsOf = (slot: string, parts: readonly (string | null)[], declare: () => TestDeclarations): ParsedNode[] => {
      const build = (d: TestDeclarations) => buildGenericTests(d.target, d.tests, tctx);
      return cache ? cache.memoBuilt(memoKey('tests', slot, ['tests', ...parts]), problems, declare, build) : build(declare());
    };
    // The first node of each type and name (no key string per node: this runs on every re-parse).
    const byKindName = new Map<string, Map<string, ParsedNode>>();
    for (const n of manifest.nodes.values()) {
      let named = byKindName.get(n.resourceType);
      if (!named) byKindName.set(n.resourceType, (named = new Map()));
      if (!named.has(n.name)) named.set(n.name, n);
    }
    // Each version of a versioned model has the tests its entry gives it (the model's, unless the version says otherwise).
    for (const model of versioned.values()) {
      for (const { v } of model.versions) {
        const node = manifest.nodes.get(versionId(model.name, v));
        if (!node) continue;
        out.push(...testsOf(node.uniqueId, ['model', model.name, node.uniqueId, propsKey(model.patch.loc.file)], () => {
          const p = fullVersionPatch(model, v);
          return { target: { kind: 'model', name: model.name, version: v, attachedNode: node.uniqueId, file: p.loc.file, root: rootOf.get(p.loc.file) ?? '' }, tests: declared(p.dataTests, p.columns, p.loc) };
        }));
      }
    }
    for (const [kind, map] of [['model', patches.model], ['seed', patches.seed], ['snapshot', patches.snapshot]] as const) {
      for (const patch of map.values()) {
        if (kind === 'model' && versioned.has(patch.name)) continue;
        const node = byKindName.get(kind)?.get(patch.name);
        if (!node) continue;
        const outline = (patch as PatchOutline).outline;
        if (outline ? !outline.hasTests : declared(patch.dataTests, patch.columns, patch.loc).length === 0) continue;
        out.push(...testsOf(node.uniqueId, [kind, patch.name, node.uniqueId, propsKey(patch.loc.file)], () => {
          const p = fullPatch(patch);
          return { target: { kind, name: p.name, attachedNode: node.uniqueId, file: p.loc.file, root: rootOf.get(p.loc.file) ?? '' }, tests: declared(p.dataTests, p.columns, p.loc) };
        }));
      }
    }
    for (const pf of propertyFiles) {
      for (const src of pf.sources) {
        for (const t of src.tables) {
          const tests = declared(t.dataTests, t.columns, t.loc);
          if (tests.length === 0) continue;
          out.push(...memo('source tests', `${src.name}\0${t.name}`, ['source tests', src.name, t.name, propsKey(pf.path)], () => buildGenericTests({ kind: 'source', name: t.name, sourceName: src.name, attachedNode: null, file: pf.path, root: rootOf.get(pf.path) ?? '', tags: sourceTestTags(src.tags, t.tags) }, tests, tctx)));
        }
      }
    }
    return out;
  }

  function fqnOf(f: ProjectSourceFile, name: string): string[] {
    return fqnUnder(projectName, f.root, f.path, name);
  }

  function parseTemplated(f: ProjectSourceFile, resourceType: 'model' | 'test' | 'analysis'): ParsedNode | null {
    const base = path.posix.basename(f.path).replace(/\.sql$/, '');
    const ofVersion = resourceType === 'model' ? versionFiles.get(base) : undefined;
    if (ofVersion) {
      const { model, version } = ofVersion;
      // The node depends on its file and on the property file declaring the versions.
      return memo(resourceType, f.path, [resourceType, fileKey(f), propsKey(model.patch.loc.file), 'v', String(version.v)], () =>
        parseTemplatedFresh(f, resourceType, model.name, fullVersionPatch(model, version.v), { v: version.v, latest: model.latest }),
      );
    }
    const name = base;
    const patch = resourceType === 'model' ? patches.model.get(name) : undefined;
    // The node depends on its file and on the property file describing it, if any.
    return memo(resourceType, f.path, [resourceType, fileKey(f), patch ? propsKey(patch.loc.file) : ''], () => parseTemplatedFresh(f, resourceType, name, patch && fullPatch(patch)));
  }

  function parseTemplatedFresh(f: ProjectSourceFile, resourceType: 'model' | 'test' | 'analysis', name: string, patch: NodePatch | undefined, version?: { v: VersionId; latest: VersionId }): ParsedNode | null {
    const fqn = version ? [...fqnOf(f, name).slice(0, -1), name, `v${version.v}`] : fqnOf(f, name);
    const tree = resourceType === 'model' ? loaded.project.models : resourceType === 'analysis' ? loaded.project.analyses : loaded.project.dataTests;
    const treeName = resourceType === 'model' ? 'models' : resourceType === 'analysis' ? 'analyses' : 'dataTests';
    // Without a root project's tree over this one, the defaults and the folder's configs are
    // merged once per folder (configUnder) rather than once per node.
    let withTree = input.unit?.rootTrees?.[treeName]
      ? mergeConfigs(DEFAULTS[resourceType] as Record<string, unknown>, rootTreeCfg(configForPath(tree, fqn, resourceType), treeName, fqn))
      : configUnder(DEFAULTS[resourceType] as Record<string, unknown>, tree, fqn);
    if (resourceType === 'analysis') {
      // dbt configures analyses from `models:` (along their fqn, `analysis` included); kiln's
      // own `analyses:` folder configs win over those.
      const analysisFqn = [fqn[0]!, 'analysis', ...fqn.slice(1)];
      const fromModels = rootTreeCfg(configForPath(loaded.project.models, analysisFqn), 'models', analysisFqn);
      if (hasKeys(fromModels)) withTree = mergeConfigs(mergeConfigs(DEFAULTS.analysis as Record<string, unknown>, fromModels), rootTreeCfg(configForPath(tree, fqn), treeName, fqn));
    }
    // Most entries configure nothing: merging an empty config over withTree (a merge's result
    // already, fresh for this node) would only copy it.
    const own = patch ? governance(patch) : undefined;
    const base = own && hasKeys(own) ? mergeConfigs(withTree, own) : withTree;
    const record: ParseRecord = { refs: [], sources: [], configs: [], macros: [] };
    const macros = record.macros!;
    let config = base;
    const uniqueId = version ? versionId(name, version.v) : `${resourceType}.${projectName}.${name}`;
    const provisional = resolveRelationName({ name, resourceType, config: base as NodeConfig, version: version?.v }, profile.target);
    try {
      const identity = { name, resourceType, file: f.path, database: provisional.database, schema: provisional.schema, alias: provisional.alias, config: base, uniqueId };
      renderForParse(f, record, () => staticParseContext(deps, identity, record, () => config), () => parseContext(deps, identity, profile.profileName, record, () => config));
      for (const kw of record.configs) {
        config = mergeConfigs(config, validateConfig(kw, resourceType, { file: f.path, line: lineOf(f.contents, /\bconfig\s*\(/) }, problems));
      }
      recordHookMacros(config, macros, () => parseContext(deps, identity, profile.profileName, { refs: [], sources: [], configs: [], macros }, () => config));
    } catch (e) {
      problems.capture(e);
      return null;
    }
    parseRecords.set(uniqueId, record);
    // `-- depends_on: {{ ref('x') }}` is rendered like any other ref, so it is already recorded.
    // dbt files an analysis under `analysis/` in its path and fqn (AnalysisParser); the project's
    // `analyses:` folder configs above still match the folders as written.
    const nodeFqn = resourceType === 'analysis' ? [fqn[0]!, 'analysis', ...fqn.slice(1)] : fqn;
    const node = finishNode({ f, name, fqn: nodeFqn, resourceType, uniqueId, config, patch, refs: record.refs, sources: record.sources, version, macros });
    // unrendered_config: the folder configs as written (analyses take models:'), then the
    // property file's config: and the config() calls, both rendered (as dbt 1.11).
    const calls: Record<string, unknown> = {};
    for (const kw of record.configs) mergeConfigCalls(calls, kw);
    const trees = loaded.project.unrenderedTrees;
    const fromTree = unrenderedTreeConfig(resourceType === 'test' ? trees?.data_tests : trees?.models, nodeFqn);
    const unrendered = withOwnConfig(withOwnConfig(fromTree, patch?.config ?? null), calls);
    if (Object.keys(unrendered).length) node.unrenderedConfig = unrendered;
    return node;
  }

  /**
   * The macros a node's hooks call, after those of its body: dbt renders hooks at parse time to
   * record them. A hook that cannot render here (it may need the warehouse) records nothing; it
   * is rendered again when it runs.
   */
  function recordHookMacros(config: Record<string, unknown>, into: string[], ctx: () => RenderContext): void {
    for (const key of ['pre_hook', 'post_hook']) {
      const raw = config[key];
      for (const h of Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw]) {
        const sql = String(typeof h === 'object' && h !== null ? ((h as { sql?: unknown }).sql ?? '') : h);
        if (!sql.includes('{{') && !sql.includes('{%')) continue;
        try {
          engine.render('<hook>', sql, ctx(), { macroCalls: into });
        } catch {
          // recorded up to the failure, as dbt's capture_macros render does
        }
      }
    }
  }

  /** Renders a model or test at parse time: the static fast path when it applies, else the engine. */
  function renderForParse(f: ProjectSourceFile, record: ParseRecord, staticCtx: () => RenderContext, fullCtx: () => RenderContext): void {
    const tpl = input.staticFastPath === false ? null : readStatic(f.contents);
    const rootNode = !input.unit || input.unit.rootPackage === projectName;
    // Loops over literal lists and is_incremental() blocks, at parse time only (nothing printed
    // is kept): the root project's nodes, whose context has no macros of the names called.
    const ops = tpl || input.staticFastPath === false || !rootNode ? null : readParseCalls(f.contents);
    if (tpl || ops) {
      try {
        // The static fast path calls only ref/source/config/var: the root project's nodes need
        // no full context for that (installed packages' nodes may have macros of those names).
        if (tpl) runStaticCalls(tpl, rootNode ? staticCtx() : fullCtx());
        else runParseOps(ops!, testsIncremental(ops!) ? fullCtx() : staticCtx());
        return;
      } catch {
        // The engine reports the error with its line and column; start the record afresh.
        record.refs.length = 0;
        record.sources.length = 0;
        record.configs.length = 0;
        if (record.macros) record.macros.length = 0;
      }
    }
    engine.render(f.path, f.contents, fullCtx(), { macroCalls: record.macros });
  }

  function parseSeed(f: ProjectSourceFile): ParsedNode | null {
    const name = path.posix.basename(f.path).replace(/\.csv$/i, '');
    const fqn = fqnOf(f, name);
    const patch = patches.seed.get(name);
    const treeCfg = rootTreeCfg(configForPath(loaded.project.seeds, fqn, 'seed'), 'seeds', fqn);
    const config = mergeConfigs(mergeConfigs(DEFAULTS.seed as Record<string, unknown>, treeCfg), patch?.config ?? {});
    const node = finishNode({ f, name, fqn, resourceType: 'seed', uniqueId: `seed.${projectName}.${name}`, config, patch, refs: [], sources: [] });
    const unrendered = withOwnConfig(unrenderedTreeConfig(loaded.project.unrenderedTrees?.seeds, fqn), patch?.config ?? null);
    if (Object.keys(unrendered).length) node.unrenderedConfig = unrendered;
    node.seedFile = f.absPath;
    // The CSV itself is read and validated before execution (see core/runner/preflight.ts).
    node.rawCode = '';
    return node;
  }

  function finishNode(p: {
    f: ProjectSourceFile;
    name: string;
    fqn: string[];
    resourceType: 'model' | 'seed' | 'test' | 'analysis';
    uniqueId: string;
    config: Record<string, unknown>;
    patch: NodePatch | undefined;
    refs: ParsedNode['refs'];
    sources: ParsedNode['sources'];
    version?: { v: VersionId; latest: VersionId };
    /** Macros the node's template and hooks call directly. */
    macros?: string[];
  }): ParsedNode {
    const config = normalizeConfig(p.config);
    const rel = resolveRelationName({ name: p.name, resourceType: p.resourceType, config, version: p.version?.v }, profile.target, callMacro);
    const deprecation = p.patch?.extra.deprecation_date;
    // Key by key, in the order manifest code and the parse cache have always seen (optional keys
    // where they are): an object literal with spreads between its keys is built slowly by V8,
    // and this runs for every node.
    const node = {} as ParsedNode;
    if (p.version) {
      node.version = p.version.v;
      node.latestVersion = p.version.latest;
    }
    if (deprecation !== undefined && deprecation !== null) node.deprecationDate = deprecation instanceof Date ? deprecation.toISOString() : String(deprecation);
    node.uniqueId = p.uniqueId;
    node.resourceType = p.resourceType;
    node.packageName = projectName;
    node.name = p.name;
    node.path = p.resourceType === 'analysis' ? `analysis/${relativeUnder(p.f.root, p.f.path)}` : relativeUnder(p.f.root, p.f.path);
    node.originalFilePath = p.f.path;
    node.fqn = p.fqn;
    node.rawCode = p.f.contents;
    node.checksum = p.f.dbtChecksum;
    if (p.resourceType === 'seed' && p.f.checksum !== p.f.dbtChecksum) node.fileChecksum = p.f.checksum;
    node.config = config;
    node.description = describe(p.patch?.description ?? '', p.patch?.loc ?? { file: p.f.path });
    if (p.patch?.description?.includes('doc(')) node.docBlocks = docBlocks(p.patch.description);
    node.columns = withColumnConstraints(columnsMap(p.patch?.columns ?? [], (d, at) => describe(d, at ?? p.patch?.loc ?? p.f.path), docBlocks), p.resourceType === 'model' ? p.patch : undefined, p.name, problems);
    node.refs = p.refs;
    node.sources = p.sources;
    node.dependsOn = { nodes: [], macros: p.macros ?? [] };
    node.patchPath = p.patch ? p.patch.loc.file : null;
    if (p.patch) node.patchLoc = p.patch.loc;
    node.database = rel.database;
    node.schema = rel.schema;
    node.alias = rel.alias;
    node.loc = { file: p.f.path, line: 1 };
    node.dataTests = [...(p.patch?.dataTests ?? [])];
    if (p.resourceType === 'model' && p.patch) node.constraints = modelConstraints(p.patch, config, p.name, problems);
    return node;
  }

  // Patches for resources that do not exist are worth a warning: usually a typo.
  // Names by resource type, without a key string per node (40,000 of them on each re-parse in kiln watch).
  // Only the kinds property entries describe (not the 30,000 tests, whose long names would each be hashed).
  const described = new Map<string, Set<string>>();
  for (const nodes of input.scoped ? [] : [manifest.nodes, manifest.disabled]) {
    for (const n of nodes.values()) {
      if (!Object.hasOwn(patches, n.resourceType)) continue;
      let set = described.get(n.resourceType);
      if (!set) described.set(n.resourceType, (set = new Set()));
      set.add(n.name);
    }
  }
  for (const [kind, map] of input.scoped ? [] : (Object.entries(patches) as [keyof typeof patches, Map<string, NodePatch>][])) {
    for (const [name, patch] of map) {
      const exists = described.get(kind)?.has(name) === true;
      if (!exists) {
        const candidates = [...manifest.nodes.values()].map((n) => n.name);
        const near = candidates.length ? closest(name, candidates) : undefined;
        problems.warn(new KilnError(Codes.REF_UNKNOWN, `${patch.loc.file} describes ${kind} '${name}', which does not exist`, {
          loc: patch.loc,
          hint: near && distance(near, name) <= 3 ? `Did you mean '${near}'?` : `Create ${kind === 'seed' ? 'a CSV' : 'a .sql file'} named ${name} or remove the entry.`,
        }));
      }
    }
  }

  manifest.quoting = projectQuoting;
  // Set after the fact: nodes come from several places (files, YAML, the parse cache).
  if (quotePolicy) for (const nodes of [manifest.nodes, manifest.disabled]) for (const n of nodes.values()) n.quotePolicy = quotePolicy;

  // With packages, refs resolve once every package is parsed (core/packages/parse-packages.ts).
  if (!input.unit && !input.scoped) resolveDependencies(manifest, problems);
  return { manifest, deps, problems };
}

function groupFiles(files: readonly ProjectSourceFile[]): Record<ProjectSourceFile['kind'], ProjectSourceFile[]> {
  const out: Record<ProjectSourceFile['kind'], ProjectSourceFile[]> = { model: [], seed: [], snapshot: [], test: [], macro: [], analysis: [], properties: [], doc: [] };
  for (const f of files) out[f.kind].push(f);
  return out;
}

/** A model entry of a property file reduced to its name and place (see fullPatch in parseProject). */
interface PatchOutline extends NodePatch {
  readonly outline?: { readonly hasTests: boolean };
}

function outlineModels(pf: PropertyFile): PropertyFile {
  const models = pf.models.map((p): PatchOutline => ({
    name: p.name,
    description: '',
    config: {},
    columns: [],
    dataTests: [],
    meta: {},
    loc: p.loc,
    // Which files define the model's versions is needed before any model is parsed.
    extra: {
      ...(p.extra.versions !== undefined ? { versions: p.extra.versions, latest_version: p.extra.latest_version } : {}),
      // A time spine is part of the semantic layer, which every parse builds (with its columns' grains).
      ...(p.extra.time_spine !== undefined ? { time_spine: p.extra.time_spine, [TIME_SPINE_COLUMNS]: p.columns.map((c) => ({ name: c.name, granularity: c.extra.granularity })) } : {}),
    },
    outline: { hasTests: p.dataTests.length > 0 || p.columns.some((c) => c.data_tests.length > 0) },
  }));
  return { ...pf, models };
}

/** A model entry's config with its `access:` and `group:` keys, which dbt takes as configs too. */
function governance(patch: NodePatch): Record<string, unknown> {
  const { access, group } = patch.extra;
  if (access === undefined && group === undefined) return patch.config as Record<string, unknown>;
  return { ...(access !== undefined ? { access } : {}), ...(group !== undefined ? { group } : {}), ...patch.config };
}

/** `groups:` entries: a name and an owner (with a name or an email), unique in the project. */
function collectGroups(projectName: string, files: readonly PropertyFile[], problems: Problems): Map<string, GroupDef> {
  const out = new Map<string, GroupDef>();
  for (const f of files) {
    for (const raw of f.other.groups ?? []) {
      const g = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
      const loc = { file: f.path };
      if (typeof g.name !== 'string' || !g.name.trim()) {
        problems.error(new KilnError(Codes.CONFIG_INVALID, 'A group has no `name:`', { loc, hint: 'Write `groups: [{name: finance, owner: {email: finance@example.com}}]`.' }));
        continue;
      }
      const owner = g.owner && typeof g.owner === 'object' && !Array.isArray(g.owner) ? (g.owner as Record<string, unknown>) : null;
      if (!owner || (owner.name === undefined && owner.email === undefined)) {
        problems.error(new KilnError(Codes.CONFIG_INVALID, `Group '${g.name}' has no owner`, { loc, hint: 'Give it `owner: {name: ..., email: ...}` (at least one of the two).' }));
        continue;
      }
      const id = `group.${projectName}.${g.name}`;
      if (out.has(id)) {
        problems.error(new KilnError(Codes.NAME_DUPLICATE, `Two groups are named '${g.name}'`, { loc, related: [out.get(id)!.loc], hint: 'Rename or merge one of them.' }));
        continue;
      }
      out.set(id, { uniqueId: id, name: g.name, packageName: projectName, originalFilePath: f.path, owner, description: typeof g.description === 'string' ? g.description : '', loc });
    }
  }
  return out;
}

interface Patches {
  model: Map<string, NodePatch>;
  seed: Map<string, NodePatch>;
  snapshot: Map<string, NodePatch>;
}

function collectPatches(files: readonly PropertyFile[], problems: Problems): Patches {
  const out: Patches = { model: new Map(), seed: new Map(), snapshot: new Map() };
  const add = (map: Map<string, NodePatch>, p: NodePatch, kind: string) => {
    const prev = map.get(p.name);
    if (prev) {
      problems.error(new KilnError(Codes.NAME_DUPLICATE, `${kind} '${p.name}' is described twice in property files`, {
        loc: p.loc,
        related: [prev.loc],
        hint: 'Keep one entry per resource; merge the two.',
      }));
      return;
    }
    map.set(p.name, p);
  };
  for (const f of files) {
    for (const p of f.models) add(out.model, p, 'Model');
    for (const p of f.seeds) add(out.seed, p, 'Seed');
    for (const p of f.snapshots) add(out.snapshot, p, 'Snapshot');
  }
  return out;
}

function columnsMap(
  cols: readonly (Omit<ColumnInfo, 'constraints'> & { readonly loc?: SourceLocation })[],
  describe: (text: string, at?: SourceLocation) => string,
  docBlocks?: (text: string) => string[] | undefined,
): Record<string, ColumnInfo> {
  // A dictionary from the start (no prototype: V8 keeps such objects in dictionary mode): as an
  // ordinary object, every node's own column names made a new chain of hidden classes, the
  // costliest part of this loop over 100,000 columns. Read as a plain dict everywhere (own keys).
  const out = Object.create(null) as Record<string, ColumnInfo>;
  for (const c of cols) {
    const description = describe(c.description, c.loc);
    // Two literals rather than a conditional spread, which V8 copies slowly (100,000 columns).
    out[c.name] = c.loc
      ? { name: c.name, description, data_type: c.data_type, meta: c.meta, tags: c.tags, data_tests: c.data_tests, loc: c.loc }
      : { name: c.name, description, data_type: c.data_type, meta: c.meta, tags: c.tags, data_tests: c.data_tests };
    // (set only where a description shows doc blocks: most columns never get the property)
    const blocks = docBlocks?.(c.description);
    if (blocks) out[c.name]!.docBlocks = blocks;
    if (c.quote !== undefined && c.quote !== null) out[c.name]!.quote = c.quote;
  }
  return out;
}

function withColumnConstraints(columns: Record<string, ColumnInfo>, patch: NodePatch | undefined, node: string, problems: Problems): Record<string, ColumnInfo> {
  for (const decl of patch?.columns ?? []) {
    if (!decl.constraints.length) continue;
    const col = columns[decl.name];
    if (col) col.constraints = parseConstraints(decl.constraints, decl.name, decl.loc, problems, node);
  }
  return columns;
}

/**
 * A model's constraints: column-level entries onto its columns, model-level ones (the entry's
 * `constraints:`, or `constraints` in its config) onto the node. Applied when the contract is enforced.
 */
/** A model's own constraints, from its property entry (or its config). */
function modelConstraints(patch: NodePatch, config: NodeConfig, node: string, problems: Problems): ConstraintDef[] {
  const declared = Array.isArray(patch.extra.constraints) ? patch.extra.constraints : Array.isArray(config.constraints) ? config.constraints : [];
  return parseConstraints(declared, null, patch.loc, problems, node);
}

function normalizeConfig(raw: Record<string, unknown>): NodeConfig {
  const tags = raw.tags;
  // Key by key, in the order `{...raw, enabled, materialized, tags, meta}` gives: V8 copies a
  // spread followed by more keys slowly, and this runs for every node.
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(raw)) out[k] = raw[k];
  out.enabled = raw.enabled !== false;
  out.materialized = String(raw.materialized ?? 'view');
  out.tags = Array.isArray(tags) ? tags.map(String) : typeof tags === 'string' ? [tags] : [];
  out.meta = (raw.meta as Record<string, unknown>) ?? {};
  return out as NodeConfig;
}

/** A package's own naming macro, else the root project's (dbt's rule); undefined: the default rule. */
function namingMacroCaller(engine: TemplateEngine, deps: ContextDeps, profileName: string, projectName: string, rootPackage?: string): NamingMacroCall {
  // Asked three times for each of 40,000 nodes; no macro is added while a project is parsed.
  const owners = new Map<string, string | undefined>();
  return (macro, args) => {
    let owner = owners.get(macro);
    if (owner === undefined && !owners.has(macro)) {
      owner = engine.hasMacro(macro, projectName) ? projectName : rootPackage && engine.hasMacro(macro, rootPackage) ? rootPackage : undefined;
      owners.set(macro, owner);
    }
    if (owner === undefined) return undefined;
    const out = engine.callMacro(macro, args, yamlContext(deps, profileName, ''), owner);
    return out === undefined || out === null ? undefined : String(out).trim();
  };
}

/** Line of the first match in a file's text (1-based), for errors about a call in a template. */
export function lineOf(text: string, re: RegExp): number | undefined {
  // search(), not exec(): only the place is needed, no match array (one per config() call).
  const at = text.search(re);
  if (at < 0) return undefined;
  let line = 1;
  for (let i = 0; i < at; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function label(node: ParsedNode): string {
  const kind = node.resourceType === 'test' ? 'Test' : node.resourceType === 'seed' ? 'Seed' : node.resourceType === 'snapshot' ? 'Snapshot' : node.resourceType === 'analysis' ? 'Analysis' : 'Model';
  return `${kind} '${node.name}'`;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const NO_CONSTRAINTS: readonly ConstraintDef[] = [];

function hasKeys(o: Readonly<Record<string, unknown>>): boolean {
  for (const _ in o) return true;
  return false;
}

/**
 * Parent ids without repeats, in the order first added. Most nodes have a handful: an array
 * searched in place, instead of a Set per node (40,000 of them on every re-parse in kiln watch);
 * a Set takes over for long lists.
 */
class EdgeList {
  readonly list: string[];
  private set: Set<string> | null = null;

  constructor(initial: readonly string[]) {
    this.list = [];
    for (const id of initial) this.add(id);
  }

  add(id: string): void {
    if (this.set) {
      if (this.set.has(id)) return;
      this.set.add(id);
    } else {
      if (this.list.includes(id)) return;
      if (this.list.length >= 16) this.set = new Set([...this.list, id]);
    }
    this.list.push(id);
  }
}

/** Whether a node has any constraint (without allocating allConstraints' list for the 40,000 that have none). */
function hasConstraints(node: ParsedNode): boolean {
  if (node.constraints?.length) return true;
  for (const k in node.columns) if (node.columns[k]!.constraints?.length) return true;
  return false;
}

/** Some nodes of a manifest to resolve (kiln watch's incremental re-parse); exposures are left as they are (resolveExposures). */
export interface ResolveScope {
  readonly nodes: readonly ParsedNode[];
  /** An index of the manifest's names made earlier, still true of it. */
  readonly index?: RefIndex;
}

/**
 * Turns recorded refs and sources into dependency edges; unknown names get a suggestion. With
 * installed packages a name resolves in the referring node's package first, then the root
 * project, then any package (core/packages/ref-index.ts).
 */
export function resolveDependencies(manifest: Manifest, problems: Problems, restricted: ReadonlySet<string> = NO_PACKAGES, scope?: ResolveScope): void {
  const only = scope?.nodes;
  const index = scope?.index ?? new RefIndex(manifest);
  checkGroups(only ?? manifest.nodes.values(), manifest, problems);
  // Only an unknown ref needs every name (for a suggestion): made then, not on every parse.
  let byName: Set<string> | undefined;

  for (const node of only ?? manifest.nodes.values()) {
    const deps = new EdgeList(node.dependsOn.nodes);
    for (const r of node.refs) {
      const target = index.ref(r, node.packageName);
      if (target) {
        deps.add(target.uniqueId);
        const denied = accessDenied(node, target, restricted);
        if (denied) problems.error(denied);
        if (target.deprecationDate && node.resourceType !== 'test' && pastDate(target.deprecationDate)) {
          problems.warn(new KilnError(Codes.REF_DEPRECATED, `${label(node)} refs ${target.name}${target.version !== undefined ? ` v${target.version}` : ''}, deprecated since ${target.deprecationDate}`, {
            loc: { file: node.originalFilePath },
            node: node.uniqueId,
            hint: target.latestVersion !== undefined && String(target.latestVersion) !== String(target.version) ? `Move to its latest version: ref('${target.name}') (v${target.latestVersion}).` : `Ask its owners what replaces it, or remove the ref.`,
          }));
        }
        continue;
      }
      const line = lineOf(node.rawCode, new RegExp(`ref\\s*\\(\\s*(['"][^'"]*['"]\\s*,\\s*)?['"]${escapeRe(r.name)}['"]`));
      const loc = { file: node.originalFilePath, line };
      const disabled = index.disabledRef(r, node.packageName);
      if (disabled) {
        problems.error(new KilnError(Codes.REF_UNKNOWN, `${label(node)} depends on '${r.name}', which is disabled`, {
          loc,
          node: node.uniqueId,
          hint: `Enable ${disabled.originalFilePath} (its \`enabled\` config is false) or remove the ref.`,
        }));
        continue;
      }
      const versions = index.versionsOf(r.name);
      if (versions.length) {
        problems.error(new KilnError(Codes.REF_UNKNOWN, `${label(node)} depends on ${r.version === undefined ? 'the latest version' : `version ${r.version}`} of '${r.name}', which does not exist`, {
          loc,
          node: node.uniqueId,
          hint: `'${r.name}' has versions ${versions.sort(compareVersions).join(', ')}${r.version === undefined ? ': give its latest_version a model file, or ref one of those with v=.' : `; declare v: ${r.version} under its \`versions:\` or ref one of those.`}`,
        }));
        continue;
      }
      byName ??= new Set(index.names());
      const candidates = [...byName].filter((k) => k !== node.name);
      const near = candidates.length ? closest(r.name, candidates) : undefined;
      problems.error(new KilnError(Codes.REF_UNKNOWN, `${label(node)} depends on '${r.package ? `${r.package}.` : ''}${r.name}', which was not found`, {
        loc,
        node: node.uniqueId,
        hint: near && distance(near, r.name) <= Math.max(3, r.name.length / 3) ? `Did you mean ref('${near}')?` : `No model, seed or snapshot is named '${r.name}'.`,
      }));
    }
    for (const [src, table] of node.sources) {
      const id = index.source(src, table, node.packageName)?.uniqueId;
      if (id) {
        deps.add(id);
        continue;
      }
      const line = lineOf(node.rawCode, new RegExp(`source\\s*\\(\\s*['"]${escapeRe(src)}['"]\\s*,\\s*['"]${escapeRe(table)}['"]`));
      const candidates = index.sourceKeys();
      const near = candidates.length ? closest(`${src}.${table}`, candidates) : undefined;
      problems.error(new KilnError(Codes.SOURCE_UNKNOWN, `${label(node)} depends on source '${src}.${table}', which was not found`, {
        loc: { file: node.originalFilePath, line },
        node: node.uniqueId,
        hint: near ? `Did you mean source('${near.split('.')[0]}', '${near.split('.').slice(1).join('.')}')? Sources are declared under \`sources:\` in a YAML file.` : 'Declare it under `sources:` in a YAML file under models/.',
      }));
    }
    // foreign_key `to: ref('x')`: the referenced model is built first (dbt adds it to depends_on).
    for (const c of hasConstraints(node) ? allConstraints(node) : NO_CONSTRAINTS) {
      const ref = c.to === null ? null : parseRefText(c.to);
      if (!ref) continue;
      const target = index.ref(ref, node.packageName);
      if (target && 'alias' in target) {
        if (target.uniqueId !== node.uniqueId) deps.add(target.uniqueId);
        c.toRelation = nodeRelation(target);
      } else {
        problems.error(new KilnError(Codes.REF_UNKNOWN, `${label(node)} has a foreign_key constraint to ${c.to}, which was not found`, {
          loc: c.loc,
          node: node.uniqueId,
          hint: 'A foreign key points at a model, seed or snapshot of the project: check the name in `to:`.',
        }));
      }
    }
    node.dependsOn.nodes = deps.list;
  }
  if (!only) resolveExposures(manifest.exposures?.values() ?? [], index, problems);
  if (manifest.semantic) resolveSemanticLayer(manifest, index, problems);
}

/** Exposures' depends_on → edges (also kiln watch's incremental re-parse of property files declaring them). */
export function resolveExposures(exposures: Iterable<Exposure>, index: RefIndex, problems: Problems): void {
  for (const e of exposures) {
    const deps = new Set<string>();
    for (const r of e.refs) {
      const target = index.ref(r, e.packageName);
      if (target) deps.add(target.uniqueId);
      else problems.error(new KilnError(Codes.REF_UNKNOWN, `Exposure '${e.name}' depends on '${r.package ? `${r.package}.` : ''}${r.name}', which ${index.disabledRef(r, e.packageName) ? 'is disabled' : 'was not found'}`, { loc: e.loc, hint: 'Fix its `depends_on` entry.' }));
    }
    for (const [src, table] of e.sources) {
      const s = index.source(src, table, e.packageName);
      if (s) deps.add(s.uniqueId);
      else problems.error(new KilnError(Codes.SOURCE_UNKNOWN, `Exposure '${e.name}' depends on source '${src}.${table}', which was not found`, { loc: e.loc }));
    }
    e.dependsOn.nodes = [...deps];
  }
}

/** Whether a deprecation date (ISO date or date-time, as YAML gives it) lies before now. */
function pastDate(text: string): boolean {
  const t = Date.parse(text);
  return Number.isFinite(t) && t < Date.now();
}

/** Every `group` a node names is declared; a private model belongs to one. */
function checkGroups(nodes: Iterable<ParsedNode>, manifest: Manifest, problems: Problems): void {
  const declared = new Set([...(manifest.groups?.values() ?? [])].map((g) => g.name));
  for (const n of nodes) {
    const group = n.config.group;
    if (typeof group === 'string' && group && !declared.has(group)) {
      problems.error(new KilnError(Codes.CONFIG_INVALID, `${label(n)} is in group '${group}', which is not declared`, {
        loc: n.patchLoc ?? { file: n.originalFilePath },
        node: n.uniqueId,
        hint: declared.size ? `Declared groups: ${[...declared].join(', ')}. Fix the name or declare it under \`groups:\` in a YAML file.` : `Declare it: \`groups: [{name: ${group}, owner: {email: ...}}]\` in a YAML file.`,
      }));
    }
    if (n.resourceType === 'model' && n.config.access === 'private' && !group) {
      problems.error(new KilnError(Codes.CONFIG_INVALID, `${label(n)} is private but in no group: no other model could ever ref it`, {
        loc: n.patchLoc ?? { file: n.originalFilePath },
        node: n.uniqueId,
        hint: 'Give it a `group:` (or make it `access: protected`, the default).',
      }));
    }
  }
}

const NO_PACKAGES: ReadonlySet<string> = new Set();

/**
 * dbt's access rules for ref(): a private model only from its own group; a protected one (the
 * default) from any package, unless its package sets `restrict-access: true`: then only from
 * inside that package. Tests may ref anything: they check the model, not use it.
 */
function accessDenied(from: ParsedNode, to: ParsedNode, restricted: ReadonlySet<string>): KilnError | null {
  // Called for every ref of every parse (watch re-parses too): the common cases return before any allocation.
  if (to.resourceType !== 'model' || from.resourceType === 'test' || from.resourceType === 'unit_test') return null;
  const access = to.config.access;
  if (access === 'private') {
    if (from.config.group === to.config.group) return null;
    return new KilnError(Codes.ACCESS_DENIED, `${label(from)} refs ${to.name}, which is private to the group '${to.config.group}'`, {
      loc: refLoc(from, to),
      node: from.uniqueId,
      hint: `Only models of group '${to.config.group}' may ref it. Move ${from.name} into that group, or make ${to.name} \`access: protected\` or \`public\`.`,
    });
  }
  if (access === 'public' || restricted.size === 0 || from.packageName === to.packageName || !restricted.has(to.packageName)) return null;
  return new KilnError(Codes.ACCESS_DENIED, `${label(from)} refs ${to.name}, which is protected in package '${to.packageName}' (restrict-access)`, {
    loc: refLoc(from, to),
    node: from.uniqueId,
    hint: `Package '${to.packageName}' sets \`restrict-access: true\`: only its own models may ref its protected models. Ref a public model of it instead, or ask its owners to make ${to.name} \`access: public\`.`,
  });
}

/** Where `from` refs `to`: its file and the line of the ref() call. */
function refLoc(from: ParsedNode, to: ParsedNode): SourceLocation {
  return { file: from.originalFilePath, line: lineOf(from.rawCode, new RegExp(`ref\\s*\\([^)]*['"]${escapeRe(to.name)}['"]`)) };
}

/** Whether two key part lists hold the same strings (identical strings compare at once). */
function tagList(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)];
}

/** A source table's tests' tags from the source and the table (their `tags:`), as dbt chains them; undefined when none. */
function sourceTestTags(sourceTags: readonly string[], tableTags: readonly string[]): readonly string[] | undefined {
  if (sourceTags.length === 0 && tableTags.length === 0) return undefined;
  return [...sourceTags, ...tableTags];
}

function sameParts(a: readonly (string | null)[], b: readonly (string | null)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The manifest entry of a macro a project or package file defines. */
export function macroDef(packageName: string, file: ProjectSourceFile, m: MacroInfo): MacroDef {
  return {
    uniqueId: `macro.${packageName}.${m.name}`,
    name: m.name,
    packageName,
    originalFilePath: file.path,
    // dbt's macro path is the file's path from the project (or package) root, unlike a node's.
    path: file.path,
    macroSql: m.sql,
    arguments: m.arguments,
    description: '',
    loc: { file: file.path, line: m.line },
  };
}

/** `{{ doc('name') }}` / `{{ doc('package', 'name') }}` as a whole output of a description (what dbt's _get_doc_blocks finds). */
const DOC_OUTPUT = /\{\{-?\s*doc\(\s*(['"])([^'"]*)\1\s*(?:,\s*(['"])([^'"]*)\3\s*)?\)\s*-?\}\}/g;

/** The unique ids of the doc blocks a description's doc() outputs resolve to (in the given package, else the project's, else any). */
function docBlocksOf(text: string, docs: ReadonlyMap<string, { readonly name: string }>, projectName: string): string[] | undefined {
  const out: string[] = [];
  for (const m of text.matchAll(DOC_OUTPUT)) {
    const pkg = m[4] === undefined ? undefined : m[2]!;
    const name = m[4] ?? m[2]!;
    let id: string | undefined = `doc.${pkg ?? projectName}.${name}`;
    if (!docs.has(id)) id = pkg === undefined ? [...docs.entries()].find(([, d]) => d.name === name)?.[0] : undefined;
    if (id) out.push(id);
  }
  return out.length ? out : undefined;
}
