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

it('takes a save of one file after a short quiet period, and waits the full one once a second file comes', async () => {
  const dir = testdir({ 'models/a.sql': 'select 1', 'models/b.sql': 'select 1' });
  const batches: { files: string[]; at: number }[] = [];
  let seen: () => void = () => undefined;
  let next = new Promise<void>((r) => (seen = r));
  // A long debounce: only the one-file quiet period can make the first batch come soon.
  watcher = new FileWatcher({
    root: dir,
    ignoreDirs: [],
    debounceMs: 4000,
    oneFileQuietMs: 20,
    onBatch: (files) => {
      batches.push({ files: [...files].sort(), at: performance.now() });
      seen();
    },
  });
  await watcher.start();
  let t0 = performance.now();
  fs.writeFileSync(path.join(dir, 'models/a.sql'), 'select 2');
  await next;
  expect(batches[0]!.files).toEqual(['models/a.sql']);
  expect(batches[0]!.at - t0).toBeLessThan(2000);
  // chokidar reports a second change of a file only some time after the first.
  await new Promise((r) => setTimeout(r, 300));
  next = new Promise<void>((r) => (seen = r));
  t0 = performance.now();
  fs.writeFileSync(path.join(dir, 'models/a.sql'), 'select 3');
  fs.writeFileSync(path.join(dir, 'models/b.sql'), 'select 3');
  await next;
  expect(batches[1]!.files).toEqual(['models/a.sql', 'models/b.sql']);
  expect(batches[1]!.at - t0).toBeGreaterThanOrEqual(4000);
}, 30_000);

it('takes a save that comes within chokidar’s 50 ms throttle after the last one (which chokidar does not report)', async () => {
  const dir = testdir({ 'models/a.sql': 'select 1' });
  const batches: string[][] = [];
  let seen: () => void = () => undefined;
  let next = new Promise<void>((r) => (seen = r));
  watcher = new FileWatcher({
    root: dir,
    ignoreDirs: [],
    oneFileQuietMs: 5,
    onBatch: (files) => {
      batches.push([...files]);
      seen();
    },
  });
  await watcher.start();
  fs.writeFileSync(path.join(dir, 'models/a.sql'), 'select 2');
  await next;
  next = new Promise<void>((r) => (seen = r));
  // Right after the batch (a fast rebuild, then the next save): well within 50 ms of the event.
  fs.writeFileSync(path.join(dir, 'models/a.sql'), 'select 33');
  await next;
  expect(batches).toEqual([['models/a.sql'], ['models/a.sql']]);
}, 30_000);
