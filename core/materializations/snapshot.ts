// The snapshot materialization (SCD type 2), in one transaction per run:
//   first run:  the query's rows into a temp table; the snapshot table = those rows, each current
//               (dbt_valid_to null), with dbt_scd_id, dbt_updated_at, dbt_valid_from.
//   later runs: the query's rows into a temp table; new source columns added to the snapshot; a
//               staging table of changes (dbt's snapshot_staging_table: inserts, updates, deletes);
//               current rows closed (dbt_valid_to) and new versions inserted from it.
import { DEST_ALIAS, SOURCE_ALIAS, type ColumnDescription, type RelationName, type SqlDialect } from '../../adapters/adapter.js';
import { Codes } from '../errors.js';
import type { ParsedNode } from '../nodes.js';
import { findColumn, isPlainName, listNames, unquoted } from './columns.js';
import { configError } from './incremental-config.js';
import { indexSteps } from './indexes.js';
import { helperNames, targetOf, type Plan, type PlanContext, type Step, type WarehouseState } from './plan.js';
import { snapshotConfig, type MetaColumns, type SnapshotConfig } from './snapshot-config.js';

export function planSnapshot(node: ParsedNode, sql: string, state: WarehouseState, ctx: PlanContext): Plan {
  const config = snapshotConfig(node);
  const { dialect, capabilities } = ctx;
  const { tmp, staging } = helperNames(node, capabilities);
  const target = targetOf(node);
  if (state.existing && state.existing.type !== 'table') {
    throw configError(node, 'snapshot', `${dialect.renderRelation(target)} is a view, not a snapshot table`, 'Drop the view (or choose another alias/schema for the snapshot); snapshots keep their history in a table.');
  }
  const steps: Step[] = state.leftovers.map((left) => ({ kind: 'sql', sql: dialect.drop(left, { cascade: true }), purpose: 'drop leftover' }));
  const tx = capabilities.supportsTransactionalDdl;
  if (tx) steps.push({ kind: 'begin' });
  steps.push({ kind: 'sql', sql: dialect.createTableAs(tmp, sql), purpose: 'read the source' });
  const dropTmp: Step = { kind: 'sql', sql: dialect.drop({ ...tmp, type: 'table' }), purpose: 'drop temp' };
  if (!state.existing) {
    steps.push({
      kind: 'inspect',
      relations: [tmp],
      then: ([source]) => {
        const r = resolve(node, config, source, dialect);
        return [
          { kind: 'sql', sql: dialect.createTableAs(target, firstSnapshotSql(tmp, r, config, dialect)), purpose: 'create snapshot', main: true },
          ...indexSteps(node, target, ctx),
          dropTmp,
        ];
      },
    });
  } else {
    steps.push({
      kind: 'inspect',
      relations: [tmp, target],
      then: ([source, existing]) => laterRunSteps(node, config, source, existing, { target, tmp, staging }, dialect).concat(dropTmp),
    });
  }
  if (tx) steps.push({ kind: 'commit' });
  return { steps, result: { ...target, type: 'table' }, dropped: [tmp, staging, ...state.leftovers], mainStep: -1 };
}

interface Resolved {
  /** Key expressions, unqualified (quoted column names, or expressions as written). */
  readonly keys: readonly string[];
  /** The updated_at column, quoted; null when the check strategy uses the snapshot time. */
  readonly updatedAt: string | null;
  /** The source's columns, as the database spells them. */
  readonly columns: readonly string[];
}

/** Config names → the source's real columns; a named column the query lacks is an error. */
function resolve(node: ParsedNode, config: SnapshotConfig, source: readonly ColumnDescription[], dialect: SqlDialect): Resolved {
  const q = dialect.quoteIdentifier;
  const column = (key: string, written: string): string => {
    const found = findColumn(source, unquoted(written));
    if (!found) {
      throw configError(node, key, `${key} '${written}' is not a column of the snapshot's query (its columns: ${listNames(source)})`, `Name a column the query selects in ${key}, or add it to the select.`, Codes.COLUMN_UNKNOWN);
    }
    return found.name;
  };
  // unique_key may be an expression (`id || '-' || region`), as in dbt; plain names must exist.
  const keys = config.uniqueKey.map((k) => (isPlainName(k) ? q(column('unique_key', k)) : `(${k})`));
  const updatedAt = config.updatedAt ? q(column('updated_at', config.updatedAt)) : null;
  if (config.checkCols !== 'all') for (const c of config.checkCols) column('check_cols', c);
  return { keys, updatedAt, columns: source.map((c) => c.name) };
}

