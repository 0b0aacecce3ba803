// kiln watch's re-parse of a save that only touched node files (models, singular tests,
// analyses, seeds, snapshots, property YAML): the previous parse's manifest is kept, only the
// saved files (and the node files a saved YAML describes) are parsed again, and their nodes are
// put in place of the old ones. A full re-parse of 10,000 models walks all 40,000 nodes' cache
// entries (~250 ms); this parses a handful of files against the cached property files.
//
// Correctness first: anything that could reach a node outside the parsed files, or whose result
// might differ from a parse from scratch, answers null and the caller parses the project in
// full: a file added, deleted or of another kind (project file, macro, doc block, profile, a
// file of an installed package), an installed package's file reading per-invocation values,
// groups in a saved property file (or an installed package's semantic layer), a node appearing,
// disappearing or moving (a version renamed), a change of a node's relation name, access, group
// or deprecation, a unit test whose inputs are no longer its model's, and any problem that the
// last parse did not have (the full parse then reports it, exactly as a cold one). Unit tests,
// exposures and the semantic layer of saved property files are made again; a versioned model's
// latest version may move (what refs it is parsed again). The last parse's warnings are kept
// when the files parsed again give the same ones: a project with a standing warning (an unused
// config path, a deprecated ref) re-parses its saves alone too.
import { randomUUID } from 'node:crypto';
import { Problems, type KilnError } from '../errors.js';
import { Dag } from '../graph/dag.js';
import type { Manifest, ParsedNode } from '../nodes.js';
import { parseProject, resolveDependencies, resolveExposures, type ParseInput } from '../parser/parse-project.js';
import { RefIndex } from '../packages/ref-index.js';
import { packageScope, rootUnitInput } from '../packages/parse-packages.js';
import type { PartialParseState } from '../parser/partial/state.js';
import { readSourceFile, type ReadResult } from '../project/discover.js';
import type { FileKind, LoadedProject, ProjectSourceFile } from '../project/types.js';
import { parseYaml } from '../project/yaml-file.js';
import type { Session } from '../cli/session.js';
import type { SemanticLayer } from '../semantic/types.js';
import { Timings } from '../cli/timings.js';
import { addPatched, carryIndex, parseIndexOf, stripPackage, type ParseIndex } from './parse-index.js';
import { unitTestsAgain } from './unit-tests-again.js';

/** Kinds of files whose only effect is the nodes they define or describe. */
const NODE_KINDS: ReadonlySet<FileKind> = new Set(['model', 'seed', 'snapshot', 'test', 'analysis', 'properties']);
/**
 * What a saved property file may declare to be re-parsed alone: its nodes' entries, sources,
 * exposures and the semantic layer (every property file is parsed again with it: both are made
 * again and resolved) and unit tests (unit-tests-again.ts). Groups reach other nodes' access: a
 * full parse.
 */
const PROPERTY_KEYS: ReadonlySet<string> = new Set(['version', 'models', 'seeds', 'snapshots', 'sources', 'exposures', 'unit_tests', 'semantic_models', 'metrics', 'saved_queries']);
const DESCRIBED_KINDS = { models: 'model', seeds: 'seed', snapshots: 'snapshot' } as const;

export interface IncrementalInput {
  /** The last successful parse: clean (no error); left as it was whatever the answer. */
  readonly previous: Session;
  /** Files saved since that parse, relative to the project root ('/'-separated). */
  readonly changedFiles: ReadonlySet<string>;
  /** The watch's partial-parsing state: its in-memory cache serves every file not saved. */
  readonly state: PartialParseState;
}

/** Why the last call answered null (for tests); null after a success. */
export let lastFallback: string | null = null;

/** The session after the saves, or null when only a full re-parse gives the right answer. */
export function incrementalReparse(input: IncrementalInput): Session | null {
  const out = attempt(input);
  lastFallback = typeof out === 'string' ? out : null;
  return typeof out === 'string' ? null : out;
}

