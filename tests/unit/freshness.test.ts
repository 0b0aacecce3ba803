import { describe, expect, it } from 'vitest';
import { judge, parseTimestamp } from '../../core/freshness/freshness.js';

describe('freshness', () => {
  it('parses timestamps as UTC unless they carry a zone', () => {
    expect(parseTimestamp('2024-01-02 03:04:05')?.toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(parseTimestamp('2024-01-02 03:04:05.123456')?.toISOString()).toBe('2024-01-02T03:04:05.123Z');
    expect(parseTimestamp('2024-01-02 03:04:05+02')?.toISOString()).toBe('2024-01-02T01:04:05.000Z');
    expect(parseTimestamp('2024-01-02T03:04:05+0530')?.toISOString()).toBe('2024-01-01T21:34:05.000Z');
    expect(parseTimestamp('2024-01-02')?.toISOString()).toBe('2024-01-02T00:00:00.000Z');
    expect(parseTimestamp('yesterday')).toBeNull();
  });
  it('errors beat warnings; exactly at the threshold passes', () => {
    const c = { warnAfter: { count: 1, period: 'hour' as const }, errorAfter: { count: 1, period: 'day' as const }, filter: null };
    expect(judge(3600, c)).toBe('pass');
    expect(judge(3601, c)).toBe('warn');
    expect(judge(86401, c)).toBe('error');
    expect(judge(10 ** 9, { ...c, errorAfter: null })).toBe('warn');
  });
});
