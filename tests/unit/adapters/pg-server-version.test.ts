// The server version PostgreSQL announces at start-up (`server_version`), read as the number
// `server_version_num` gives, so open() needs no query for it (MERGE support depends on it).
import { describe, expect, it } from 'vitest';
import { versionNum } from '../../../adapters/postgres/connection.js';

describe('versionNum', () => {
  it.each([
    ['15.18 (Debian 15.18-0+deb12u1)', 150018],
    ['16.4', 160004],
    ['10.23', 100023],
    ['17beta2', 170000],
    ['9.6.24', 90624],
    ['9.5', 90500],
    ['18devel', 180000],
  ])('%s → %i', (text, num) => {
    expect(versionNum(text)).toBe(num);
  });

  it('a version that does not start with a number is 0 (open() then asks the server)', () => {
    expect(versionNum('unknown')).toBe(0);
    expect(versionNum('')).toBe(0);
  });
});
