// Where a node lands: dbt's default generate_schema_name / generate_alias_name /
// generate_database_name, replaced by project macros of the same names when present.
import type { TargetConfig } from '../project/types.js';

export interface NamingInput {
  readonly name: string;
  readonly resourceType: string;
  readonly config: { readonly schema?: string | null; readonly alias?: string | null; readonly database?: string | null };
  /** Versioned models are built as `<name>_v<v>` unless their alias says otherwise (dbt's macro tests the version's truth: v0 keeps the bare name). */
  readonly version?: string | number;
}

/** Calls a project macro that overrides a naming rule, if the project has one. */
export type NamingMacroCall = (macro: 'generate_schema_name' | 'generate_alias_name' | 'generate_database_name', args: unknown[]) => string | undefined;

export function resolveRelationName(node: NamingInput, target: TargetConfig, callMacro?: NamingMacroCall): { database: string; schema: string; alias: string } {
  const customSchema = node.config.schema ?? null;
  const customAlias = node.config.alias ?? null;
  const customDb = node.config.database ?? null;
  const macroNode = { name: node.name, resource_type: node.resourceType, config: node.config, ...(node.version !== undefined ? { version: node.version } : {}) };

  const schema =
    callMacro?.('generate_schema_name', [customSchema, macroNode]) ?? (customSchema ? `${target.schema}_${customSchema.trim()}` : target.schema);
  const alias = callMacro?.('generate_alias_name', [customAlias, macroNode]) ?? (customAlias ? customAlias.trim() : node.version !== undefined && node.version !== 0 && node.version !== '' ? `${node.name}_v${String(node.version).replace(/\./g, '_')}` : node.name);
  const database = callMacro?.('generate_database_name', [customDb, macroNode]) ?? (customDb ? customDb.trim() : target.database);
  return { database, schema, alias };
}