/**
 * Makes the index an incremental re-parse of `session` needs, soon and off the path of a save:
 * the watch calls it after each full parse, so the first save after one does not pay for it.
 */
export function prepareIncremental(session: Session, state: PartialParseState): void {
  const cache = state.cache;
  if (!cache) return;
  setTimeout(() => parseIndexOf(session.manifest, session.loaded, session.packages, cache), 0).unref();
}

function attempt({ previous, changedFiles, state }: IncrementalInput): Session | string {
  const prev = previous.manifest;
  const cache = state.cache;
  if (!cache) return 'partial parsing is off';
  if (changedFiles.size === 0) return 'no file saved';
  const index = parseIndexOf(prev, previous.loaded, previous.packages, cache);
  if (index.blocked) return index.blocked;

  // The saved files' entries in the project's file list, read again.
  const files = previous.loaded.files.slice();
  const reads = new Map<string, ReadResult>();
  const savedProps: ProjectSourceFile[] = [];
  for (const file of changedFiles) {
    const at = index.fileEntries.get(file);
    if (!at) return `${file} is not a file of the last parse (added, or not a node file)`;
    for (const i of at) if (files[i]!.packageName !== undefined || !NODE_KINDS.has(files[i]!.kind)) return `${file} is a ${files[i]!.kind} file`;
    let read;
    try {
      read = readSourceFile(files[at[0]!]!.absPath, file, at.every((i) => files[i]!.kind === 'seed'));
    } catch {
      return `${file} cannot be read (deleted?)`;
    }
    reads.set(file, read);
    for (const i of at) {
      files[i] = { ...files[i]!, contents: read.contents, checksum: read.checksum, dbtChecksum: read.dbtChecksum };
      if (files[i]!.kind === 'properties') savedProps.push(files[i]!);
    }
  }
  // A property file reading per-invocation values is rendered again by every parse: as if saved.
  for (const file of index.volatile) {
    if (changedFiles.has(file)) continue;
    for (const i of index.fileEntries.get(file) ?? []) if (files[i]!.kind === 'properties') savedProps.push(files[i]!);
  }

  // The files to parse again: the saved ones, and the node files a saved property file describes (before and after).
  // ... and those rendered again on every parse, as a full parse does.
  const scope = new Set([...changedFiles, ...index.volatile]);
  let declared: Declared = { names: new Set(), versioned: new Set(), unitTests: new Set() };
  // Versioned models whose latest version may move: what refs them is parsed again with them.
  let refersToVersioned = new Set<string>();
  if (savedProps.length) {
    const found = describedNames(savedProps);
    if (typeof found === 'string') return found;
    declared = found;
    for (const key of declared.names) {
      const files = index.filesOfName.get(key);
      if (files === undefined) return `a saved property file describes ${key.replace('\0', ' ')}, which does not exist`;
      for (const file of files) scope.add(file);
    }
    for (const f of savedProps) for (const id of index.patched.get(f.path) ?? []) scope.add((prev.nodes.get(id) ?? prev.disabled.get(id))!.originalFilePath);
    if (declared.versioned.size) {
      const referrers = filesReferring(prev, declared.versioned);
      if (typeof referrers === 'string') return referrers;
      for (const f of referrers) scope.add(f);
      refersToVersioned = declared.versioned;
    }
  }
  const loaded: LoadedProject = { ...previous.loaded, files };
  // The nodes these files define now are the nodes they defined before (else the answer is a
  // full parse); the tests attached to them too.
  const owned: string[] = [];
  for (const f of scope) for (const id of index.owners.get(f) ?? []) if (prev.nodes.get(id)?.resourceType !== 'unit_test') owned.push(id);
  // Unit tests are made from the whole manifest, not from a file: the ones of re-parsed models are kept and checked below.
  for (const id of owned.slice()) for (const t of index.attached.get(id) ?? []) if (prev.nodes.get(t)?.resourceType !== 'unit_test') owned.push(t);
  // Every property file when one was saved (an entry may now clash with another file's, a source
  // may have changed); else those describing the files' nodes, whose entries those nodes read.
  const subFiles = [...index.sharedFiles];
  if (savedProps.length) subFiles.push(...index.propertyFiles);
  else {
    const describing = new Set<string>();
    for (const id of owned) {
      const patchPath = (prev.nodes.get(id) ?? prev.disabled.get(id))?.patchPath;
      if (patchPath) describing.add(stripPackage(patchPath));
    }
    for (const f of describing) for (const i of index.fileEntries.get(f) ?? []) if (files[i]!.kind === 'properties') subFiles.push(i);
  }
  for (const f of scope) for (const i of index.fileEntries.get(f) ?? []) if (!NOT_NODES.has(files[i]!.kind)) subFiles.push(i);
  subFiles.sort((a, b) => a - b);

  // The previous parse's engine and template environment: no macro changed, and compiling
  // dbt's and the adapter's macros again for a new one costs more than the parse of a file. A
  // parse sees them as a parse from scratch does (no manifest, nothing selected).
  const { engine, jinja, adapter } = previous;
  jinja.manifest = null;
  jinja.selectedResources = [];
  const invocationId = randomUUID();
  const startedAt = new Date();
  const before = cache.stats();
  const timings = new Timings();
  timings.begin('parse');
  const input: ParseInput = {
    loaded: { ...loaded, files: subFiles.map((i) => files[i]!) },
    profile: previous.profile,
    engine,
    dialect: adapter.dialect,
    invocationId,
    runStartedAt: startedAt,
    flags: previous.deps.flags,
    staticFastPath: previous.staticFastPath,
    jinja,
    cache,
    scoped: true,
  };
  // With installed packages the project is parsed as parseWithPackages parses its own unit.
  const packages = previous.packages.length ? packageScope(previous.loaded, previous.packages) : null;
  const parsed = parseProject(packages ? rootUnitInput(input, packages, input.loaded.files) : input);
  // From here on a null answer leaves the previous session's environment as it was.
  jinja.manifest = prev;
  if (parsed.problems.errors.length) return 'the saved files have problems (the full parse reports them)';
  const newWarnings = parsed.problems.warnings.filter((w) => !loaded.warnings.includes(w));
  const part = parsed.manifest;

  // The old nodes these replace: those of the files parsed again, the tests attached to them,
  // and any other node the part has (sources' tests). Same nodes, same order.
  if (!sameNodes(part.nodes, prev.nodes, index.position, owned) || !sameNodes(part.disabled, prev.disabled, index.disabledPosition, owned)) return 'a node appeared, disappeared or moved';
  let sameEdges = true;
  let latestMoved = false;
  for (const now of [...part.nodes.values(), ...part.disabled.values()]) {
    const old = (prev.nodes.get(now.uniqueId) ?? prev.disabled.get(now.uniqueId))!;
    // The same node, not another of the same id (a test given the `name:` of one elsewhere: a
    // duplicate that a full parse reports).
    if (now.originalFilePath !== old.originalFilePath || (now.attachedNode ?? null) !== (old.attachedNode ?? null)) return `${now.uniqueId} now comes from another file or node`;
    // What other nodes' parse reads of this one: refs to it resolve, and are allowed, by these.
    if (now.database !== old.database || now.schema !== old.schema || now.alias !== old.alias) return `${old.name}'s relation changed`;
    if (now.config.access !== old.config.access || now.config.group !== old.config.group || now.deprecationDate !== old.deprecationDate || now.version !== old.version) {
      return `${old.name}'s access, group, version or deprecation changed`;
    }
    if (now.latestVersion !== old.latestVersion) {
      // What refs it without a version now means another node: parsed again here when the save
      // declared its versions (filesReferring); exposures and the semantic layer are resolved
      // again with any saved property file.
      if (!refersToVersioned.has(old.name)) return `${old.name}'s latest version changed (the full parse resolves what refs it)`;
      latestMoved = true;
    }
  }
  // The project's sources come first, then installed packages' (parseWithPackages).
  const ownSources = packages ? new Map([...prev.sources].filter(([, s]) => s.packageName === prev.projectName)) : prev.sources;
  if (savedProps.length && !sameKeys(ownSources, part.sources)) return 'a source appeared, disappeared or moved';

  // The new manifest: the previous one with the parsed nodes in place (same keys: same order),
  // and nothing kept from the previous build (compile records compiledCode on what it compiles).
  const nodes = new Map(prev.nodes);
  for (const [id, n] of nodes) if (n.compiledCode !== undefined) nodes.set(id, withoutCompiled(n));
  for (const [id, n] of part.nodes) nodes.set(id, n);
  // What a saved file declares beyond nodes: parsed again whenever a property file was saved
  // (the part holds every property file's), resolved below against the new manifest.
  let exposures = prev.exposures;
  if (savedProps.length) {
    const next = new Map(part.exposures ?? []);
    // Installed packages' exposures come after the project's (parseWithPackages).
    for (const [id, e] of prev.exposures ?? []) if (e.packageName !== prev.projectName) next.set(id, e);
    exposures = next.size ? next : undefined;
  }
  let disabled = prev.disabled;
  if (part.disabled.size) {
    disabled = new Map(prev.disabled);
    for (const [id, n] of part.disabled) disabled.set(id, n);
  }
  let sources = prev.sources;
  if (savedProps.length) {
    sources = new Map(part.sources);
    if (packages) for (const [id, s] of prev.sources) if (s.packageName !== prev.projectName) sources.set(id, s);
  }
  // The semantic layer too (time spines are model entries' `time_spine:`); installed packages'
  // layers are merged into the project's by a full parse only.
  let semantic = prev.semantic;
  if (savedProps.length && (prev.semantic || part.semantic)) {
    if (prev.semantic && hasPackageEntries(prev.semantic, prev.projectName)) return 'an installed package has a semantic layer (the full parse merges it with the project\'s)';
    semantic = part.semantic;
  }
  const manifest: Manifest = { ...prev, nodes, disabled, sources };
  // (Absent rather than undefined when there are none, as in a parse from scratch.)
  if (exposures !== prev.exposures) {
    if (exposures) manifest.exposures = exposures;
    else delete manifest.exposures;
  }
  if (semantic !== prev.semantic) {
    if (semantic) manifest.semantic = semantic;
    else delete manifest.semantic;
  }
  const problems = new Problems();
  // A latest version moved: refs without a version mean another node now.
  const refs = latestMoved ? new RefIndex(manifest) : index.refs;
  resolveDependencies(manifest, problems, packages?.restricted, { nodes: [...part.nodes.values()], index: refs });
  if (problems.errors.length) return 'a parsed node or the semantic layer does not resolve (the full parse reports it)';
  if (savedProps.length && part.exposures) {
    resolveExposures(part.exposures.values(), refs, problems);
    if (problems.errors.length) return 'an exposure does not resolve (the full parse reports it)';
  }
  // Unit tests of the saved property files that declare or declared some, made again.
  let unitTests: ParsedNode[] | null = null;
  const unitTestFiles = savedProps.filter((f) => declared.unitTests.has(f.path) || index.unitTestsOf.has(f.path));
  if (unitTestFiles.length) {
    const oldOf = (file: string) => (index.unitTestsOf.get(file) ?? []).map((id) => prev.nodes.get(id)!);
    const made = unitTestsAgain({ manifest, saved: unitTestFiles, propertyFiles: index.propertyFiles.map((i) => files[i]!.path), oldOf });
    if (typeof made === 'string') return made;
    unitTests = made;
    const before = index.propertyFiles.flatMap((i) => index.unitTestsOf.get(files[i]!.path) ?? []);
    if (sameList(before, made.map((t) => t.uniqueId))) for (const t of made) nodes.set(t.uniqueId, t);
    else {
      // Unit tests are the project's last nodes, before installed packages' (parseWithPackages).
      manifest.nodes = withUnitTests(nodes, made, prev.projectName);
      sameEdges = false;
    }
  }
  if (!sameWarnings(previous.warnings, [...newWarnings, ...problems.warnings], new Set([...changedFiles, ...savedProps.map((f) => f.path)]), loaded.warnings)) return 'the warnings changed (the full parse reports them)';
  for (const now of part.nodes.values()) if (!sameList(now.dependsOn.nodes, prev.nodes.get(now.uniqueId)!.dependsOn.nodes)) sameEdges = false;
  // (Those of the files whose unit tests were made again were checked against the new models then.)
  const remade = new Set(unitTestFiles.map((f) => f.path));
  if (index.unitTests) for (const now of part.nodes.values()) if (!unitTestsHold(now, index.attached.get(now.uniqueId), prev, remade)) return `a unit test of ${now.name} names an input it no longer has (the full parse reports it)`;
  let dag = previous.dag;
  if (!sameEdges) {
    try {
      dag = Dag.fromManifest(manifest);
    } catch {
      return 'the graph does not check (the full parse reports it)';
    }
  }
  timings.end();

  // Success: the state and the index follow.
  jinja.manifest = manifest;
  // What was read is what the next full parse finds (a file saved again is invalidated by the watch).
  for (const [file, read] of reads) state.set(file, read);
  updatePatched(index, [...part.nodes.values(), ...part.disabled.values()], prev);
  if (unitTests) updateUnitTests(index, unitTestFiles.map((f) => f.path), unitTests, prev);
  if (latestMoved) index.refs = refs;
  for (const f of changedFiles) {
    if (cache.volatility?.get(f)?.key === null) index.volatile.add(f);
    else index.volatile.delete(f);
  }
  carryIndex(prev, manifest, index);
  return {
    ...previous,
    loaded,
    manifest,
    dag,
    deps: parsed.deps,
    warnings: previous.warnings,
    invocationId,
    startedAt,
    timings,
    incremental: { from: prev, reparsed: new Set([...part.nodes.keys(), ...part.disabled.keys(), ...(unitTests ?? []).map((t) => t.uniqueId)]), nodesOf: (file) => index.owners.get(file) ?? [] },
    // This re-parse's figures (the cache counts on from the last full parse).
    parseCacheStats: { ...cache.stats(), hits: cache.stats().hits - before.hits, misses: cache.stats().misses - before.misses },
  };
}