/** The first run's table: every source row current. */
function firstSnapshotSql(tmp: RelationName, r: Resolved, config: SnapshotConfig, dialect: SqlDialect): string {
  const q = dialect.quoteIdentifier;
  const m = config.meta;
  const ua = r.updatedAt ?? dialect.currentTimestamp();
  const cols = [
    ...r.columns.map(q),
    `${dialect.hash([...r.keys, ua])} as ${q(m.scdId)}`,
    `${ua} as ${q(m.updatedAt)}`,
    `${ua} as ${q(m.validFrom)}`,
    `${validToCurrent(ua, config)} as ${q(m.validTo)}`,
    ...(config.hardDeletes === 'new_record' ? [`'False' as ${q(m.isDeleted)}`] : []),
  ];
  return `select\n  ${cols.join(',\n  ')}\nfrom ${dialect.renderRelation(tmp)}`;
}

/** dbt_valid_to of a current row: null typed like updated_at, or `dbt_valid_to_current`. */
function validToCurrent(ua: string, config: SnapshotConfig): string {
  return config.validToCurrent ? `coalesce(nullif(${ua}, ${ua}), ${config.validToCurrent})` : `nullif(${ua}, ${ua})`;
}

/** The condition for a current row of the snapshot table, over `rel`'s valid_to. */
function isCurrent(validTo: string, config: SnapshotConfig): string {
  return config.validToCurrent ? `(${validTo} is null or ${validTo} = ${config.validToCurrent})` : `${validTo} is null`;
}

function laterRunSteps(
  node: ParsedNode,
  config: SnapshotConfig,
  source: readonly ColumnDescription[],
  existing: readonly ColumnDescription[],
  rels: { target: RelationName; tmp: RelationName; staging: RelationName },
  dialect: SqlDialect,
): Step[] {
  const m = config.meta;
  const missingMeta = [m.scdId, m.updatedAt, m.validFrom, m.validTo].filter((c) => !findColumn(existing, c));
  if (missingMeta.length) {
    throw configError(
      node,
      'snapshot',
      `${dialect.renderRelation(rels.target)} exists but is not a snapshot table (it lacks ${missingMeta.join(', ')})`,
      'Drop or rename that table, or point the snapshot elsewhere (alias, schema or target_schema).',
    );
  }
  const r = resolve(node, config, source, dialect);
  const q = dialect.quoteIdentifier;
  const steps: Step[] = [];
  // Columns new in the source are added to the snapshot (dbt's create_columns); older rows get nulls.
  const added = source.filter((c) => !findColumn(existing, c.name));
  for (const c of added) steps.push({ kind: 'sql', sql: dialect.addColumn(rels.target, c.name, c.dataType), purpose: 'add column' });
  if (config.hardDeletes === 'new_record' && !findColumn(existing, m.isDeleted)) {
    steps.push({ kind: 'sql', sql: dialect.addColumn(rels.target, m.isDeleted, dialect.seedType('text')), purpose: 'add column' });
  }
  // check_cols: compared where both sides have the column; a new column counts as a change of every row.
  let checkCols: readonly string[] | null = null;
  if (config.strategy === 'check') {
    const wanted = config.checkCols === 'all' ? r.columns : config.checkCols.map((c) => findColumn(source, unquoted(c))!.name);
    checkCols = wanted.some((c) => !findColumn(existing, c)) ? null : wanted;
  }
  steps.push({ kind: 'sql', sql: dialect.createTableAs(rels.staging, stagingSql(r, config, checkCols, rels, dialect)), purpose: 'stage changes' });
  const meta = [m.scdId, m.updatedAt, m.validFrom, m.validTo, ...(config.hardDeletes === 'new_record' ? [m.isDeleted] : [])];
  steps.push({
    kind: 'sql',
    sql: dialect.updateFrom(
      rels.target,
      rels.staging,
      [[m.validTo, `${SOURCE_ALIAS}.${q(m.validTo)}`]],
      `${SOURCE_ALIAS}.${q(m.scdId)} = ${DEST_ALIAS}.${q(m.scdId)}\n  and ${SOURCE_ALIAS}.dbt_change_type in ('update', 'delete')\n  and ${isCurrent(`${DEST_ALIAS}.${q(m.validTo)}`, config)}`,
    ),
    purpose: 'close changed rows',
  });
  steps.push({ kind: 'sql', sql: dialect.insertInto(rels.target, [...r.columns, ...meta], rels.staging, `${SOURCE_ALIAS}.dbt_change_type = 'insert'`), purpose: 'insert new versions', main: true });
  steps.push({ kind: 'sql', sql: dialect.drop({ ...rels.staging, type: 'table' }), purpose: 'drop staging' });
  return steps;
}

