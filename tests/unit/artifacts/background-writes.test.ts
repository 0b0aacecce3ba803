import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ArtifactWriter } from '../../../core/artifacts/write.js';
import type { ParsedNode } from '../../../core/nodes.js';
import { testdir } from '../../helpers/testdir.js';

const node = (name: string): ParsedNode => ({ packageName: 'p', originalFilePath: `models/${name}.sql`, resourceType: 'model' }) as ParsedNode;

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

async function writeAll(w: ArtifactWriter): Promise<void> {
  for (let i = 0; i < 200; i++) w.writeCompiled(node(`m${i}`), `select ${i} -- secret-value`);
  w.writeRun(node('m1'), ['create view x as select 1', 'drop view y']);
  w.writeJson('run_results.json', { a: 1 });
  w.writeJsonStream('manifest.json', ['{"nodes":{', '"x":"secret-value"', '}}']);
  w.writeCompiled(node('m0'), 'select 0 -- rewritten');
  await w.finish();
}

describe('artifact writes on a worker thread', () => {
  it('leave the same files as writes on the main thread, secrets redacted', async () => {
    const redact = (t: string) => t.split('secret-value').join('*****');
    const a = testdir({});
    const b = testdir({});
    await writeAll(new ArtifactWriter(a, redact));
    await writeAll(new ArtifactWriter(b, redact, { background: true, workerAfter: 0 }));
    expect(files(b)).toEqual(files(a));
    expect(files(b)['compiled/p/models/m0.sql']).toBe('select 0 -- rewritten');
    expect(files(b)['manifest.json']).toBe('{"nodes":{"x":"*****"}}');
    expect(Object.keys(files(b)).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('keep the stat of every file as written, on either thread (recordStats)', async () => {
    for (const opts of [{}, { background: true, workerAfter: 3 }]) {
      const dir = testdir({});
      const w = new ArtifactWriter(dir, undefined, { ...opts, recordStats: true });
      for (let i = 0; i < 50; i++) w.writeCompiled(node(`m${i}`), `select ${i}`);
      // Rewritten (replaced through a rename) and written again unchanged.
      w.writeCompiled(node('m1'), 'select 1 -- longer');
      w.writeCompiled(node('m2'), 'select 2');
      await w.finish();
      // Written again into a folder that now exists, after the worker stopped.
      w.writeCompiled(node('m3'), 'select 3 -- after');
      const stats = w.writtenStats();
      expect(stats.size).toBe(50);
      for (let i = 0; i < 50; i++) {
        const file = path.join(dir, 'compiled', 'p', 'models', `m${i}.sql`);
        const st = fs.statSync(file);
        expect(stats.get(file)).toEqual([st.size, st.mtimeMs, st.ctimeMs, st.ino]);
      }
    }
  });

  it('write a streamed file partly on the worker (offload), whole and in place once finished', async () => {
    const dir = testdir({});
    const w = new ArtifactWriter(dir, undefined, { background: true, workerAfter: 0 });
    w.writeCompiled(node('m0'), 'select 0');
    const worker = (w as unknown as { worker: Worker }).worker;
    const post = worker.postMessage.bind(worker);
    let appends = 0;
    worker.postMessage = (msg: { ops?: { kind: string }[] }, transfer?: Parameters<Worker['postMessage']>[1]) => {
      appends += msg.ops?.filter((op) => op.kind === 'append').length ?? 0;
      post(msg, transfer);
    };
    // ~6 MB in pieces: several buffers, some taken by the idle worker, some written here.
    const pieces = Array.from({ length: 3000 }, (_, i) => `"k${i}":"${'é'.repeat(i % 7)}${'x'.repeat(2000)}"`);
    const expected = `{${pieces.join(',')}}`;
    const positions: number[] = [];
    const chunks = function* () {
      yield '{';
      for (let i = 0; i < pieces.length; i++) {
        positions.push(w.streamPosition);
        yield (i ? ',' : '') + pieces[i];
      }
      yield '}';
    };
    w.writeJsonStream('manifest.json', chunks(), { offload: true });
    await w.finish();
    const bytes = fs.readFileSync(path.join(dir, 'manifest.json'));
    expect(bytes.toString('utf8')).toBe(expected);
    // The offsets read between pieces are where the pieces lie in the file.
    expect(positions[1]).toBe(Buffer.byteLength(`{${pieces[0]}`));
    expect(appends).toBeGreaterThan(0);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('hand a streamed file to the worker while many files wait there, all of them written whole', async () => {
    const dir = testdir({});
    const w = new ArtifactWriter(dir, undefined, { background: true, workerAfter: 0 });
    // ~16 MB of compiled files queued on the worker: far more than it writes while the stream below is made.
    const sql = (i: number) => `select ${i} -- ${'x'.repeat(4000)}`;
    for (let i = 0; i < 4000; i++) w.writeCompiled(node(`m${i}`), sql(i));
    w.sendQueued();
    const worker = (w as unknown as { worker: Worker }).worker;
    const post = worker.postMessage.bind(worker);
    let appends = 0;
    worker.postMessage = (msg: { ops?: { kind: string }[] }, transfer?: Parameters<Worker['postMessage']>[1]) => {
      appends += msg.ops?.filter((op) => op.kind === 'append').length ?? 0;
      post(msg, transfer);
    };
    const pieces = Array.from({ length: 3000 }, (_, i) => `"k${i}":"${'y'.repeat(2000)}"`);
    w.writeJsonStream('manifest.json', ['{', pieces.join(','), '}'].values(), { offload: true });
    await w.finish();
    expect(appends).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).toBe(`{${pieces.join(',')}}`);
    for (const i of [0, 1999, 3999]) expect(fs.readFileSync(path.join(dir, 'compiled', 'p', 'models', `m${i}.sql`), 'utf8')).toBe(sql(i));
    expect(fs.readdirSync(path.join(dir, 'compiled', 'p', 'models')).length).toBe(4000);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('tell how long the worker was busy and alive, and how long finish() waited for it', async () => {
    const dir = testdir({});
    const w = new ArtifactWriter(dir, undefined, { background: true, workerAfter: 0 });
    for (let i = 0; i < 200; i++) w.writeCompiled(node(`m${i}`), `select ${i}`);
    expect(w.threadTimes()).toBeNull();
    await w.finish();
    const t = w.threadTimes()!;
    expect(t.busyMs).toBeGreaterThan(0);
    expect(t.aliveMs).toBeGreaterThanOrEqual(t.busyMs);
    expect(t.waitedMs).toBeGreaterThanOrEqual(0);
    // Without a worker there is nothing to tell.
    const sync = new ArtifactWriter(testdir({}));
    sync.writeCompiled(node('a'), 'select 1');
    await sync.finish();
    expect(sync.threadTimes()).toBeNull();
  });

  it('stat the files asked for on this thread at finish when the worker is still busy with files', async () => {
    const dir = testdir({ 'models/a.sql': 'select 1' });
    const w = new ArtifactWriter(path.join(dir, 'target'), undefined, { background: true, workerAfter: 0, recordStats: true });
    // ~16 MB of files queued: the worker is far from idle when finish() comes.
    for (let i = 0; i < 4000; i++) w.writeCompiled(node(`m${i}`), `select ${i} -- ${'x'.repeat(4000)}`);
    const inputs = [path.join(dir, 'models/a.sql'), path.join(dir, 'models/gone.sql')];
    expect(w.statOnWriter(inputs)).toBe(true);
    const worker = (w as unknown as { worker: Worker }).worker;
    const post = worker.postMessage.bind(worker);
    let posted = 0;
    worker.postMessage = (msg: { ops?: { kind: string }[] }, transfer?: Parameters<Worker['postMessage']>[1]) => {
      posted += msg.ops?.filter((op) => op.kind === 'stat').length ?? 0;
      post(msg, transfer);
    };
    await w.finish();
    expect(posted).toBe(0);
    const st = fs.statSync(inputs[0]);
    expect(w.writtenStats().get(inputs[0])).toEqual([st.size, st.mtimeMs, st.ctimeMs, st.ino]);
    expect(w.writtenStats().get(inputs[1])).toEqual([-1, 0, 0, 0]);
    expect(fs.readdirSync(path.join(dir, 'target', 'compiled', 'p', 'models')).length).toBe(4000);
  });

  it('leave the old streamed file in place when making the new one fails (offload)', async () => {
    const dir = testdir({ 'manifest.json': 'old' });
    const w = new ArtifactWriter(dir, undefined, { background: true, workerAfter: 0 });
    w.writeCompiled(node('m0'), 'select 0');
    const chunks = function* () {
      for (let i = 0; i < 2000; i++) yield `"${'x'.repeat(2000)}",`;
      throw new Error('broken generator');
    };
    expect(() => w.writeJsonStream('manifest.json', chunks(), { offload: true })).toThrow('broken generator');
    await w.finish();
    expect(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).toBe('old');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('stat files read elsewhere on the worker when asked (statOnWriter), a missing one as size -1', async () => {
    const dir = testdir({ 'models/a.sql': 'select 1', 'models/b.sql': 'select 22' });
    const inputs = ['models/a.sql', 'models/b.sql', 'models/gone.sql'].map((f) => path.join(dir, f));
    // Without a worker it declines: the caller stats them itself.
    expect(new ArtifactWriter(path.join(dir, 'target'), undefined, { recordStats: true }).statOnWriter(inputs)).toBe(false);
    const w = new ArtifactWriter(path.join(dir, 'target'), undefined, { background: true, workerAfter: 0, recordStats: true });
    w.writeCompiled(node('m0'), 'select 0');
    expect(w.statOnWriter(inputs)).toBe(true);
    await w.finish();
    const stats = w.writtenStats();
    for (const f of inputs.slice(0, 2)) {
      const st = fs.statSync(f);
      expect(stats.get(f)).toEqual([st.size, st.mtimeMs, st.ctimeMs, st.ino]);
    }
    expect(stats.get(inputs[2])).toEqual([-1, 0, 0, 0]);
    expect(stats.has(path.join(dir, 'target', 'compiled', 'p', 'models', 'm0.sql'))).toBe(true);
  });

  it('start the worker only once enough files were written on the calling thread, in order', async () => {
    const dir = testdir({});
    const w = new ArtifactWriter(dir, undefined, { background: true, workerAfter: 3 });
    const worker = () => (w as unknown as { worker: Worker | null }).worker;
    for (let i = 0; i < 3; i++) w.writeCompiled(node(`m${i}`), `select ${i}`);
    expect(worker()).toBeNull();
    // Already on disk: written on this thread.
    expect(Object.keys(files(dir)).length).toBe(3);
    w.writeCompiled(node('m0'), 'select 0 -- again');
    expect(worker()).not.toBeNull();
    for (let i = 3; i < 100; i++) w.writeCompiled(node(`m${i}`), `select ${i}`);
    await w.finish();
    expect(Object.keys(files(dir)).length).toBe(100);
    expect(files(dir)['compiled/p/models/m0.sql']).toBe('select 0 -- again');
    // Writes after finish() are made on this thread again.
    w.writeCompiled(node('late'), 'select 1');
    expect(worker()).toBeNull();
    expect(files(dir)['compiled/p/models/late.sql']).toBe('select 1');
  });

  it('start the worker at once when told to expect more files than it would write first', () => {
    const w = new ArtifactWriter(testdir({}), undefined, { background: true, workerAfter: 3, expected: 4 });
    w.writeCompiled(node('a'), 'select 1');
    expect((w as unknown as { worker: Worker | null }).worker).not.toBeNull();
    return w.finish();
  });

  it('probe: files cheap to write keep every write on the calling thread; dear ones start the worker after the probe', async () => {
    for (const cheap of [true, false]) {
      const dir = testdir({});
      const w = new ArtifactWriter(dir, undefined, { background: true, workerAfter: 3, expected: 40, probe: 4, probeCheapMs: cheap ? Infinity : 0 });
      const worker = () => (w as unknown as { worker: Worker | null }).worker;
      for (let i = 0; i < 4; i++) w.writeCompiled(node(`m${i}`), `select ${i}`);
      expect(worker()).toBeNull();
      expect(Object.keys(files(dir)).length).toBe(4);
      for (let i = 4; i < 20; i++) w.writeCompiled(node(`m${i}`), `select ${i}`);
      w.writeRun(node('m0'), ['create view m0 as select 0']);
      if (cheap) expect(worker()).toBeNull();
      else expect(worker()).not.toBeNull();
      await w.finish();
      expect(Object.keys(files(dir)).length).toBe(21);
      expect(files(dir)['compiled/p/models/m19.sql']).toBe('select 19');
      expect(files(dir)['run/p/models/m0.sql']).toBe('create view m0 as select 0;\n');
    }
    // More files than a probe is for: the worker at once, as without one.
    const w = new ArtifactWriter(testdir({}), undefined, { background: true, workerAfter: 3, expected: 100_000, probe: 4, probeCheapMs: Infinity });
    w.writeCompiled(node('a'), 'select 1');
    expect((w as unknown as { worker: Worker | null }).worker).not.toBeNull();
    await w.finish();
  });

  it('start no worker for a few files (a run of one model)', async () => {
    const dir = testdir({});
    const w = new ArtifactWriter(dir, undefined, { background: true });
    w.writeCompiled(node('a'), 'select 1');
    w.writeRun(node('a'), ['create view a as select 1']);
    w.writeJson('run_results.json', { results: [] });
    expect((w as unknown as { worker: Worker | null }).worker).toBeNull();
    await w.finish();
    expect(Object.keys(files(dir)).sort()).toEqual(['compiled/p/models/a.sql', 'run/p/models/a.sql', 'run_results.json']);
  });

  it('reach disk before a forced exit (drainSync), with no event loop turn', async () => {
    const dir = testdir({});
    const w = new ArtifactWriter(dir, undefined, { background: true, workerAfter: 10 });
    for (let i = 0; i < 100; i++) w.writeCompiled(node(`m${i}`), `select ${i}`);
    w.writeRun(node('m99'), ['create view x as select 99']);
    w.drainSync(30_000);
    expect(Object.keys(files(dir)).length).toBe(101);
    expect(files(dir)['run/p/models/m99.sql']).toBe('create view x as select 99;\n');
    await w.finish();
  });

  it('fail finish() rather than wait forever when the writer thread is gone', async () => {
    const dir = testdir({});
    const w = new ArtifactWriter(dir, undefined, { background: true, workerAfter: 0 });
    w.writeCompiled(node('a'), 'select 1');
    // The thread stopping under the writer (as a worker that cannot load does).
    await (w as unknown as { worker: Worker }).worker.terminate();
    await expect(w.finish()).rejects.toThrow(/writer thread stopped/);
  });

  it('report a failed write when finished', async () => {
    const dir = testdir({ target: 'a file where a folder should be' });
    const w = new ArtifactWriter(path.join(dir, 'target'), undefined, { background: true, workerAfter: 0 });
    w.writeCompiled(node('a'), 'select 1');
    await expect(w.finish()).rejects.toThrow(/Could not write artifacts/);
  });
});