/**
 * Whether the files parsed again warn as they did in the last parse, so its warnings, in its
 * order, are what a full parse would report: every warning the re-parse gave was given before,
 * and every earlier warning of a saved file (or of no file, but the project file's) was given
 * again. A file read again unsaved keeps its earlier warnings unless it gave some but not those:
 * the checks of a whole project (an entry describing no node) do not run on a part of it, and
 * what they found of an unchanged file still holds, since no node came or went.
 */
function sameWarnings(before: readonly KilnError[], now: readonly KilnError[], saved: ReadonlySet<string>, projectWarnings: readonly KilnError[]): boolean {
  const text = (w: KilnError) => `${w.code}\0${w.message}\0${w.loc?.file ?? ''}\0${w.loc?.line ?? ''}\0${w.hint ?? ''}`;
  const given = new Set(now.map(text));
  const had = new Set(before.map(text));
  for (const t of given) if (!had.has(t)) return false;
  const warnedAgain = new Set(now.map((w) => w.loc?.file));
  for (const w of before) {
    if (projectWarnings.includes(w)) continue;
    const file = w.loc?.file;
    if ((file === undefined || saved.has(file) || warnedAgain.has(file)) && !given.has(text(w))) return false;
  }
  return true;
}

/**
 * Whether the unit tests of a re-parsed model still hold: each of their inputs is still one of
 * its refs or sources (what parse-unit-tests checks of a model; its name, relation and the set
 * of nodes are unchanged, else the re-parse is a full one). Those kept: the unit tests of the
 * files in `remade` were made again, against the model as it is now.
 */
