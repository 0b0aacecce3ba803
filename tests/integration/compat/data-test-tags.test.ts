// Data tests' tags as dbt-core 1.11.16 gives them (checked with `dbt parse`, `dbt ls` and `dbt
// build` on the same projects): a column's tags (`tags:` and `config: {tags}`) and a source's and
// table's `tags:` lead its tests' node `tags` with the entry's own, sorted, so `tag:` selects the
// tests; config.tags hold the folders' and the entry's only, the entry's twice for a test whose
// macro dbt renders (any but its own unique and not_null, a project's not_null included).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { readSite } from '../docs/site-files.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      threads: 1\n';

const IS_POS = '{% test is_pos(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} < 0\n{% endtest %}\n';

const COLUMN_TAGS = `models:
  - name: m
    config:
      tags: [yaml_model]
    data_tests:
      - is_pos:
          name: is_pos_model
          arguments:
            column_name: id
          config:
            tags: [mt_own]
    columns:
      - name: id
        tags: [zcol, acol]
        config:
          tags: [cfgcol, proj_test]
        data_tests:
          - not_null
          - unique:
              config:
                tags: [own_u, bcol]
          - accepted_values:
              arguments:
                values: [1]
              config:
                tags: [own2, own1, acol]
          - is_pos
      - name: s
        config:
          tags: onlycfg
        data_tests:
          - not_null
sources:
  - name: src
    schema: main
    tags: [src_tag]
    config:
      tags: [src_cfg]
    tables:
      - name: t
        identifier: src_m
        tags: [tbl_tag]
        columns:
          - name: c
            tags: [scol]
            config:
              tags: [scfg]
            data_tests:
              - not_null:
                  config:
                    tags: [s_own]
              - is_pos
seeds:
  - name: sd
    columns:
      - name: id
        tags: [seedcol]
        data_tests: [unique]
`;

type ManifestNode = { name: string; tags: string[]; config: { tags: string[] }; unrendered_config: Record<string, unknown>; build_path: string | null; root_path?: string | null };
type Manifest = { nodes: Record<string, ManifestNode>; docs: Record<string, Record<string, unknown>> };

function readManifest(dir: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as Manifest;
}

function byName(m: Manifest): (name: string) => ManifestNode {
  return (name) => Object.values(m.nodes).find((n) => n.name === name)!;
}

function columnTagsProject(): string {
  return testdir({
    'dbt_project.yml': 'name: tt\nprofile: p\nmodels:\n  tt:\n    +tags: [proj_model]\ndata_tests:\n  tt:\n    +tags: [proj_test, zz_proj]\n',
    'profiles.yml': PROFILE,
    'models/m.sql': "{{ config(tags=['sql_model']) }}\nselect 1 as id, 'a' as s",
    'models/src_m.sql': 'select 1 as c',
    'seeds/sd.csv': 'id,v\n1,a\n',
    'tests/generic/is_pos.sql': IS_POS,
    'models/schema.yml': COLUMN_TAGS,
  });
}

