// Writing artifacts into target/: manifest.json, run_results.json, compiled and executed SQL.
// Secrets are redacted from everything written; files are replaced atomically (write + rename)
// so a reader never sees half a JSON file.
import fs from 'node:fs';
import path from 'node:path';
import type { ParsedNode } from '../nodes.js';
import type { NodeResult, RunSummary } from '../runner/results.js';
import { metadata, type ArtifactMeta } from './manifest-json.js';
import { nodeSqlPath } from './paths.js';

export class ArtifactWriter {
  /** Folders known to exist, and those this writer created (whose files are all new). */
  private readonly dirs = new Map<string, 'existing' | 'created'>();
  private readonly written = new Set<string>();

  constructor(
    readonly targetDir: string,
    private readonly redact: (text: string) => string = (t) => t,
  ) {}

  /**
   * Writes `name` as JSON. `compact` (one line, as dbt writes artifacts) suits large files:
   * manifest.json of 10,000 models is a quarter smaller and faster to write without indentation.
   */
  writeJson(name: string, value: unknown, opts: { compact?: boolean } = {}): void {
    // JSON artifacts carry a fresh invocation id, so comparing with the old file is wasted work.
    this.writeFile(path.join(this.targetDir, name), this.redact(opts.compact ? JSON.stringify(value) : JSON.stringify(value, null, 2)), false);
  }

  /**
   * Writes `name` from pieces of text (e.g. manifestJsonChunks), a megabyte at a time, replacing
   * the file atomically: a large artifact is never one string in memory. Pieces must not split a
   * JSON string, so that redaction sees every value whole.
   */
  writeJsonStream(name: string, chunks: Iterable<string>): void {
    const file = path.join(this.targetDir, name);
    this.ensureDir(path.dirname(file));
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      let buf = '';
      for (const chunk of chunks) {
        buf += chunk;
        if (buf.length >= 1 << 20) {
          fs.writeSync(fd, this.redact(buf));
          buf = '';
        }
      }
      if (buf) fs.writeSync(fd, this.redact(buf));
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  }

  /** target/compiled/<package>/<original_file_path> */
  writeCompiled(node: ParsedNode, sql: string): void {
    this.writeFile(path.join(this.targetDir, 'compiled', nodeSqlPath(node)), this.redact(sql));
  }

  /** target/run/<package>/<original_file_path>: the statements that were executed. */
  writeRun(node: ParsedNode, statements: readonly string[]): void {
    this.writeFile(path.join(this.targetDir, 'run', nodeSqlPath(node)), this.redact(statements.map((s) => `${s.trim()};`).join('\n\n') + '\n'));
  }

  private ensureDir(dir: string): 'existing' | 'created' {
    let state = this.dirs.get(dir);
    if (state === undefined) {
      // mkdirSync returns the first folder it created: undefined when `dir` already existed.
      state = fs.mkdirSync(dir, { recursive: true }) === undefined ? 'existing' : 'created';
      this.dirs.set(dir, state);
    }
    return state;
  }

  private writeFile(file: string, text: string, skipUnchanged = true): void {
    const state = this.ensureDir(path.dirname(file));
    if (state === 'created' && !this.written.has(file)) {
      // A new file in a folder this writer made: no old version to compare with or replace.
      this.written.add(file);
      fs.writeFileSync(file, text);
      return;
    }
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
}

export function runResultsJson(summary: RunSummary, meta: ArtifactMeta, args: Record<string, unknown>): Record<string, unknown> {
  return {
    metadata: metadata(meta, 'run-results/v6'),
    results: summary.results.map(resultJson),
    elapsed_time: summary.elapsedSeconds,
    args,
  };
}

function resultJson(r: NodeResult): Record<string, unknown> {
  return {
    status: r.status,
    timing: r.timing,
    thread_id: r.threadId,
    execution_time: r.executionTime,
    adapter_response: r.status === 'skipped' ? {} : { _message: r.adapterMessage, code: r.adapterMessage, rows_affected: r.rowsAffected },
    message: r.message,
    failures: r.failures ?? null,
    unique_id: r.uniqueId,
    compiled: r.compiledCode !== null,
    compiled_code: r.compiledCode,
    relation_name: r.relationName,
    batch_results: null,
    error: r.error ? r.error.toJSON() : undefined,
  };
}
