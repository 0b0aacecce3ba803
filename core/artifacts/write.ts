// Writing artifacts into target/: manifest.json, run_results.json, compiled and executed SQL.
// Secrets are redacted from everything written; files are replaced atomically (write + rename)
// so a reader never sees half a JSON file.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import type { ParsedNode } from '../nodes.js';
import { FileWrites, type WriteOp, type WrittenStat } from './file-writes.js';
import { StreamFile, type StreamOffload } from './stream-file.js';
import type { NodeResult, RunSummary } from '../runner/results.js';
import { metadata, type ArtifactMeta } from './manifest-json.js';
import { nodeSqlPath } from './paths.js';
import { adapterResponseJson, resultMessage } from './adapter-response.js';
import type { AdapterResponseStyle } from '../../adapters/adapter.js';

export interface ArtifactWriterOptions {
  /**
   * Write files on a worker thread, so that disk time overlaps the main thread's work (10,000
   * compiled files). Callers must `await finish()` before they return.
   */
  readonly background?: boolean;
  /**
   * With `background`: how many files are written on this thread before the worker starts (a
   * worker costs ~30 ms of CPU to start and its first write lands ~40 ms later, as much as a
   * few hundred small files written here; a run of a few models never starts one).
   */
  readonly workerAfter?: number;
  /** With `background`: files the caller expects to write; more than `workerAfter` starts the worker at once. */
  readonly expected?: number;
  /**
   * With a worker due at once (`expected`, at most PROBE_MAX_FILES): the first `probe` files are
   * written here, timed. Where they cost under PROBE_CHEAP_MS each (files a rerun leaves as they
   * were: a read and a compare), the rest are written here too and no worker starts; else (new or
   * changed files: a create, or a write and a rename) the worker starts as it would have.
   */
  readonly probe?: number;
  /** The probe's limit per file in ms (PROBE_CHEAP_MS; tests set it to decide either way). */
  readonly probeCheapMs?: number;
  /** Keep the stat of every file written (writtenStats), taken where it was written. */
  readonly recordStats?: boolean;
  /** JSON artifacts not to write (--no-write-json: JSON_ARTIFACTS); the old files stay. */
  readonly skipJson?: ReadonlySet<string>;
}

/** What dbt's --no-write-json leaves unwritten: its manifest, run results, semantic manifest and source freshness results (not catalog.json). */
export const JSON_ARTIFACTS: ReadonlySet<string> = new Set(['manifest.json', 'run_results.json', 'semantic_manifest.json', 'sources.json']);

/** The writer options of an invocation's --write-json / --no-write-json. */
export function jsonArtifactOptions(opts: { readonly writeJson?: boolean }): Pick<ArtifactWriterOptions, 'skipJson'> {
  return opts.writeJson === false ? { skipJson: JSON_ARTIFACTS } : {};
}

/** Files written on the calling thread before a background writer starts its worker. */
export const WORKER_AFTER = 256;

/**
 * Files written here on average below which a probe (ArtifactWriterOptions.probe) keeps them all
 * here: measured on this machine's disk, a file left unchanged took 30-40 us (12 us of CPU), a new
 * one 200-260 us, a replaced one 220-420 us. 2,000 unchanged files (a rerun of 1,000 views on
 * PostgreSQL) then cost this thread ~25 ms of CPU, less than starting the worker, posting to it
 * and its own cold code: that run took 10% less CPU and 12 MB less memory without the worker
 * (0.54 s against 0.60 s, 10 alternating runs at load ~10). From an empty target/ the probe
 * starts the worker (a new file cost 0.14-0.6 ms there), its files written here first the cost.
 */
const PROBE_CHEAP_MS = 0.1;
/** A probe only for runs of up to this many files: beyond, the worker takes them whatever they cost (this thread has the nodes to run). */
const PROBE_MAX_FILES = 4096;

