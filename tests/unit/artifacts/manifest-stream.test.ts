import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestJson, manifestJsonChunks } from '../../../core/artifacts/manifest-json.js';
import { ArtifactWriter } from '../../../core/artifacts/write.js';
import { StreamFile } from '../../../core/artifacts/stream-file.js';
import { Compiler } from '../../../core/compiler/compile.js';
import { openSession } from '../../../core/cli/session.js';
import { ManifestSections } from '../../../core/parser/partial/warm-render.js';
import { testdir } from '../../helpers/testdir.js';

/** Every resource kind manifest.json holds, with text that is not ASCII (2-, 3- and 4-byte UTF-8). */
const PROJECT: Record<string, string> = {
  'dbt_project.yml': 'name: shop\nprofile: shop\nmodels:\n  shop:\n    old:\n      +enabled: false\n',
  'profiles.yml': 'shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n',
  'seeds/raw_orders.csv': 'id,customer_id,amount,status\n1,1,10,completed\n2,2,7,returned\n',
  'models/staging/stg_orders.sql': "-- café ☕ 𝔘nicode\nselect * from {{ source('raw', 'orders') }}\n",
  'models/staging/stg_seed.sql': "{{ config(materialized='table', tags=['t'], pre_hook=\"select 1\") }}\nselect * from {{ ref('raw_orders') }}\n",
  'models/marts/orders.sql': "{{ config(materialized='incremental', unique_key='id') }}\nselect o.id, o.amount from {{ ref('stg_orders') }} o\njoin {{ ref('eph') }} e on e.id = o.id\n",
  'models/marts/eph.sql': "{{ config(materialized='ephemeral') }}\nselect 1 as id\n",
  'models/marts/ledger.sql': "select * from {{ ref('orders') }}\n",
  'models/old/retired.sql': 'select 1 as id\n',
  'models/schema.yml': `version: 2
groups:
  - name: finance
    owner:
      email: finance@example.com
sources:
  - name: raw
    description: "Raw data — loaded nightly"
    tables:
      - name: orders
        columns:
          - name: id
            tests: [not_null]
models:
  - name: orders
    description: "Orders {{ doc('orders_doc') }}"
    config:
      group: finance
      access: public
    columns:
      - name: id
        description: "The key ✓"
        tests: [unique, not_null]
      - name: amount
        tests:
          - accepted_values:
              values: [1, 2]
  - name: ledger
    config:
      group: finance
exposures:
  - name: weekly_report
    label: Weekly report
    type: dashboard
    maturity: high
    url: https://bi.example.com/weekly
    owner: {name: Ann, email: ann@example.com}
    depends_on:
      - ref('orders')
    description: Revenue by week
unit_tests:
  - name: sums_orders
    model: ledger
    given:
      - input: ref('orders')
        rows:
          - {id: 1, amount: 10}
    expect:
      rows:
        - {id: 1, amount: 10}
`,
  'models/docs.md': '{% docs orders_doc %}\nOne row per order — naïve 🙂\n{% enddocs %}\n',
  'macros/cents.sql': '{% macro cents(col) %}({{ col }} * 100){% endmacro %}\n',
  'tests/no_negative.sql': "select * from {{ ref('orders') }} where amount < 0\n",
  'analyses/a.sql': "select count(*) from {{ ref('orders') }}\n",
  'snapshots/orders_snap.sql': `{% snapshot orders_snap %}
{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols='all') }}
select * from {{ ref('stg_orders') }}
{% endsnapshot %}
`,
};

