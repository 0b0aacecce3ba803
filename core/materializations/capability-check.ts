// Before anything runs: every selected node asks only for what the database can do where it is
// built (on Trino, the connector of its catalog: `memory` has no DELETE or MERGE). A model that
// needs more is a config error naming the model, the database and the missing ability, reported
// with every other problem before the first statement runs.
import type { AdapterCapabilities } from '../../adapters/adapter.js';
import { Codes, KilnError, type Problems } from '../errors.js';
import type { ConstraintDef, Manifest, ParsedNode } from '../nodes.js';
import { allConstraints } from '../project/constraints.js';
import { contractEnforced, contractLoc } from './contract.js';
import { configError, incrementalConfig } from './incremental-config.js';

/** Marks a constraint type declared on a view in the warning tally. */
const VIEW_KEY = '\u0000view';

export function checkCapabilities(manifest: Manifest, selected: ReadonlySet<string>, capabilitiesFor: (database: string) => AdapterCapabilities, problems: Problems): void {
  const unenforced = new Map<string, { caps: AdapterCapabilities; models: string[]; first: ConstraintDef }>();
  const noIndexes: ParsedNode[] = [];
  for (const id of selected) {
    const n = manifest.nodes.get(id);
    if (!n) continue;
    const caps = capabilitiesFor(n.database);
    if (contractEnforced(n)) collectUnenforced(n, caps, unenforced);
    if (!caps.supportsIndexes && Array.isArray(n.config.indexes) && n.config.indexes.length) noIndexes.push(n);
    if (n.resourceType === 'model' && n.config.materialized === 'incremental') {
      try {
        incrementalConfig(n, caps);
      } catch (e) {
        problems.capture(e);
      }
    } else if (n.resourceType === 'snapshot' && caps.supportsDelete === false) {
      problems.error(
        configError(
          n,
          'snapshot',
          `a snapshot updates the rows it has stored, and ${caps.describedAs ?? 'this database'} cannot update or delete rows`,
          `Build the snapshot in a catalog whose connector can (set \`target_database\` or \`database\`), e.g. an Iceberg catalog.`,
        ),
      );
    }
  }
  if (noIndexes.length) {
    const caps = capabilitiesFor(noIndexes[0].database);
    problems.warn(
      new KilnError(Codes.CONSTRAINT_NOT_ENFORCED, `\`indexes\` are not created ${caps.describedAs ? `by ${caps.describedAs}` : 'on this database'}; ignored on ${noIndexes.map((n) => n.name).join(', ')}`, {
        loc: noIndexes[0].patchLoc ?? { file: noIndexes[0].originalFilePath },
        hint: 'keep `indexes` for targets that create them; a primary_key or unique constraint of an enforced contract indexes the table where the database enforces it',
      }),
    );
  }
  // One warning per constraint type the database does not enforce, naming the models (dbt warns the same way).
  for (const [key, u] of unenforced) {
    const onView = key.endsWith(VIEW_KEY);
    const type = onView ? key.slice(0, -VIEW_KEY.length) : key;
    const where = onView ? 'on views (a view holds no constraints)' : u.caps.describedAs ? `by ${u.caps.describedAs}` : 'on this database';
    problems.warn(
      new KilnError(Codes.CONSTRAINT_NOT_ENFORCED, `${type} constraints are not enforced ${where}; declared on ${u.models.join(', ')}, they are recorded in the manifest and docs but not created`, {
        loc: u.first.loc,
        hint: `check them with data tests instead (e.g. \`${type === 'foreign_key' ? 'relationships' : type === 'check' ? 'dbt_utils.expression_is_true' : type === 'primary_key' ? 'unique + not_null' : type}\`), or set \`warn_unsupported: false\` on the constraint`,
      }),
    );
  }
}

/** The constraints of a contracted model this database leaves out (every one, on a view), for one warning per type. */
function collectUnenforced(n: ParsedNode, caps: AdapterCapabilities, unenforced: Map<string, { caps: AdapterCapabilities; models: string[]; first: ConstraintDef }>): void {
  const m = n.config.materialized;
  if (m === 'ephemeral') return;
  const enforced = new Set(m === 'view' ? [] : caps.enforcedConstraints ?? []);
  for (const c of allConstraints(n)) {
    if (enforced.has(c.type) || !c.warnUnsupported) continue;
    const key = m === 'view' ? `${c.type}${VIEW_KEY}` : c.type;
    const u = unenforced.get(key) ?? { caps, models: [], first: c };
    if (!u.models.includes(n.name)) u.models.push(n.name);
    unenforced.set(key, u);
  }
}

/** What a contract needs (dbt's rules), checked before the database is opened: a materialization that takes one, and a data_type on every column. */
export function checkContract(n: ParsedNode, problems: Problems): void {
  const m = n.config.materialized;
  const error = (message: string, hint: string, loc = contractLoc(n)) => problems.error(new KilnError(Codes.CONFIG_INVALID, message, { loc, node: n.uniqueId, hint }));
  if (m === 'ephemeral') {
    error(`${n.name} enforces a contract but is ephemeral: an ephemeral model builds no relation to hold one`, 'materialize it as a table, view or incremental model, or set `contract: {enforced: false}`');
    return;
  }
  const columns = Object.values(n.columns);
  if (columns.length === 0) {
    error(`${n.name} enforces a contract but declares no columns`, 'list every column the model returns under `columns:` in its YAML entry, each with a `data_type`');
    return;
  }
  const untyped = columns.filter((c) => !c.data_type || c.data_type.trim() === '');
  if (untyped.length) {
    error(`${n.name} enforces a contract, and ${untyped.length === 1 ? 'column' : 'columns'} ${untyped.map((c) => c.name).join(', ')} ${untyped.length === 1 ? 'has' : 'have'} no data_type`, 'give every column of a contracted model a `data_type`', untyped[0].loc ?? contractLoc(n));
  }
}
