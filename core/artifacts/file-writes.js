// Writing artifact files, the one implementation behind ArtifactWriter: on the main thread, or
// inside its background worker (write-worker.js). Plain JavaScript, so that a worker thread can
// load it without a TypeScript loader. Types: file-writes.d.ts.
import fs from 'node:fs';
import path from 'node:path';
import { makeDirs } from '../make-dirs.js';

/**
 * readFileSync's options for the read that compares an existing file: an object made once. Given
 * the string 'utf8', Node 20 copies its default options into a new object at every call, a
 * quarter of the read's CPU for a small file (2,000 files of a rerun: 26 ms against 29.5 ms).
 */
const UTF8 = Object.freeze({ encoding: 'utf8' });

export class FileWrites {
  /** Folders known to exist, and those made here (whose files are all new). */
  dirs = new Map();
  /** Files written here already (a second write of one replaces it). */
  written = new Set();
  /**
   * When given a map: each file written (or left alone as unchanged) → [size, mtimeMs, ctimeMs,
   * ino] as it stood once written, so that a caller recording the outputs (compile-state.ts)
   * need not stat them again. A new file is stat'ed through its open descriptor.
   */
  stats;

  constructor(stats = null) {
    this.stats = stats;
  }

  ensureDir(dir) {
    let state = this.dirs.get(dir);
    if (state === undefined) {
      // mkdirSync returns the first folder it created: undefined when `dir` already existed.
      state = makeDirs(dir) === undefined ? 'existing' : 'created';
      this.dirs.set(dir, state);
    }
    return state;
  }

  /** Writes `text` to `file`; an existing file is replaced atomically, or left alone when unchanged and `skipUnchanged`. */
  write(file, text, skipUnchanged) {
    const state = this.ensureDir(path.dirname(file));
    if (state === 'created' && !this.written.has(file)) {
      // A new file in a folder made here: no old version to compare with or replace.
      this.written.add(file);
      if (!this.stats) {
        fs.writeFileSync(file, text);
        return;
      }
      const fd = fs.openSync(file, 'w');
      try {
        fs.writeFileSync(fd, text);
        this.note(file, fs.fstatSync(fd));
      } finally {
        fs.closeSync(fd);
      }
      return;
    }
    this.written.add(file);
    // Unchanged files are left alone: cheap for reruns and kind to watchers. Read, not stat'ed
    // against a record of stats and hashes: on Node 20 a statSync (a Stats object, four Dates)
    // costs as much as reading a small file, and such a record cost a rerun of 1,000 views
    // ~12 ms more CPU than these reads (Node 20.20, measured 2026-11).
    if (skipUnchanged) {
      try {
        if (fs.readFileSync(file, UTF8) === text) {
          if (this.stats) this.note(file, fs.statSync(file));
          return;
        }
      } catch {
        // does not exist yet
      }
    }
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
    // After the rename, which changes the file's ctime.
    if (this.stats) this.note(file, fs.statSync(file));
  }

  note(file, st) {
    this.stats.set(file, [st.size, st.mtimeMs, st.ctimeMs, st.ino]);
  }

  /** The recorded stats as two transferable columns: files, and 4 numbers each. */
  takeStats() {
    if (!this.stats) return { files: [], nums: new Float64Array(0) };
    const files = [...this.stats.keys()];
    const nums = new Float64Array(files.length * 4);
    let i = 0;
    for (const s of this.stats.values()) {
      nums[i++] = s[0];
      nums[i++] = s[1];
      nums[i++] = s[2];
      nums[i++] = s[3];
    }
    this.stats.clear();
    return { files, nums };
  }

  /** Descriptors of streamed files (StreamFile) a write to failed: not put in place. */
  failedStreams = new Set();

  /** Applies one operation as ArtifactWriter queues them for the worker. */
  apply(op) {
    switch (op.kind) {
      case 'write':
        return this.write(op.file, op.text, op.skipUnchanged);
      case 'append': {
        // Bytes of a streamed file, at their own offset (StreamFile's offload).
        const b = op.bytes;
        try {
          for (let off = 0; off < b.length; ) off += fs.writeSync(op.fd, b, off, b.length - off, op.position + off);
        } catch (e) {
          this.failedStreams.add(op.fd);
          throw e;
        } finally {
          Atomics.store(op.slots, op.slot, 0);
        }
        return;
      }
      case 'stat':
        // Files read elsewhere whose stats the caller wants (ArtifactWriter.statOnWriter); absent: size -1.
        for (const file of op.files) {
          const st = fs.statSync(file, { throwIfNoEntry: false });
          if (st) this.note(file, st);
          else this.stats.set(file, [-1, 0, 0, 0]);
        }
        return;
      case 'closeStream': {
        const keep = op.keep && !this.failedStreams.delete(op.fd);
        fs.closeSync(op.fd);
        if (keep) fs.renameSync(op.tmp, op.file);
        else fs.rmSync(op.tmp, { force: true });
        return;
      }
    }
  }
}