describe("a column's tags on its data tests", () => {
  it('lead the node tags of its tests (sorted with the entry tags, then the folder tags), not their config.tags', async () => {
    const dir = columnTagsProject();
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const of = byName(readManifest(dir));
    // dbt-core 1.11.16's [tags, config.tags] for the same project
    const expected: Record<string, [string[], string[]]> = {
      not_null_m_id: [['acol', 'cfgcol', 'proj_test', 'zcol', 'zz_proj'], ['proj_test', 'zz_proj']],
      unique_m_id: [['acol', 'bcol', 'cfgcol', 'own_u', 'proj_test', 'zcol', 'zz_proj'], ['proj_test', 'zz_proj', 'own_u', 'bcol']],
      accepted_values_m_id__1: [['acol', 'cfgcol', 'own1', 'own2', 'proj_test', 'zcol', 'zz_proj'], ['proj_test', 'zz_proj', 'own2', 'own1', 'acol', 'own2', 'own1', 'acol']],
      is_pos_m_id: [['acol', 'cfgcol', 'proj_test', 'zcol', 'zz_proj'], ['proj_test', 'zz_proj']],
      is_pos_model: [['mt_own', 'proj_test', 'zz_proj'], ['proj_test', 'zz_proj', 'mt_own', 'mt_own']],
      not_null_m_s: [['onlycfg', 'proj_test', 'zz_proj'], ['proj_test', 'zz_proj']],
      // A source's tests: the source's and table's `tags:` too (not its config's).
      source_not_null_src_t_c: [['s_own', 'scfg', 'scol', 'src_tag', 'tbl_tag', 'proj_test', 'zz_proj'], ['proj_test', 'zz_proj', 's_own']],
      source_is_pos_src_t_c: [['scfg', 'scol', 'src_tag', 'tbl_tag', 'proj_test', 'zz_proj'], ['proj_test', 'zz_proj']],
      unique_sd_id: [['seedcol', 'proj_test', 'zz_proj'], ['proj_test', 'zz_proj']],
    };
    for (const [name, [tags, config]] of Object.entries(expected)) {
      expect(of(name).tags, name).toEqual(tags);
      expect(of(name).config.tags, name).toEqual(config);
    }
  });

  it('selects the tests with tag: (ls, test, build), as dbt ls does', async () => {
    const dir = columnTagsProject();
    const ls = async (spec: string) => {
      const r = await kiln(['ls', '-s', spec, '--output', 'name'], dir);
      expect(r.code, r.output).toBe(0);
      return r.stdout.trim().split('\n').filter(Boolean).sort();
    };
    // dbt-core 1.11.16's `dbt ls -s tag:...` for the same project
    expect(await ls('tag:acol')).toEqual(['accepted_values_m_id__1', 'is_pos_m_id', 'not_null_m_id', 'unique_m_id']);
    expect(await ls('tag:cfgcol')).toEqual(['accepted_values_m_id__1', 'is_pos_m_id', 'not_null_m_id', 'unique_m_id']);
    expect(await ls('tag:onlycfg')).toEqual(['not_null_m_s']);
    expect(await ls('tag:scol')).toEqual(['source_is_pos_src_t_c', 'source_not_null_src_t_c']);
    expect(await ls('tag:src_tag')).toEqual(['source_is_pos_src_t_c', 'source_not_null_src_t_c', 'src.t']);
    expect(await ls('tag:seedcol')).toEqual(['unique_sd_id']);
    // Each test once under a tag it has from several places.
    expect(await ls('tag:proj_test')).toEqual(['accepted_values_m_id__1', 'is_pos_m_id', 'is_pos_model', 'not_null_m_id', 'not_null_m_s', 'source_is_pos_src_t_c', 'source_not_null_src_t_c', 'unique_m_id', 'unique_sd_id']);

    const build = await kiln(['build'], dir);
    expect(build.code, build.output).toBe(0);
    const test = await kiln(['test', '-s', 'tag:cfgcol'], dir);
    expect(test.code, test.output).toBe(0);
    expect(test.output).toMatch(/PASS=4 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=4/);
    const built = await kiln(['build', '-s', 'tag:scol'], dir);
    expect(built.code, built.output).toBe(0);
    expect(built.output).toMatch(/PASS=2 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=2/);
  });
});

describe("a versioned model's column tags", () => {
  it("lead its tests' node tags, the version's own columns' (`tags:` as one string, `config: {tags}`) included", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: vv\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/vm_v1.sql': 'select 1 as id',
      'models/vm_v2.sql': 'select 1 as id',
      'models/v.yml': `models:
  - name: vm
    latest_version: 2
    columns:
      - name: id
        tags: [base_col]
        data_tests: [not_null]
    versions:
      - v: 1
        columns:
          - name: id
            tags: v1tag
            config:
              tags: [v1cfg]
            data_tests: [unique]
      - v: 2
`,
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const of = byName(readManifest(dir));
    // dbt-core 1.11.16 for the same project
    expect(of('not_null_vm_v2_id').tags).toEqual(['base_col']);
    expect(of('unique_vm_v1_id').tags).toEqual(['v1cfg', 'v1tag']);
  });
});

describe("a column's tags in the docs site", () => {
  it("are its tests' tags there too (the site's tag: selection and tag chips)", async () => {
    const dir = columnTagsProject();
    expect((await kiln(['seed'], dir)).code).toBe(0);
    const r = await kiln(['docs', 'generate'], dir);
    expect(r.code, r.output).toBe(0);
    const site = readSite(path.join(dir, 'target'));
    // As the site reads a node's tags: its own list, else its config's.
    const tagsOf = (name: string) => {
      const n = site.core.nodes.find((x) => x.name === name)!;
      return n.tags ?? site.core.configs[n.cfg]?.tags;
    };
    expect(tagsOf('not_null_m_id')).toEqual(['acol', 'cfgcol', 'proj_test', 'zcol', 'zz_proj']);
    expect(tagsOf('source_is_pos_src_t_c')).toEqual(['scfg', 'scol', 'src_tag', 'tbl_tag', 'proj_test', 'zz_proj']);
    expect(tagsOf('is_pos_model')).toEqual(['mt_own', 'proj_test', 'zz_proj']);
  });
});