function unitTestsHold(model: ParsedNode, attached: readonly string[] | undefined, prev: Manifest, remade: ReadonlySet<string>): boolean {
  for (const id of attached ?? []) {
    const old = prev.nodes.get(id);
    const def = old?.unitTest;
    if (!def || remade.has(old.originalFilePath)) continue;
    for (const g of def.given) {
      if (g.ref !== undefined && !model.refs.some((r) => r.name === g.ref)) return false;
      if (g.source !== undefined && !model.sources.some(([a, b]) => a === g.source![0] && b === g.source![1])) return false;
    }
  }
  return true;
}

const NOT_NODES: ReadonlySet<FileKind> = new Set(['macro', 'doc', 'properties']);

/**
 * Whether `part` holds exactly the nodes of `old` that it replaces (its own ids and `owned`), in
 * the order they stand in `old`.
 */
function sameNodes(part: ReadonlyMap<string, ParsedNode>, old: ReadonlyMap<string, ParsedNode>, position: ReadonlyMap<string, number>, owned: readonly string[]): boolean {
  for (const id of owned) if (old.has(id) && !part.has(id)) return false;
  let last = -1;
  for (const id of part.keys()) {
    const at = position.get(id);
    if (at === undefined || at <= last) return false;
    last = at;
  }
  return true;
}

