// The plan of a view model per database: DuckDB replaces it in place (one statement, any new
// columns); PostgreSQL replaces it in place inside a transaction, with the swap as the fallback
// for Postgres refusing the new columns (SQLSTATE 42P16) and for nothing else.
import { describe, expect, it } from 'vitest';
import { DatabaseError } from 'pg';
import type { AdapterCapabilities, Relation } from '../../../adapters/adapter.js';
import { duckdbDialect } from '../../../adapters/duckdb/dialect.js';
import { postgresDialect } from '../../../adapters/postgres/dialect.js';
import { databaseError } from '../../../adapters/postgres/errors.js';
import { planNode, type Plan, type Step } from '../../../core/materializations/plan.js';
import type { ParsedNode } from '../../../core/nodes.js';

const node = {
  uniqueId: 'model.p.v',
  resourceType: 'model',
  name: 'v',
  originalFilePath: 'models/v.sql',
  database: 'db',
  schema: 's',
  alias: 'v',
  description: '',
  columns: {},
  config: { materialized: 'view' },
} as unknown as ParsedNode;

const base: AdapterCapabilities = { supportsTransactionalDdl: true, supportsMerge: true, supportsCreateOrReplaceView: true, maxIdentifierLength: 63, incrementalStrategies: ['append'], supportsIndexes: false };
const existing: Relation = { database: 'db', schema: 's', identifier: 'v', type: 'view' };
const shape = (plan: Plan): string[] => plan.steps.map((s: Step) => (s.kind === 'sql' ? s.sql.split(' as (')[0] : s.kind));

function pgError(code: string, message: string): DatabaseError {
  const e = new DatabaseError(message, message.length, 'error');
  e.code = code;
  return e;
}

describe('view plans', () => {
  it('DuckDB: one create or replace view, absent or present, no transaction, no fallback', () => {
    for (const state of [{ existing: null, leftovers: [] }, { existing, leftovers: [] }]) {
      const plan = planNode(node, 'select 1 as a', state, { dialect: duckdbDialect, capabilities: { ...base, replacesViewsInPlace: true } });
      expect(shape(plan)).toEqual(['create or replace view "db"."s"."v"']);
      expect(plan.fallback).toBeUndefined();
      expect(plan.result).toEqual(existing);
    }
  });

  it('PostgreSQL: create or replace view in a transaction; the swap only when Postgres refuses the columns', () => {
    const dialect = postgresDialect('db');
    const plan = planNode(node, 'select 1 as a', { existing, leftovers: [] }, { dialect, capabilities: { ...base, replacesCompatibleViewsInPlace: true } });
    expect(shape(plan)).toEqual(['begin', 'create or replace view "db"."s"."v"', 'commit']);
    expect(plan.steps[plan.mainStep]).toMatchObject({ kind: 'sql', purpose: 'create or replace view' });
    expect(shape(plan.fallback!.plan)).toEqual([
      'begin',
      'create view "db"."s"."v__dbt_tmp"',
      'alter view "db"."s"."v" rename to "v__dbt_backup"',
      'alter view "db"."s"."v__dbt_tmp" rename to "v"',
      'drop view if exists "db"."s"."v__dbt_backup" cascade',
      'commit',
    ]);
    const refused = databaseError(pgError('42P16', 'cannot drop columns from view'), 'create or replace view ...');
    const other = databaseError(pgError('42P01', 'relation "missing" does not exist'), 'create or replace view ...');
    expect(plan.fallback!.when(refused)).toBe(true);
    expect(plan.fallback!.when(other)).toBe(false);
  });

  it('PostgreSQL: the fallback swap is planned only when asked for, once', () => {
    const dialect = postgresDialect('db');
    let created = 0;
    const counting = { ...dialect, createViewAs: (rel: Parameters<typeof dialect.createViewAs>[0], sql: string) => (created++, dialect.createViewAs(rel, sql)) };
    const plan = planNode(node, 'select 1 as a', { existing, leftovers: [] }, { dialect: counting, capabilities: { ...base, replacesCompatibleViewsInPlace: true } });
    expect(created).toBe(0);
    const swap = plan.fallback!.plan;
    expect(created).toBe(1);
    expect(plan.fallback!.plan).toBe(swap);
    expect(created).toBe(1);
  });

  it('a table in place of the view swaps (a view cannot replace a table)', () => {
    const plan = planNode(node, 'select 1 as a', { existing: { ...existing, type: 'table' }, leftovers: [] }, { dialect: postgresDialect('db'), capabilities: { ...base, replacesCompatibleViewsInPlace: true } });
    expect(shape(plan)[1]).toBe('create view "db"."s"."v__dbt_tmp"');
    expect(plan.fallback).toBeUndefined();
  });
});
