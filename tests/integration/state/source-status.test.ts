// source_status:fresher on a real DuckDB: after new data lands in a source, the sources whose
// newest row is newer than at the previous freshness check (--state) are selected, and with `+`
// everything built on them.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { ls } from './helpers.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 2\n';

describe('source_status:fresher', () => {
  it('selects the sources that received data since the previous check, and what reads them', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      // Tables standing in for loaded raw data; `var('at')` sets the newest load time.
      'models/events_t.sql': "{{ config(materialized='table') }}\nselect cast('{{ var('events_at', '2024-01-01 00:00:00') }}' as timestamp) as loaded_at",
      'models/users_t.sql': "{{ config(materialized='table') }}\nselect cast('2024-01-01 00:00:00' as timestamp) as loaded_at",
      'models/sources.yml': `sources:
  - name: raw
    schema: main
    loaded_at_field: loaded_at
    freshness:
      error_after: {count: 1, period: day}
    tables:
      - name: events
        identifier: events_t
      - name: users
        identifier: users_t
`,
      'models/daily_events.sql': "select * from {{ source('raw', 'events') }}",
      'models/daily_users.sql': "select * from {{ source('raw', 'users') }}",
    });
    expect((await kiln(['run', '-s', 'events_t', 'users_t'], dir)).code).toBe(0);
    // Both are days old: stale (exit 1), but their load times are recorded.
    expect((await kiln(['source', 'freshness'], dir)).code).toBe(1);
    fs.mkdirSync(path.join(dir, 'prev'));
    fs.copyFileSync(path.join(dir, 'target/sources.json'), path.join(dir, 'prev/sources.json'));

    const missing = await kiln(['ls', '-s', 'source_status:fresher', '--state', 'target'], dir);
    expect(missing.code).toBe(0);

    expect((await kiln(['run', '-s', 'events_t', '--vars', "{events_at: '2024-01-02 00:00:00'}"], dir)).code).toBe(0);
    await kiln(['source', 'freshness'], dir);
    expect(await ls(dir, ['-s', 'source_status:fresher', '--state', 'prev'])).toEqual(['raw.events']);
    expect(await ls(dir, ['-s', 'source_status:fresher+', '--state', 'prev'])).toEqual(['daily_events', 'raw.events']);
  });

  it('needs both freshness results: a clear error naming the missing file', async () => {
    const dir = testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': PROFILE, 'models/a.sql': 'select 1 as x', 'prev/.keep': '' });
    const noState = await kiln(['ls', '-s', 'source_status:fresher'], dir);
    expect(noState.code).toBe(2);
    expect(noState.stderr).toMatch(/KLN307.*source_status: selection needs --state/);
    const noPrev = await kiln(['ls', '-s', 'source_status:fresher+', '--state', 'prev'], dir);
    expect(noPrev.code).toBe(2);
    expect(noPrev.stderr).toMatch(/KLN307.*previous freshness results, but prev\/sources\.json does not exist/);
  });
});
