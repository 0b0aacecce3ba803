// The data the docs site runs on, shared by the generator (Node) and the site (browser).
// `SiteCore` is loaded up front and holds what the lineage, the selector, search and the tree
// need for every node; `NodeDetail`s (code, columns, catalog, run history) are split into
// chunk files that a page loads when it is opened, so a 10,000-model site starts quickly.

export type NodeKind = 'model' | 'seed' | 'snapshot' | 'source' | 'test' | 'analysis' | 'exposure';

export type RunStatus = 'success' | 'error' | 'skipped' | 'pass' | 'fail' | 'warn' | 'partial success';

export interface SiteNode {
  readonly id: string;
  readonly name: string;
  readonly type: NodeKind;
  readonly pkg: string;
  /** original_file_path */
  readonly file: string;
  readonly fqn: readonly string[];
  /** Index into SiteCore.configs (configs are interned: most nodes share a few). */
  readonly cfg: number;
  /** Sources carry their own tags, and tests with tags from their column (others have them in config). */
  readonly tags?: readonly string[];
  /** Sources: the source's name (`source('this', ...)`). */
  readonly src?: string;
  /** Parent node indices (depends_on.nodes). */
  readonly parents: readonly number[];
  readonly desc: string;
  readonly cols: readonly string[];
  /** The relation it builds or reads, as rendered in SQL; absent for ephemeral models and tests. */
  readonly rel?: string;
  /** Position in the generate-time layout of the whole graph (tests are not laid out). */
  readonly x?: number;
  readonly y?: number;
  /** The properties YAML that describes it (`path:` selectors match it too). */
  readonly patch?: string;
  /** Generic tests: the test's name (`not_null`, `relationships`; `test_name:` selectors). */
  readonly testName?: string;
  /** Tests: the node index the test belongs to, and its column. */
  readonly on?: number;
  readonly col?: string;
  /** `docs: {show: false}`: left out of the sidebar, search and lineage, as in dbt's docs (its
   *  page still opens from a link). */
  readonly hide?: 1;
  /** `docs: {node_color}`: the colour its lineage box is marked with instead of its type's. */
  readonly color?: string;
  /** Latest recorded result: [status, seconds, index into SiteCore.runs]. */
  readonly last?: readonly [RunStatus, number, number];
}

export interface SiteMacro {
  readonly id: string;
  readonly name: string;
  readonly pkg: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly desc: string;
  readonly sql: string;
}

export interface SiteRun {
  readonly id: string;
  readonly command: string;
  readonly startedAt: string;
  readonly elapsed: number;
  /** success, error (a node failed), interrupted or cancelled. */
  readonly status: string;
  readonly counts: Readonly<Partial<Record<RunStatus, number>>>;
  readonly select: readonly string[];
}

/** One node's results over the recorded runs: [run index, status, seconds, failures]. */
export type NodeHistory = readonly (readonly [number, RunStatus, number, number | null])[];

export interface RunsOverview {
  /** Models (and seeds, snapshots) that took longest, averaged over the runs they appear in. */
  readonly slowest: readonly { readonly node: number; readonly avg: number; readonly max: number; readonly history: NodeHistory }[];
  /** Tests with their history; those that did not always pass first. */
  readonly tests: readonly { readonly node: number; readonly history: NodeHistory }[];
  readonly testsTotal: number;
  /** Per run: what failed or erred (with the message) and the slowest nodes. */
  readonly details: readonly RunDetail[];
}

export interface RunDetail {
  readonly problems: readonly { readonly node: number | string; readonly status: RunStatus; readonly message: string }[];
  readonly slowest: readonly { readonly node: number | string; readonly status: RunStatus; readonly seconds: number }[];
  readonly total: number;
}

export interface SiteCore {
  readonly version: 1;
  readonly project: {
    readonly name: string;
    readonly adapterType: string;
    readonly generatedAt: string;
    readonly kilnVersion: string;
    readonly invocationId: string;
    /** The `__overview__` doc block (Markdown), when the project has one. */
    readonly overview: string | null;
    readonly catalogErrors: readonly string[];
  };
  readonly configs: readonly Readonly<Record<string, unknown>>[];
  readonly nodes: readonly SiteNode[];
  readonly macros: readonly SiteMacro[];
  /** Nodes per detail chunk: node i is in chunk floor(i / chunkSize). */
  readonly chunkSize: number;
  readonly chunkCount: number;
  /** Box size used by the layout. */
  readonly box: { readonly w: number; readonly h: number };
  readonly runs: readonly SiteRun[];
  readonly runsOverview: RunsOverview;
}

export interface DetailColumn {
  readonly name: string;
  readonly description: string;
  readonly declaredType: string | null;
  /** Constraints declared on the column, as short text (`primary key`, `check (x > 0)`). */
  readonly constraints?: readonly string[];
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, unknown>>;
}

export interface CatalogInfo {
  readonly type: string;
  readonly owner: string | null;
  readonly comment: string | null;
  readonly rowCount: number | null;
  readonly columns: readonly { readonly name: string; readonly type: string; readonly index: number; readonly comment: string | null }[];
}

export interface NodeDetail {
  readonly raw: string | null;
  readonly compiled: string | null;
  readonly compileError: string | null;
  readonly columns: readonly DetailColumn[];
  readonly macros: readonly string[];
  readonly patchPath: string | null;
  readonly catalog: CatalogInfo | null;
  readonly history: NodeHistory;
  /** Resource-specific facts shown as a key/value list (test metadata, source loader, ...). */
  readonly facts: readonly (readonly [string, string])[];
  readonly meta: Readonly<Record<string, unknown>>;
}

/** SiteCore as written into core.js: nodes packed (see site-pack.ts). */
export type WireCore = Omit<SiteCore, 'nodes'> & { readonly nodes: readonly import('./site-pack.js').PackedNode[] };

/** What a data file hands to the site (file:// cannot be fetched, so data arrives as scripts). */
export interface KilnDocsGlobal {
  core?: WireCore;
  chunk?: (index: number, details: readonly NodeDetail[]) => void;
}
