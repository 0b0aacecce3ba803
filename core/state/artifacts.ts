// Reading the previous run's artifacts for state comparison, deferral, `result:` and retry:
// manifest.json, run_results.json and sources.json, as kiln or dbt wrote them. Only the fields
// kiln uses are typed; anything missing is a clear error naming the file.
import fs from 'node:fs';
import path from 'node:path';
import { Codes, KilnError } from '../errors.js';
import type { BatchResults, BatchSpan } from '../runner/results.js';

export type Json = Record<string, unknown>;

export interface StateManifest {
  /** Path shown in messages. */
  readonly file: string;
  readonly nodes: ReadonlyMap<string, Json>;
  readonly sources: ReadonlyMap<string, Json>;
  readonly exposures: ReadonlyMap<string, Json>;
  /** Semantic models, metrics and saved queries (their ids carry their type). */
  readonly semantic: ReadonlyMap<string, Json>;
  readonly unitTests: ReadonlyMap<string, Json>;
  /** Macro unique id → its source, to see which macros changed. */
  readonly macros: ReadonlyMap<string, string>;
  /** Var name → digest of its value (kiln manifests only; null when not recorded). */
  readonly varDigests: Readonly<Record<string, string>> | null;
}

export interface RunResultsFile {
  readonly file: string;
  readonly results: readonly {
    readonly uniqueId: string;
    readonly status: string;
    /** Microbatch models (dbt ≥ 1.9 and kiln): the windows of the batches that succeeded and failed. */
    readonly batchResults?: BatchResults;
  }[];
  /** The invocation's options (`which` is the command). */
  readonly args: Json;
  /** When that invocation started (metadata `invocation_started_at`, else `generated_at`), if recorded. */
  readonly startedAt?: Date;
}

export interface SourcesFile {
  readonly file: string;
  /** Source id → max_loaded_at (ISO text), for results that have one. */
  readonly loadedAt: ReadonlyMap<string, string>;
  /** Sources whose check errored (no max_loaded_at). */
  readonly errored: ReadonlySet<string>;
}

/** Resolves `--state <dir>` from the project root and checks it; a missing folder is an error up front. */
export function resolveStateDir(root: string, dir: string): string {
  const abs = path.resolve(root, dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new KilnError(Codes.STATE_MISSING, `--state ${dir}: no such folder`, {
      hint: 'Point --state at the target/ folder of the run to compare with (it holds manifest.json), e.g. artifacts downloaded from production.',
    });
  }
  return abs;
}

export function readStateManifest(dir: string, shown: string): StateManifest {
  const file = path.join(dir, 'manifest.json');
  const label = path.join(shown, 'manifest.json');
  if (!fs.existsSync(file)) {
    throw new KilnError(Codes.STATE_MISSING, `The state folder ${shown} has no manifest.json`, {
      loc: { file: label },
      hint: 'Copy the manifest.json of the run to compare with (kiln writes it into target/ on every parse, compile and run) into that folder.',
    });
  }
  const json = readJson(file, label);
  const nodes = objectField(json, 'nodes', label);
  const meta = (json.metadata ?? {}) as Json;
  const macros = new Map<string, string>();
  for (const [id, m] of Object.entries((json.macros ?? {}) as Record<string, Json>)) macros.set(id, typeof m?.macro_sql === 'string' ? m.macro_sql : '');
  const digests = meta.kiln_vars;
  return {
    file: label,
    nodes: new Map(Object.entries(nodes as Record<string, Json>)),
    sources: new Map(Object.entries((json.sources ?? {}) as Record<string, Json>)),
    exposures: new Map(Object.entries((json.exposures ?? {}) as Record<string, Json>)),
    semantic: new Map(['semantic_models', 'metrics', 'saved_queries'].flatMap((k) => Object.entries((json[k] ?? {}) as Record<string, Json>))),
    unitTests: new Map(Object.entries((json.unit_tests ?? {}) as Record<string, Json>)),
    macros,
    varDigests: digests && typeof digests === 'object' && !Array.isArray(digests) ? (digests as Record<string, string>) : null,
  };
}

