// What two parses of one project must agree on, whatever cache or shortcut made them (partial
// parsing, kiln watch's incremental re-parse): nodes, sources, macros, docs, their order,
// warnings and manifest.json as written (parent and child maps included), semantic_manifest.json.
import type { Session } from '../../../core/cli/session.js';
import { manifestJsonChunks } from '../../../core/artifacts/manifest-json.js';
import { semanticManifestJson } from '../../../core/semantic/json.js';

/** Everything of a parse that must not depend on partial parsing. */
export function snapshotOf(s: Session): Record<string, unknown> {
  const m = s.manifest;
  const meta = { invocationId: 'x', generatedAt: new Date(0), adapterType: s.adapter.type };
  return {
    order: {
      nodes: [...m.nodes.keys()],
      sources: [...m.sources.keys()],
      macros: [...m.macros.keys()],
      docs: [...m.docs.keys()],
      disabled: [...m.disabled.keys()],
      exposures: [...(m.exposures?.keys() ?? [])],
    },
    nodes: [...m.nodes.values()],
    sources: [...m.sources.values()],
    macros: [...m.macros.values()],
    docs: [...m.docs.values()],
    disabled: [...m.disabled.values()],
    exposures: [...(m.exposures?.values() ?? [])],
    vars: m.vars,
    warnings: s.warnings.map((w) => `${w.code} ${w.message} ${w.loc?.file ?? ''}:${w.loc?.line ?? ''}`),
    // manifest.json as written (parent_map and child_map included).
    json: JSON.parse([...manifestJsonChunks(m, s.dag, s.adapter.dialect, meta)].join('')),
    semantic: m.semantic ? semanticManifestJson(m, s.adapter.dialect) : null,
  };
}
