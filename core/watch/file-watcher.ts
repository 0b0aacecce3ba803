// The project's files as `kiln watch` sees them: chokidar on the project folder (chokidar ≥ 4
// has no globs, so folders are watched and paths filtered here), saves collected into batches
// once a burst has been quiet for `debounceMs` (40 ms by default; an editor's save is often
// several events; a `git checkout` is hundreds), or for 15 ms while it names a single file.
import fs, { type Stats } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

/** Files a project is made of; everything else (the DuckDB file, editors' swap files) is noise. */
const PROJECT_FILE = /\.(sql|ya?ml|csv|md|py)$/i;

/**
 * The quiet period that ends a burst. An editor's save is one write or a few within a
 * millisecond or two, and a `git checkout` writes its files back to back; 40 ms is enough to
 * take them as one batch while adding little to the time from save to report.
 */
export const DEBOUNCE_MS = 40;

/**
 * The quiet period while a burst names one file: a save of one file (its write may be reported
 * twice) is taken after 15 ms of quiet rather than 40; a second file in the burst (several files
 * saved together, a checkout) makes it the full DEBOUNCE_MS again.
 */
export const ONE_FILE_QUIET_MS = 15;

/**
 * chokidar drops a file's change events for 50 ms after reporting one (its own throttle, not an
 * option): a second save that soon is never reported. Every reported file is looked at again this
 * long after its event, and taken as saved again if it differs from what its batch found.
 */
export const RECHECK_MS = 60;

export interface FileWatcherOptions {
  readonly root: string;
  /** Folders (relative to root) never watched: target/, logs/, node_modules/. */
  readonly ignoreDirs: readonly string[];
  readonly debounceMs?: number;
  /** The quiet period while the burst has only one file (ONE_FILE_QUIET_MS by default). */
  readonly oneFileQuietMs?: number;
  /** Files outside root that are watched too (a profiles.yml in ~/.dbt or --profiles-dir). */
  readonly extraFiles?: readonly string[];
  /** A burst of saves, as paths relative to root with forward slashes. */
  readonly onBatch: (files: ReadonlySet<string>) => void;
  readonly onError?: (e: Error) => void;
}

export class FileWatcher {
  private watcher: FSWatcher | null = null;
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  /** Each file of a batch as it was when the batch was taken (`size:mtime`, '' when gone). */
  private readonly taken = new Map<string, string>();
  private readonly rechecks = new Map<string, NodeJS.Timeout>();
  private readonly ignored: ReadonlySet<string>;
  private readonly extra: ReadonlySet<string>;

  constructor(private readonly opts: FileWatcherOptions) {
    this.ignored = new Set(opts.ignoreDirs.map((d) => d.replace(/\\/g, '/').replace(/^\.\/|\/+$/g, '')).filter(Boolean));
    this.extra = new Set((opts.extraFiles ?? []).map((f) => path.resolve(f)).filter((f) => this.relative(f).startsWith('../')));
  }

  /** Starts watching; resolves once the initial scan is done (saves from then on are seen). */
  start(): Promise<void> {
    const watcher = watch([this.opts.root, ...this.extra], {
      ignoreInitial: true,
      ignored: (p: string, stats?: Stats) => this.isIgnored(p, stats),
      persistent: true,
    });
    this.watcher = watcher;
    const onFile = (p: string) => this.saw(p);
    watcher.on('add', onFile).on('change', onFile).on('unlink', onFile);
    watcher.on('error', (e: unknown) => this.opts.onError?.(e instanceof Error ? e : new Error(String(e))));
    return new Promise((resolve) => watcher.once('ready', () => resolve()));
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
    for (const t of this.rechecks.values()) clearTimeout(t);
    this.rechecks.clear();
    await this.watcher?.close();
    this.watcher = null;
  }

  private relative(p: string): string {
    return path.relative(this.opts.root, p).split(path.sep).join('/');
  }

  private isIgnored(p: string, stats?: Stats): boolean {
    if (this.extra.has(path.resolve(p))) return false;
    const rel = this.relative(p);
    if (rel === '') return false;
    const parts = rel.split('/');
    // Hidden folders and files (.git, .venv, editors' .swp), and kiln's own output.
    if (parts.some((s) => s.startsWith('.') || s === 'node_modules')) return true;
    for (const d of this.ignored) if (rel === d || rel.startsWith(`${d}/`)) return true;
    // chokidar asks once without stats; a folder name may contain a dot, so only known files are judged.
    return stats?.isFile() === true && !PROJECT_FILE.test(rel);
  }

  private saw(p: string): void {
    const rel = this.relative(p);
    if (!PROJECT_FILE.test(rel)) return;
    this.pending.add(rel);
    this.scheduleRecheck(rel, p);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const batch = this.pending;
      this.pending = new Set();
      for (const f of batch) this.taken.set(f, this.stamp(path.resolve(this.opts.root, f)));
      this.opts.onBatch(batch);
    }, this.pending.size === 1 ? Math.min(this.opts.oneFileQuietMs ?? ONE_FILE_QUIET_MS, this.opts.debounceMs ?? DEBOUNCE_MS) : (this.opts.debounceMs ?? DEBOUNCE_MS));
  }

  /** See RECHECK_MS: a save chokidar did not report (within its throttle) is taken all the same. */
  private scheduleRecheck(rel: string, abs: string): void {
    const prev = this.rechecks.get(rel);
    if (prev) clearTimeout(prev);
    const t = setTimeout(() => {
      this.rechecks.delete(rel);
      const before = this.taken.get(rel);
      if (this.pending.has(rel) || before === undefined) return;
      if (this.stamp(abs) !== before) this.saw(abs);
    }, RECHECK_MS);
    t.unref();
    this.rechecks.set(rel, t);
  }

  private stamp(abs: string): string {
    try {
      const st = fs.statSync(abs, { bigint: true });
      return `${st.size}:${st.mtimeNs}:${st.ino}`;
    } catch {
      return '';
    }
  }
}
