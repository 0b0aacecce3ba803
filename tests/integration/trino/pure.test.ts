// The Trino adapter's pure parts, without a server: SQL text, profile checks, value conversion,
// seed batches and error positions. (What they do on a real server: the other files here.)
import { describe, expect, it } from 'vitest';
import { connectorCapabilities } from '../../../adapters/trino/connectors.js';
import { quoteLiteral, renderRelation, trinoDialect } from '../../../adapters/trino/dialect.js';
import { characterPosition, queryError, transportError } from '../../../adapters/trino/errors.js';
import { csvInsertStatements } from '../../../adapters/trino/load-csv.js';
import { readProfile } from '../../../adapters/trino/profile.js';
import { converterFor } from '../../../adapters/trino/values.js';
import type { TargetConfig } from '../../../core/project/types.js';
import { StatementError } from '../../../core/sql-position.js';

const target = (fields: Record<string, unknown>): TargetConfig => ({
  name: 'dev',
  type: 'trino',
  schema: 's',
  database: String(fields.catalog ?? ''),
  threads: 4,
  fields: { type: 'trino', ...fields },
  secretFields: [],
});

describe('Trino dialect', () => {
  it('quotes literals without backslash escapes and keeps numbers typed', () => {
    expect(quoteLiteral("it's \\ 'x'")).toBe("'it''s \\ ''x'''");
    expect(quoteLiteral(2)).toBe('2');
    expect(quoteLiteral(2.5)).toBe("double '2.5'");
    expect(quoteLiteral(Number.NaN)).toBe('nan()');
    expect(quoteLiteral(-Infinity)).toBe('-infinity()');
    expect(quoteLiteral(null)).toBe('null');
  });

  it('writes CREATE ... AS without parentheses, so WITH queries and trailing comments work', () => {
    const rel = { database: 'iceberg', schema: 'a', identifier: 'm' };
    expect(trinoDialect.createOrReplaceTableAs(rel, 'with x as (select 1 as id) select * from x -- note;')).toBe(
      'create or replace table "iceberg"."a"."m" as\nwith x as (select 1 as id) select * from x -- note\n',
    );
    // The new name is qualified: Trino would resolve a bare one in the session's schema.
    expect(trinoDialect.rename({ ...rel, type: 'view' }, 'm__dbt_backup')).toBe('alter view "iceberg"."a"."m" rename to "iceberg"."a"."m__dbt_backup"');
    expect(trinoDialect.drop({ ...rel, type: 'table' }, { cascade: true })).toBe('drop table if exists "iceberg"."a"."m"');
    expect(renderRelation({ database: 'c', schema: 'we"ird', identifier: 'x' })).toBe('"c"."we""ird"."x"');
  });

  it('creates a contracted table with the declared types and not null, and fills it by column name', () => {
    const rel = { database: 'iceberg', schema: 'a', identifier: 'm__dbt_tmp' };
    const notNull = { type: 'not_null', name: null, expression: null, columns: ['id'], references: null };
    expect(trinoDialect.createContractTable!(rel, [{ name: 'id', dataType: 'integer', constraints: [notNull] }, { name: 'Name', dataType: 'varchar(20)', constraints: [] }], [])).toBe(
      'create table "iceberg"."a"."m__dbt_tmp" (\n  "id" integer not null,\n  "Name" varchar(20)\n)',
    );
    expect(trinoDialect.insertSelect!(rel, ['id', 'Name'], 'with x as (select 1 as id) select * from x -- note;')).toBe(
      'insert into "iceberg"."a"."m__dbt_tmp" ("id", "Name")\nselect "id", "Name"\nfrom (\nwith x as (select 1 as id) select * from x -- note\n) as model_subq',
    );
  });

  it('deletes through MERGE (DELETE takes no alias in Trino)', () => {
    const sql = trinoDialect.deleteWhere({ database: 'c', schema: 's', identifier: 't' }, 'DBT_INTERNAL_DEST."id" in (select "id" from x)');
    expect(sql).toBe('merge into "c"."s"."t" as DBT_INTERNAL_DEST\nusing (values 1) as dbt_internal_one(x)\non (DBT_INTERNAL_DEST."id" in (select "id" from x))\nwhen matched then delete');
  });
});

