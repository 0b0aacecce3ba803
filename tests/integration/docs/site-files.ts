// Reads a generated docs site the way the browser does: the data scripts run in a sandbox with a
// `window`, and the nodes are unpacked with the site's own code.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { unpackNode } from '../../../core/docs/site-pack.js';
import type { KilnDocsGlobal, NodeDetail, SiteCore, WireCore } from '../../../core/docs/site-types.js';

export interface Site {
  readonly core: SiteCore;
  readonly index: (id: string) => number;
  readonly detail: (id: string) => NodeDetail;
}

export function readSite(targetDir: string): Site {
  const data = path.join(targetDir, 'kiln-docs', 'data');
  const window: { kilnDocs?: KilnDocsGlobal } = {};
  vm.runInNewContext(fs.readFileSync(path.join(data, 'core.js'), 'utf8'), { window });
  const wire = window.kilnDocs?.core as WireCore;
  const core: SiteCore = { ...wire, nodes: wire.nodes.map((n) => unpackNode(n, wire.project.name)) };
  const byId = new Map(core.nodes.map((n, i) => [n.id, i]));
  const index = (id: string) => {
    const i = byId.get(id);
    if (i === undefined) throw new Error(`${id} is not in the site`);
    return i;
  };
  return {
    core,
    index,
    detail: (id) => {
      const i = index(id);
      const chunk = Math.floor(i / core.chunkSize);
      let details: readonly NodeDetail[] = [];
      const sandbox = { window: { kilnDocs: { chunk: (_: number, d: readonly NodeDetail[]) => void (details = d) } } };
      vm.runInNewContext(fs.readFileSync(path.join(data, `chunk-${String(chunk).padStart(4, '0')}.js`), 'utf8'), sandbox);
      return details[i - chunk * core.chunkSize];
    },
  };
}
