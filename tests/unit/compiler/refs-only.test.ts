// Templates whose only Jinja is ref()/source() calls with string arguments render without a
// context (Compiler.renderRefsOnly): the SQL must be what the context-based static path and the
// full template engine give, for one- and two-argument refs, sources, refs to ephemeral models
// (CTEs), --defer, and a ref to nothing (the engine's error, unchanged).
import { afterEach, describe, expect, it } from 'vitest';
import { openSession, type Session } from '../../../core/cli/session.js';
import { Compiler } from '../../../core/compiler/compile.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 1\n`;

const MODELS: Record<string, string> = {
  'models/a.sql': 'select 1 as id',
  'models/one.sql': "select * from {{ ref('a') }} join {{ ref(\"a\") }} as again using (id)\n",
  'models/two.sql': "select * from {{ ref('p', 'a') }}",
  'models/src.sql': "select * from {{ source('raw', 'orders') }} o join {{ ref('a') }} a on a.id = o.id",
  'models/eph.sql': "{{ config(materialized='ephemeral') }}select id from {{ ref('a') }}",
  'models/uses_eph.sql': "select * from {{ ref('eph') }} join {{ ref('a') }} using (id)",
  // Same table name in another source, each source read twice: a source's text is kept per source table.
  'models/src2.sql': "select * from {{ source('raw2', 'orders') }} join {{ source('raw', 'orders') }} using (id) join {{ source('raw2', 'orders') }} using (id)",
  'models/sources.yml': 'version: 2\nsources:\n  - name: raw\n    schema: raw_data\n    tables:\n      - name: orders\n  - name: raw2\n    schema: raw_two\n    tables:\n      - name: orders\n',
};

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

function compileAll(s: Session, staticFastPath: boolean, compiler = new Compiler(s.manifest, s.engine, s.deps, s.profile.profileName, { staticFastPath })): Map<string, string> {
  const out = new Map<string, string>();
  for (const node of s.manifest.nodes.values()) {
    if (node.resourceType !== 'model') continue;
    out.set(node.name, compiler.compile(node, { isIncremental: false }).sql);
  }
  return out;
}

describe('refs-only templates', () => {
  it('render as the context-based path and the engine render them', async () => {
    const s = await open(MODELS);
    const fast = compileAll(s, true);
    expect(fast).toEqual(compileAll(s, false));
    expect(fast.get('one')).toBe('select * from "dev"."main"."a" join "dev"."main"."a" as again using (id)');
    expect(fast.get('src')).toContain('"dev"."raw_data"."orders"');
    expect(fast.get('src2')).toBe('select * from "dev"."raw_two"."orders" join "dev"."raw_data"."orders" using (id) join "dev"."raw_two"."orders" using (id)');
    expect(fast.get('uses_eph')).toContain('__dbt__cte__eph');
  });

  it('follow --defer, also after a render before deferTo', async () => {
    const s = await open(MODELS);
    const a = [...s.manifest.nodes.values()].find((n) => n.name === 'a')!;
    const defer = new Map([[a.uniqueId, { database: 'prod', schema: 'analytics', identifier: 'a' }]]);
    const fastCompiler = new Compiler(s.manifest, s.engine, s.deps, s.profile.profileName);
    expect(compileAll(s, true, fastCompiler).get('one')).toContain('"dev"."main"."a"');
    fastCompiler.deferTo(defer);
    const slowCompiler = new Compiler(s.manifest, s.engine, s.deps, s.profile.profileName, { staticFastPath: false });
    slowCompiler.deferTo(defer);
    const fast = compileAll(s, true, fastCompiler);
    expect(fast).toEqual(compileAll(s, false, slowCompiler));
    expect(fast.get('one')).toContain('"prod"."analytics"."a"');
  });

  it('leave a ref to nothing to the engine, which names it', async () => {
    const s = await open({ 'models/a.sql': 'select 1 as id', 'models/b.sql': "select * from {{ ref('a') }}" });
    const b = [...s.manifest.nodes.values()].find((n) => n.name === 'b')!;
    const compiler = new Compiler(s.manifest, s.engine, s.deps, s.profile.profileName);
    const missing = { ...b, rawCode: "select * from {{ ref('nowhere') }}" };
    expect(() => compiler.compile(missing, { isIncremental: false })).toThrow(/nowhere/);
  });
});
