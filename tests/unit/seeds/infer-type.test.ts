import { describe, expect, it } from 'vitest';
import { inferColumnType } from '../../../core/seeds/infer-type.js';

describe('inferColumnType', () => {
  it('integers, widening to bigint outside int32 and to numeric outside int64', () => {
    expect(inferColumnType(['1', '-2', '+3', '007', '2147483647', '-2147483648'])).toBe('integer');
    expect(inferColumnType(['1', '2147483648'])).toBe('bigint');
    expect(inferColumnType(['-2147483649'])).toBe('bigint');
    expect(inferColumnType(['9223372036854775807', '-9223372036854775808'])).toBe('bigint');
    expect(inferColumnType(['9223372036854775808'])).toBe('numeric');
  });

  it('numbers: decimals, exponents, an integer mixed in', () => {
    expect(inferColumnType(['1.5', '2', '-0.25', '.5', '5.', '1e5', '-2.5E-3'])).toBe('numeric');
  });

  it('rejects thousands separators, spaces and other number spellings', () => {
    for (const v of ['1,000', ' 1', '1 ', '1_000', '0x10', 'NaN', 'inf', '-', '.', '1.2.3', '$5']) {
      expect(inferColumnType([v]), v).toBe('text');
    }
  });

  it('booleans are true/false in any case only (as in dbt)', () => {
    expect(inferColumnType(['true', 'FALSE', 'True'])).toBe('boolean');
    for (const v of ['t', 'yes', 'no', 'y']) expect(inferColumnType(['true', v]), v).toBe('text');
    // 1/0 are integers first.
    expect(inferColumnType(['1', '0'])).toBe('integer');
  });

  it('dates must be real calendar dates in YYYY-MM-DD', () => {
    expect(inferColumnType(['2024-01-02', '2024-02-29', '2000-02-29'])).toBe('date');
    for (const v of ['2023-02-29', '1900-02-29', '2024-13-01', '2024-00-10', '2024-01-32', '0000-01-01', '2024-1-2', '02/01/2024']) {
      expect(inferColumnType([v]), v).toBe('text');
    }
  });

  it('timestamps with space or T, optional fractions; dates mixed in widen to timestamp', () => {
    expect(inferColumnType(['2024-01-02 03:04:05', '2024-01-02T23:59:59.123456'])).toBe('timestamp');
    expect(inferColumnType(['2024-01-02', '2024-01-02 03:04:05'])).toBe('timestamp');
    expect(inferColumnType(['2024-01-02 03:04:05.123456789'])).toBe('timestamp');
  });

  it('timestamps with a zone or invalid fields are text', () => {
    for (const v of ['2024-01-02T03:04:05Z', '2024-01-02 03:04:05+02:00', '2024-01-02 24:00:00', '2024-01-02 10:60:00', '2024-01-02 03:04', '2024-01-02 03:04:05.']) {
      expect(inferColumnType([v]), v).toBe('text');
    }
  });

  it('empty values do not vote; an all-empty column is text', () => {
    expect(inferColumnType(['', '1', ''])).toBe('integer');
    expect(inferColumnType(['', ''])).toBe('text');
    expect(inferColumnType([])).toBe('text');
  });

  it('mixed kinds fall back to text', () => {
    expect(inferColumnType(['1', 'true'])).toBe('text');
    expect(inferColumnType(['1', '2024-01-02'])).toBe('text');
    expect(inferColumnType(['true', '2024-01-02'])).toBe('text');
    expect(inferColumnType(['abc', '1'])).toBe('text');
  });
});