describe('Trino connectors', () => {
  it('declares what each connector can do', () => {
    const iceberg = connectorCapabilities('iceberg', 'lake');
    expect(iceberg).toMatchObject({ supportsTransactionalDdl: false, supportsMerge: true, supportsDelete: true, supportsCreateOrReplaceTable: true, replacesViewsInPlace: true });
    expect(iceberg.describedAs).toBe("Trino connector 'iceberg' (catalog lake)");
    const memory = connectorCapabilities('memory', 'memory');
    expect(memory).toMatchObject({ supportsMerge: false, supportsDelete: false, supportsCreateOrReplaceTable: false, incrementalStrategies: ['append'], enforcedConstraints: ['not_null'] });
    expect(iceberg.enforcedConstraints).toEqual(['not_null']);
    expect(connectorCapabilities('postgresql', 'pg')).toMatchObject({ supportsMerge: false, supportsCreateOrReplaceTable: false, enforcedConstraints: [] });
  });
});

describe('Trino profile', () => {
  it('reads catalog, scheme, port and session properties', () => {
    const p = readProfile(target({ host: 'h', user: 'u', catalog: 'iceberg', http_scheme: 'https', session_properties: { query_max_run_time: '1h', 'iceberg.compression_codec': 'ZSTD' } }), '/p');
    expect(p).toMatchObject({ host: 'h', port: 443, httpScheme: 'https', catalog: 'iceberg', schema: 's', threads: 4, sessionProperties: { query_max_run_time: '1h', 'iceberg.compression_codec': 'ZSTD' } });
    expect(readProfile(target({ host: 'h', user: 'u', database: 'memory' }), '/p')).toMatchObject({ catalog: 'memory', port: 8080, httpScheme: 'http' });
  });

  it('names what is missing or wrong', () => {
    expect(() => readProfile(target({ user: 'u', catalog: 'c' }), '/p')).toThrow(/Trino profile: 'host' is required/);
    expect(() => readProfile(target({ host: 'h', catalog: 'c' }), '/p')).toThrow(/'user' is required/);
    expect(() => readProfile(target({ host: 'h', user: 'u' }), '/p')).toThrow(/'catalog' is required/);
    expect(() => readProfile(target({ host: 'h', user: 'u', catalog: 'c', http_scheme: 'ftp' }), '/p')).toThrow(/'http_scheme' must be http or https/);
    expect(() => readProfile(target({ host: 'h', user: 'u', catalog: 'c', session_properties: { 'bad name': 1 } }), '/p')).toThrow(/invalid property name/);
  });

  it("reads dbt-trino's authentication fields: method ldap means https, a password never goes over http", () => {
    const ldap = readProfile(target({ method: 'ldap', host: 'h', user: 'u', password: 'pw', catalog: 'c', cert: 'certs/ca.pem', impersonation_user: 'bob', http_headers: { 'X-Trino-Client-Tags': 'kiln' } }), '/p');
    expect(ldap).toMatchObject({ method: 'ldap', httpScheme: 'https', port: 443, password: 'pw', cert: '/p/certs/ca.pem', impersonationUser: 'bob', httpHeaders: { 'X-Trino-Client-Tags': 'kiln' } });
    // A password alone also means https; `cert: false` skips verification, `cert: true` uses the system's CAs.
    expect(readProfile(target({ host: 'h', user: 'u', password: 'pw', catalog: 'c', cert: false }), '/p')).toMatchObject({ method: 'none', httpScheme: 'https', cert: false });
    expect(readProfile(target({ host: 'h', user: 'u', password: 'pw', catalog: 'c', cert: true }), '/p').cert).toBeUndefined();
    expect(() => readProfile(target({ method: 'ldap', host: 'h', user: 'u', catalog: 'c' }), '/p')).toThrow(/'method: ldap' needs a 'password'/);
    expect(() => readProfile(target({ host: 'h', user: 'u', password: 'pw', http_scheme: 'http', catalog: 'c' }), '/p')).toThrow(/a password is sent over https only, and 'http_scheme' is http/);
    expect(readProfile(target({ host: 'h', user: 'u', catalog: 'c', cert: '/ca.pem' }), '/p')).toMatchObject({ httpScheme: 'http', cert: undefined });
    expect(() => readProfile(target({ method: 'kerberos', host: 'h', user: 'u', catalog: 'c' }), '/p')).toThrow(/authentication method 'kerberos' is not supported by kiln/);
    expect(() => readProfile(target({ method: 'magic', host: 'h', user: 'u', catalog: 'c' }), '/p')).toThrow(/'method' must be none or ldap/);
    expect(() => readProfile(target({ host: 'h', user: 'u', catalog: 'c', http_headers: { 'bad header': 'x' } }), '/p')).toThrow(/invalid header name/);
  });

  it('names the user (and any impersonated one) in connection errors, never the password', () => {
    const p = readProfile(target({ method: 'ldap', host: 'h', port: 8443, user: 'u', password: 'secret-pw', catalog: 'c', impersonation_user: 'bob' }), '/p');
    const e = transportError({ response: { status: 401 } }, p);
    expect(e.message).toBe('Could not reach Trino (https://h:8443, catalog "c", user "u" as "bob" with a password): authentication failed (HTTP 401)');
    expect(`${e.message} ${e.hint}`).not.toContain('secret-pw');
  });
});

