// What kiln watch's incremental re-parse (incremental-parse.ts) looks up in the last parse: which
// entries a file has in the project's file list, which nodes a file defines or describes, which
// tests are attached to a node, where each node stands in the manifest's order. Made with one
// pass over the 40,000 nodes of a 10,000-model project the first time a save is re-parsed that
// way, then carried from parse to parse: an incremental re-parse changes no node id, file or
// order (it gives up when it would), so only what a node says of its property file moves.
import type { Manifest } from '../nodes.js';
import { RefIndex } from '../packages/ref-index.js';
import type { ParseMemo } from '../parser/partial/parse-cache.js';
import { fileVolatility } from '../parser/partial/cache-key.js';
import type { LoadedPackage } from '../packages/installed.js';
import type { LoadedProject, ProjectSourceFile } from '../project/types.js';

export interface ParseIndex {
  /** Positions in LoadedProject.files of each path's entries (a property file may also be a doc...). */
  readonly fileEntries: Map<string, number[]>;
  /** Positions of macro and doc block files: every re-parse reads them. */
  readonly sharedFiles: readonly number[];
  /** Positions of property files: a re-parse reads them all (from the cache) when one was saved. */
  readonly propertyFiles: readonly number[];
  /** Ids of the project's own nodes (enabled or not) each file defines (installed packages' are not indexed by file). */
  readonly owners: Map<string, string[]>;
  /** Ids of the unit tests each property file defines, in the manifest's order. */
  readonly unitTestsOf: Map<string, string[]>;
  /** Ids of the tests attached to each node. */
  readonly attached: Map<string, string[]>;
  /** Ids of the nodes (enabled or not) each property file describes (patch_path). */
  readonly patched: Map<string, Set<string>>;
  /**
   * Order of the enabled nodes, and of the disabled ones. Only the project's nodes other than
   * unit tests are looked up (what a scoped parse gives back): unit tests, last of the project's
   * nodes, may come and go (they shift the installed packages' nodes after them).
   */
  readonly position: Map<string, number>;
  readonly disabledPosition: Map<string, number>;
  /** `resourceType\0name` → the files of the nodes of that type and name (several: a versioned model's versions). */
  readonly filesOfName: Map<string, string[]>;
  /**
   * The project's node and property files that read per-invocation values (invocation_id,
   * run_started_at): never cached, a full parse renders them again each time, and so does an
   * incremental one (a property file as if it was saved: what it describes is parsed again).
   */
  readonly volatile: Set<string>;
  /** Why no re-parse can be incremental whatever is saved (a package file reading per-invocation values), or null. */
  readonly blocked: string | null;
  /** Whether the project has unit tests (parsed against the whole manifest). */
  unitTests: boolean;
  /**
   * What refs and sources name. Made of this manifest's nodes, it stays true of the manifests an
   * incremental re-parse makes from it: they have the same names, versions, access, groups and
   * relations (what resolving a ref reads of its target), else the re-parse is a full one; a
   * re-parse that moves a versioned model's latest version makes it again.
   */
  refs: RefIndex;
}

const byManifest = new WeakMap<Manifest, ParseIndex>();

/** The index of `manifest` (parsed from `loaded`), made once. */
export function parseIndexOf(manifest: Manifest, loaded: LoadedProject, packages: readonly LoadedPackage[], cache: ParseMemo): ParseIndex {
  let index = byManifest.get(manifest);
  if (!index) byManifest.set(manifest, (index = buildIndex(manifest, loaded, packages, cache)));
  return index;
}

/** `next` (made by an incremental re-parse of `previous`) shares its index. */
export function carryIndex(previous: Manifest, next: Manifest, index: ParseIndex): void {
  byManifest.delete(previous);
  byManifest.set(next, index);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function buildIndex(manifest: Manifest, loaded: LoadedProject, packages: readonly LoadedPackage[], cache: ParseMemo): ParseIndex {
  const fileEntries = new Map<string, number[]>();
  const sharedFiles: number[] = [];
  const propertyFiles: number[] = [];
  loaded.files.forEach((f, i) => {
    push(fileEntries, f.path, i);
    if (f.kind === 'macro' || f.kind === 'doc') sharedFiles.push(i);
    else if (f.kind === 'properties') propertyFiles.push(i);
  });
  const owners = new Map<string, string[]>();
  const attached = new Map<string, string[]>();
  const unitTestsOf = new Map<string, string[]>();
  const patched = new Map<string, Set<string>>();
  const position = new Map<string, number>();
  const disabledPosition = new Map<string, number>();
  const filesOfName = new Map<string, string[]>();
  let unitTests = false;
  for (const [nodes, pos] of [
    [manifest.nodes, position],
    [manifest.disabled, disabledPosition],
  ] as const) {
    let i = 0;
    for (const n of nodes.values()) {
      pos.set(n.uniqueId, i++);
      if (n.resourceType === 'unit_test') unitTests = true;
      // An installed package's nodes: their files are not the project's (the same relative
      // path may name both), and only a full parse re-reads them.
      if (n.packageName !== manifest.projectName) continue;
      push(owners, n.originalFilePath, n.uniqueId);
      if (n.resourceType === 'unit_test') push(unitTestsOf, n.originalFilePath, n.uniqueId);
      if (n.attachedNode != null) push(attached, n.attachedNode, n.uniqueId);
      if (n.patchPath !== null) addPatched(patched, n.patchPath, n.uniqueId);
      const key = `${n.resourceType}\0${n.name}`;
      const files = filesOfName.get(key);
      if (!files) filesOfName.set(key, [n.originalFilePath]);
      else if (!files.includes(n.originalFilePath)) files.push(n.originalFilePath);
    }
  }
  // Macros reading them do not count: a full parse caches the nodes calling them all the same.
  const volatile = new Set<string>();
  let blocked: string | null = null;
  for (const f of loaded.files) {
    if (f.kind === 'macro' || f.kind === 'doc' || !readsPerInvocation(f, cache)) continue;
    volatile.add(f.path);
  }
  for (const p of packages) for (const f of p.files) if (f.kind !== 'macro' && f.kind !== 'doc' && readsPerInvocation(f, cache)) blocked ??= `${p.displayRoot}/${f.path} reads per-invocation values`;
  return { fileEntries, sharedFiles, propertyFiles, owners, unitTestsOf, attached, patched, position, disabledPosition, filesOfName, volatile, blocked, unitTests, refs: new RefIndex(manifest) };
}

/** Whether the parse renders `f` again on every invocation (fileVolatility), as the last parse found, else from its text. */
function readsPerInvocation(f: ProjectSourceFile, cache: ParseMemo): boolean {
  const known = cache.volatility?.get(f.path);
  if (known && known.contents === f.contents) return known.value === null;
  return fileVolatility(f.contents, {}) === null;
}

export function addPatched(patched: Map<string, Set<string>>, patchPath: string, id: string): void {
  const file = stripPackage(patchPath);
  let set = patched.get(file);
  if (!set) patched.set(file, (set = new Set()));
  set.add(id);
}

/** patch_path may be written `<package>://models/schema.yml`. */
export function stripPackage(p: string): string {
  const i = p.indexOf('://');
  return i === -1 ? p : p.slice(i + 3);
}