/** Compiled files queued for the worker before a batch is posted. */
const BATCH = 64;
/** Text posted to the worker but not yet written, in KB, beyond which the main thread waits. */
const MAX_IN_FLIGHT_KB = 32 * 1024;
/** Work left to the worker, in KB, below which it takes the jobs kept for when it is nearly idle (statOnWriter). */
const IDLE_BELOW_KB = 2 * 1024;
/** Buffers of shared memory a streamed file's bytes are copied into for the worker, and their size (StreamFile's). */
const STREAM_SLOTS = 4;
const STREAM_SLOT_BYTES = 1 << 20;

/** The writer thread's time (ArtifactWriter.threadTimes), in ms. */
export interface WriterThreadTimes {
  readonly busyMs: number;
  readonly aliveMs: number;
  /** Spent by the calling thread in finish(), waiting for the worker to be through. */
  readonly waitedMs: number;
}

export class ArtifactWriter {
  private readonly sync: FileWrites;
  private readonly recordStats: boolean;
  private readonly skipJson: ReadonlySet<string>;
  /** With recordStats: stats of the files written, in the order written (this thread's at once, the worker's at its flushes). */
  private readonly stats = new Map<string, WrittenStat>();
  /** Shared memory for offloaded stream writes, made when first used; state[i] 1: slot i is the worker's. */
  private streamSlots: { readonly memory: SharedArrayBuffer; readonly state: Int32Array } | null = null;
  /** Work for the worker once it is nearly idle (statOnWriter), else at finish(). */
  private idleJobs: WriteOp[] = [];
  private worker: Worker | null = null;
  private queue: WriteOp[] = [];
  private queuedKb = 0;
  /** Shared with the worker: KB posted and not yet written. */
  private readonly inFlight = new Int32Array(new SharedArrayBuffer(4));
  private streamIds = 0;
  private stream: StreamFile | null = null;
  /** Files writeJsonStreamAsync is writing. */
  private readonly sliced = new Set<StreamFile>();
  private flushes = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;
  /** Writes left to make on this thread before the worker starts (Infinity: no worker). */
  private syncLeft: number;
  /** Of those, the ones still to be timed (see ArtifactWriterOptions.probe), and their total so far. */
  private probeLeft: number;
  private readonly probeFiles: number;
  private readonly probeCheapMs: number;
  private probeMs = 0;
  /** The worker's figures as of its last flush, and this thread's wait in finish() (threadTimes). */
  private times: WriterThreadTimes | null = null;

  constructor(
    readonly targetDir: string,
    private readonly redact: (text: string) => string = (t) => t,
    opts: ArtifactWriterOptions = {},
  ) {
    this.recordStats = opts.recordStats === true;
    this.skipJson = opts.skipJson ?? new Set();
    this.sync = new FileWrites(this.recordStats ? this.stats : null);
    const after = opts.workerAfter ?? WORKER_AFTER;
    const expected = opts.expected ?? 0;
    const atOnce = expected > after;
    this.probeLeft = opts.background && atOnce && expected <= PROBE_MAX_FILES ? Math.max(0, opts.probe ?? 0) : 0;
    this.probeFiles = this.probeLeft;
    this.probeCheapMs = opts.probeCheapMs ?? PROBE_CHEAP_MS;
    this.syncLeft = !opts.background ? Infinity : this.probeLeft > 0 ? this.probeLeft : atOnce ? 0 : after;
  }

  /**
   * Writes `name` as JSON on one line, as dbt writes its artifacts: a quarter to a third smaller,
   * and faster to make and write, than indented.
   */
  writeJson(name: string, value: unknown): void {
    if (this.skipJson.has(name)) return;
    // JSON artifacts carry a fresh invocation id, so comparing with the old file is wasted work.
    this.write(path.join(this.targetDir, name), this.redact(JSON.stringify(value)), false);
  }

  /** Writes `name` holding `text`, JSON already made (e.g. runResultsText). */
  writeJsonText(name: string, text: string): void {
    if (this.skipJson.has(name)) return;
    this.write(path.join(this.targetDir, name), this.redact(text), false);
  }