/** What saved property files declare. */
interface Declared {
  /** `kind\0name` of every entry they describe. */
  readonly names: Set<string>;
  /** Models they give `versions:`. */
  readonly versioned: Set<string>;
  /** The files among them with `unit_tests:` entries. */
  readonly unitTests: Set<string>;
}

/** What the property files declare; a reason when they cannot be re-parsed alone. */
function describedNames(files: readonly ProjectSourceFile[]): Declared | string {
  const out: Declared = { names: new Set(), versioned: new Set(), unitTests: new Set() };
  for (const f of files) {
    let value: unknown;
    try {
      value = parseYaml(f.contents, f.path, { fast: true }).value;
    } catch {
      return `${f.path} does not parse`;
    }
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) return `${f.path} is not a mapping`;
    for (const [key, entries] of Object.entries(value as Record<string, unknown>)) {
      if (!PROPERTY_KEYS.has(key)) return `${f.path} declares ${key}`;
      if (key === 'unit_tests' && Array.isArray(entries) && entries.length) out.unitTests.add(f.path);
      if (!(key in DESCRIBED_KINDS) || entries === null) continue;
      if (!Array.isArray(entries)) return `${f.path}: ${key} is not a list`;
      for (const e of entries) {
        const entry = e && typeof e === 'object' && !Array.isArray(e) ? (e as Record<string, unknown>) : null;
        if (!entry || typeof entry.name !== 'string' || entry.name.includes('{')) return `${f.path}: an entry without a plain name`;
        if (key === 'models' && ('versions' in entry || 'latest_version' in entry)) out.versioned.add(entry.name);
        out.names.add(`${DESCRIBED_KINDS[key as keyof typeof DESCRIBED_KINDS]}\0${entry.name}`);
      }
    }
  }
  return out;
}

