// Model versions (`versions:` under a model in property YAML): each version is a node of its own,
// `model.<project>.<name>.v<v>`, defined in `<name>_v<v>.sql` (or the file `defined_in` names; the
// latest version may stay in `<name>.sql`) and built as `<name>_v<v>` by default. `ref('name')`
// means the latest version (`latest_version`, else the highest), `ref('name', v=1)` a given one.
// A version's entry may override the model's description, config and tests, and picks the model's
// columns with `include`/`exclude` before adding its own.
import { Codes, KilnError, type Problems, type SourceLocation } from '../errors.js';
import type { ColumnDecl, NodePatch } from '../project/properties-types.js';

export type VersionId = string | number;

export interface VersionDecl {
  readonly v: VersionId;
  /** The model file (name without .sql) defining this version. */
  readonly definedIn: string;
  readonly raw: Readonly<Record<string, unknown>>;
  readonly loc: SourceLocation;
}

export interface VersionedModel {
  readonly name: string;
  readonly latest: VersionId;
  readonly versions: readonly VersionDecl[];
  readonly patch: NodePatch;
}

/** dbt orders versions as numbers when both are numbers, else as strings. */
export function compareVersions(a: VersionId, b: VersionId): number {
  const na = Number(a);
  const nb = Number(b);
  if (String(a).trim() !== '' && String(b).trim() !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

export const sameVersion = (a: VersionId | undefined, b: VersionId | undefined): boolean => a !== undefined && b !== undefined && String(a) === String(b);

/** The `versions:` of a model entry, checked; null when the model is not versioned. */
export function versionsOf(patch: NodePatch, problems: Problems): VersionedModel | null {
  const raw = patch.extra.versions;
  if (raw === undefined || raw === null) return null;
  const bad = (message: string, hint: string) => problems.error(new KilnError(Codes.CONFIG_INVALID, message, { loc: patch.loc, hint }));
  if (!Array.isArray(raw) || raw.length === 0) {
    bad(`\`versions\` of model '${patch.name}' must be a list of entries with \`v:\``, 'Write `versions: [{v: 1}, {v: 2}]`, or remove `versions:`.');
    return null;
  }
  const versions: VersionDecl[] = [];
  for (const entry of raw) {
    const e = entry && typeof entry === 'object' && !Array.isArray(entry) ? (entry as Record<string, unknown>) : null;
    const v = e?.v;
    if (!e || (typeof v !== 'string' && typeof v !== 'number') || String(v).trim() === '') {
      bad(`A version of model '${patch.name}' has no \`v:\``, 'Each entry under `versions:` needs `v: <number or name>`.');
      continue;
    }
    if (versions.some((x) => sameVersion(x.v, v))) {
      bad(`Model '${patch.name}' declares version ${v} twice`, 'Each `v:` appears once under `versions:`.');
      continue;
    }
    const definedIn = typeof e.defined_in === 'string' && e.defined_in.trim() ? e.defined_in.trim().replace(/\.sql$/i, '') : `${patch.name}_v${v}`;
    versions.push({ v, definedIn, raw: e, loc: patch.loc });
  }
  if (versions.length === 0) return null;
  const declaredLatest = patch.extra.latest_version;
  let latest: VersionId = versions.reduce((a, b) => (compareVersions(b.v, a.v) > 0 ? b : a)).v;
  if (declaredLatest !== undefined && declaredLatest !== null) {
    const found = versions.find((x) => sameVersion(x.v, declaredLatest as VersionId));
    if (found) latest = found.v;
    else bad(`\`latest_version: ${String(declaredLatest)}\` of model '${patch.name}' is not one of its versions (${versions.map((x) => x.v).join(', ')})`, 'Set latest_version to a declared `v:`, or add that version.');
  }
  return { name: patch.name, latest, versions, patch };
}

/** The model entry as one version sees it: the version's description, config, columns and tests over the model's. */
export function versionPatch(model: VersionedModel, version: VersionDecl): NodePatch {
  const p = model.patch;
  const e = version.raw;
  const config = e.config && typeof e.config === 'object' ? { ...p.config, ...(e.config as Record<string, unknown>) } : p.config;
  const own = Array.isArray(e.columns) ? e.columns : null;
  let columns: readonly ColumnDecl[] = p.columns;
  if (own) {
    const picks = own.filter((c): c is Record<string, unknown> => !!c && typeof c === 'object' && 'include' in c);
    const added = own.filter((c): c is Record<string, unknown> => !!c && typeof c === 'object' && typeof (c as Record<string, unknown>).name === 'string');
    if (picks.length === 0) columns = [];
    else {
      const pick = picks[0];
      const include = pick.include === 'all' || pick.include === '*' ? null : Array.isArray(pick.include) ? pick.include.map(String) : [];
      const exclude = Array.isArray(pick.exclude) ? pick.exclude.map(String) : [];
      columns = p.columns.filter((c) => (include === null || include.includes(c.name)) && !exclude.includes(c.name));
    }
    const replaced = new Set(added.map((c) => String(c.name)));
    columns = [...columns.filter((c) => !replaced.has(c.name)), ...added.map((c) => columnDecl(c, version.loc))];
  }
  const tests = Array.isArray(e.data_tests) ? e.data_tests : Array.isArray(e.tests) ? e.tests : p.dataTests;
  return {
    ...p,
    description: typeof e.description === 'string' ? e.description : p.description,
    extra: e.deprecation_date !== undefined ? { ...p.extra, deprecation_date: e.deprecation_date } : p.extra,
    config,
    columns,
    dataTests: tests,
  };
}

/** A version's column's `tags:` (a list or one) and `config: {tags}`, each once, as a model's column's (load-properties.ts). */
function columnTags(c: Record<string, unknown>): string[] {
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
  const tags = list(c.tags);
  const config = c.config && typeof c.config === 'object' ? (c.config as Record<string, unknown>) : {};
  for (const t of list(config.tags)) if (!tags.includes(t)) tags.push(t);
  return tags;
}

function columnDecl(c: Record<string, unknown>, loc: SourceLocation): ColumnDecl {
  const tests = Array.isArray(c.data_tests) ? c.data_tests : Array.isArray(c.tests) ? c.tests : [];
  return {
    name: String(c.name),
    description: typeof c.description === 'string' ? c.description : '',
    data_type: typeof c.data_type === 'string' ? c.data_type : null,
    meta: c.meta && typeof c.meta === 'object' ? (c.meta as Record<string, unknown>) : {},
    tags: columnTags(c),
    data_tests: tests,
    constraints: Array.isArray(c.constraints) ? c.constraints : [],
    quote: typeof c.quote === 'boolean' ? c.quote : null,
    config: {},
    loc,
    extra: {},
  };
}
