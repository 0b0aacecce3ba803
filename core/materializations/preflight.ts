// Before anything runs against the database: every selected node can be planned (a known
// materialization, names the database can hold), and no two resources share one relation, nor
// a resource the helper relation (`__dbt_tmp`, `__dbt_backup`, ...) of another. Such a collision
// fails mid-run at best; at worst a build drops another resource's relation as its own leftover.
import type { AdapterCapabilities } from '../../adapters/adapter.js';
import { Codes, KilnError, type Problems } from '../errors.js';
import type { Manifest, ParsedNode } from '../nodes.js';
import { checkContract } from './capability-check.js';
import { contractEnforced } from './contract.js';
import { BACKUP_SUFFIX, helperNames, STAGING_SUFFIX, TMP_SUFFIX } from './plan.js';

/** Materializations kiln plans itself; others need a `{% materialization %}` of that name. */
const BUILT_IN = new Set(['view', 'table', 'incremental', 'ephemeral', 'seed', 'snapshot']);

/** Nodes that own a relation in the warehouse. */
function buildsRelation(n: ParsedNode): boolean {
  return (n.resourceType === 'model' || n.resourceType === 'seed' || n.resourceType === 'snapshot') && n.config.materialized !== 'ephemeral';
}

/** Lower case, as keyOf makes the names it compares. */
const HELPER_SUFFIXES = [TMP_SUFFIX, BACKUP_SUFFIX, STAGING_SUFFIX].map((s) => s.toLowerCase());
const keyOf = (database: string, schema: string, identifier: string) => `${database}\u0000${schema}\u0000${identifier}`.toLowerCase();
const shown = (n: Pick<ParsedNode, 'database' | 'schema' | 'alias'>, identifier = n.alias) => `${n.database}.${n.schema}.${identifier}`;

export function checkRelations(manifest: Manifest, selected: ReadonlySet<string>, caps: AdapterCapabilities, problems: Problems): void {
  const materializations = new Set(BUILT_IN);
  for (const m of manifest.macros.values()) {
    const custom = /^materialization_(.+)_[^_]+$/.exec(m.name);
    if (custom) materializations.add(custom[1]);
  }
  for (const id of selected) {
    const n = manifest.nodes.get(id);
    if (!n || !(n.resourceType === 'model' || n.resourceType === 'seed' || n.resourceType === 'snapshot')) continue;
    const m = n.config.materialized;
    if (!materializations.has(m)) {
      problems.error(
        new KilnError(Codes.CONFIG_INVALID, `${n.name} has materialized='${m}', which is not a materialization`, {
          loc: { file: n.originalFilePath },
          node: n.uniqueId,
          hint: `use 'view', 'table', 'incremental' or 'ephemeral' (set in the model's config() or under \`models:\` in dbt_project.yml)`,
        }),
      );
      continue;
    }
    if (contractEnforced(n)) checkContract(n, problems);
    if (!buildsRelation(n)) continue;
    for (const [what, name] of [['name', n.alias], ['schema', n.schema]] as const) {
      const bytes = Buffer.byteLength(name);
      if (bytes <= caps.maxIdentifierLength) continue;
      problems.error(
        new KilnError(Codes.CONFIG_INVALID, `The ${what} '${name}' of ${n.name} is ${bytes} bytes long; this database keeps at most ${caps.maxIdentifierLength} and would cut it short`, {
          loc: { file: n.originalFilePath },
          node: n.uniqueId,
          hint: what === 'name' ? `give ${n.name} a shorter \`alias\` in its config (or rename the file)` : `choose a shorter custom \`schema\` for ${n.name}`,
        }),
      );
    }
  }

  const owners = new Map<string, ParsedNode>();
  // A helper relation's name always ends in its suffix: unless some relation's does, none can
  // collide, and the helper names of every relation (10,000 on a large project, on each rebuild
  // of kiln watch) need not be made.
  let reserved = false;
  for (const n of manifest.nodes.values()) {
    if (!buildsRelation(n)) continue;
    const key = keyOf(n.database, n.schema, n.alias);
    if (!reserved && HELPER_SUFFIXES.some((s) => key.endsWith(s))) reserved = true;
    const prev = owners.get(key);
    if (prev) {
      problems.error(
        new KilnError(Codes.NAME_DUPLICATE, `${prev.name} (${prev.originalFilePath}) and ${n.name} (${n.originalFilePath}) both build the relation ${shown(n)}`, {
          loc: { file: n.originalFilePath },
          related: [{ file: prev.originalFilePath }],
          node: n.uniqueId,
          hint: 'each resource needs a relation of its own: change the `alias` (or `schema`) of one of them',
        }),
      );
    } else owners.set(key, n);
  }
  if (!reserved) return;
  for (const n of owners.values()) {
    for (const [role, h] of Object.entries(helperNames(n, caps))) {
      const other = owners.get(keyOf(h.database, h.schema, h.identifier));
      if (!other || other === n) continue;
      problems.error(
        new KilnError(Codes.NAME_DUPLICATE, `${other.name} (${other.originalFilePath}) builds ${shown(other)}, the name kiln gives the ${role === 'tmp' ? 'temporary' : role} relation of ${n.name}: building ${n.name} would replace or drop it`, {
          loc: { file: other.originalFilePath },
          related: [{ file: n.originalFilePath }],
          node: other.uniqueId,
          hint: `names ending in __dbt_tmp, __dbt_backup and __dbt_staging are reserved for kiln's helper relations; give ${other.name} another \`alias\``,
        }),
      );
    }
  }
}
