// A source table's tags as dbt-core 1.11.16 gives them (checked with `dbt parse` and `dbt ls` on
// this project): `tags` and `config.tags` are both the sorted set of the source's and the table's
// `tags:` and `config: {tags}`; dbt_project.yml `sources:` `+tags` reach neither. The table's tests
// keep their own tags: the source's and table's `tags:` (not their config's), the column's, the entry's.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      threads: 1\n';

const SOURCES = `sources:
  - name: src_a
    tags: [s_z, s_a, shared]
    config:
      tags: [src_cfg, s_a]
    tables:
      - name: t1
        tags: [t_z, shared]
        config:
          tags: [t_cfg, aaa]
        columns:
          - name: id
            tags: [col_t]
            data_tests:
              - not_null
              - unique:
                  config:
                    tags: [test_cfg]
      - name: t2
      - name: t3
        config:
          tags: only_cfg_str
      - name: t4
        tags: [tstr]
  - name: src_b
    tables:
      - name: u1
        columns:
          - name: id
            data_tests: [not_null]
      - name: u2
        config:
          tags: [u_cfg]
        data_tests:
          - unique:
              column_name: id
  - name: src_c
    config:
      tags: [c_only]
    tables:
      - name: v1
        data_tests:
          - not_null:
              column_name: id
              tags: [entry_t]
`;

type Entry = { unique_id: string; name: string; tags: string[]; config: { tags: string[] } };
type Manifest = { sources: Record<string, Entry>; nodes: Record<string, Entry> };

function project(): string {
  return testdir({
    'dbt_project.yml': 'name: p1\nprofile: p\nsources:\n  p1:\n    +tags: [proj_tag]\n    src_b:\n      +tags: proj_b\n',
    'profiles.yml': PROFILE,
    'models/m.sql': 'select 1 as id',
    'models/sources.yml': SOURCES,
  });
}

function readManifest(dir: string, file = 'target/manifest.json'): Manifest {
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Manifest;
}

async function ls(dir: string, ...args: string[]): Promise<string[]> {
  const r = await kiln(['ls', ...args], dir);
  expect(r.code, r.output).toBe(0);
  return r.stdout.split('\n').filter((l) => l && !/^\d\d:\d\d:\d\d /.test(l)).sort();
}

// dbt-core 1.11.16's `tags` (= `config.tags`) of each source table of the project
const DBT_SOURCE_TAGS: Record<string, string[]> = {
  'source.p1.src_a.t1': ['aaa', 's_a', 's_z', 'shared', 'src_cfg', 't_cfg', 't_z'],
  'source.p1.src_a.t2': ['s_a', 's_z', 'shared', 'src_cfg'],
  'source.p1.src_a.t3': ['only_cfg_str', 's_a', 's_z', 'shared', 'src_cfg'],
  'source.p1.src_a.t4': ['s_a', 's_z', 'shared', 'src_cfg', 'tstr'],
  'source.p1.src_b.u1': [],
  'source.p1.src_b.u2': ['u_cfg'],
  'source.p1.src_c.v1': ['c_only'],
};