describe('the entry tags listed twice in config.tags', () => {
  it("follow the macro a test resolves to: a project's not_null twice, dbt.unique once, a body's config() tags before the second copy", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: tt2\nprofile: p\ndata_tests:\n  tt2:\n    +tags: [proj_test]\n    sub:\n      +tags: sub_test\n',
      'profiles.yml': PROFILE,
      'models/sub/m2.sql': 'select 1 as id',
      'macros/nn.sql': '{% test not_null(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} is null\n{% endtest %}\n',
      'tests/generic/bodycfg.sql': "{% test bodycfg(model, column_name) %}\n{{ config(tags=['body_tag', 'aaa']) }}\nselect * from {{ model }} where {{ column_name }} < 0\n{% endtest %}\n",
      'models/sub/schema.yml': `models:
  - name: m2
    columns:
      - name: id
        tags: [c2]
        data_tests:
          - not_null:
              config:
                tags: [nn_own, aab]
          - not_null:
              name: nn_plain
          - unique:
              config:
                tags: [u_own]
          - dbt.unique:
              name: ns_unique
              config:
                tags: [ns_own]
          - bodycfg:
              config:
                tags: [b_own]
          - bodycfg:
              name: bodycfg_plain
`,
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const of = byName(readManifest(dir));
    // dbt-core 1.11.16's [tags, config.tags] for the same project
    const expected: Record<string, [string[], string[]]> = {
      not_null_m2_id: [['aab', 'c2', 'nn_own', 'proj_test', 'sub_test'], ['proj_test', 'sub_test', 'nn_own', 'aab', 'nn_own', 'aab']],
      nn_plain: [['c2', 'proj_test', 'sub_test'], ['proj_test', 'sub_test']],
      unique_m2_id: [['c2', 'u_own', 'proj_test', 'sub_test'], ['proj_test', 'sub_test', 'u_own']],
      ns_unique: [['c2', 'ns_own', 'proj_test', 'sub_test'], ['proj_test', 'sub_test', 'ns_own']],
      bodycfg_m2_id: [['b_own', 'c2', 'proj_test', 'sub_test', 'body_tag', 'aaa'], ['proj_test', 'sub_test', 'b_own', 'body_tag', 'aaa', 'b_own']],
      bodycfg_plain: [['c2', 'proj_test', 'sub_test', 'body_tag', 'aaa'], ['proj_test', 'sub_test', 'body_tag', 'aaa']],
    };
    for (const [name, [tags, config]] of Object.entries(expected)) {
      expect(of(name).tags, name).toEqual(tags);
      expect(of(name).config.tags, name).toEqual(config);
    }
    expect(of('not_null_m2_id').unrendered_config.tags).toEqual(['nn_own', 'aab', 'nn_own', 'aab']);
    expect(of('ns_unique').unrendered_config.tags).toEqual(['ns_own']);
    // The body's config() call is recorded between the entry's two.
    expect(of('bodycfg_m2_id').unrendered_config.tags).toEqual(['b_own', 'body_tag', 'aaa', 'b_own']);
    expect(of('bodycfg_plain').unrendered_config.tags).toEqual(['body_tag', 'aaa']);
    // A warm parse (the tests rebuilt from their cached declarations) gives the same.
    const warm = await kiln(['parse'], dir);
    expect(warm.code, warm.output).toBe(0);
    const again = byName(readManifest(dir));
    for (const name of Object.keys(expected)) expect([again(name).tags, again(name).config.tags], name).toEqual(expected[name]);
  });
});

describe('state:modified and tags', () => {
  it('tags in another order or repeated are no change; a tag added or removed is', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: st\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/a.sql': 'select 1 as id',
      'models/b.sql': 'select 1 as id',
      'macros/nn.sql': '{% test not_null(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} is null\n{% endtest %}\n',
      'models/s.yml': 'models:\n  - name: a\n    config: {tags: [x, y]}\n    columns:\n      - name: id\n        data_tests:\n          - not_null: {config: {tags: [t1, t2]}}\n  - name: b\n    config: {tags: [x]}\n',
    });
    expect((await kiln(['parse'], dir)).code).toBe(0);
    // The state: this manifest, with the override's tags listed once, as kiln wrote them before
    // it followed the macro (and model a's in another order).
    const state = readManifest(dir);
    const nn = Object.values(state.nodes).find((n) => n.name === 'not_null_a_id')!;
    expect(nn.config.tags).toEqual(['t1', 't2', 't1', 't2']);
    nn.config.tags = ['t1', 't2'];
    Object.values(state.nodes).find((n) => n.name === 'a')!.config.tags = ['y', 'x'];
    fs.mkdirSync(path.join(dir, 'prod'));
    fs.writeFileSync(path.join(dir, 'prod/manifest.json'), JSON.stringify(state));
    const modified = async () => {
      const r = await kiln(['ls', '-s', 'state:modified', '--state', 'prod', '--output', 'name'], dir);
      return r.stdout.trim().split('\n').filter((l) => l && !l.includes(' ')).sort();
    };
    expect(await modified()).toEqual([]);
    fs.writeFileSync(path.join(dir, 'models/s.yml'), fs.readFileSync(path.join(dir, 'models/s.yml'), 'utf8').replace('config: {tags: [x]}', 'config: {tags: [x, z]}'));
    expect(await modified()).toEqual(['b']);
  });
});
