// The filter box evaluates `--select` / `--exclude` with the CLI's own selection code
// (core/selection, bundled into the site), on a manifest rebuilt from the site's data: every
// field a selector method reads is there (fqn, tags, paths and patch paths, package, configs,
// source names, test names, edges). `result:` reads the latest recorded run, as the CLI reads
// target/run_results.json; `state:` and `source_status:` need artifacts the site does not have.
import { Codes, KilnError } from '../../../errors.js';
import type { Exposure, Manifest, ParsedNode, SourceTable } from '../../../nodes.js';
import type { StateAccess } from '../../../selection/match.js';
import { resolveSelection } from '../../../selection/select.js';
import type { Store } from '../data.js';

/** The project root the site pretends to have, for `path:` specs (which are project-relative). */
const ROOT = '/project';

export class Selector {
  private manifest: Manifest | null = null;

  constructor(private readonly store: Store) {}

  /** Node indices selected by the specs (space-separated union, comma intersection, as on the CLI). */
  select(select: string, exclude: string): Set<number> {
    const result = resolveSelection(this.build(), { select: select.trim() ? [select] : [], exclude: exclude.trim() ? [exclude] : [] }, { root: ROOT, state: this.state() });
    const out = new Set<number>();
    for (const id of result.selected) {
      const i = this.store.byId.get(id);
      if (i !== undefined) out.add(i);
    }
    return out;
  }

  private state(): StateAccess {
    const { core } = this.store;
    const latest = core.runs.length - 1;
    const unavailable = (what: string) => () => {
      throw new KilnError(Codes.STATE_MISSING, `${what} selection is not available in the docs site`, { hint: 'Use it on the command line with --state <dir>.' });
    };
    return {
      state: unavailable('state:'),
      sourceStatus: unavailable('source_status:'),
      result: (status) => new Set(core.nodes.filter((n) => n.last && n.last[2] === latest && n.last[0] === status).map((n) => n.id)),
    };
  }

  private build(): Manifest {
    if (this.manifest) return this.manifest;
    const { core } = this.store;
    const nodes = new Map<string, ParsedNode>();
    const sources = new Map<string, SourceTable>();
    const exposures = new Map<string, Exposure>();
    core.nodes.forEach((n, i) => {
      const config = { ...core.configs[n.cfg], tags: this.store.tags(i) };
      const common = {
        uniqueId: n.id,
        resourceType: n.type,
        packageName: n.pkg,
        name: n.name,
        originalFilePath: n.file,
        path: n.file,
        fqn: n.fqn,
        config,
        tags: this.store.tags(i),
        patchPath: n.patch ?? null,
        dependsOn: { nodes: n.parents.map((p) => core.nodes[p].id), macros: [] },
      };
      // Only the fields selection reads are filled in; the casts say so.
      if (n.type === 'source') sources.set(n.id, { ...common, sourceName: n.src ?? '' } as unknown as SourceTable);
      else if (n.type === 'exposure') exposures.set(n.id, common as unknown as Exposure);
      else {
        const test = n.type === 'test' ? { testMetadata: n.testName ? { name: n.testName, namespace: null, kwargs: {} } : undefined, attachedNode: n.on !== undefined ? core.nodes[n.on].id : null, columnName: n.col ?? null } : {};
        nodes.set(n.id, { ...common, ...test } as unknown as ParsedNode);
      }
    });
    this.manifest = { projectName: core.project.name, nodes, sources, exposures, macros: new Map(), docs: new Map(), disabled: new Map() };
    return this.manifest;
  }
}
