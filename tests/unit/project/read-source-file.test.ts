// readSourceFileStat (the read partial parsing's record of files makes, keeping the stat and the
// bytes) gives what readSourceFile gives, errors included.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSourceFile, readSourceFileStat } from '../../../core/project/discover.js';
import { KilnError } from '../../../core/errors.js';
import { testdir } from '../../helpers/testdir.js';

function failure(fn: () => unknown): { code: string; message: string; hint?: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KilnError);
    const k = e as KilnError;
    return { code: k.code, message: k.message, hint: k.hint };
  }
  throw new Error('expected a failure');
}

describe('readSourceFileStat', () => {
  const files: Record<string, string | Buffer> = {
    'plain.sql': 'select 1\n',
    'bom.sql': '\ufeffselect 2\n',
    'empty.sql': '',
    'spaced.sql': '\n\n  select 3  \n\n',
    'wide.sql': 'select \'é€𝄞\' as s\n',
    'seed.csv': 'a,b\n1,2\n',
    'big.sql': `select '${'x'.repeat(100_000)}'\n`,
  };

  it('reads as readSourceFile, with the stat of the file and its bytes', () => {
    const dir = testdir({});
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    for (const name of Object.keys(files)) {
      const abs = path.join(dir, name);
      const textless = name.endsWith('.csv');
      const got = readSourceFileStat(abs, name, textless, true);
      expect(got.read, name).toEqual(readSourceFile(abs, name, textless));
      const st = fs.statSync(abs);
      expect([got.stat!.size, got.stat!.mtimeMs, got.stat!.ctimeMs, got.stat!.ino], name).toEqual([st.size, st.mtimeMs, st.ctimeMs, st.ino]);
      expect(got.bytes!.equals(textless ? Buffer.alloc(0) : fs.readFileSync(abs)), name).toBe(true);
      // Without the stat: neither is kept.
      expect(readSourceFileStat(abs, name, textless, false)).toMatchObject({ stat: null, bytes: null });
    }
  });

  it('fails as readSourceFile does: a folder, a missing file, binary and invalid UTF-8 bytes', () => {
    const dir = testdir({ 'folder.sql/x': '' });
    fs.writeFileSync(path.join(dir, 'bin.sql'), Buffer.from([0x73, 0x0a, 0x00]));
    fs.writeFileSync(path.join(dir, 'latin1.sql'), Buffer.from('caf\xe9\n', 'latin1'));
    for (const name of ['folder.sql', 'missing.sql', 'bin.sql', 'latin1.sql']) {
      const abs = path.join(dir, name);
      expect(failure(() => readSourceFileStat(abs, name, false, true)), name).toEqual(failure(() => readSourceFile(abs, name)));
    }
  });
});
