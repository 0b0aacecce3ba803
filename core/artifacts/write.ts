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
  constructor(
    readonly targetDir: string,
    private readonly redact: (text: string) => string = (t) => t,
  ) {}

  writeJson(name: string, value: unknown): void {
    this.writeFile(path.join(this.targetDir, name), this.redact(JSON.stringify(value, null, 2)));
  }

  /** target/compiled/<package>/<original_file_path> */
  writeCompiled(node: ParsedNode, sql: string): void {
    this.writeFile(path.join(this.targetDir, 'compiled', nodeSqlPath(node)), this.redact(sql));
  }

  /** target/run/<package>/<original_file_path>: the statements that were executed. */
  writeRun(node: ParsedNode, statements: readonly string[]): void {
    this.writeFile(path.join(this.targetDir, 'run', nodeSqlPath(node)), this.redact(statements.map((s) => `${s.trim()};`).join('\n\n') + '\n'));
  }

  private writeFile(file: string, text: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Unchanged files are left alone: cheap for reruns and kind to watchers.
    try {
      if (fs.readFileSync(file, 'utf8') === text) return;
    } catch {
      // does not exist yet
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