  /**
   * Writes `name` from pieces of text (e.g. manifestJsonChunks) as they are made, replacing the
   * file atomically (the old one is removed by finish(): callers await it): a large artifact is
   * never one string in memory. Encoded on this thread whatever `background` says: encoding the
   * text here is cheaper than copying it to the writer thread. Pieces must not split a JSON
   * string, so that redaction sees every value whole.
   *
   * `offload`: with the worker running, each full buffer that finds a free slot of the 4 MB of
   * shared memory is copied there and written there (ahead of the files queued there), the rest
   * here, each at its offset; the file is then put in place there, by finish(). This thread goes
   * on making text meanwhile, and never waits for the worker.
   */
  writeJsonStream(name: string, chunks: Iterable<string>, opts: { offload?: boolean } = {}): void {
    if (this.failure) throw this.failure;
    if (this.skipJson.has(name)) return;
    const file = new StreamFile(path.join(this.targetDir, name), ++this.streamIds, opts.offload && this.worker ? this.offloader : undefined);
    this.stream = file;
    try {
      for (const chunk of chunks) file.write(this.redact(chunk));
      const old = file.close();
      if (old) this.removeLater(old);
    } catch (e) {
      file.abort();
      throw e;
    } finally {
      this.stream = null;
    }
  }

  /** StreamFile's writes and close on the worker (see writeJsonStream's `offload`). */
  private readonly offloader: StreamOffload = {
    write: (fd, bytes, position) => {
      this.postIdleJobs(false);
      const worker = this.worker;
      if (!worker || this.failure || bytes.length > STREAM_SLOT_BYTES) return false;
      // A free slot of shared memory (the worker frees it once written): the memory this takes stays
      // fixed. The worker writes it ahead of the files queued there (write-worker.js), so a slot
      // is back within a few of those writes even when many are queued.
      const slots = (this.streamSlots ??= { memory: new SharedArrayBuffer(STREAM_SLOTS * STREAM_SLOT_BYTES), state: new Int32Array(new SharedArrayBuffer(4 * STREAM_SLOTS)) });
      let slot = 0;
      while (slot < STREAM_SLOTS && Atomics.compareExchange(slots.state, slot, 0, 1) !== 0) slot++;
      if (slot === STREAM_SLOTS) return false;
      const view = new Uint8Array(slots.memory, slot * STREAM_SLOT_BYTES, bytes.length);
      view.set(bytes);
      const kb = Math.ceil(bytes.length / 1024);
      Atomics.add(this.inFlight, 0, kb);
      const op: WriteOp = { kind: 'append', fd, bytes: view, position, slots: slots.state, slot };
      worker.postMessage({ ops: [op], kb, stream: true });
      return true;
    },
    close: (fd, tmp, file, keep) => {
      const worker = this.worker;
      if (!worker || this.failure) {
        // The worker is gone: what it was given may be unwritten, the file is not put in place.
        fs.closeSync(fd);
        fs.rmSync(tmp, { force: true });
        if (keep) throw this.failure ?? new Error(`Could not write artifacts in ${this.targetDir}: the writer thread stopped`);
        return;
      }
      const op: WriteOp = { kind: 'closeStream', fd, tmp, file, keep };
      worker.postMessage({ ops: [op], kb: 0, stream: true });
    },
  };

