// The background artifact writer (see ArtifactWriter's `background` option): file writes run on
// this thread while the main thread goes on parsing, compiling and running. Messages are
// { ops, kb } (write operations, and their text's size, which is taken off the shared count of
// kilobytes in flight once written) or { flush: n }, answered with { flushed: n, error, stats }
// once everything before it is on disk (stats: those of the files written since the last flush,
// when workerData.recordStats asks for them; busyMs and aliveMs: this thread's time not idle in
// its event loop, and its event loop's time so far, for --print-timings).
//
// A streamed file's buffers ({ ops, kb, stream: true }: appends and its close, StreamFile's
// offload) are written as soon as they come, ahead of file writes queued before them: they go to
// a file of their own at their own offsets, and each holds one of the few slots of shared memory
// the main thread needs back to hand over the next one (else it writes that buffer itself). So
// queued writes are made a few at a time, with a turn of the event loop between, for those
// messages to come in.
import { parentPort, workerData } from 'node:worker_threads';
import { FileWrites } from './file-writes.js';

/** Queued operations made before the event loop gets a turn. */
const SLICE_OPS = 16;

const inFlight = new Int32Array(workerData.inFlight);
const writes = new FileWrites(workerData.recordStats === true ? new Map() : null);
let error = null;
/** Messages waiting, in order ({ ops, kb } or { flush }), and how far the first one's ops are done. */
const queue = [];
let head = 0;
let done = 0;
let scheduled = false;

function apply(op) {
  try {
    writes.apply(op);
  } catch (e) {
    error ??= e instanceof Error ? e.message : String(e);
  }
}

function written(kb) {
  Atomics.sub(inFlight, 0, kb);
  Atomics.notify(inFlight, 0);
}

function work() {
  scheduled = false;
  for (let n = 0; head < queue.length && n < SLICE_OPS; ) {
    const msg = queue[head];
    if (msg.ops === undefined) {
      const stats = writes.takeStats();
      const elu = performance.eventLoopUtilization();
      parentPort.postMessage({ flushed: msg.flush, error, stats, busyMs: elu.active, aliveMs: elu.active + elu.idle }, [stats.nums.buffer]);
      error = null;
    } else {
      while (done < msg.ops.length && n < SLICE_OPS) {
        apply(msg.ops[done++]);
        n++;
      }
      if (done < msg.ops.length) break;
      written(msg.kb);
    }
    queue[head++] = undefined;
    done = 0;
  }
  if (head === queue.length) {
    queue.length = 0;
    head = 0;
  } else schedule();
}

function schedule() {
  if (scheduled) return;
  scheduled = true;
  setImmediate(work);
}

parentPort.on('message', (msg) => {
  if (msg.stream === true) {
    for (const op of msg.ops) apply(op);
    written(msg.kb);
    return;
  }
  queue.push(msg);
  schedule();
});
