// manifest.json's build_path, a seed's root_path and dbt's own `__overview__` doc block, as
// dbt-core 1.11.16 writes them (checked with parse, compile, build, run -s, test -s and seed on
// the same project): build_path names the target/run file of each node this invocation executed
// (null for the rest, and for every node after parse or compile); root_path is the absolute
// folder of the seed's project; docs begin with doc.dbt.__overview__.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      threads: 2\n';

type Node = { name: string; resource_type: string; build_path: string | null; root_path?: string | null };
type Manifest = { nodes: Record<string, Node>; docs: Record<string, Record<string, unknown>> };

function project(extra: Record<string, string> = {}): string {
  return testdir({
    'dbt_project.yml': 'name: bp\nprofile: p\n',
    'profiles.yml': PROFILE,
    'models/m.sql': "select * from {{ ref('sd') }}",
    'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect 1 as id",
    'models/uses_eph.sql': "select * from {{ ref('eph') }}",
    'models/s.yml': 'models:\n  - name: m\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
    'seeds/sd.csv': 'id,v\n1,a\n',
    'models/docs.md': '{% docs mine %}\nMine.\n{% enddocs %}\n',
    ...extra,
  });
}

function buildPaths(dir: string): Record<string, string | null> {
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as Manifest;
  return Object.fromEntries(Object.values(m.nodes).map((n) => [n.name, n.build_path]));
}

const NONE = { m: null, eph: null, uses_eph: null, sd: null, not_null_m_id: null };

describe('build_path', () => {
  it('is null after parse and compile, and names the target/run file of each node the invocation ran', async () => {
    const dir = project();
    expect((await kiln(['parse'], dir)).code).toBe(0);
    expect(buildPaths(dir)).toEqual(NONE);
    expect((await kiln(['compile'], dir)).code).toBe(0);
    expect(buildPaths(dir)).toEqual(NONE);

    const build = await kiln(['build'], dir);
    expect(build.code, build.output).toBe(0);
    const all = {
      m: 'target/run/bp/models/m.sql',
      eph: null,
      uses_eph: 'target/run/bp/models/uses_eph.sql',
      sd: 'target/run/bp/seeds/sd.csv',
      not_null_m_id: 'target/run/bp/models/s.yml/not_null_m_id.sql',
    };
    expect(buildPaths(dir)).toEqual(all);
    for (const file of Object.values(all)) if (file) expect(fs.existsSync(path.join(dir, file)), file).toBe(true);

    expect((await kiln(['run', '-s', 'm'], dir)).code).toBe(0);
    expect(buildPaths(dir)).toEqual({ ...NONE, m: all.m });
    expect((await kiln(['test', '-s', 'm'], dir)).code).toBe(0);
    expect(buildPaths(dir)).toEqual({ ...NONE, not_null_m_id: all.not_null_m_id });
    expect((await kiln(['seed'], dir)).code).toBe(0);
    expect(buildPaths(dir)).toEqual({ ...NONE, sd: all.sd });
  });

  it('is under the target path as configured, and set for a model that failed (its statements went out)', async () => {
    const dir = project({ 'dbt_project.yml': 'name: bp\nprofile: p\ntarget-path: out\n', 'models/bad.sql': 'select * from no_such_table' });
    const r = await kiln(['run', '-s', 'uses_eph', 'bad'], dir);
    expect(r.code, r.output).toBe(1);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'out/manifest.json'), 'utf8')) as Manifest;
    const of = (name: string) => Object.values(m.nodes).find((n) => n.name === name)!.build_path;
    expect(of('uses_eph')).toBe(path.join('out', 'run', 'bp', 'models', 'uses_eph.sql'));
    expect(of('bad')).toBe(path.join('out', 'run', 'bp', 'models', 'bad.sql'));
    expect(of('m')).toBeNull();
  });
});

describe("a seed's root_path and dbt's __overview__ doc", () => {
  it('root_path is the absolute project folder; docs list doc.dbt.__overview__ first', async () => {
    const dir = project();
    expect((await kiln(['parse'], dir)).code).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as Manifest;
    const seed = Object.values(m.nodes).find((n) => n.resource_type === 'seed')!;
    expect(seed.root_path).toBe(dir);
    expect(Object.keys(m.docs)).toEqual(['doc.dbt.__overview__', 'doc.bp.mine']);
    const overview = m.docs['doc.dbt.__overview__']!;
    expect({ ...overview, block_contents: undefined }).toEqual({
      name: '__overview__',
      resource_type: 'doc',
      package_name: 'dbt',
      path: 'overview.md',
      original_file_path: 'docs/overview.md',
      unique_id: 'doc.dbt.__overview__',
      block_contents: undefined,
    });
    expect(overview.block_contents).toMatch(/__overview__/);
  });
});
