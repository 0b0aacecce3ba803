// `kiln docs generate` on PostgreSQL: the catalog from pg_catalog (types as Postgres names
// them, owners, comments, the planner's row estimates once the table is analysed).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { adminClient, freshDatabase, pgServer, type FreshDatabase } from '../../helpers/postgres.js';
import { testdir } from '../../helpers/testdir.js';
import { readSite } from './site-files.js';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase('docs');
});
afterAll(async () => {
  await db?.drop();
});

function project(): string {
  const s = pgServer();
  return testdir({
    'dbt_project.yml': 'name: p\nprofile: p\nmodels:\n  p:\n    +materialized: table\n',
    'profiles.yml': `p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: ${s.host}\n      port: ${s.port}\n      user: ${s.user}\n${s.password ? `      password: "${s.password}"\n` : ''}      dbname: ${db.database}\n      schema: analytics\n      threads: 2\n      sslmode: disable\n`,
    'models/sources.yml': 'version: 2\nsources:\n  - name: raw\n    schema: raw\n    tables:\n      - name: events\n        description: Events as the app logs them.\n',
    'models/events.sql': "select id, kind::varchar(20) as kind, amount::numeric(10,2) as amount from {{ source('raw', 'events') }}",
    'models/kinds.sql': "{{ config(materialized='view') }}\nselect distinct kind from {{ ref('events') }}",
    'models/schema.yml': 'version: 2\nmodels:\n  - name: events\n    columns:\n      - name: id\n        data_type: int\n        description: The event.\n      - name: note\n        description: Declared, but the model has no such column.\n',
  });
}

describe('kiln docs generate on PostgreSQL', () => {
  it('reads relations, columns with Postgres types, owners, comments and analysed row counts', async () => {
    const admin = await adminClient(db.database);
    try {
      await admin.query('create schema raw; create table raw.events (id int, kind text, amount float8)');
      await admin.query("insert into raw.events select g, case when g % 2 = 0 then 'a' else 'b' end, g * 1.5 from generate_series(1, 50) g");
    } finally {
      await admin.end();
    }
    const dir = project();
    const build = await kiln(['run'], dir);
    expect(build.code, build.output).toBe(0);
    const admin2 = await adminClient(db.database);
    try {
      await admin2.query("comment on table analytics.events is 'Built by kiln'; comment on column analytics.events.kind is 'What happened'; analyze analytics.events; analyze raw.events");
    } finally {
      await admin2.end();
    }
    const r = await kiln(['docs', 'generate'], dir);
    expect(r.code, r.output).toBe(0);
    const catalog = JSON.parse(fs.readFileSync(path.join(dir, 'target', 'catalog.json'), 'utf8'));
    const events = catalog.nodes['model.p.events'];
    expect(events.metadata).toMatchObject({ type: 'BASE TABLE', schema: 'analytics', name: 'events', database: db.database, comment: 'Built by kiln', owner: pgServer().user });
    expect(events.columns).toEqual({
      id: { type: 'integer', index: 1, name: 'id', comment: null },
      kind: { type: 'character varying(20)', index: 2, name: 'kind', comment: 'What happened' },
      amount: { type: 'numeric(10,2)', index: 3, name: 'amount', comment: null },
    });
    expect(events.stats.row_count.value).toBe(50);
    expect(catalog.nodes['model.p.kinds'].metadata.type).toBe('VIEW');
    expect(catalog.nodes['model.p.kinds'].stats.row_count).toBeUndefined();
    expect(catalog.sources['source.p.raw.events'].columns.amount.type).toBe('double precision');

    // The page shows declared and database types side by side, and the declared-only column.
    const site = readSite(path.join(dir, 'target'));
    const detail = site.detail('model.p.events');
    expect(detail.columns.find((c) => c.name === 'id')?.declaredType).toBe('int');
    expect(detail.catalog?.columns.find((c) => c.name === 'id')?.type).toBe('integer');
    expect(site.core.nodes[site.index('model.p.events')].cols).toEqual(['id', 'note', 'kind', 'amount']);
    expect(site.core.nodes[site.index('source.p.raw.events')].desc).toBe('Events as the app logs them.');
  });
});
