// Small pieces several commands share.
import type { KilnError } from '../../errors.js';
import type { Manifest } from '../../nodes.js';
import type { Reporter } from '../../reporter/reporter.js';
import { secretValues } from '../../template/builtins.js';

export function reportWarnings(reporter: Reporter, warnings: readonly KilnError[]): void {
  for (const w of warnings) reporter.kilnError(w, 'warn');
}

/**
 * `5 models, 3 seeds, 2 sources, 4 macros` as dbt 1.11 prints it after parsing: node kinds in the
 * order dbt first meets them in its manifest (its parsers' order: models, snapshots, analyses,
 * singular tests, seeds, hooks, then generic tests), then sources, exposures, metrics, macros,
 * groups, semantic models, saved queries and unit tests (dbt's _generate_stats).
 */
export function foundPhrase(manifest: Manifest): string {
  // One pass over the nodes (five copies of 40,000 nodes cost ~20 ms at the end of every compile).
  const byType = new Map<string, number>();
  let singular = false;
  for (const n of manifest.nodes.values()) {
    byType.set(n.resourceType, (byType.get(n.resourceType) ?? 0) + 1);
    if (n.resourceType === 'test' && !singular && !n.testMetadata) singular = true;
  }
  const tests: [string, number] = ['data test', byType.get('test') ?? 0];
  const counts: [string, number][] = [
    ['model', byType.get('model') ?? 0],
    ['snapshot', byType.get('snapshot') ?? 0],
    ['analysis', byType.get('analysis') ?? 0],
    ...(singular ? [tests] : []),
    ['seed', byType.get('seed') ?? 0],
    ['operation', manifest.operations?.hooks.length ?? 0],
    ...(singular ? [] : [tests]),
    ['source', manifest.sources.size],
    ['exposure', manifest.exposures?.size ?? 0],
    ['metric', manifest.semantic?.metrics.size ?? 0],
    ['macro', manifest.macros.size],
    ['group', manifest.groups?.size ?? 0],
    ['semantic model', manifest.semantic?.semanticModels.size ?? 0],
    ['saved query', manifest.semantic?.savedQueries.size ?? 0],
    ['unit test', byType.get('unit_test') ?? 0],
  ];
  const plural = (k: string) => (k.endsWith('query') ? `${k.slice(0, -1)}ies` : k.endsWith('analysis') ? `${k.slice(0, -2)}es` : `${k}s`);
  // (dbt's singular of a data test is its resource type, `test`)
  return counts.filter(([, n]) => n > 0).map(([k, n]) => `${n} ${n === 1 ? (k === 'data test' ? 'test' : k) : plural(k)}`).join(', ') || 'nothing';
}

/** Replaces every secret value read so far with asterisks. */
export function redactor(): (text: string) => string {
  return (text) => {
    let out = text;
    for (const s of secretValues()) if (s.length >= 3) out = out.split(s).join('*****');
    return out;
  };
}
