// Writing artifact files, the one implementation behind ArtifactWriter: on the main thread, or
// inside its background worker (write-worker.js). Plain JavaScript, so that a worker thread can
// load it without a TypeScript loader. Types: file-writes.d.ts.
import fs from 'node:fs';
import path from 'node:path';

export class FileWrites {
  /** Folders known to exist, and those made here (whose files are all new). */
  dirs = new Map();
  /** Files written here already (a second write of one replaces it). */
  written = new Set();

  ensureDir(dir) {
    let state = this.dirs.get(dir);
    if (state === undefined) {
      // mkdirSync returns the first folder it created: undefined when `dir` already existed.
      state = fs.mkdirSync(dir, { recursive: true }) === undefined ? 'existing' : 'created';
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
      fs.writeFileSync(file, text);
      return;
    }
    this.written.add(file);
    // Unchanged files are left alone: cheap for reruns and kind to watchers.
    if (skipUnchanged) {
      try {
        if (fs.readFileSync(file, 'utf8') === text) return;
      } catch {
        // does not exist yet
      }
    }
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }

  /** Applies one operation as ArtifactWriter queues them for the worker. */
  apply(op) {
    switch (op.kind) {
      case 'write':
        return this.write(op.file, op.text, op.skipUnchanged);
    }
  }
}
