// readSourceFile reads text files through readFileSync's UTF-8 path and takes their checksums
// from the text: the results must be those of the bytes (sha256 of the file, dbt's checksum of
// the stripped file, the text without its BOM), and unreadable files reported as before.
import { hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSourceFile } from '../../../core/project/discover.js';
import { dbtChecksum } from '../../../core/project/dbt-strip.js';
import { Codes, KilnError } from '../../../core/errors.js';
import { testdir } from '../../helpers/testdir.js';

/** What the bytes make of a text file. */
function fromBytes(buf: Buffer): { contents: string; checksum: string; dbtChecksum: string } {
  const checksum = hash('sha256', buf, 'hex');
  const text = buf.toString('utf8');
  return { contents: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, checksum, dbtChecksum: dbtChecksum(buf, checksum) };
}

function failure(fn: () => unknown): { code: string; message: string; line?: number } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KilnError);
    const k = e as KilnError;
    return { code: k.code, message: k.message, line: k.loc?.line };
  }
  throw new Error('expected a failure');
}

describe('readSourceFile', () => {
  const TEXTS: Record<string, string> = {
    'plain.sql': "select 1 as id\nfrom {{ ref('a') }}\n",
    'bom.sql': '\ufeffselect 1\n',
    'bom-spaced.sql': '\ufeff  select 1  \n\n',
    'spaced.sql': '\n\t select 2 \r\n\r\n',
    'wide-spaces.sql': '\u3000\u00a0select 3\u2028\u0085\u205f',
    'not-spaces.sql': '\u200bselect 4\ufeff',
    'unicode.sql': "select 'é€𝄞' as s -- ünïcödé\n",
    'replacement.sql': "select '\ufffd' as written_so\n",
    'empty.sql': '',
    'blank.sql': ' \n\t\n',
  };

  it('gives what the bytes give, for text with a BOM, surrounding (wide) whitespace, astral and replacement characters', () => {
    const dir = testdir({});
    for (const [name, text] of Object.entries(TEXTS)) {
      const abs = path.join(dir, name);
      fs.writeFileSync(abs, text);
      expect(readSourceFile(abs, name), name).toEqual(fromBytes(fs.readFileSync(abs)));
    }
  });

  it('reports binary and invalid UTF-8 files at their line, folders and missing files, as before', () => {
    const dir = testdir({ 'folder.sql/x': '' });
    fs.writeFileSync(path.join(dir, 'bin.sql'), Buffer.from('select 1\n\0\n'));
    fs.writeFileSync(path.join(dir, 'latin1.sql'), Buffer.from('select 1\n-- caf\xe9\n', 'latin1'));
    fs.writeFileSync(path.join(dir, 'surrogate.sql'), Buffer.from([0x61, 0x0a, 0xed, 0xa0, 0x80]));
    expect(failure(() => readSourceFile(path.join(dir, 'bin.sql'), 'bin.sql'))).toMatchObject({ code: Codes.FILE_UNREADABLE, message: 'bin.sql is not a text file (it contains NUL bytes)', line: 2 });
    expect(failure(() => readSourceFile(path.join(dir, 'latin1.sql'), 'latin1.sql'))).toMatchObject({ message: 'latin1.sql is not valid UTF-8', line: 2 });
    expect(failure(() => readSourceFile(path.join(dir, 'surrogate.sql'), 'surrogate.sql'))).toMatchObject({ message: 'surrogate.sql is not valid UTF-8', line: 2 });
    expect(failure(() => readSourceFile(path.join(dir, 'folder.sql'), 'folder.sql')).message).toBe('Cannot read folder.sql: it is a folder, not a file');
    expect(failure(() => readSourceFile(path.join(dir, 'missing.sql'), 'missing.sql')).message).toMatch(/^Cannot read missing.sql: ENOENT: no such file or directory, open /);
  });

  it('hashes a seed (textless) from its bytes, whatever they are', () => {
    const dir = testdir({});
    const abs = path.join(dir, 'latin1.csv');
    fs.writeFileSync(abs, Buffer.from('a,b\ncaf\xe9,1\n', 'latin1'));
    const bytes = fs.readFileSync(abs);
    expect(readSourceFile(abs, 'latin1.csv', true)).toEqual({ contents: '', checksum: hash('sha256', bytes, 'hex'), dbtChecksum: dbtChecksum(bytes, hash('sha256', bytes, 'hex')) });
  });
});