describe('manifest.json streamed to disk', () => {
  it('is byte for byte JSON.stringify of the whole object, for every resource kind, compiled', async () => {
    const dir = testdir(PROJECT);
    const session = await openSession({ command: 'compile', logFormat: 'text', color: false }, dir);
    const compiler = new Compiler(session.manifest, session.engine, session.deps, session.profile.profileName, {});
    for (const id of session.dag.topoOrder()) {
      const n = session.manifest.nodes.get(id);
      if (n && n.resourceType !== 'unit_test' && n.resourceType !== 'seed') compiler.compile(n);
    }
    const meta = { invocationId: 'i', generatedAt: new Date(0), adapterType: session.adapter.type };
    const whole = JSON.stringify(manifestJson(session.manifest, session.dag, session.adapter.dialect, meta));
    const parsed = JSON.parse(whole) as Record<string, Record<string, unknown>>;
    // The project does reach every section it is meant to.
    const kinds = new Set(Object.values(parsed.nodes).map((n) => (n as { resource_type: string }).resource_type));
    expect([...kinds].sort()).toEqual(['analysis', 'model', 'seed', 'snapshot', 'test']);
    for (const section of ['sources', 'macros', 'docs', 'exposures', 'groups', 'disabled', 'unit_tests', 'group_map', 'parent_map', 'child_map']) {
      expect(Object.keys(parsed[section]!).length, section).toBeGreaterThan(0);
    }
    expect(Object.values(parsed.nodes).some((n) => (n as { compiled_code: string | null }).compiled_code !== null)).toBe(true);

    const target = path.join(dir, 'target');
    const writer = new ArtifactWriter(target, undefined, { background: true });
    const sections = new ManifestSections();
    const nodes: [string, number, number][] = [];
    let head = '';
    const listener = { position: () => writer.streamPosition, head: (p: string) => (head = p), node: (id: string, start: number, end: number) => nodes.push([id, start, end]), section: sections.section, end: sections.done };
    writer.writeJsonStream('manifest.json', manifestJsonChunks(session.manifest, session.dag, session.adapter.dialect, meta, listener));
    await writer.finish();
    const bytes = fs.readFileSync(path.join(target, 'manifest.json'));
    expect(bytes.equals(Buffer.from(whole, 'utf8'))).toBe(true);
    // The writer's byte offsets place parent_map and child_map where they are.
    expect(sections.size).toBe(bytes.length);
    const ranges = sections.tailRanges()!;
    const at = (r: [number, number]) => bytes.subarray(bytes.length - r[0], bytes.length - r[1]).toString('utf8');
    expect(at(ranges.parentMap)).toBe(JSON.stringify(parsed.parent_map));
    expect(at(ranges.childMap)).toBe(JSON.stringify(parsed.child_map));
    // The first piece, and each node entry's value where it lies.
    expect(bytes.subarray(0, Buffer.byteLength(head)).toString('utf8')).toBe(head);
    expect(head).toBe(`{"metadata":${JSON.stringify(parsed.metadata)}`);
    expect(nodes.map(([id]) => id)).toEqual(Object.keys(parsed.nodes));
    for (const [id, start, end] of nodes) expect(bytes.subarray(start, end).toString('utf8')).toBe(JSON.stringify(parsed.nodes[id]));
  });
});

describe('StreamFile', () => {
  it('writes pieces of any size and script exactly, its position the bytes so far', () => {
    const dir = testdir({});
    const file = path.join(dir, 'sub', 'out.json');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, 'old');
    const pieces = ['{', 'é'.repeat(400_000), '☕', '𝔘'.repeat(300_000), 'x'.repeat(1 << 20), ',"a":1', '🙂'.repeat(5), '}'];
    const s = new StreamFile(file, 1);
    let expected = 0;
    for (const p of pieces) {
      expect(s.position).toBe(expected);
      s.write(p);
      expected += Buffer.byteLength(p, 'utf8');
    }
    expect(s.position).toBe(expected);
    // Nothing replaces the old file until close.
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    // The old file is moved aside, not renamed over (freeing it there cost the rename ms): the caller removes it.
    const old = s.close();
    expect(fs.readFileSync(file, 'utf8')).toBe(pieces.join(''));
    expect(old).toBe(`${file}.${process.pid}.old`);
    expect(fs.readFileSync(old!, 'utf8')).toBe('old');
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(['out.json', path.basename(old!)]);
    // No old file: nothing moved aside.
    const fresh = new StreamFile(path.join(dir, 'sub', 'new.json'), 2);
    fresh.write('{}');
    expect(fresh.close()).toBeNull();
  });

  it('ArtifactWriter removes the file it moved aside by the time finish() returns', async () => {
    const dir = testdir({ 'manifest.json': 'old', 'late.json': 'old' });
    const writer = new ArtifactWriter(dir);
    writer.writeJsonStream('manifest.json', ['{', '"a":1', '}']);
    await writer.writeJsonStreamAsync('late.json', ['[', '1', ']'], new AbortController().signal);
    await writer.finish();
    expect(fs.readdirSync(dir).sort()).toEqual(['late.json', 'manifest.json']);
    expect(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).toBe('{"a":1}');
    expect(fs.readFileSync(path.join(dir, 'late.json'), 'utf8')).toBe('[1]');
  });

  it('a forced exit (drainSync, no event loop turn after it) leaves no file moved aside behind', () => {
    // A large old version: its removal on libuv's threads takes a while (freeing its blocks).
    const dir = testdir({ 'manifest.json': 'x'.repeat(16 << 20) });
    const writer = new ArtifactWriter(dir);
    writer.writeJsonStream('manifest.json', ['{', '"a":1', '}']);
    writer.drainSync(1_000);
    expect(fs.readdirSync(dir)).toEqual(['manifest.json']);
    expect(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).toBe('{"a":1}');
  });

  it('leaves the old file when aborted', () => {
    const dir = testdir({ 'out.json': 'old' });
    const s = new StreamFile(path.join(dir, 'out.json'), 1);
    s.write('{"partial":');
    s.abort();
    expect(fs.readdirSync(dir)).toEqual(['out.json']);
    expect(fs.readFileSync(path.join(dir, 'out.json'), 'utf8')).toBe('old');
  });
});
