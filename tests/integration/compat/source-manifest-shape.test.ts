// manifest.json's `sources` and `ls --output json` of sources as dbt-core 1.11.16 writes them for
// the project in tests/fixtures/dbt-1-11-sources/project (one plain source; freshness, loaded_at_field,
// loaded_at_query, meta, tags and config: blocks at source and table level; columns with tests,
// meta and doc blocks; dbt_project.yml `sources:` configs). The expected files are dbt's own output
// (`dbt parse`, `dbt ls -s 'source:*' --output json` with dbt-duckdb 1.11.1), created_at left out.
// Compared whole, key order included: a key kiln drops, adds or moves fails here.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/dbt-1-11-sources');
const PROFILE = 'srcm:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: srcm.duckdb\n      threads: 1\n';

type Json = Record<string, unknown>;

function project(): string {
  const read = (f: string) => fs.readFileSync(path.join(FIXTURE, 'project', f), 'utf8');
  return testdir({
    'dbt_project.yml': read('dbt_project.yml'),
    'profiles.yml': PROFILE,
    'models/sources.yml': read('models/sources.yml'),
    'models/docs.md': read('models/docs.md'),
    'models/m.sql': read('models/m.sql'),
  });
}

/** Keys in order, recursively: toEqual alone ignores the order dbt writes them in. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v && typeof v === 'object') return Object.entries(v as Json).map(([k, x]) => [k, shape(x)]);
  return v;
}

describe("manifest.json's sources as dbt 1.11 writes them", () => {
  it('match dbt field by field and key by key (config defaults, unrendered_config, meta, freshness, doc_blocks, columns)', async () => {
    const dir = project();
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const expected = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'manifest-sources.json'), 'utf8')) as Record<string, Json>;
    const sources = (JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { sources: Record<string, Json> }).sources;
    expect(Object.keys(sources)).toEqual(Object.keys(expected));
    for (const [id, want] of Object.entries(expected)) {
      expect(sources[id], id).toEqual(want);
      expect(shape(sources[id]), id).toEqual(shape(want));
    }
  });

  it('ls --output json prints what dbt prints for a source, keys in its order', async () => {
    const dir = project();
    const r = await kiln(['ls', '-s', 'source:*', '--resource-type', 'source', '--output', 'json'], dir);
    expect(r.code, r.output).toBe(0);
    const lines = (text: string) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Json);
    const want = lines(fs.readFileSync(path.join(FIXTURE, 'ls-sources.jsonl'), 'utf8')).filter((e) => e.resource_type === 'source');
    const got = lines(r.stdout);
    expect(shape(got)).toEqual(shape(want));
  });

  it('state:modified stays quiet for the unchanged project and sees a freshness change', async () => {
    const dir = project();
    expect((await kiln(['parse'], dir)).code).toBe(0);
    fs.cpSync(path.join(dir, 'target'), path.join(dir, 'prod'), { recursive: true });
    const modified = async () => {
      const r = await kiln(['ls', '-s', 'state:modified', '--state', 'prod'], dir);
      expect(r.code, r.output).toBe(0);
      return r.stdout.split('\n').filter((l) => l && !/^\d\d:\d\d:\d\d /.test(l));
    };
    expect(await modified()).toEqual([]);
    const yml = path.join(dir, 'models/sources.yml');
    fs.writeFileSync(yml, fs.readFileSync(yml, 'utf8').replace('warn_after: {count: 12, period: hour}', 'warn_after: {count: 13, period: hour}'));
    expect(await modified()).toContain('source:srcm.shop.orders');
  });
});
