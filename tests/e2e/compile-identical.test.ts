// Speed does not change results: the synthetic benchmark project (plus templates chosen to
// exercise the edges of the static fast path) compiles to the same manifest.json and the same
// target/compiled files with and without the fast path, and whatever the thread count.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateProject, writeProject } from '../bench/gen-project.js';
import { readStatic } from '../../core/compiler/static-template.js';
import { manifestJson, manifestJsonChunks } from '../../core/artifacts/manifest-json.js';
import { openSession } from '../../core/cli/session.js';
import { kiln } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

const EDGE_MODELS: Record<string, string> = {
  'models/edges/e_plain.sql': 'select 1 as id\n',
  'models/edges/e_ws.sql': "select *\nfrom\n  {{- ref('e_plain') -}}\n  as p\n\n",
  'models/edges/e_comment.sql': "{#- note: {{ ref('e_missing') }} is not called -#}\nselect {{ var('start_date') }} as d, {{ var('absent', 'x') }} as x, {{ var('n') }} as n\r\n",
  'models/edges/e_config.sql': "{{ config(materialized='table', tags=['edge', 'x'], enabled=true, full_refresh=False) }}\nselect * from {{ ref(\"e_plain\") }}",
  'models/edges/e_two_arg.sql': "-- depends_on: {{ ref('bench', 'e_plain') }}\nselect '{' as a, '}}' as b",
  'models/edges/e_ephemeral.sql': "{{ config(materialized='ephemeral') }}select id from {{ ref('e_plain') }}",
  'models/edges/e_uses_ephemeral.sql': "select * from {{ ref('e_ephemeral') }}",
  'models/edges/e_not_static.sql': "{{ config(meta={'owner': 'me'}) }}select {{ ref('e_plain') | upper }} as r{% if true %}, 1 as one{% endif %}",
};

function project(): string {
  const dir = testdir({});
  writeProject(dir, generateProject({ models: 300, seed: 'identical' }));
  for (const [rel, text] of Object.entries(EDGE_MODELS)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  const yml = fs.readFileSync(path.join(dir, 'dbt_project.yml'), 'utf8').replace('vars:\n', 'vars:\n  n: 1.5\n');
  fs.writeFileSync(path.join(dir, 'dbt_project.yml'), yml);
  return dir;
}

/** manifest.json without what differs per invocation, and every compiled file. */
function outputs(dir: string): { manifest: unknown; compiled: Record<string, string> } {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target', 'manifest.json'), 'utf8'));
  delete manifest.metadata.generated_at;
  delete manifest.metadata.invocation_id;
  delete manifest.metadata.invocation_started_at;
  delete manifest.metadata.run_started_at;
  const compiled: Record<string, string> = {};
  const root = path.join(dir, 'target', 'compiled');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else compiled[path.relative(root, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return { manifest, compiled };
}

async function compile(dir: string, args: string[], fastPath: boolean): Promise<ReturnType<typeof outputs>> {
  fs.rmSync(path.join(dir, 'target'), { recursive: true, force: true });
  const before = process.env.KILN_FAST_PATH;
  process.env.KILN_FAST_PATH = fastPath ? '1' : '0';
  try {
    const r = await kiln(['compile', ...args], dir);
    expect(r.code, r.output).toBe(0);
  } finally {
    if (before === undefined) delete process.env.KILN_FAST_PATH;
    else process.env.KILN_FAST_PATH = before;
  }
  return outputs(dir);
}

describe('compile output does not depend on how it was computed', () => {
  afterEach(() => {
    delete process.env.KILN_FAST_PATH;
  });

  it('is identical with and without the static fast path, and across thread counts', async () => {
    const dir = project();
    const reference = await compile(dir, ['--threads', '1'], false);
    // The comparison means something only if most templates took the fast path.
    const models = Object.values((reference.manifest as { nodes: Record<string, { resource_type: string; raw_code: string }> }).nodes).filter((n) => n.resource_type === 'model');
    const fast = models.filter((n) => readStatic(n.raw_code) !== null).length;
    expect(fast / models.length).toBeGreaterThan(0.6);
    expect(fast).toBeLessThan(models.length);
    expect(Object.keys(reference.compiled).length).toBeGreaterThan(300);

    for (const [args, fastPath] of [
      [['--threads', '1'], true],
      [['--threads', '4'], true],
      [['--threads', '4'], false],
    ] as const) {
      const got = await compile(dir, [...args], fastPath);
      expect(got.compiled, `compiled SQL, ${args.join(' ')}, fast path ${fastPath}`).toEqual(reference.compiled);
      expect(got.manifest, `manifest, ${args.join(' ')}, fast path ${fastPath}`).toEqual(reference.manifest);
    }
  }, 120_000);

  it('streams manifest.json exactly as JSON.stringify writes the whole object', async () => {
    const dir = project();
    const session = await openSession({ command: 'compile', logFormat: 'text', color: false }, dir);
    const meta = { invocationId: 'i', generatedAt: new Date(0), adapterType: session.adapter.type };
    const streamed = [...manifestJsonChunks(session.manifest, session.dag, session.adapter.dialect, meta)].join('');
    expect(streamed).toBe(JSON.stringify(manifestJson(session.manifest, session.dag, session.adapter.dialect, meta)));
  });

  it('reports the same error, at the same line, either way', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n',
      'models/a.sql': "select 1 as id\nfrom {{ ref('b') }}\nwhere d > '{{ var('undefined_here') }}'\n",
      'models/b.sql': 'select 1 as id',
    });
    const outs: string[] = [];
    for (const fastPath of [true, false]) {
      process.env.KILN_FAST_PATH = fastPath ? '1' : '0';
      const r = await kiln(['compile'], dir);
      expect(r.code).toBe(2);
      outs.push(r.output.replace(/^\d\d:\d\d:\d\d {2}/gm, ''));
    }
    expect(outs[0]).toContain('undefined_here');
    expect(outs[0]).toContain('models/a.sql:3');
    expect(outs[0]).toBe(outs[1]);
  });
});