  /**
   * writeJsonStream for a file made while other work needs this thread now and then (a run's
   * nodes executing): the event loop gets a turn after every `sliceMs` of writing (asked anew
   * after each turn when a function: Infinity once nothing else needs the thread), and, given
   * `ready`, before each piece whenever `ready()` returns a promise (the next piece is not final
   * yet: it is made once that settles). Aborted through `signal` (or by drainSync), the partial
   * file goes and the old one stays.
   */
  async writeJsonStreamAsync(name: string, chunks: Iterable<string>, signal: AbortSignal, sliceMs: number | (() => number) = 4, ready?: () => Promise<void> | null): Promise<void> {
    if (this.failure) throw this.failure;
    signal.throwIfAborted();
    if (this.skipJson.has(name)) return;
    const file = new StreamFile(path.join(this.targetDir, name), ++this.streamIds);
    this.sliced.add(file);
    // Gone at once: the process may exit before this loop's next turn.
    const abort = () => file.abort();
    signal.addEventListener('abort', abort, { once: true });
    const pieces = chunks[Symbol.iterator]();
    const slice = typeof sliceMs === 'function' ? sliceMs : () => sliceMs;
    try {
      let until = performance.now() + slice();
      let n = 0;
      for (;;) {
        for (let wait = ready?.(); wait; wait = ready!()) {
          await wait;
          signal.throwIfAborted();
          until = performance.now() + slice();
        }
        const next = pieces.next();
        if (next.done) break;
        file.write(this.redact(next.value));
        // The clock is read every 32 pieces: a piece (one node's entry) takes a few microseconds.
        if ((++n & 31) === 0 && performance.now() > until) {
          await new Promise((resolve) => setImmediate(resolve));
          signal.throwIfAborted();
          until = performance.now() + slice();
        }
      }
      signal.throwIfAborted();
      const old = file.close();
      if (old) this.removeLater(old);
    } catch (e) {
      file.abort();
      pieces.return?.();
      throw e;
    } finally {
      signal.removeEventListener('abort', abort);
      this.sliced.delete(file);
    }
  }

  /**
   * Bytes of the file writeJsonStream is writing, as redacted and encoded so far: read between
   * its pieces (by a generator it is consuming), the offset at which the next piece starts.
   */
  get streamPosition(): number {
    return this.stream?.position ?? 0;
  }

  /** target/compiled/<package>/<original_file_path>; `roots`: Manifest.packageRoots (see nodeSqlPath). */
  writeCompiled(node: ParsedNode, sql: string, roots?: ReadonlyMap<string, string>): void {
    this.write(path.join(this.targetDir, 'compiled', nodeSqlPath(node, roots)), this.redact(sql));
  }

  /** target/compiled/<file>: SQL of something that is no node of kiln's manifest (a project hook: operationSqlPath). */
  writeCompiledAt(file: string, sql: string): void {
    this.write(path.join(this.targetDir, 'compiled', file), this.redact(sql));
  }

  /** target/run/<package>/<original_file_path>: the statements that were executed. */
  writeRun(node: ParsedNode, statements: readonly string[], roots?: ReadonlyMap<string, string>): void {
    this.write(path.join(this.targetDir, 'run', nodeSqlPath(node, roots)), this.redact(statements.map((s) => `${s.trim()};`).join('\n\n') + '\n'));
  }

  /**
   * Hands the files queued here to the worker now rather than when a batch fills or finish()
   * comes: at a run's end, the worker writes them while this thread does the rest.
   */
  sendQueued(): void {
    this.post();
  }

  /**
   * With `recordStats`, after finish(): each file written (absolute path) → its stat once written
   * (size, mtimeMs, ctimeMs, ino). A file written more than once has its last write's. Also the
   * files statOnWriter took (a missing one with size -1).
   */
  writtenStats(): ReadonlyMap<string, WrittenStat> {
    return this.stats;
  }

  /**
   * With `recordStats`: has the worker stat `files` (absolute paths) after what it was given so
   * far, when it is nearly idle, their stats then coming with writtenStats() after finish().
   * False: it did not take them (no worker, or a busy one).
   */
  statOnWriter(files: readonly string[]): boolean {
    if (!this.recordStats || !this.worker || this.failure) return false;
    this.idleJobs.push({ kind: 'stat', files });
    this.postIdleJobs(false);
    return true;
  }

  /** Hands the worker the jobs kept for when it is nearly idle (statOnWriter), or now (`now`: finish). */
  private postIdleJobs(now: boolean): void {
    if (this.idleJobs.length === 0 || !this.worker || (!now && Atomics.load(this.inFlight, 0) > IDLE_BELOW_KB)) return;
    this.queue.push(...this.idleJobs);
    this.idleJobs = [];
    this.post();
  }

  /** Old versions of files replaced (StreamFile.close), being removed on libuv's threads: finish() waits for them. */
  private removals: Promise<void>[] = [];
  /** The files of those removals not known to be gone: a forced exit removes them itself (drainSync). */
  private readonly removing = new Set<string>();

