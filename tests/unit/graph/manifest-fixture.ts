// Builds small in-memory manifests for graph and selection tests.
import type { Manifest, ParsedNode, SourceTable } from '../../../core/nodes.js';

export function node(name: string, deps: string[] = [], extra: Partial<ParsedNode> & { tags?: string[]; materialized?: string } = {}): ParsedNode {
  const dir = extra.originalFilePath ? '' : 'models/';
  return {
    uniqueId: `model.p.${name}`,
    resourceType: 'model',
    packageName: 'p',
    name,
    path: `${name}.sql`,
    originalFilePath: `${dir}${name}.sql`,
    fqn: ['p', name],
    rawCode: 'select 1',
    checksum: '',
    config: { enabled: true, materialized: extra.materialized ?? 'view', tags: extra.tags ?? [], meta: {} },
    description: '',
    columns: {},
    refs: [],
    sources: [],
    dependsOn: { nodes: deps.map((d) => (d.includes('.') ? d : `model.p.${d}`)), macros: [] },
    patchPath: null,
    database: 'db',
    schema: 'main',
    alias: name,
    loc: { file: `models/${name}.sql` },
    dataTests: [],
    ...extra,
  };
}

export function source(src: string, table: string): SourceTable {
  return {
    uniqueId: `source.p.${src}.${table}`,
    resourceType: 'source',
    packageName: 'p',
    sourceName: src,
    name: table,
    identifier: table,
    database: 'db',
    schema: src,
    description: '',
    sourceDescription: '',
    loader: '',
    columns: {},
    meta: {},
    tags: [],
    config: { enabled: true },
    loadedAtField: null,
    freshness: null,
    originalFilePath: 'models/sources.yml',
    path: 'models/sources.yml',
    fqn: ['p', src, table],
    loc: { file: 'models/sources.yml' },
    dataTests: [],
  };
}

export function manifestOf(nodes: ParsedNode[], sources: SourceTable[] = []): Manifest {
  return {
    projectName: 'p',
    nodes: new Map(nodes.map((n) => [n.uniqueId, n])),
    sources: new Map(sources.map((s) => [s.uniqueId, s])),
    macros: new Map(),
    docs: new Map(),
    disabled: new Map(),
  };
}
