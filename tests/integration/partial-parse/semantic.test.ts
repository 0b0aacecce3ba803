// Partial parsing with a semantic layer: after each edit of semantic YAML, of the models it is
// built on, of a time spine or of the project's config trees, a parse reusing the cache (from
// target/ and in a long-lived process, as kiln watch does) gives exactly the semantic layer of a
// parse from scratch (manifest.json sections, parent and child maps, semantic_manifest.json).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestJsonChunks } from '../../../core/artifacts/manifest-json.js';
import type { GlobalOptions } from '../../../core/cli/options.js';
import { reparseProject } from '../../../core/cli/reparse.js';
import { openSession, type Session } from '../../../core/cli/session.js';
import { semanticManifestJson } from '../../../core/semantic/json.js';
import { testdir } from '../../helpers/testdir.js';
import { FILES } from '../semantic/fixture.js';

function options(extra: Partial<GlobalOptions> = {}): GlobalOptions {
  return { command: 'parse', logFormat: 'text', color: false, ...extra };
}

/** What must not depend on partial parsing: manifest.json (semantic sections and maps included), semantic_manifest.json, warnings. */
function snapshotOf(s: Session): Record<string, unknown> {
  const meta = { invocationId: 'x', generatedAt: new Date(0), adapterType: s.adapter.type };
  const json = JSON.parse([...manifestJsonChunks(s.manifest, s.dag, s.adapter.dialect, meta)].join('')) as Record<string, unknown>;
  return {
    manifest: json,
    semantic: semanticManifestJson(s.manifest, s.adapter.dialect),
    warnings: s.warnings.map((w) => `${w.code} ${w.message}`),
  };
}

async function warmEqualsCold(dir: string): Promise<{ warm: Record<string, unknown>; misses: number }> {
  const warm = await openSession(options(), dir);
  const cold = await openSession(options({ partialParse: false }), dir);
  const snapshot = snapshotOf(warm);
  expect(snapshot).toEqual(snapshotOf(cold));
  return { warm: snapshot, misses: warm.parseCacheStats!.misses };
}

/** Opening a broken project fails the same way warm and cold. */
async function failsAlike(dir: string): Promise<string> {
  const message = (p: Promise<unknown>) => p.then(() => 'parsed', (e: Error) => e.message);
  const warm = await message(openSession(options(), dir));
  expect(await message(openSession(options({ partialParse: false }), dir))).toBe(warm);
  return warm;
}

function edit(dir: string, rel: string, from: string | RegExp, to: string): void {
  const before = fs.readFileSync(path.join(dir, rel), 'utf8');
  const after = before.replace(from, to);
  expect(after, `${rel} should contain ${String(from)}`).not.toBe(before);
  fs.writeFileSync(path.join(dir, rel), after);
}

const section = (snap: Record<string, unknown>, key: string) => (snap.manifest as Record<string, Record<string, Record<string, unknown>>>)[key]!;

describe('partial parsing with a semantic layer', () => {
  it('edits of semantic YAML, the models under it, a time spine and the config trees parse as from scratch', async () => {
    const dir = testdir(FILES);
    await openSession(options(), dir); // primes the cache
    expect((await warmEqualsCold(dir)).misses).toBe(0);

    // A measure renamed and the metric following it; a dimension added.
    edit(dir, 'models/marts/semantic.yml', /order_total/g, 'gross_total');
    edit(dir, 'models/marts/semantic.yml', '      - name: is_big\n', '      - name: is_small\n        type: categorical\n        expr: amount < 1\n      - name: is_big\n');
    const renamed = await warmEqualsCold(dir);
    expect((section(renamed.warm, 'metrics')['metric.shop.revenue']!.type_params as Record<string, { name: string }>).measure.name).toBe('gross_total');

    // A semantic model moved to another model; a metric and a saved query added in a new file.
    edit(dir, 'models/marts/semantic.yml', "model: ref('customers')", "model: ref('orders')");
    fs.writeFileSync(path.join(dir, 'models/marts/more.yml'), 'version: 2\nmetrics:\n  - name: big_revenue\n    label: Big revenue\n    type: simple\n    type_params:\n      measure: gross_total\n    filter: "{{ Dimension(\'order__is_big\') }}"\nsaved_queries:\n  - name: big\n    query_params:\n      metrics: [big_revenue]\n');
    const moved = await warmEqualsCold(dir);
    expect(section(moved.warm, 'child_map')['model.shop.orders']).toEqual(['semantic_model.shop.customers', 'semantic_model.shop.orders']);
    expect(section(moved.warm, 'parent_map')['saved_query.shop.big']).toEqual(['metric.shop.big_revenue']);

    // A model's relation changes in its own SQL: the semantic model's node_relation follows.
    edit(dir, 'models/marts/orders.sql', /^/, "{{ config(alias='fct_orders') }}\n");
    const aliased = await warmEqualsCold(dir);
    expect((section(aliased.warm, 'semantic_models')['semantic_model.shop.orders']!.node_relation as { alias: string }).alias).toBe('fct_orders');

    // The time spine's column and the project's config trees.
    edit(dir, 'models/marts/semantic.yml', 'granularity: day', 'granularity: hour');
    edit(dir, 'dbt_project.yml', 'team: data', 'team: finance');
    const spine = await warmEqualsCold(dir);
    expect(((spine.warm.semantic as { project_configuration: { time_spines: { primary_column: unknown }[] } }).project_configuration.time_spines[0]!.primary_column)).toEqual({ name: 'date_day', time_granularity: 'hour' });
    expect(section(spine.warm, 'semantic_models')['semantic_model.shop.orders']!.config).toEqual({ enabled: true, group: null, meta: { team: 'finance' } });

    // The extra file removed; then a broken reference, which fails warm as cold, and its fix.
    fs.rmSync(path.join(dir, 'models/marts/more.yml'));
    expect(Object.keys(section((await warmEqualsCold(dir)).warm, 'saved_queries'))).toEqual(['saved_query.shop.revenue_by_day']);
    fs.renameSync(path.join(dir, 'models/marts/orders.sql'), path.join(dir, 'models/marts/fct_orders.sql'));
    expect(await failsAlike(dir)).toContain("built on ref('orders'), which was not found");
    edit(dir, 'models/marts/semantic.yml', /ref\('orders'\)/g, "ref('fct_orders')");
    const fixed = await warmEqualsCold(dir);
    expect(section(fixed.warm, 'semantic_models')['semantic_model.shop.orders']!.depends_on).toEqual({ macros: [], nodes: ['model.shop.fct_orders'] });
  });

  it('in a long-lived process (kiln watch): a saved semantic YAML updates the semantic layer', async () => {
    const dir = testdir(FILES);
    const first = await reparseProject({ opts: options(), cwd: dir, changedFiles: new Set(), previous: null });
    edit(dir, 'models/marts/semantic.yml', '  - name: revenue\n    label: Revenue\n', '  - name: revenue\n    label: Sales\n');
    edit(dir, 'models/marts/semantic.yml', '        - orders_count\n      group_by', '      group_by');
    const second = await reparseProject({ opts: options(), cwd: dir, changedFiles: new Set(['models/marts/semantic.yml']), previous: first });
    const cold = await openSession(options({ partialParse: false }), dir);
    expect(snapshotOf(second)).toEqual(snapshotOf(cold));
    expect(second.manifest.semantic!.metrics.get('metric.shop.revenue')!.label).toBe('Sales');
    expect(second.manifest.semantic!.savedQueries.get('saved_query.shop.revenue_by_day')!.dependsOn.nodes).toEqual(['metric.shop.revenue']);
  });
});
