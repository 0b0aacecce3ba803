// Which node `ref('x')` / `ref('pkg', 'x')` and `source('s', 't')` mean when packages are
// installed: dbt looks in the referring node's own package first, then the root project, then
// any other package. Names only need to be unique within a package.
import type { Manifest, ParsedNode, RefCall, SourceTable } from '../nodes.js';

const REFABLE = new Set(['model', 'seed', 'snapshot']);

function pick<T extends { packageName: string }>(list: readonly T[] | undefined, pkg: string | undefined, fromPackage: string, rootPackage: string): T | undefined {
  if (!list || list.length === 0) return undefined;
  // The usual case (one node of that name, no package named) is the same answer without a search.
  if (pkg === undefined && list.length === 1) return list[0];
  if (pkg !== undefined) return list.find((n) => n.packageName === pkg);
  return list.find((n) => n.packageName === fromPackage) ?? list.find((n) => n.packageName === rootPackage) ?? list[0];
}

/**
 * Of the nodes sharing a name, those a ref means: `v=` picks that version; without it a versioned
 * model means its latest version. Unversioned nodes are kept as they are.
 */
function versioned(list: readonly ParsedNode[] | undefined, version: string | number | undefined): readonly ParsedNode[] | undefined {
  if (!list || (version === undefined && list.length === 1 && list[0].version === undefined)) return list;
  if (version !== undefined) return list.filter((n) => n.version !== undefined && String(n.version) === String(version));
  return list.filter((n) => n.version === undefined || (n.latestVersion !== undefined && String(n.version) === String(n.latestVersion)));
}

export class RefIndex {
  private readonly nodes = new Map<string, ParsedNode[]>();
  private readonly disabled = new Map<string, ParsedNode[]>();
  private readonly sources = new Map<string, SourceTable[]>();

  constructor(
    manifest: Pick<Manifest, 'nodes' | 'sources' | 'disabled' | 'projectName'>,
    private readonly rootPackage: string = manifest.projectName,
  ) {
    const add = <T>(map: Map<string, T[]>, key: string, v: T) => {
      const l = map.get(key);
      if (l) l.push(v);
      else map.set(key, [v]);
    };
    for (const n of manifest.nodes.values()) if (REFABLE.has(n.resourceType)) add(this.nodes, n.name, n);
    for (const n of manifest.disabled.values()) if (REFABLE.has(n.resourceType)) add(this.disabled, n.name, n);
    for (const s of manifest.sources.values()) add(this.sources, `${s.sourceName}.${s.name}`, s);
  }

  ref(call: RefCall, fromPackage: string): ParsedNode | undefined {
    return pick(versioned(this.nodes.get(call.name), call.version), call.package, fromPackage, this.rootPackage);
  }

  /** A disabled node the ref would have meant (for a clearer error). */
  disabledRef(call: RefCall, fromPackage: string): ParsedNode | undefined {
    return pick(versioned(this.disabled.get(call.name), call.version), call.package, fromPackage, this.rootPackage);
  }

  /** The versions of a versioned model of that name (for an error naming them). */
  versionsOf(name: string): (string | number)[] {
    return (this.nodes.get(name) ?? []).flatMap((n) => (n.version === undefined ? [] : [n.version]));
  }

  source(sourceName: string, tableName: string, fromPackage: string): SourceTable | undefined {
    return pick(this.sources.get(`${sourceName}.${tableName}`), undefined, fromPackage, this.rootPackage);
  }

  names(): string[] {
    return [...this.nodes.keys()];
  }

  sourceKeys(): string[] {
    return [...this.sources.keys()];
  }
}
