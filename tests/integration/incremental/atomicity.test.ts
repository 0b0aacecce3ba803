// All or nothing, on DuckDB and PostgreSQL: an incremental or snapshot run that fails after any
// statement of its plan leaves the table exactly as it was (rows, columns, no helper relations),
// and the rerun gives exactly the table an uninterrupted run gives. The failure is injected with
// KILN_TEST_FAIL_AFTER=<node>:<n> (the runner's test-only hook) for n = 1, 2, ... until the run
// gets through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTargets, csv, project, targets, type AdapterTarget, type Project } from './harness.js';

const TARGETS = targets();
afterAll(() => cleanupTargets(TARGETS));

const HEADER = ['id', 'grp', 'name', 'amount', 'updated_at'];
const RUN1 = csv(HEADER, [1, 'x', 'a', 10, '2024-01-01 00:00:00'], [2, 'x', 'b', 20, '2024-01-01 00:00:00']);
const RUN2 = csv(HEADER, [2, 'x', 'B', 25, '2024-01-02 00:00:00'], [3, 'y', 'c', 30, '2024-01-02 00:00:00']);

const FILES = {
  // Second run: `name` gone, `doubled` new (sync_all_columns drops and adds).
  'models/merge_sync.sql': `{{ config(materialized='incremental', incremental_strategy='merge', unique_key='id', on_schema_change='sync_all_columns') }}
select id, {% if var('v', 1) == 1 %}name,{% endif %} amount {% if var('v', 1) > 1 %}, amount * 2 as doubled{% endif %}
from {{ ref('src') }}`,
  'models/di.sql': `{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key=['id', 'grp'],
  incremental_predicates=['DBT_INTERNAL_DEST.amount >= 0']) }}
select id, grp, name, amount from {{ ref('src') }}`,
  'models/app.sql': `{{ config(materialized='incremental', incremental_strategy='append') }}
select id, name, amount from {{ ref('src') }}
{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}`,
  // Second run: a new source column (added to the snapshot), a deleted key (a deletion record).
  'snapshots/snap.sql': `{% snapshot snap %}
{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at', hard_deletes='new_record') }}
select id, name, amount, updated_at {% if var('v', 1) > 1 %}, amount * 2 as doubled{% endif %} from {{ ref('src') }}
{% endsnapshot %}`,
};

const NODES = [
  { node: 'merge_sync', command: 'run' },
  { node: 'di', command: 'run' },
  { node: 'app', command: 'run' },
  { node: 'snap', command: 'snapshot' },
] as const;

/** A table's rows as text, with the snapshot's wall-clock times (not from the data) masked. */
async function state(p: Project, name: string): Promise<string[]> {
  const rows = await p.rows(`select * from ${p.rel(name)}`);
  return rows
    .map((r) =>
      JSON.stringify(
        Object.entries(r)
          .filter(([k]) => k !== 'dbt_scd_id')
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, v instanceof Date || (typeof v === 'string' && /^\d{4}-/.test(v)) ? maskNow(v) : v]),
      ),
    )
    .sort();
}

function maskNow(v: unknown): string {
  const text = v instanceof Date ? v.toISOString() : String(v);
  return Number(text.slice(0, 4)) >= 2025 ? 'NOW' : text.slice(0, 19).replace('T', ' ');
}

async function setup(target: AdapterTarget): Promise<Project> {
  const p = await project(target, { ...FILES, 'seeds/src.csv': RUN1 });
  await p.ok(['seed']);
  await p.ok(['run']);
  await p.ok(['snapshot']);
  p.write('seeds/src.csv', RUN2);
  await p.ok(['seed']);
  return p;
}

describe.each(TARGETS)('all or nothing on $name', (target: AdapterTarget) => {
  const uninterrupted = new Map<string, string[]>();
  const before = new Map<string, string[]>();
  const rerun = new Map<string, string[]>();
  const failures = new Map<string, { n: number; same: boolean; leftovers: string[] }[]>();

  beforeAll(async () => {
    const twin = await setup(target);
    for (const { node, command } of NODES) {
      await twin.ok([command, '-s', node, '--vars', '{v: 2}']);
      uninterrupted.set(node, await state(twin, node));
    }
    const p = await setup(target);
    for (const { node, command } of NODES) {
      before.set(node, await state(p, node));
      const seen: { n: number; same: boolean; leftovers: string[] }[] = [];
      for (let n = 1; n < 20; n++) {
        const r = await p.run([command, '-s', node, '--vars', '{v: 2}'], { KILN_TEST_FAIL_AFTER: `${node}:${n}` });
        if (r.code === 0) break;
        expect(r.stdout).toMatch(/Injected failure/);
        seen.push({ n, same: JSON.stringify(await state(p, node)) === JSON.stringify(before.get(node)), leftovers: (await p.relations()).filter((x) => x.includes('__dbt')) });
      }
      failures.set(node, seen);
      rerun.set(node, await state(p, node));
    }
  }, 300_000);

  it.each(NODES.map((n) => n.node))('%s: a failure after any statement leaves the table as it was', (node) => {
    const seen = failures.get(node)!;
    // Every statement was tried: temp table, (alters,) writes, drops.
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const s of seen) expect(s, `failure after statement ${s.n}`).toEqual({ n: s.n, same: true, leftovers: [] });
  });

  it.each(NODES.map((n) => n.node))('%s: the rerun gives exactly the uninterrupted result', (node) => {
    expect(rerun.get(node)).toEqual(uninterrupted.get(node));
    expect(rerun.get(node)).not.toEqual(before.get(node));
  });
});
