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

  it('loaded_at_query (dbt 1.10+): its one timestamp is judged; filter does not touch it; a source table’s own loaded_at_field wins', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/events_t.sql': "{{ config(materialized='table') }}\nselect cast(now() as timestamp) - interval 2 hour as at_, 'old' as kind union all select cast(now() as timestamp) - interval 5 minute, 'new'",
      'models/sources.yml': `sources:
  - name: raw
    schema: main
    loaded_at_query: "select max(at_) from {{ this }} where kind = '{{ var('old_kind', 'old') }}'"
    freshness:
      warn_after: {count: 1, period: hour}
    tables:
      - name: by_query
        identifier: events_t
        freshness:
          warn_after: {count: 1, period: hour}
          filter: "kind = 'new'"
      - name: by_field
        identifier: events_t
        loaded_at_field: at_
      - name: empty
        identifier: events_t
        loaded_at_query: "select max(at_) from main.events_t where kind = 'none'"
`,
    });
    expect((await kiln(['run'], dir)).code).toBe(0);
    const r = await kiln(['source', 'freshness'], dir);
    // by_query: 2 hours old by its query ({{ this }} rendered as the source table when freshness runs;
    // the filter, which would keep the new row, is not applied)
    expect(r.stdout).toMatch(/WARN freshness of raw\.by_query/);
    // by_field: its own loaded_at_field, which drops the source's loaded_at_query: 5 minutes old
    expect(r.stdout).toMatch(/PASS freshness of raw\.by_field/);
    expect(r.stdout).toMatch(/ERROR STALE freshness of raw\.empty .*loaded_at_query of raw\.empty returned no timestamp/);
    const sources = JSON.parse(fs.readFileSync(path.join(dir, 'target/sources.json'), 'utf8'));
    const byId = Object.fromEntries(sources.results.map((x: { unique_id: string; status: string }) => [x.unique_id, x.status]));
    expect(byId).toEqual({ 'source.p.raw.by_query': 'warn', 'source.p.raw.by_field': 'pass', 'source.p.raw.empty': 'error' });
    // Kept as written in manifest.json, as dbt keeps it (rendered only when freshness runs).
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.sources['source.p.raw.by_query'].loaded_at_query).toMatch(/from \{\{ this \}\}/);
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
