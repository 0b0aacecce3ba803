// Two things dbt reads in property and project YAML that kiln used to read otherwise. Expected
// values: dbt-core 1.11 + dbt-duckdb (`dbt build`, `dbt parse --no-partial-parse`) on the same
// project.
// - PyYAML's YAML 1.1 booleans: `off`, `no`, `yes`, `on` (unquoted) are false/true everywhere, so
//   `{% if var('flag') %}` with `flag: off` is false and `accepted_values: [yes, no]` tests True/False.
// - A node entry's top-level `meta:` and `docs:` are configs: they reach config.meta (over
//   dbt_project.yml's +meta, under the SQL file's config()), the node's `meta` and its `docs`.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROJECT = {
  'dbt_project.yml': `name: yw
version: '1.0'
profile: yw
vars:
  flag: off
  other: yes
models:
  yw:
    +meta:
      a: 0
      c: 3
    hidden:
      +enabled: no
`,
  'profiles.yml': 'yw:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: yw.duckdb\n',
  'models/m.sql': "{{ config(meta={'d': 4}) }}\nselect {% if var('flag') %}'flag on'{% else %}'flag off'{% endif %} as f, '{{ var('other') }}' as o\n",
  'models/hidden/h.sql': 'select 1 as x\n',
  'models/schema.yml': `version: 2
models:
  - name: m
    docs:
      show: false
      node_color: red
    meta:
      a: 1
      b: 1
    columns:
      - name: o
        data_tests:
          - accepted_values:
              values: [yes, no]
`,
};

interface ManifestNode {
  meta: Record<string, unknown>;
  docs: { show: boolean; node_color: string | null };
  config: { meta: Record<string, unknown>; docs?: unknown };
  test_metadata?: { kwargs: Record<string, unknown> };
}

describe('YAML as dbt reads it', () => {
  it('reads yes/no/on/off as booleans and a node entry’s meta/docs as its configs, as dbt 1.11 does', async () => {
    const dir = testdir(PROJECT);
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, ManifestNode> };
    const m = manifest.nodes['model.yw.m']!;
    expect(m.meta).toEqual({ a: 1, c: 3, b: 1, d: 4 });
    expect(m.config.meta).toEqual({ a: 1, c: 3, b: 1, d: 4 });
    expect(m.docs).toEqual({ show: false, node_color: 'red' });
    expect(m.config.docs).toEqual({ show: false, node_color: 'red' });
    expect(manifest.nodes['model.yw.h']).toBeUndefined();
    expect(fs.readFileSync(path.join(dir, 'target/compiled/yw/models/m.sql'), 'utf8')).toMatch(/'flag off' as f,\s+'True' as o/);
    const test = Object.entries(manifest.nodes).find(([id]) => id.startsWith('test.yw.accepted_values_m_o__True__False.'))?.[1];
    expect(test?.test_metadata?.kwargs.values).toEqual([true, false]);
    expect(fs.readFileSync(path.join(dir, 'target/compiled/yw/models/schema.yml/accepted_values_m_o__True__False.sql'), 'utf8')).toContain("not in ('True', 'False')");
  });

  it('keeps a quoted "no" a string', async () => {
    const dir = testdir({ ...PROJECT, 'dbt_project.yml': PROJECT['dbt_project.yml'].replace('flag: off', 'flag: "off"') });
    const r = await kiln(['compile', '-s', 'm', '--no-format'], dir);
    expect(r.code, r.output).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'target/compiled/yw/models/m.sql'), 'utf8')).toContain("'flag on' as f");
  });
});