/**
 * The files to parse again so that what refs `models` (versioned: which node a ref without a
 * version means follows latest_version) is resolved again: the files of the project's nodes
 * referring to them, or of the nodes their tests are attached to (a test is made with its node;
 * a source's tests are made with every property file; so are the project's exposures). A reason
 * when an installed package's node or exposure refers to one (only a full parse parses it again).
 */
function filesReferring(prev: Manifest, models: ReadonlySet<string>): Set<string> | string {
  const out = new Set<string>();
  for (const n of prev.nodes.values()) {
    if (!n.refs.some((r) => models.has(r.name))) continue;
    if (n.packageName !== prev.projectName) return `${n.uniqueId} of an installed package refs a versioned model of a saved file`;
    if (n.attachedNode == null) out.add(n.originalFilePath);
    else {
      const to = prev.nodes.get(n.attachedNode) ?? prev.disabled.get(n.attachedNode);
      if (to) out.add(to.originalFilePath);
    }
  }
  for (const e of prev.exposures?.values() ?? []) {
    if (e.packageName !== prev.projectName && e.refs.some((r) => models.has(r.name))) return `${e.uniqueId} of an installed package refs a versioned model of a saved file`;
  }
  return out;
}

function hasPackageEntries(layer: SemanticLayer, projectName: string): boolean {
  const other = (e: { readonly packageName: string }) => e.packageName !== projectName;
  return [...layer.semanticModels.values()].some(other) || [...layer.metrics.values()].some(other) || [...layer.savedQueries.values()].some(other) || layer.timeSpines.some(other);
}

