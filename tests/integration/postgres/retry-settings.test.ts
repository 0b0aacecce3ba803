// The profile's retry settings and which PostgreSQL failures count as transient (pure: no server).
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../../../adapters/adapter.js';
import { connectError, databaseError, transientConnectReason, transientStatementReason } from '../../../adapters/postgres/errors.js';
import { readProfile } from '../../../adapters/postgres/profile.js';
import { KilnError } from '../../../core/errors.js';
import type { TargetConfig } from '../../../core/project/types.js';

const target = (fields: Record<string, unknown>): TargetConfig => ({
  name: 'dev',
  type: 'postgres',
  schema: 's',
  database: 'db',
  threads: 1,
  fields: { type: 'postgres', user: 'u', dbname: 'db', ...fields },
  secretFields: [],
});

function serverError(code: string, message = 'x'): pg.DatabaseError {
  const e = new pg.DatabaseError(message, 0, 'error');
  e.code = code;
  e.severity = 'ERROR';
  return e;
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
}

describe('profile: retries, connect_retries, retry_delay', () => {
  it("defaults to dbt-postgres' one retry after 1 s; connect_retries follows retries", () => {
    expect(readProfile(target({}))).toMatchObject({ retries: 1, connectRetries: 1, retryDelay: 1 });
    expect(readProfile(target({ retries: 4 }))).toMatchObject({ retries: 4, connectRetries: 4 });
    expect(readProfile(target({ retries: 0, connect_retries: 5, retry_delay: 0.25 }))).toMatchObject({ retries: 0, connectRetries: 5, retryDelay: 0.25 });
    expect(readProfile(target({ retries: '2' }))).toMatchObject({ retries: 2 });
  });

  it('rejects negative, fractional and non-numeric values with KLN103', () => {
    for (const fields of [{ retries: -1 }, { retries: 1.5 }, { connect_retries: 'many' }, { retry_delay: -2 }]) {
      const e = (() => {
        try {
          readProfile(target(fields));
        } catch (err) {
          return err;
        }
      })();
      expect(e, JSON.stringify(fields)).toBeInstanceOf(KilnError);
      expect((e as KilnError).code).toBe('KLN103');
    }
  });

  it('waits twice as long before each retry, at most 30 s', () => {
    const p = { retries: 10, delaySeconds: 1 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelaySeconds(p, n))).toEqual([1, 2, 4, 8, 16, 30, 30]);
    expect(retryDelaySeconds({ retries: 1, delaySeconds: 0 }, 3)).toBe(0);
  });
});

describe('transient failures', () => {
  it('statements: deadlocks and serialization failures only', () => {
    expect(transientStatementReason(serverError('40P01'))).toBe('deadlock detected (40P01)');
    expect(transientStatementReason(serverError('40001'))).toBe('serialization failure (40001)');
    for (const code of ['42601', '23505', '57014', '53300', '42P01', '08006']) expect(transientStatementReason(serverError(code)), code).toBeUndefined();
    expect(transientStatementReason(new Error('Connection terminated unexpectedly'))).toBeUndefined();
    expect(databaseError(serverError('40P01', 'deadlock detected'), 'select 1').transient).toBe('deadlock detected (40P01)');
    expect(databaseError(serverError('42601', 'syntax error'), 'select 1').transient).toBeUndefined();
  });

  it('connecting: refused, reset, full or starting servers, not wrong settings', () => {
    expect(transientConnectReason(serverError('53300'))).toBe('too many connections (53300)');
    expect(transientConnectReason(serverError('57P03'))).toMatch(/starting up/);
    expect(transientConnectReason(socketError('ECONNREFUSED'))).toBe('connection refused');
    expect(transientConnectReason(socketError('ECONNRESET'))).toBe('connection reset');
    expect(transientConnectReason(new Error('Connection terminated unexpectedly'))).toMatch(/closed the connection/);
    expect(transientConnectReason(new Error('Connection terminated due to connection timeout'))).toBe('connect_timeout expired');
    // A dual-stack host name fails with an AggregateError holding each address' error.
    expect(transientConnectReason(Object.assign(new AggregateError([socketError('ECONNREFUSED')]), {}))).toBe('connection refused');
    for (const e of [serverError('28P01'), serverError('3D000'), serverError('28000'), socketError('ENOTFOUND'), new Error('self-signed certificate')]) {
      expect(transientConnectReason(e), String(e)).toBeUndefined();
    }
    const p = readProfile(target({ host: 'db.example' }));
    expect(connectError(socketError('ECONNREFUSED'), p).transient).toBe('connection refused');
    expect(connectError(serverError('28P01', 'password authentication failed'), p).transient).toBeUndefined();
  });
});
