// target/semantic_manifest.json: dbt writes it beside every manifest.json (MetricFlow and dbt-sl read it).
import type { SqlDialect } from '../../adapters/adapter.js';
import type { Manifest } from '../nodes.js';
import { semanticManifestJson } from './json.js';

export const SEMANTIC_MANIFEST_FILE = 'semantic_manifest.json';

/** Writes semantic_manifest.json through an artifact writer (core/artifacts/write.ts). */
export function writeSemanticManifest(writer: { writeJson(name: string, value: unknown, opts?: { compact?: boolean }): void }, manifest: Manifest, dialect: SqlDialect): void {
  writer.writeJson(SEMANTIC_MANIFEST_FILE, semanticManifestJson(manifest, dialect));
}
