// The node an `--inline` query compiles as (kiln show, kiln compile): a model of the root
// project named inline_query, built nowhere; its refs and sources resolve as any model's.
import type { ParsedNode } from '../nodes.js';
import type { Session } from './session.js';

export function inlineNode(session: Session, sql: string): ParsedNode {
  const projectName = session.manifest.projectName;
  const { database, schema } = session.profile.target;
  return {
    uniqueId: `sql_operation.${projectName}.inline_query`,
    resourceType: 'model',
    packageName: projectName,
    name: 'inline_query',
    path: 'inline_query.sql',
    originalFilePath: '<inline>',
    fqn: [projectName, 'inline_query'],
    rawCode: sql,
    checksum: '',
    config: { enabled: true, materialized: 'view', tags: [], meta: {} },
    description: '',
    columns: {},
    refs: [],
    sources: [],
    dependsOn: { nodes: [], macros: [] },
    patchPath: null,
    database,
    schema,
    alias: 'inline_query',
    loc: { file: '<inline>' },
    dataTests: [],
  };
}
