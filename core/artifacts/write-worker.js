// The background artifact writer (see ArtifactWriter's `background` option): file writes run on
// this thread while the main thread goes on parsing, compiling and running. Messages are
// { ops, kb } (write operations, and their text's size, which is taken off the shared count of
// kilobytes in flight once written) or { flush: n }, answered with { flushed: n, error, stats }
// once everything before it is on disk (stats: those of the files written since the last flush,
// when workerData.recordStats asks for them).
import { parentPort, workerData } from 'node:worker_threads';
import { FileWrites } from './file-writes.js';

const inFlight = new Int32Array(workerData.inFlight);
const writes = new FileWrites(workerData.recordStats === true ? new Map() : null);
let error = null;
parentPort.on('message', (msg) => {
  if (msg.ops === undefined) {
    const stats = writes.takeStats();
    parentPort.postMessage({ flushed: msg.flush, error, stats }, [stats.nums.buffer]);
    error = null;
    return;
  }
  for (const op of msg.ops) {
    try {
      writes.apply(op);
    } catch (e) {
      error ??= e instanceof Error ? e.message : String(e);
    }
  }
  Atomics.sub(inFlight, 0, msg.kb);
  Atomics.notify(inFlight, 0);
});
