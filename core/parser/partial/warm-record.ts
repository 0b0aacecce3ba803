// Writing the record warm-render.ts reads, after a full compile. Apart from warm-render.ts:
// it needs the template engine's printing (pyStr), which a warm compile does not load.
import path from 'node:path';
import { pyStr } from '../../template/index.js';
import { RelationValue } from '../../compiler/relation.js';
import type { SqlDialect } from '../../../adapters/adapter.js';
import type { Manifest, ParsedNode } from '../../nodes.js';
import { forgetWarmRecord, WARM_RECORD_FORMAT, WARM_RENDER_FILE, writeAtomically, type ManifestSections, type RefEntry, type JinjaRecord, type RelationParts, type SourceEntry, type WarmRecord } from './warm-render.js';
import { quotePolicyOf, sourceRelation } from '../../project/quoting.js';

export interface WarmRecordInput {
  readonly targetDir: string;
  readonly salt: string;
  readonly manifest: Manifest;
  readonly topoOrder: readonly string[];
  readonly sections: ManifestSections;
  /** The relation a node renders to when ref()'d (Compiler.relationOf). */
  readonly relationOf: (node: ParsedNode) => RelationValue;
  /** The dialect sources render in (as the compiler's source() makes them). */
  readonly dialect: SqlDialect;
  /** Whether a package (the project) defines a macro of that name (TemplateEngine.hasMacro). */
  readonly hasMacro: (name: string, packageName: string) => boolean;
  /** The project's macro files, when a model may be re-rendered with the template engine (warm-jinja.ts); null: none may. */
  readonly jinja: JinjaRecord | null;
}

/** Writes the record; on any failure leaves none (the next compile is then full). Never throws. */
export function writeWarmRecord(input: WarmRecordInput): boolean {
  const file = path.join(input.targetDir, WARM_RENDER_FILE);
  try {
    const ranges = input.sections.tailRanges();
    if (!ranges) throw new Error('manifest sections not seen');
    // Names a ref() means without a package or version to pick among (RefIndex's one-node case).
    const byName = new Map<string, number>();
    let unitTests = false;
    for (const n of input.manifest.nodes.values()) {
      if (n.resourceType === 'unit_test') unitTests = true;
      if (n.resourceType === 'model' || n.resourceType === 'seed' || n.resourceType === 'snapshot') byName.set(n.name, (byName.get(n.name) ?? 0) + 1);
    }
    // In topological order, each entry's position in it being its rank (readers look names up: the order is free).
    const refs: Record<string, RefEntry> = {};
    const topo = input.topoOrder;
    for (let r = 0; r < topo.length; r++) {
      const n = input.manifest.nodes.get(topo[r]);
      // (The kind first: tests, three in four nodes here, skip the name lookup.)
      if (!n || n.resourceType === 'unit_test' || n.resourceType === 'test' || n.resourceType === 'analysis' || byName.get(n.name) !== 1) continue;
      if (n.packageName !== input.manifest.projectName || n.version !== undefined || n.latestVersion !== undefined || n.deprecationDate !== undefined) continue;
      if (n.config.materialized === 'ephemeral' || n.config.access === 'private') continue;
      const rel = input.relationOf(n);
      refs[n.name] = [n.uniqueId, pyStr(rel), r, partsOf(rel)];
    }
    const sourceCount = new Map<string, number>();
    for (const s of input.manifest.sources.values()) sourceCount.set(`${s.sourceName}.${s.name}`, (sourceCount.get(`${s.sourceName}.${s.name}`) ?? 0) + 1);
    const sources: Record<string, SourceEntry> = {};
    for (const s of input.manifest.sources.values()) {
      const key = `${s.sourceName}.${s.name}`;
      if (sourceCount.get(key) !== 1) continue;
      const rel = new RelationValue(sourceRelation(s), input.dialect, { type: 'table' });
      sources[key] = [s.uniqueId, pyStr(rel), partsOf(rel)];
    }
    const namingMacros = ['generate_schema_name', 'generate_alias_name', 'generate_database_name'].some((m) => input.hasMacro(m, input.manifest.projectName));
    // warm-jinja.ts rebuilds relations from their parts, all quoted: not where `quoting:` leaves some unquoted.
    const jinja = input.jinja && !unquotesAny(input.manifest) ? input.jinja : null;
    const record: WarmRecord = { format: WARM_RECORD_FORMAT, salt: input.salt, ...ranges, refs, sources, unitTests, namingMacros, ...(jinja ? { jinja } : {}) };
    writeAtomically(file, JSON.stringify(record));
    return true;
  } catch {
    forgetWarmRecord(input.targetDir);
    return false;
  }
}


/** Whether the project's or a source's `quoting:` writes some part of a name unquoted. */
function unquotesAny(manifest: Manifest): boolean {
  if (quotePolicyOf(manifest.quoting)) return true;
  for (const s of manifest.sources.values()) if (s.quotePolicy) return true;
  return false;
}

function partsOf(rel: RelationValue): RelationParts {
  return [rel.database, rel.schema, rel.identifier, rel.type];
}

/** Macros whose calls a re-render alone cannot answer as a full compile would (see warm-jinja.ts). */
const MACRO_UNSAFE_RE = /\b(doc|env_var)\s*\(|\bconfig\s*[.[]|\{%-?\s*(include|import|from|extends)\b/;

/**
 * What warm-jinja.ts needs to re-render a model of the project alone: its macro files, in the
 * order parse adds them. Null with installed packages (their macros and vars are not rebuilt) or
 * a macro reading what a re-render alone does not rebuild.
 */
export function jinjaRecordOf(files: readonly { readonly kind?: string; readonly path: string; readonly contents: string }[], packages: number): JinjaRecord | null {
  if (packages) return null;
  const macros = files.filter((f) => f.kind === 'macro');
  if (macros.some((f) => MACRO_UNSAFE_RE.test(f.contents))) return null;
  return { macroFiles: macros.map((f) => f.path) };
}