describe('Trino values', () => {
  it('turns decimals into numbers when exact and trims timestamp fractions', () => {
    expect(converterFor('decimal(10,2)')('2.50')).toBe(2.5);
    expect(converterFor('decimal(38,0)')('123456789012345678901234567890')).toBe('123456789012345678901234567890');
    expect(converterFor('double')('NaN')).toBeNaN();
    expect(converterFor('timestamp(6)')('2024-02-29 13:45:01.500000')).toBe('2024-02-29 13:45:01.5');
    expect(converterFor('timestamp(6)')('2024-02-29 13:45:01.000000')).toBe('2024-02-29 13:45:01');
    expect(converterFor('varchar')('x')).toBe('x');
  });
});

describe('Trino seeds', () => {
  const load = (delimiter = ',') => ({
    file: '/s.csv',
    delimiter,
    quoteColumns: true,
    rowCount: 0,
    columns: [
      { name: 'id', sqlType: 'integer' },
      { name: 'at', sqlType: 'timestamp(6)' },
      { name: 'note', sqlType: 'varchar' },
    ],
  });
  const rel = { database: 'memory', schema: 's', identifier: 't__dbt_tmp' };

  it('inserts literal rows cast to the column types; empty fields are NULL', () => {
    const [sql, ...more] = csvInsertStatements(rel, load(), 'id,at,note\n1,2024-01-02T03:04:05,"it\'s ""x"""\n2,,\n');
    expect(more).toEqual([]);
    expect(sql).toBe(
      'insert into "memory"."s"."t__dbt_tmp" ("id", "at", "note")\n' +
        'select cast(c1 as integer), cast(c2 as timestamp(6)), cast(c3 as varchar)\n' +
        "from (values\n('1', '2024-01-02 03:04:05', 'it''s \"x\"'),\n('2', null, null)\n) as dbt_seed(c1, c2, c3)",
    );
  });

  it('splits large files into batches', () => {
    const rows = Array.from({ length: 4500 }, (_, i) => `${i},,n${i}`).join('\n');
    const statements = csvInsertStatements(rel, load(), `id,at,note\n${rows}\n`);
    expect(statements.length).toBe(3);
    expect(statements.every((s) => s.length < 400_000)).toBe(true);
  });
});

describe('Trino errors', () => {
  it('points at the line and column Trino reports, as a StatementError the runner maps', () => {
    const sql = 'create view x as\nselect ünï,\n  nope\nfrom t\n';
    expect(characterPosition(sql, 3, 3)).toBe(sql.indexOf('nope') + 1);
    const e = queryError({ message: "line 3:3: Column 'nope' cannot be resolved", errorName: 'COLUMN_NOT_FOUND', errorLocation: { lineNumber: 3, columnNumber: 3 } }, sql, false);
    expect(e).toBeInstanceOf(StatementError);
    expect(e.message).toBe("COLUMN_NOT_FOUND: line 3:3: Column 'nope' cannot be resolved\nLINE 3:   nope\n          ^");
    expect(queryError({ message: 'Query was canceled', errorName: 'USER_CANCELED' }, sql, true).code).toBe('KLN504');
  });

  it('says where it tried to connect and what to check', () => {
    const p = readProfile(target({ host: 'trino.local', user: 'u', catalog: 'c', port: 9999 }), '/p');
    expect(transportError({ code: 'ECONNREFUSED' }, p).message).toBe('Could not reach Trino (http://trino.local:9999, catalog "c", user "u"): connection refused');
    expect(transportError({ response: { status: 401 } }, p).hint).toMatch(/set `password`/);
  });
});