/** `nodes` with the project's unit tests replaced by `tests`, where a full parse puts them: after the project's other nodes. */
function withUnitTests(nodes: ReadonlyMap<string, ParsedNode>, tests: readonly ParsedNode[], projectName: string): Map<string, ParsedNode> {
  const out = new Map<string, ParsedNode>();
  let placed = false;
  const place = () => {
    placed = true;
    for (const t of tests) out.set(t.uniqueId, t);
  };
  for (const [id, n] of nodes) {
    if (n.packageName === projectName) {
      if (n.resourceType !== 'unit_test') out.set(id, n);
      continue;
    }
    if (!placed) place();
    out.set(id, n);
  }
  if (!placed) place();
  return out;
}

/** The index after the unit tests of `files` were made again (`tests`: all of the project's). */
function updateUnitTests(index: ParseIndex, files: readonly string[], tests: readonly ParsedNode[], prev: Manifest): void {
  const saved = new Set(files);
  for (const file of files) {
    const kept: string[] = [];
    for (const id of index.owners.get(file) ?? []) {
      const old = prev.nodes.get(id);
      if (old?.resourceType !== 'unit_test') kept.push(id);
      else if (old.attachedNode != null) {
        const list = index.attached.get(old.attachedNode);
        if (list) index.attached.set(old.attachedNode, list.filter((x) => x !== id));
      }
    }
    index.owners.set(file, kept);
    index.unitTestsOf.delete(file);
  }
  for (const t of tests) {
    if (!saved.has(t.originalFilePath)) continue;
    index.owners.get(t.originalFilePath)!.push(t.uniqueId);
    const ofFile = index.unitTestsOf.get(t.originalFilePath);
    if (ofFile) ofFile.push(t.uniqueId);
    else index.unitTestsOf.set(t.originalFilePath, [t.uniqueId]);
    if (t.attachedNode != null) {
      const list = index.attached.get(t.attachedNode);
      if (list) list.push(t.uniqueId);
      else index.attached.set(t.attachedNode, [t.uniqueId]);
    }
    index.unitTests = true;
  }
}

/** Moves the re-parsed nodes to the property files that now describe them. */
function updatePatched(index: ParseIndex, nodes: readonly ParsedNode[], prev: Manifest): void {
  for (const now of nodes) {
    const old = prev.nodes.get(now.uniqueId) ?? prev.disabled.get(now.uniqueId);
    if (old?.patchPath === now.patchPath) continue;
    if (old?.patchPath) index.patched.get(stripPackage(old.patchPath))?.delete(now.uniqueId);
    if (now.patchPath) addPatched(index.patched, now.patchPath, now.uniqueId);
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
}

function sameKeys(a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  const ka = a.keys();
  for (const k of b.keys()) if (ka.next().value !== k) return false;
  return true;
}

function withoutCompiled(n: ParsedNode): ParsedNode {
  const { compiledCode: _, extraCtes: __, ...rest } = n;
  return rest;
}