describe("a source table's tags", () => {
  it("are the sorted set of the source's and table's tags and config tags, in tags and config.tags; project +tags are not", async () => {
    const dir = project();
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const m = readManifest(dir);
    for (const [id, tags] of Object.entries(DBT_SOURCE_TAGS)) {
      expect(m.sources[id]?.tags, id).toEqual(tags);
      expect(m.sources[id]?.config.tags, id).toEqual(tags);
    }
    // Their tests' [tags, config.tags] stay dbt's: no config tags of the source or table in them.
    const test = (name: string) => Object.values(m.nodes).find((n) => n.name === name)!;
    const tests: Record<string, [string[], string[]]> = {
      source_not_null_src_a_t1_id: [['col_t', 's_a', 's_z', 'shared', 't_z'], []],
      source_unique_src_a_t1_id: [['col_t', 's_a', 's_z', 'shared', 't_z', 'test_cfg'], ['test_cfg']],
      source_not_null_src_b_u1_id: [[], []],
      source_unique_src_b_u2_id: [[], []],
      source_not_null_src_c_v1_id: [['entry_t'], ['entry_t']],
    };
    for (const [name, [tags, config]] of Object.entries(tests)) expect([test(name).tags, test(name).config.tags], name).toEqual([tags, config]);
  });

  it('select as dbt ls does: tag: on config-only tags, source: with tags, project tags nothing; ls --output json', async () => {
    const dir = project();
    // dbt-core 1.11.16's `dbt ls -s <spec>` for the same project (tests selected through their source)
    const t1Tests = ['p1.source_not_null_src_a_t1_id', 'p1.source_unique_src_a_t1_id'];
    const srcA = ['source:p1.src_a.t1', 'source:p1.src_a.t2', 'source:p1.src_a.t3', 'source:p1.src_a.t4'];
    const expected: Record<string, string[]> = {
      'tag:src_cfg': [...t1Tests, ...srcA],
      'tag:t_cfg': [...t1Tests, 'source:p1.src_a.t1'],
      'tag:only_cfg_str': ['source:p1.src_a.t3'],
      'tag:u_cfg': ['p1.source_unique_src_b_u2_id', 'source:p1.src_b.u2'],
      'tag:c_only': ['p1.source_not_null_src_c_v1_id', 'source:p1.src_c.v1'],
      'source:src_a,tag:t_cfg': [...t1Tests, 'source:p1.src_a.t1'],
      'source:src_c,tag:c_only': ['p1.source_not_null_src_c_v1_id', 'source:p1.src_c.v1'],
      'source:*,tag:shared': [...t1Tests, ...srcA],
      'tag:s_*': [...t1Tests, ...srcA],
      'tag:col_t': t1Tests,
    };
    for (const [spec, ids] of Object.entries(expected)) expect(await ls(dir, '-s', spec), spec).toEqual(ids);
    // The project's `sources:` +tags select nothing (dbt: "No nodes selected!").
    for (const spec of ['tag:proj_tag', 'tag:proj_b']) {
      const r = await kiln(['ls', '-s', spec], dir);
      expect(r.stdout, spec).not.toMatch(/source:/);
    }

    const json = (await ls(dir, '--resource-type', 'source', '--output', 'json')).map((l) => JSON.parse(l) as Entry);
    expect(Object.fromEntries(json.map((e) => [e.unique_id, e.tags]))).toEqual(DBT_SOURCE_TAGS);
    expect(Object.fromEntries(json.map((e) => [e.unique_id, e.config.tags]))).toEqual(DBT_SOURCE_TAGS);
  });

  it('state:modified: quiet for an unchanged project (tags in another order too), a config tag added is a change', async () => {
    const dir = project();
    expect((await kiln(['parse'], dir)).code).toBe(0);
    const state = readManifest(dir);
    // As an older kiln wrote them: unsorted, config.tags apart from tags.
    state.sources['source.p1.src_a.t1']!.config.tags = ['t_z', 't_cfg', 'src_cfg', 'shared', 's_z', 's_a', 'aaa', 's_a'];
    fs.mkdirSync(path.join(dir, 'prod'));
    fs.writeFileSync(path.join(dir, 'prod/manifest.json'), JSON.stringify(state));
    const modified = () => ls(dir, '-s', 'state:modified', '--state', 'prod');
    expect(await modified()).toEqual([]);
    // dbt flags the source (and its test) when its config tags change; so does kiln.
    fs.writeFileSync(path.join(dir, 'models/sources.yml'), SOURCES.replace('tags: [u_cfg]', 'tags: [u_cfg, new_one]'));
    expect(await modified()).toEqual(['p1.source_unique_src_b_u2_id', 'source:p1.src_b.u2']);
  });
});