export function readRunResults(dir: string, shown: string, why: string): RunResultsFile {
  const file = path.join(dir, 'run_results.json');
  const label = path.join(shown, 'run_results.json');
  if (!fs.existsSync(file)) {
    throw new KilnError(Codes.STATE_MISSING, `No previous run to read: ${label} does not exist`, {
      loc: { file: label },
      hint: `${why} reads the run_results.json that run, build, test and seed write into the target folder (or the --state folder). Run one of them first.`,
    });
  }
  const json = readJson(file, label);
  const results = json.results;
  if (!Array.isArray(results)) throw invalid(label, 'it has no `results` list');
  const meta = (json.metadata && typeof json.metadata === 'object' ? json.metadata : {}) as Json;
  const started = [meta.invocation_started_at, meta.generated_at].find((v): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v)));
  return {
    file: label,
    results: results
      .filter((r): r is Json => !!r && typeof r === 'object' && typeof (r as Json).unique_id === 'string')
      .map((r) => {
        const batchResults = readBatchResults(r.batch_results);
        return { uniqueId: r.unique_id as string, status: String(r.status), ...(batchResults ? { batchResults } : {}) };
      }),
    args: (json.args && typeof json.args === 'object' ? json.args : {}) as Json,
    ...(started ? { startedAt: new Date(started) } : {}),
  };
}

/** `batch_results`: `{successful: [[start, end], ...], failed: [...]}`; anything else: none. */
function readBatchResults(v: unknown): BatchResults | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const spans = (x: unknown): BatchSpan[] =>
    Array.isArray(x)
      ? x.filter((p): p is [string, string] => Array.isArray(p) && p.length === 2 && p.every((t) => typeof t === 'string' && !Number.isNaN(Date.parse(t)))).map(([a, b]) => [a, b] as const)
      : [];
  const o = v as Json;
  return { successful: spans(o.successful), failed: spans(o.failed) };
}

export function readSourcesFile(dir: string, shown: string, role: string): SourcesFile {
  const file = path.join(dir, 'sources.json');
  const label = path.join(shown, 'sources.json');
  if (!fs.existsSync(file)) {
    throw new KilnError(Codes.STATE_MISSING, `source_status: needs the ${role} freshness results, but ${label} does not exist`, {
      loc: { file: label },
      hint: '`kiln source freshness` writes target/sources.json. source_status:fresher compares it with the sources.json in the --state folder (the previous check).',
    });
  }
  const json = readJson(file, label);
  if (!Array.isArray(json.results)) throw invalid(label, 'it has no `results` list');
  const loadedAt = new Map<string, string>();
  const errored = new Set<string>();
  for (const r of json.results as Json[]) {
    if (!r || typeof r.unique_id !== 'string') continue;
    if (typeof r.max_loaded_at === 'string' && r.status !== 'runtime error') loadedAt.set(r.unique_id, r.max_loaded_at);
    else errored.add(r.unique_id);
  }
  return { file: label, loadedAt, errored };
}

function readJson(file: string, label: string): Json {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new KilnError(Codes.FILE_UNREADABLE, `Cannot read ${label}: ${(e as Error).message}`, { loc: { file: label }, cause: e });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw invalid(label, `it is not valid JSON (${(e as Error).message})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalid(label, 'it is not a JSON object');
  return value as Json;
}

function objectField(json: Json, key: string, label: string): Json {
  const v = json[key];
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalid(label, `it has no \`${key}\` map`);
  return v as Json;
}

function invalid(label: string, why: string): KilnError {
  return new KilnError(Codes.STATE_INVALID, `${label} cannot be used: ${why}`, {
    loc: { file: label },
    hint: 'Use the artifacts exactly as kiln (or dbt) wrote them; a partial copy or a hand-edited file will not do.',
  });
}
