// `kiln source freshness` on a real DuckDB: pass, warn and error by age, filter, sources.json.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 1\n`;

describe('source freshness', () => {
  it('judges each table by the age of its newest row', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      // Tables standing in for loaded raw data, with known ages.
      'models/fresh_t.sql': "{{ config(materialized='table') }}\nselect cast(now() as timestamp) - interval 10 minute as loaded_at",
      'models/stale_t.sql': "{{ config(materialized='table') }}\nselect cast(now() as timestamp) - interval 3 hour as loaded_at",
      'models/dead_t.sql': "{{ config(materialized='table') }}\nselect cast(now() as timestamp) - interval 3 day as loaded_at, 'x' as kind union all select cast(now() as timestamp), 'y'",
      'models/sources.yml': `sources:
  - name: raw
    schema: main
    loaded_at_field: loaded_at
    freshness:
      warn_after: {count: 1, period: hour}
      error_after: {count: 1, period: day}
    tables:
      - name: fresh
        identifier: fresh_t
      - name: stale
        identifier: stale_t
      - name: dead
        identifier: dead_t
        freshness:
          error_after: {count: 2, period: day}
          filter: "kind = 'x'"
      - name: unchecked
        identifier: fresh_t
        freshness: null
`,
    });
    expect((await kiln(['run'], dir)).code).toBe(0);
    const r = await kiln(['source', 'freshness'], dir);
    expect(r.code, r.output).toBe(1);
    expect(r.stdout).toMatch(/PASS freshness of raw\.fresh/);
    expect(r.stdout).toMatch(/WARN freshness of raw\.stale/);
    expect(r.stdout).toMatch(/ERROR STALE freshness of raw\.dead/);
    expect(r.stdout).not.toMatch(/raw\.unchecked/);
    expect(r.stdout).toMatch(/Done\. PASS=1 WARN=1 ERROR=1 TOTAL=3/);
    const sources = JSON.parse(fs.readFileSync(path.join(dir, 'target/sources.json'), 'utf8'));
    const byId = Object.fromEntries(sources.results.map((x: { unique_id: string }) => [x.unique_id, x]));
    expect(byId['source.p.raw.fresh'].status).toBe('pass');
    expect(byId['source.p.raw.stale'].max_loaded_at_time_ago_in_s).toBeGreaterThan(3 * 3600 - 60);
    expect(byId['source.p.raw.stale'].max_loaded_at_time_ago_in_s).toBeLessThan(3 * 3600 + 60);
    expect(byId['source.p.raw.dead'].criteria.error_after).toEqual({ count: 2, period: 'day' });

    const only = await kiln(['source', 'freshness', '-s', 'source:raw.fresh'], dir);
    expect(only.code, only.output).toBe(0);
    expect(only.stdout).toMatch(/Done\. PASS=1 WARN=0 ERROR=0 TOTAL=1/);
  });

  it('reports a missing source table as a runtime error with its YAML location', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/sources.yml': 'sources:\n  - name: raw\n    schema: main\n    tables:\n      - name: gone\n        loaded_at_field: ts\n        freshness:\n          warn_after: {count: 1, period: hour}\n',
    });
    const r = await kiln(['source', 'freshness'], dir);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/gone/);
    expect(r.output).toMatch(/models\/sources\.yml:\d+/);
  });
});
