// The previous run, as selection and deferral see it: `--state <dir>` (a manifest.json to
// compare with, and its run_results.json / sources.json) and the current target folder. Each
// artifact is read once, on first use, so a selection without `state:` never touches them.
import path from 'node:path';
import { Codes, KilnError } from '../errors.js';
import type { Manifest } from '../nodes.js';
import type { StateAccess } from '../selection/match.js';
import { readRunResults, readSourcesFile, readStateManifest, resolveStateDir, type RunResultsFile, type SourcesFile, type StateManifest } from './artifacts.js';
import { StateComparison } from './compare.js';

export interface PreviousStateOptions {
  readonly current: Manifest;
  /** The project root: a relative --state is resolved from it, as dbt does. */
  readonly root: string;
  /** `--state` as given (unset: no state). */
  readonly stateDir?: string;
  /** The current run's target folder (absolute): `result:` and current freshness read it. */
  readonly targetDir: string;
}

export class PreviousState implements StateAccess {
  private readonly dir: string | null;
  private manifestCache: StateManifest | null = null;
  private comparison: StateComparison | null = null;
  private results: RunResultsFile | null = null;
  private readonly sourcesCache = new Map<string, SourcesFile>();

  constructor(private readonly opts: PreviousStateOptions) {
    this.dir = opts.stateDir ? resolveStateDir(opts.root, opts.stateDir) : null;
  }

  get hasStateDir(): boolean {
    return this.dir !== null;
  }

  /** The state manifest; an error when there is no --state or no manifest in it. */
  manifest(): StateManifest {
    if (this.manifestCache) return this.manifestCache;
    if (!this.dir) {
      throw new KilnError(Codes.STATE_MISSING, 'state: selection needs --state <dir> (the artifacts of the run to compare with)', {
        hint: 'Pass --state pointing at a folder with the manifest.json of an earlier run, e.g. `kiln build -s state:modified+ --state prod-artifacts/`.',
      });
    }
    this.manifestCache = readStateManifest(this.dir, this.shown(this.dir));
    return this.manifestCache;
  }

  state(value: string): ReadonlySet<string> {
    this.comparison ??= new StateComparison(this.opts.current, this.manifest());
    return this.comparison.select(value);
  }

  /** The previous run_results.json: the --state folder's when given, else the target folder's. */
  runResults(why = 'result: selection'): RunResultsFile {
    const dir = this.dir ?? this.opts.targetDir;
    this.results ??= readRunResults(dir, this.shown(dir), why);
    return this.results;
  }

  result(status: string): ReadonlySet<string> {
    return new Set(this.runResults().results.filter((r) => r.status === status).map((r) => r.uniqueId));
  }

  sourceStatus(value: string): ReadonlySet<string> {
    if (!this.dir) {
      throw new KilnError(Codes.STATE_MISSING, 'source_status: selection needs --state <dir> holding the sources.json of the previous freshness check', {
        hint: 'Keep the target/sources.json of an earlier `kiln source freshness` in a folder and pass it with --state; then run `kiln source freshness` again before selecting.',
      });
    }
    const previous = this.sources(this.dir, 'previous');
    const current = this.sources(this.opts.targetDir, 'current');
    const out = new Set<string>();
    if (value !== 'fresher') return out;
    for (const [id, at] of current.loadedAt) {
      if (current.errored.has(id) || previous.errored.has(id)) continue;
      const before = previous.loadedAt.get(id);
      if (before === undefined || Date.parse(at) > Date.parse(before)) out.add(id);
    }
    return out;
  }

  private sources(dir: string, role: string): SourcesFile {
    let s = this.sourcesCache.get(dir);
    if (!s) this.sourcesCache.set(dir, (s = readSourcesFile(dir, this.shown(dir), role)));
    return s;
  }

  private shown(dir: string): string {
    const rel = path.relative(this.opts.root, dir);
    return rel === '' ? '.' : rel.startsWith('..') && path.isAbsolute(dir) ? dir : rel;
  }
}