  private removeLater(file: string): void {
    this.removing.add(file);
    this.removals.push(
      // unlink, not rm: an old version is a file (a folder in the way is never moved aside), and
      // fs.rm loads Node's rimraf at a run's end.
      fs.promises.unlink(file).then(
        () => void this.removing.delete(file),
        () => undefined,
      ),
    );
  }

  /** Waits until everything written so far is on disk, then stops the worker (later writes are synchronous). */
  async finish(): Promise<void> {
    // Old files moved aside go while the worker finishes (both on other threads).
    const removing = Promise.all(this.removals);
    this.removals = [];
    try {
      await this.stopWorker();
    } finally {
      await removing;
    }
  }

  private async stopWorker(): Promise<void> {
    this.syncLeft = Infinity;
    this.probeLeft = 0;
    const worker = this.worker;
    if (!worker) return;
    // Jobs kept for an idle worker that never was: this thread, about to wait for it, takes them
    // (stats of files read elsewhere, ~10,000 at 10,000 models; they would run after its files).
    if (this.idleJobs.length && Atomics.load(this.inFlight, 0) > IDLE_BELOW_KB) {
      const jobs = this.idleJobs;
      this.idleJobs = [];
      for (const job of jobs) this.sync.apply(job);
    }
    this.postIdleJobs(true);
    this.post();
    const n = ++this.flushes;
    const done = this.failure ? Promise.reject(this.failure) : new Promise<void>((resolve, reject) => this.waiting.set(n, { resolve, reject }));
    worker.postMessage({ flush: n });
    const waitFrom = performance.now();
    try {
      await done;
      if (this.times) this.times = { ...this.times, waitedMs: this.times.waitedMs + performance.now() - waitFrom };
    } finally {
      this.worker = null;
      await worker.terminate();
    }
  }

  /**
   * With a worker, once finish() returned: how long it was busy (not idle in its event loop) and
   * alive, and how long finish() waited for it. Which thread ends a compile last, for
   * --print-timings: a worker busy all its life, waited for, is the one to make faster.
   */
  threadTimes(): WriterThreadTimes | null {
    return this.times;
  }