/**
 * One row per change: `insert` (new keys, new versions of changed rows, deletion records),
 * `update` (current rows to close at the new version's time), `delete` (current rows whose key
 * left the source, closed at the snapshot time).
 */
function stagingSql(
  r: Resolved,
  config: SnapshotConfig,
  checkCols: readonly string[] | null,
  rels: { target: RelationName; tmp: RelationName },
  dialect: SqlDialect,
): string {
  const q = dialect.quoteIdentifier;
  const m: MetaColumns = config.meta;
  const now = dialect.currentTimestamp();
  const newRecord = config.hardDeletes === 'new_record';
  const keyCols = r.keys.map((_, i) => `dbt_unique_key_${i + 1}`);
  const withKeys = (rel: RelationName, where?: string) =>
    `select *, ${r.keys.map((k, i) => `${k} as ${keyCols[i]}`).join(', ')}\n  from ${dialect.renderRelation(rel)}${where ? `\n  where ${where}` : ''}`;
  const join = keyCols.map((k) => `snapshotted_data.${k} = source_data.${k}`).join(' and ');
  const ua = r.updatedAt ? `source_data.${r.updatedAt}` : now;
  const snap = (c: string) => `snapshotted_data.${q(c)}`;
  const changed =
    config.strategy === 'timestamp'
      ? `${snap(m.validFrom)} < ${ua}`
      : checkCols === null
        ? 'true'
        : checkCols
            .map((c) => {
              const [s, n] = [snap(c), `source_data.${q(c)}`];
              return `${s} <> ${n} or (${s} is null and ${n} is not null) or (${s} is not null and ${n} is null)`;
            })
            .join('\n      or ');
  const reinserted = newRecord ? ` or ${snap(m.isDeleted)} = 'True'` : '';
  const cols = (from: string) => r.columns.map((c) => `${from}.${q(c)}`).join(', ');
  const isDeletedOf = (expr: string) => (newRecord ? `, ${expr} as ${q(m.isDeleted)}` : '');
  const stillDeleted = newRecord ? `\n    and not (${snap(m.isDeleted)} = 'True')` : '';
  const parts = [
    `snapshotted_data as (\n  ${withKeys(rels.target, isCurrent(q(m.validTo), config))}\n)`,
    `source_data as (\n  ${withKeys(rels.tmp)}\n)`,
    `insertions as (
  select 'insert' as dbt_change_type, ${cols('source_data')},
    ${dialect.hash([...keyCols.map((k) => `source_data.${k}`), ua])} as ${q(m.scdId)},
    ${ua} as ${q(m.updatedAt)}, ${ua} as ${q(m.validFrom)}, ${validToCurrent(ua, config)} as ${q(m.validTo)}${isDeletedOf("'False'")}
  from source_data left outer join snapshotted_data on ${join}
  where snapshotted_data.${keyCols[0]} is null
    or (${changed}${reinserted})
)`,
    `updates as (
  select 'update' as dbt_change_type, ${cols('source_data')},
    ${snap(m.scdId)} as ${q(m.scdId)}, ${ua} as ${q(m.updatedAt)}, ${ua} as ${q(m.validFrom)}, ${ua} as ${q(m.validTo)}${isDeletedOf(snap(m.isDeleted))}
  from source_data join snapshotted_data on ${join}
  where ${changed}${reinserted}
)`,
  ];
  const selects = ['select * from insertions', 'select * from updates'];
  if (config.hardDeletes !== 'ignore') {
    parts.push(`deletes as (
  select 'delete' as dbt_change_type, ${cols('snapshotted_data')},
    ${snap(m.scdId)} as ${q(m.scdId)}, ${now} as ${q(m.updatedAt)}, ${now} as ${q(m.validFrom)}, ${now} as ${q(m.validTo)}${isDeletedOf(snap(m.isDeleted))}
  from snapshotted_data left outer join source_data on ${join}
  where source_data.${keyCols[0]} is null${stillDeleted}
)`);
    selects.push('select * from deletes');
  }
  if (newRecord) {
    parts.push(`deletion_records as (
  select 'insert' as dbt_change_type, ${cols('snapshotted_data')},
    ${dialect.hash([snap(m.scdId), now])} as ${q(m.scdId)}, ${now} as ${q(m.updatedAt)}, ${now} as ${q(m.validFrom)}, ${snap(m.validTo)} as ${q(m.validTo)}, 'True' as ${q(m.isDeleted)}
  from snapshotted_data left outer join source_data on ${join}
  where source_data.${keyCols[0]} is null${stillDeleted}
)`);
    selects.push('select * from deletion_records');
  }
  return `with ${parts.join(',\n')}\n${selects.join('\nunion all\n')}`;
}
