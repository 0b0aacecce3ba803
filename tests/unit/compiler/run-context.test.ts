// The run-time context is made as one object literal (runContext with JinjaEnv.runParts): it must
// hold what a context extended by JinjaEnv.addRun holds, in the same order, with `model` and
// `graph` still computed only when read.
import { afterEach, describe, expect, it } from 'vitest';
import { openSession, type Session } from '../../../core/cli/session.js';
import { Compiler } from '../../../core/compiler/compile.js';
import { runContext, type NodeIdentity, type RunResolver } from '../../../core/compiler/context.js';
import { RelationValue } from '../../../core/compiler/relation.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 1\n`;

let session: Session | null = null;
afterEach(async () => {
  await session?.adapter.close();
  session = null;
});

async function open(models: Record<string, string>): Promise<Session> {
  const dir = testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': PROFILE, ...models });
  session = await openSession({ command: 'compile', logFormat: 'text', color: false }, dir);
  return session;
}

const KEYS = ['var', 'target', 'run_started_at', 'project_name', 'invocation_id', 'flags', 'doc', 'execute', 'ref', 'source', 'config', 'this', 'model', 'is_incremental', 'adapter', 'load_relation', 'store_result', 'store_raw_result', 'load_result', 'selected_resources', 'schema', 'database', 'graph'];

function identityOf(s: Session, id: string): NodeIdentity {
  const n = s.manifest.nodes.get(id)!;
  return { name: n.name, resourceType: n.resourceType, file: n.originalFilePath, database: n.database, schema: n.schema, alias: n.alias, config: n.config, uniqueId: n.uniqueId, packageName: n.packageName };
}

const resolver = (s: Session): RunResolver => ({
  ref: (call) => new RelationValue({ database: 'db', schema: 'main', identifier: call.name }, s.adapter.dialect),
  source: (a, b) => new RelationValue({ database: 'db', schema: a, identifier: b }, s.adapter.dialect),
  isIncremental: () => false,
});

describe('runContext', () => {
  it("has addRun's keys in addRun's order; model and graph are getters read on use", async () => {
    const s = await open({ 'models/a.sql': 'select 1 as id' });
    const ctx = runContext(s.deps, identityOf(s, 'model.p.a'), s.profile.profileName, resolver(s));
    expect(Object.keys(ctx)).toEqual(KEYS);
    for (const k of ['model', 'graph']) expect(typeof Object.getOwnPropertyDescriptor(ctx, k)!.get).toBe('function');
    expect((ctx.model as Record<string, unknown>).unique_id).toBe('model.p.a');
    expect(Object.keys((ctx.graph as { nodes: Record<string, unknown> }).nodes)).toEqual(['model.p.a']);
    expect(ctx.schema).toBe(s.manifest.nodes.get('model.p.a')!.schema);
  });

  it('is what addRun makes of a context (the path of an installed package\'s nodes, whose macros join it)', async () => {
    const s = await open({ 'models/a.sql': 'select 1 as id' });
    const jinja = s.deps.jinja!;
    const withMacro: typeof jinja = Object.create(jinja);
    withMacro.runParts = (n, w) => ({ ...jinja.runParts(n, w), local: { pkg_macro: 1 } });
    const viaAddRun = runContext({ ...s.deps, jinja: withMacro }, identityOf(s, 'model.p.a'), s.profile.profileName, resolver(s));
    const keys = [...KEYS];
    keys.splice(keys.indexOf('is_incremental') + 1, 0, 'pkg_macro');
    expect(Object.keys(viaAddRun)).toEqual(keys);
    for (const k of ['model', 'graph']) expect(typeof Object.getOwnPropertyDescriptor(viaAddRun, k)!.get).toBe('function');
  });

  it('a node outside the manifest keeps its own model dict', async () => {
    const s = await open({ 'models/a.sql': 'select 1 as id' });
    const ctx = runContext(s.deps, { ...identityOf(s, 'model.p.a'), uniqueId: 'model.p.inline', name: 'inline' }, s.profile.profileName, resolver(s));
    expect(Object.keys(ctx)).toEqual(KEYS);
    expect(Object.getOwnPropertyDescriptor(ctx, 'model')!.get).toBeUndefined();
    expect((ctx.model as Record<string, unknown>).unique_id).toBe('model.p.inline');
  });

  it('compiles templates reading model, graph, adapter and statement results', async () => {
    const s = await open({
      'models/a.sql': 'select 1 as id',
      'models/b.sql': "{% call statement('x', fetch_result=False) %}select 1{% endcall %}{% if execute %}select '{{ model.unique_id }}' as u, {{ graph.nodes | length }} as n, {{ adapter.quote('q') }} as q, {{ load_result('x') is not none }} as r from {{ ref('a') }}{% endif %}",
    });
    const compiler = new Compiler(s.manifest, s.engine, s.deps, s.profile.profileName);
    const sql = compiler.compile(s.manifest.nodes.get('model.p.b')!).sql;
    expect(sql).toContain("select 'model.p.b' as u, 2 as n, \"q\" as q, True as r from");
  });
});