  /**
   * Blocks until the worker has written everything posted so far, or `timeoutMs` passed: for a
   * forced exit (a second Ctrl-C), where there is no event loop left to await finish() on.
   */
  drainSync(timeoutMs: number): void {
    // A file half made by writeJsonStreamAsync is not put in place (its loop never runs again).
    for (const file of this.sliced) file.abort();
    this.sliced.clear();
    // Old versions moved aside (manifest.json.<pid>.old): no event loop will see their removal through.
    for (const file of this.removing) fs.rmSync(file, { force: true });
    this.removing.clear();
    if (!this.worker || this.failure) return;
    this.post();
    const deadline = performance.now() + timeoutMs;
    for (let n = Atomics.load(this.inFlight, 0); n > 0; n = Atomics.load(this.inFlight, 0)) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      Atomics.wait(this.inFlight, 0, n, left);
    }
  }

  private write(file: string, text: string, skipUnchanged = true): void {
    this.op({ kind: 'write', file, text, skipUnchanged });
  }

  private op(op: WriteOp): void {
    if (this.failure) throw this.failure;
    if (!this.worker) {
      if (this.probeLeft > 0) {
        const t0 = performance.now();
        this.sync.apply(op);
        this.probeMs += performance.now() - t0;
        this.syncLeft--;
        if (--this.probeLeft === 0) this.syncLeft = this.probeMs < this.probeCheapMs * this.probeFiles ? Infinity : 0;
        return;
      }
      if (this.syncLeft > 0) {
        this.syncLeft--;
        this.sync.apply(op);
        return;
      }
      // Everything before this write is on disk already: the worker carries on in order.
      this.startWorker();
    }
    this.queue.push(op);
    if (op.kind === 'write') this.queuedKb += Math.ceil(op.text.length / 1024);
    if (this.queue.length >= BATCH) this.post();
  }

  private post(): void {
    if (this.queue.length === 0 || !this.worker) return;
    // Back-pressure: when the disk is slower than the main thread, wait rather than pile text up in memory.
    // (Events cannot arrive while this thread waits, so a worker that makes no progress for long is given up on.)
    let since = performance.now();
    for (let n = Atomics.load(this.inFlight, 0); n > MAX_IN_FLIGHT_KB && !this.failure; ) {
      Atomics.wait(this.inFlight, 0, n, 100);
      const now = Atomics.load(this.inFlight, 0);
      if (now < n) since = performance.now();
      else if (performance.now() - since > 60_000) this.failure = new Error(`Could not write artifacts in ${this.targetDir}: the writer thread stopped`);
      n = now;
    }
    Atomics.add(this.inFlight, 0, this.queuedKb);
    this.worker.postMessage({ ops: this.queue, kb: this.queuedKb });
    this.queue = [];
    this.queuedKb = 0;
  }

  private startWorker(): void {
    // The worker is plain JavaScript: it needs none of this process's loaders (tsx's --import,
    // resolved from the current folder, fails once a command runs in a project folder).
    // trackUnmanagedFds off: the worker closes file descriptors this thread opened (a StreamFile's
    // handed-off buffers); tracked, each such close prints a Node warning to the user's terminal.
    // Loaded when a worker starts: a rerun's writes mostly stay on this thread (~1.7 ms of start-up CPU).
    const { Worker } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
    const worker = new Worker(new URL('./write-worker.js', import.meta.url), {
      workerData: { inFlight: this.inFlight.buffer, recordStats: this.recordStats },
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
      trackUnmanagedFds: false,
    });
    worker.on('message', (msg: { flushed: number; error: string | null; stats: { files: string[]; nums: Float64Array }; busyMs: number; aliveMs: number }) => {
      this.times = { busyMs: msg.busyMs, aliveMs: msg.aliveMs, waitedMs: this.times?.waitedMs ?? 0 };
      const { files, nums } = msg.stats;
      for (let i = 0; i < files.length; i++) this.stats.set(files[i], [nums[i * 4], nums[i * 4 + 1], nums[i * 4 + 2], nums[i * 4 + 3]]);
      const w = this.waiting.get(msg.flushed);
      this.waiting.delete(msg.flushed);
      if (msg.error) w?.reject(new Error(`Could not write artifacts in ${this.targetDir}: ${msg.error}`));
      else w?.resolve();
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const w of this.waiting.values()) w.reject(this.failure);
      this.waiting.clear();
    };
    worker.on('error', fail);
    // A worker gone before finish() stopped it would leave finish() waiting forever.
    worker.on('exit', () => {
      if (this.worker === worker) fail(new Error(`Could not write artifacts in ${this.targetDir}: the writer thread stopped`));
    });
    this.worker = worker;
  }
}

export function runResultsJson(summary: RunSummary, meta: ArtifactMeta, args: Record<string, unknown>, style?: AdapterResponseStyle): Record<string, unknown> {
  return {
    metadata: metadata(meta, 'run-results/v6'),
    results: summary.results.map((r) => resultJson(r, style)),
    elapsed_time: summary.elapsedSeconds,
    args,
  };
}

export function resultJson(r: NodeResult, style?: AdapterResponseStyle): Record<string, unknown> {
  return {
    status: r.status,
    timing: r.timing,
    thread_id: r.threadId,
    execution_time: r.executionTime,
    adapter_response: adapterResponseJson(r, style),
    message: resultMessage(r, style),
    failures: r.failures ?? null,
    unique_id: r.uniqueId,
    // dbt writes `false` for a node it skipped (never compiled), null for what has no SQL.
    // (An exposure has no SQL: null even when skipped.)
    compiled: r.compiledCode ? true : r.status === 'skipped' && !r.uniqueId.startsWith('exposure.') ? false : null,
    compiled_code: r.compiledCode || null,
    // As dbt: a seed (no SQL of its own) has no compiled code, and no relation_name here either.
    relation_name: r.uniqueId.startsWith('seed.') ? null : r.relationName,
    batch_results: r.batchResults ? { successful: r.batchResults.successful, failed: r.batchResults.failed } : null,
    error: r.error ? r.error.toJSON() : undefined,
  };
}
