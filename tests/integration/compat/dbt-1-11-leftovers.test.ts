// Fields and files as dbt-core 1.11 + dbt-duckdb 1.11 write them for the same projects (checked
// with `dbt parse --no-partial-parse`, `dbt compile` and `dbt build`): is_incremental in a model's
// depends_on.macros, an analysis' fqn and path.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      threads: 1\n';

interface ManifestNode {
  fqn: string[];
  path: string;
  original_file_path: string;
  compiled_path: string | null;
  tags: string[];
  depends_on: { macros: string[]; nodes: string[] };
}

function manifestNodes(dir: string): Record<string, ManifestNode> {
  return (JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, ManifestNode> }).nodes;
}

describe('manifest.json nodes as dbt 1.11 writes them', () => {
  it('lists is_incremental among the macros a model calls, in call order', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      // dbt: ['macro.dbt.current_timestamp', 'macro.dbt.is_incremental', 'macro.dbt.should_full_refresh']
      'models/inc.sql': "{{ config(materialized='incremental') }}\nselect {{ dbt.current_timestamp() }} as ts\n{% if is_incremental() %} where 1 = 1 {% endif %}\n{% if should_full_refresh() %}{% endif %}",
      // dbt records the call whatever the materialization: ['macro.dbt.is_incremental']
      'models/plain.sql': 'select 1 as x {% if is_incremental() %}{% endif %}',
      'models/static.sql': 'select 1 as x',
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const nodes = manifestNodes(dir);
    expect(nodes['model.p.inc']!.depends_on.macros).toEqual(['macro.dbt.current_timestamp', 'macro.dbt.is_incremental', 'macro.dbt.should_full_refresh']);
    expect(nodes['model.p.plain']!.depends_on.macros).toEqual(['macro.dbt.is_incremental']);
    expect(nodes['model.p.static']!.depends_on.macros).toEqual([]);
  });

  it("files an analysis under 'analysis' in its fqn and path, and compiles it under analyses/", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\nanalyses:\n  p:\n    deep:\n      +tags: [deep]\n',
      'profiles.yml': PROFILE,
      'models/m.sql': 'select 1 as id',
      'analyses/top.sql': "select count(*) from {{ ref('m') }}",
      'analyses/deep/nested.sql': 'select 1 as x',
    });
    const r = await kiln(['compile'], dir);
    expect(r.code, r.output).toBe(0);
    const nodes = manifestNodes(dir);
    expect(nodes['analysis.p.top']).toMatchObject({ fqn: ['p', 'analysis', 'top'], path: 'analysis/top.sql', original_file_path: 'analyses/top.sql', compiled_path: 'target/compiled/p/analyses/top.sql' });
    expect(nodes['analysis.p.nested']).toMatchObject({ fqn: ['p', 'analysis', 'deep', 'nested'], path: 'analysis/deep/nested.sql', original_file_path: 'analyses/deep/nested.sql' });
    // kiln's folder configs for analyses keep matching the folders as written
    expect(nodes['analysis.p.nested']!.tags).toEqual(['deep']);
    expect(fs.existsSync(path.join(dir, 'target/compiled/p/analyses/deep/nested.sql'))).toBe(true);
    const ls = await kiln(['ls', '--resource-type', 'analysis'], dir);
    expect(ls.stdout).toContain('p.analysis.deep.nested');
  });
});
