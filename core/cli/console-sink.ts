// The process's standard output and error as kiln writes them. A run prints two lines per node,
// and a write to a pipe or a terminal is a system call that, on a busy machine, also wakes the
// reader: 2,000 of them for 1,000 nodes. Lines are gathered and written every FLUSH_MS instead
// (whatever finished meanwhile goes out in one write), in the order they were written across
// both streams, and whatever is left when the process exits goes out then.

/** What a sink writes to: process.stdout / process.stderr, or a stand-in in tests. */
export interface SinkStream {
  write(text: string): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
  readonly destroyed?: boolean;
}

export interface ConsoleSinks {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Writes everything gathered so far, now. */
  readonly flush: () => void;
}

/** Text gathered beyond this (in UTF-16 units) is written at once rather than after FLUSH_MS. */
const MAX_PENDING = 64 * 1024;

/**
 * Sinks for two streams that may be closed under us (`kiln ls | head -1`): EPIPE and its like
 * would otherwise surface as an unhandled 'error' event with a stack trace. Once a stream's
 * reader is gone, further output to it is dropped and the command carries on.
 * `schedule` runs the gathered write (after FLUSH_MS; tests pass their own).
 */
export function consoleSinks(out: SinkStream, err: SinkStream, schedule: (fn: () => void) => void = defaultSchedule): ConsoleSinks {
  const closed = new Set<SinkStream>();
  for (const s of [out, err]) {
    s.on('error', () => {
      closed.add(s);
    });
  }
  // Gathered text of one stream; switching streams writes the other's first, so order is kept.
  let pendingStream: SinkStream | null = null;
  let pending = '';
  let scheduled = false;
  const flush = () => {
    const stream = pendingStream;
    const text = pending;
    pendingStream = null;
    pending = '';
    if (stream && text && !closed.has(stream) && !stream.destroyed) stream.write(text);
  };
  const onTurnEnd = () => {
    scheduled = false;
    flush();
  };
  const sink = (stream: SinkStream) => (text: string) => {
    if (text === '') return;
    if (pendingStream !== stream) flush();
    pendingStream = stream;
    pending += text;
    if (pending.length >= MAX_PENDING) flush();
    else if (!scheduled) {
      scheduled = true;
      schedule(onTurnEnd);
    }
  };
  return { stdout: sink(out), stderr: sink(err), flush };
}

/**
 * How long gathered lines wait for more. One write per event-loop turn was still ~2,000 writes for
 * 1,000 nodes; every 20 ms (too short to see) makes it ~150: a 1,000-view DuckDB run printing to a
 * pipe took 2.72–2.91 s against 2.85–3.03 s, and 0.2 s less CPU (4 alternating rounds).
 */
const FLUSH_MS = 20;

function defaultSchedule(fn: () => void): void {
  // unref'd: pending output never keeps the process alive (the 'exit' handler writes it).
  setTimeout(fn, FLUSH_MS).unref();
}
