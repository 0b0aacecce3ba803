// Which nodes a save changed (changedNodes) and what a watch then rebuilds (affectedNodes), on
// real parses of a small project before and after an edit.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSession, type Session } from '../../../core/cli/session.js';
import { affectedNodes, nodesOfFiles } from '../../../core/watch/affected.js';
import { changedNodes } from '../../../core/watch/changed-nodes.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 1\n`;
const FILES: Record<string, string> = {
  'dbt_project.yml': 'name: p\nprofile: p\nvars:\n  limit: 3\n',
  'profiles.yml': PROFILE,
  'macros/double.sql': '{% macro double(x) %}{{ x }} * 2{% endmacro %}',
  'models/src.yml': 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n',
  'models/a.sql': "select id from {{ source('raw', 'orders') }}",
  'models/b.sql': "select {{ double('id') }} as v from {{ ref('a') }}",
  'models/c.sql': "select * from {{ ref('b') }} limit {{ var('limit') }}",
  'models/d.sql': "select * from {{ ref('c') }}",
  'models/schema.yml': 'version: 2\nmodels:\n  - name: b\n    columns:\n      - name: v\n        data_tests: [not_null]\n',
};

const opts = { command: 'watch', logFormat: 'text' as const, color: false };

async function edit(files: Record<string, string>): Promise<{ before: Session; after: Session; dir: string }> {
  const dir = testdir(FILES);
  const before = await openSession(opts, dir);
  for (const [rel, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, rel), text);
  const after = await openSession(opts, dir);
  return { before, after, dir };
}

const names = (s: Session, ids: Iterable<string>) => [...ids].map((id) => s.manifest.nodes.get(id)!.name).sort();

describe('changedNodes', () => {
  it('a model edit changes that model only; the scope of saved node files gives the same answer', async () => {
    const { before, after } = await edit({ 'models/b.sql': "select {{ double('id') }} + 1 as v from {{ ref('a') }}" });
    expect(names(after, changedNodes(before.manifest, after.manifest))).toEqual(['b']);
    expect(names(after, changedNodes(before.manifest, after.manifest, new Set(['models/b.sql'])))).toEqual(['b']);
    // The candidates an incremental re-parse names are the only nodes compared.
    expect(names(after, changedNodes(before.manifest, after.manifest, null, new Set(['model.p.b', 'model.p.c'])))).toEqual(['b']);
    expect(names(after, changedNodes(before.manifest, after.manifest, null, new Set(['model.p.c'])))).toEqual([]);
  });

  it('a macro reaches the nodes calling it, a var the nodes reading it, a source the nodes selecting from it', async () => {
    const macro = await edit({ 'macros/double.sql': '{% macro double(x) %}{{ x }} * 3{% endmacro %}' });
    expect(names(macro.after, changedNodes(macro.before.manifest, macro.after.manifest))).toEqual(['b']);
    const v = await edit({ 'dbt_project.yml': 'name: p\nprofile: p\nvars:\n  limit: 5\n' });
    expect(names(v.after, changedNodes(v.before.manifest, v.after.manifest))).toEqual(['c']);
    const src = await edit({ 'models/src.yml': 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n        identifier: orders_v2\n' });
    expect(names(src.after, changedNodes(src.before.manifest, src.after.manifest, new Set(['models/src.yml'])))).toEqual(['a']);
  });

  it('a new generic test in YAML is a changed node', async () => {
    const { before, after } = await edit({ 'models/schema.yml': 'version: 2\nmodels:\n  - name: b\n    columns:\n      - name: v\n        data_tests: [not_null, unique]\n' });
    expect(names(after, changedNodes(before.manifest, after.manifest, new Set(['models/schema.yml'])))).toEqual(['unique_b_v']);
  });
  it('a description saved in YAML changes the model it describes, found through its patch path', async () => {
    const { before, after } = await edit({ 'models/schema.yml': 'version: 2\nmodels:\n  - name: b\n    description: B.\n    columns:\n      - name: v\n        data_tests: [not_null]\n' });
    expect(names(after, changedNodes(before.manifest, after.manifest, new Set(['models/schema.yml'])))).toEqual(['b']);
    // A scope of many saves takes the other path to the same answer.
    const many = new Set(['models/schema.yml', 'models/x1.sql', 'models/x2.sql', 'models/x3.sql', 'models/x4.sql']);
    expect(names(after, changedNodes(before.manifest, after.manifest, many))).toEqual(['b']);
  });
});

describe('affectedNodes', () => {
  it('rebuilds the changed nodes and their descendants inside the selection, with their tests; --no-downstream only the changed', async () => {
    const { after } = await edit({});
    const m = after.manifest;
    const all = new Set(m.nodes.keys());
    const changed = nodesOfFiles(m, new Set(['models/a.sql']));
    expect(names(after, affectedNodes({ manifest: m, dag: after.dag, selected: all, changed, downstream: true }))).toEqual(['a', 'b', 'c', 'd', 'not_null_b_v']);
    expect(names(after, affectedNodes({ manifest: m, dag: after.dag, selected: all, changed, downstream: false }))).toEqual(['a']);
    const bOnly = nodesOfFiles(m, new Set(['models/b.sql']));
    expect(names(after, affectedNodes({ manifest: m, dag: after.dag, selected: all, changed: bOnly, downstream: false }))).toEqual(['b', 'not_null_b_v']);
    const selected = new Set([...all].filter((id) => !id.endsWith('.d')));
    expect(names(after, affectedNodes({ manifest: m, dag: after.dag, selected, changed, downstream: true }))).toEqual(['a', 'b', 'c', 'not_null_b_v']);
    // Saving the YAML reruns its tests without rebuilding the model it describes.
    expect(names(after, affectedNodes({ manifest: m, dag: after.dag, selected: all, changed: nodesOfFiles(m, new Set(['models/schema.yml'])), downstream: true }))).toEqual(['not_null_b_v']);
  });
});
