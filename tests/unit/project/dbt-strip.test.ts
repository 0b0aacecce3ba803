import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dbtChecksum, dbtRawCode, pyStrip } from '../../../core/project/dbt-strip.js';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

// Python's str.isspace() characters, and neighbours that are not whitespace to Python.
const SPACES = ['\t', '\n', '\v', '\f', '\r', '\x1c', '\x1d', '\x1e', '\x1f', ' ', '\x85', '\xa0', '\u1680', '\u2000', '\u2005', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000'];
const NOT_SPACES = ['\ufeff', '\u200b', '\u180e', '\x08', '\x1b', '\x7f', '\u2060', '\u00ad', 'é', '\u3001', '\u2030', '\u1681'];

describe('dbt-strip', () => {
  it('pyStrip strips what Python str.strip() strips and nothing else', () => {
    for (const s of SPACES) expect(pyStrip(`${s}${s}a b${s}`), JSON.stringify(s)).toBe('a b');
    for (const c of NOT_SPACES) expect(pyStrip(`${c} a ${c}`), JSON.stringify(c)).toBe(`${c} a ${c}`);
    expect(pyStrip('')).toBe('');
    expect(pyStrip(' \n\t ')).toBe('');
    expect(pyStrip('select 3\r\nunion all\r\nselect 4\r\n')).toBe('select 3\r\nunion all\r\nselect 4');
  });

  it('dbtChecksum of the bytes is the SHA-256 of the stripped text, for every edge character', () => {
    const texts = ['', '\n', 'select 1', 'select 1\n', '\n\n \tselect 1\n\n  \n', 'select 1\r\n', '\ufeffselect 1\n'];
    for (const a of [...SPACES, ...NOT_SPACES]) {
      for (const b of [...SPACES, ...NOT_SPACES]) texts.push(`${a}${b}x${b}${a}`, `${a}${b}`, `x${a}${b}`);
    }
    for (const t of texts) {
      const buf = Buffer.from(t, 'utf8');
      expect(dbtChecksum(buf, sha(buf)), JSON.stringify(t)).toBe(sha(Buffer.from(pyStrip(t), 'utf8')));
    }
  });

  it('reuses the hash of all the bytes when nothing is stripped', () => {
    expect(dbtChecksum(Buffer.from('select 1'), 'given')).toBe('given');
    expect(dbtChecksum(Buffer.from('select 1\n'), 'given')).not.toBe('given');
  });

  it("raw_code is stripped except a snapshot's block, which dbt keeps as it is", () => {
    expect(dbtRawCode({ resourceType: 'model', rawCode: '\nselect 1\n' })).toBe('select 1');
    expect(dbtRawCode({ resourceType: 'snapshot', rawCode: '\nselect 1\n' })).toBe('\nselect 1\n');
  });
});
