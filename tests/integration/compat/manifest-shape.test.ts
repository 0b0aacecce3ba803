// manifest.json fields that tools read from dbt's manifest, as dbt-core 1.11 + dbt-duckdb writes
// them for the same project (`dbt parse --no-partial-parse`): a generic test's file_key_name, its
// kwargs' `model`, its depends_on.macros; a model's depends_on.macros; a macro's path; a doc block's path; a seed's keys.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROJECT = {
  'dbt_project.yml': 'name: fk\nversion: "1.0"\nprofile: fk\n',
  'profiles.yml': 'fk:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: fk.duckdb\n',
  'models/vm_v1.sql': 'select 1 as id',
  'models/vm_v2.sql': 'select 1 as id',
  'models/plain.sql': "select {{ double('id') }} as id from {{ ref('vm') }}",
  'models/docs.md': '{% docs about %}About.{% enddocs %}',
  'macros/double.sql': '{% macro double(x) %}{{ x }} * 2{% endmacro %}',
  'seeds/codes.csv': 'code\na\n',
  'analyses/count.sql': "select count(*) from {{ ref('plain') }}",
  'models/exposures.yml': `version: 2
groups:
  - name: core
    owner: {name: Ann}
exposures:
  - name: dash
    type: dashboard
    owner: {name: Ann}
    depends_on: [ref('plain')]
`,
  'models/schema.yml': `version: 2
sources:
  - name: src
    schema: main
    loaded_at_field: loaded_at
    freshness:
      warn_after: {count: 12, period: hour}
    tables:
      - name: tbl
        columns:
          - name: id
            data_tests: [not_null, {accepted_values: {values: [1]}}]
models:
  - name: vm
    latest_version: 2
    columns:
      - name: id
        data_tests: [not_null]
    versions:
      - v: 1
      - v: 2
  - name: plain
    description: '{{ doc("about") }}'
    columns:
      - name: id
        data_tests: [unique, {accepted_values: {values: [2]}}]
`,
};

interface Node {
  resource_type: string;
  file_key_name?: string;
  attached_node?: string | null;
  test_metadata?: { kwargs: Record<string, unknown> };
  depends_on: { macros: string[] };
  [key: string]: unknown;
}

describe('manifest.json as dbt writes it', () => {
  it('gives tests, macros, doc blocks and seeds the fields dbt 1.11 gives them', async () => {
    const dir = testdir(PROJECT);
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as {
      nodes: Record<string, Node>;
      macros: Record<string, { path: string; original_file_path: string }>;
      docs: Record<string, { path: string; original_file_path: string }>;
      sources: Record<string, { freshness: unknown; loaded_at_query: unknown }>;
      exposures: Record<string, { path: string }>;
      groups: Record<string, { path: string }>;
      parent_map: Record<string, string[]>;
      child_map: Record<string, string[]>;
    };
    const test = (prefix: string) => Object.entries(m.nodes).find(([id]) => id.startsWith(`test.fk.${prefix}.`))![1];

    const srcNotNull = test('source_not_null_src_tbl_id');
    expect(srcNotNull.file_key_name).toBe('sources.src');
    expect(srcNotNull.attached_node).toBeNull();
    expect(srcNotNull.test_metadata!.kwargs.model).toBe("{{ get_where_subquery(source('src', 'tbl')) }}");
    expect(srcNotNull.depends_on.macros).toEqual(['macro.dbt.test_not_null']);
    expect(test('source_accepted_values_src_tbl_id__1').depends_on.macros).toEqual(['macro.dbt.test_accepted_values', 'macro.dbt.get_where_subquery']);

    const v1 = test('not_null_vm_v1_id');
    expect(v1.file_key_name).toBe('models.vm');
    expect(v1.attached_node).toBe('model.fk.vm.v1');
    expect(v1.test_metadata!.kwargs).toEqual({ column_name: 'id', model: "{{ get_where_subquery(ref('vm', version='1')) }}" });
    expect(test('unique_plain_id').test_metadata!.kwargs.model).toBe("{{ get_where_subquery(ref('plain')) }}");
    expect(test('unique_plain_id').depends_on.macros).toEqual(['macro.dbt.test_unique']);
    expect(test('unique_plain_id').file_key_name).toBe('models.plain');

    expect(m.macros['macro.fk.double']).toMatchObject({ path: 'macros/double.sql', original_file_path: 'macros/double.sql' });
    expect(m.docs['doc.fk.about']).toMatchObject({ path: 'docs.md', original_file_path: 'models/docs.md' });

    // Exposures are leaves of the maps; exposures and groups have paths below the resource folder.
    expect(m.parent_map['exposure.fk.dash']).toEqual(['model.fk.plain']);
    expect(m.child_map['exposure.fk.dash']).toEqual([]);
    expect(m.child_map['model.fk.plain']).toContain('exposure.fk.dash');
    expect(m.exposures['exposure.fk.dash']!.path).toBe('exposures.yml');
    expect(m.groups['group.fk.core']!.path).toBe('exposures.yml');
    expect(m.nodes['analysis.fk.count']!.relation_name).toBeNull();
    expect(m.sources['source.fk.src.tbl']).toMatchObject({
      loaded_at_query: null,
      freshness: { warn_after: { count: 12, period: 'hour' }, error_after: { count: null, period: null }, filter: null },
    });

    // dbt's seed keys (besides created_at): no code, refs, compiled SQL or a model's access/version.
    expect(Object.keys(m.nodes['seed.fk.codes']!)).toEqual([
      'database', 'schema', 'name', 'resource_type', 'package_name', 'path', 'original_file_path', 'unique_id', 'fqn', 'alias',
      'checksum', 'config', 'tags', 'description', 'columns', 'meta', 'group', 'docs', 'patch_path', 'build_path',
      'unrendered_config', 'relation_name', 'raw_code', 'doc_blocks', 'root_path', 'depends_on',
    ]);
    // Tests have no access or version; models do.
    expect(srcNotNull).not.toHaveProperty('access');
    expect(srcNotNull).not.toHaveProperty('version');
    expect(m.nodes['model.fk.plain']).toMatchObject({ access: 'protected', version: null, functions: [] });
    // primary_key as dbt infers it from tests (a unique test on id; not_null alone names none), and time_spine.
    expect(m.nodes['model.fk.plain']).toMatchObject({ primary_key: ['id'], time_spine: null });
    expect(m.nodes['model.fk.vm.v1']).toMatchObject({ primary_key: [], time_spine: null });
    // The macros a model's own Jinja calls (project and package macros; kiln's built-ins such as
    // is_incremental are not macros here, where dbt lists macro.dbt.is_incremental).
    expect(m.nodes['model.fk.plain']!.depends_on).toEqual({ macros: ['macro.fk.double'], nodes: ['model.fk.vm.v2'] });
  });
});
