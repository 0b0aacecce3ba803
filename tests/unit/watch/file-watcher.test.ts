// The watch's file watcher on a real folder: project files in any folder are seen, target/,
// hidden folders and non-project files (the DuckDB file) are not, and saves together are one batch.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FileWatcher } from '../../../core/watch/file-watcher.js';
import { testdir } from '../../helpers/testdir.js';

let watcher: FileWatcher | null = null;
afterEach(async () => {
  await watcher?.close();
  watcher = null;
});

it('batches a burst of saves to project files and ignores target/, hidden folders and other files', async () => {
  const dir = testdir({ 'models/a.sql': 'select 1', 'target/compiled/a.sql': 'x', '.git/HEAD': 'x', 'dev.duckdb': '' });
  const batches: string[][] = [];
  const wanted = ['models/a.sql', 'models/new/b.sql', 'models/schema.yml'];
  let resolve: () => void = () => undefined;
  const allSeen = new Promise<void>((r) => (resolve = r));
  watcher = new FileWatcher({
    root: dir,
    ignoreDirs: ['target'],
    onBatch: (files) => {
      batches.push([...files].sort());
      if (wanted.every((f) => batches.flat().includes(f))) resolve();
    },
  });
  await watcher.start();
  // Noise first: none of it may show up in the batch that the saves below produce.
  fs.writeFileSync(path.join(dir, 'target/compiled/a.sql'), 'y');
  fs.writeFileSync(path.join(dir, '.git/HEAD'), 'y');
  fs.writeFileSync(path.join(dir, 'dev.duckdb'), 'y');
  fs.mkdirSync(path.join(dir, 'models/new'));
  fs.writeFileSync(path.join(dir, 'models/a.sql'), 'select 2');
  fs.writeFileSync(path.join(dir, 'models/new/b.sql'), 'select 3');
  fs.writeFileSync(path.join(dir, 'models/schema.yml'), 'version: 2\n');
  await allSeen;
  // Files saved together (a.sql and schema.yml, written back to back) arrive in one batch; a
  // file in a new folder may come in a batch of its own, once the folder is being watched.
  expect([...new Set(batches.flat())].sort()).toEqual(wanted);
  expect(batches.find((b) => b.includes('models/a.sql'))).toContain('models/schema.yml');
}, 30_000);
