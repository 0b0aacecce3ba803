// state: comparison on the fixture manifest: the "old" manifest is the fixture's own
// manifest.json, then the current project is edited in memory. Also result: and source_status:
// through the selector, with the artifacts read from disk.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { duckdbDialect } from '../../../adapters/duckdb/dialect.js';
import { manifestJson } from '../../../core/artifacts/manifest-json.js';
import { Dag } from '../../../core/graph/dag.js';
import type { Manifest } from '../../../core/nodes.js';
import { resolveSelection } from '../../../core/selection/select.js';
import { readStateManifest } from '../../../core/state/artifacts.js';
import { StateComparison, equivalent } from '../../../core/state/compare.js';
import { wholeFloat } from '../../../core/project/yaml-floats.js';
import { PreviousState } from '../../../core/state/previous-state.js';
import { testdir } from '../../helpers/testdir.js';
import { shopManifest } from './fixture.js';

const META = { invocationId: 'x', generatedAt: new Date(0), adapterType: 'duckdb' };

function withMacro(m: Manifest, name: string, sql: string): Manifest {
  m.macros.set(`macro.shop.${name}`, { uniqueId: `macro.shop.${name}`, name, packageName: 'shop', originalFilePath: `macros/${name}.sql`, path: `${name}.sql`, macroSql: sql, arguments: [], description: '', loc: { file: `macros/${name}.sql` } });
  return m;
}

/** A fixture project with two macros (one calling the other, one reading a var) and vars. */
function project(): Manifest {
  const m = shopManifest();
  withMacro(m, 'cents', '{% macro cents(c) %}{{ c }} / {{ scale() }}{% endmacro %}');
  withMacro(m, 'scale', "{% macro scale() %}{{ var('scale', 100) }}{% endmacro %}");
  m.nodes.get('model.shop.stg_payments')!.rawCode = "select {{ cents('amount') }} as amount from {{ ref('raw_payments') }}";
  m.nodes.get('model.shop.customers')!.rawCode = "select * from x where v > {{ var('threshold') }}";
  for (const n of m.nodes.values()) n.checksum = `sum-${n.name}-${n.rawCode.length}`;
  m.vars = { threshold: 250, scale: 100 };
  return m;
}

function comparison(edit: (m: Manifest) => void, oldManifest = project()): StateComparison {
  const dir = testdir({});
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifestJson(oldManifest, Dag.fromManifest(oldManifest), duckdbDialect, META)));
  const current = project();
  edit(current);
  return new StateComparison(current, readStateManifest(dir, 'prod'));
}

const names = (ids: Iterable<string>) => [...ids].map((id) => id.split('.')[id.startsWith('source.') ? 3 : 2]).sort();

describe('state comparison', () => {
  it('an unchanged project has nothing new or modified', () => {
    const c = comparison(() => undefined);
    expect(names(c.select('modified'))).toEqual([]);
    expect(names(c.select('new'))).toEqual([]);
    expect(c.select('unmodified').size).toBe(c.select('old').size);
  });

  it('body, configs, relation and fqn each count', () => {
    const c = comparison((m) => {
      const orders = m.nodes.get('model.shop.orders')!;
      orders.rawCode += ' -- edited';
      orders.checksum = 'changed';
      m.nodes.get('model.shop.revenue')!.config.tags = ['finance', 'hourly'];
      m.nodes.get('model.shop.weekly')!.config.alias = 'weekly_v2';
      m.nodes.get('model.shop.isolated')!.fqn = ['shop', 'adhoc', 'isolated'];
    });
    expect(names(c.select('modified.body'))).toEqual(['orders']);
    expect(names(c.select('modified.configs'))).toEqual(['revenue', 'weekly']);
    expect(names(c.select('modified.relation'))).toEqual(['weekly']);
    expect(names(c.select('modified'))).toEqual(['isolated', 'orders', 'revenue', 'weekly']);
  });

  it('a resolved schema that differs (prod vs dev) is no change; a configured one is', () => {
    const c = comparison((m) => {
      for (const n of m.nodes.values()) n.schema = 'dev_schema';
      m.nodes.get('model.shop.orders')!.config.schema = 'finance';
    });
    expect(names(c.select('modified.relation'))).toEqual(['orders']);
    expect(names(c.select('modified'))).toEqual(['orders']);
  });

  it('a changed macro reaches callers through other macros; a changed var reaches readers through macros', () => {
    const macro = comparison((m) => {
      m.macros.get('macro.shop.scale')!.macroSql = "{% macro scale() %}{{ var('scale', 1000) }}{% endmacro %}";
    });
    expect(names(macro.select('modified.macros'))).toEqual(['stg_payments']);
    expect(names(macro.select('modified'))).toEqual(['stg_payments']);
    expect(names(macro.select('modified.body'))).toEqual([]);
    const vars = comparison((m) => {
      m.vars = { threshold: 250, scale: 10 };
    });
    expect(names(vars.select('modified.vars'))).toEqual(['stg_payments']);
    const direct = comparison((m) => {
      m.vars = { threshold: 300, scale: 100 };
    });
    expect(names(direct.select('modified'))).toEqual(['customers']);
  });

  it('contracts and persisted descriptions count only when enabled', () => {
    const c = comparison((m) => {
      const customers = m.nodes.get('model.shop.customers')!; // contract enforced in the fixture
      customers.columns = { id: { name: 'id', description: '', data_type: 'bigint', meta: {}, tags: [], data_tests: [] } };
      const orders = m.nodes.get('model.shop.orders')!; // no contract
      orders.columns = { id: { name: 'id', description: 'new words', data_type: 'bigint', meta: {}, tags: [], data_tests: [] } };
      orders.description = 'new words';
    });
    expect(names(c.select('modified.contract'))).toEqual(['customers']);
    expect(names(c.select('modified.persisted_descriptions'))).toEqual([]);
    expect(names(c.select('modified'))).toEqual(['customers']);
    const persisted = comparison((m) => {
      const orders = m.nodes.get('model.shop.orders')!;
      orders.config.persist_docs = { relation: true };
      orders.description = 'new words';
    }, (() => {
      const old = project();
      old.nodes.get('model.shop.orders')!.config.persist_docs = { relation: true };
      return old;
    })());
    expect(names(persisted.select('modified.persisted_descriptions'))).toEqual(['orders']);
  });

  it('new nodes, sources and exposures; changed sources and exposures are modified', () => {
    const c = comparison((m) => {
      const extra = structuredClone(m.nodes.get('model.shop.isolated')!);
      extra.uniqueId = 'model.shop.brand_new';
      extra.name = 'brand_new';
      m.nodes.set(extra.uniqueId, extra);
      m.sources.get('source.shop.shop.orders')!.loadedAtField = 'updated_at';
      m.exposures!.get('exposure.shop.clicks_app')!.dependsOn.nodes.push('model.shop.orders');
    });
    expect(names(c.select('new'))).toEqual(['brand_new']);
    expect(names(c.select('modified'))).toEqual(['brand_new', 'clicks_app', 'orders']);
  });

  it('generic tests compare by config, not by their generated body', () => {
    const c = comparison((m) => {
      const t = m.nodes.get('test.shop.unique_orders_order_id.abc123')!;
      t.rawCode = '{{ test_unique(**_dbt_generic_test_kwargs) }} ';
      m.nodes.get('test.shop.not_null_stg_orders_order_id.abc123')!.config.severity = 'warn';
    });
    expect(names(c.select('modified'))).toEqual(['not_null_stg_orders_order_id']);
  });

  it('defaults written out by another tool (null, {}, []) are no change', () => {
    const old = project();
    for (const n of old.nodes.values()) Object.assign(n.config, { grants: {}, packages: [], docs: { show: true, node_color: null }, incremental_strategy: null });
    const c = comparison((m) => {
      for (const n of m.nodes.values()) Object.assign(n.config, { docs: { show: true } });
    }, old);
    expect(names(c.select('modified'))).toEqual([]);
  });
});

describe('result: and source_status: read the previous artifacts', () => {
  function stateFor(files: Record<string, string>, state: boolean) {
    const root = testdir(files);
    return new PreviousState({ current: shopManifest(), root, stateDir: state ? 'prev' : undefined, targetDir: path.join(root, 'target') });
  }
  const sel = (spec: string, state: PreviousState) => names(resolveSelection(shopManifest(), { select: [spec], indirect: 'empty' }, { root: '/proj', state }).selected);

  it('result:<status> from the target run_results.json (or --state)', () => {
    const results = JSON.stringify({ results: [{ unique_id: 'model.shop.orders', status: 'error' }, { unique_id: 'model.shop.revenue', status: 'skipped' }, { unique_id: 'model.shop.gone', status: 'error' }], args: { which: 'build' } });
    const s = stateFor({ 'target/run_results.json': results }, false);
    expect(sel('result:error', s)).toEqual(['orders']);
    expect(sel('result:skipped', s)).toEqual(['revenue']);
    expect(sel('result:skipped+', s)).toEqual(['assert_revenue_positive', 'revenue', 'weekly', 'weekly_dashboard']);
    const fromState = stateFor({ 'prev/manifest.json': '{"nodes": {}}', 'prev/run_results.json': results.replace('"error"', '"fail"') }, true);
    expect(sel('result:fail', fromState)).toEqual(['orders']);
  });

  it('a seed over dbt\'s size limit carries dbt\'s path checksum: the same path is unmodified, a hashed one before is modified', () => {
    const big = (stamp: string) => (m: Manifest) => void (m.nodes.get('seed.shop.raw_payments')!.checksum = stamp);
    const old = project();
    big('stat:2000000:1:1:1:1')(old);
    const json = manifestJson(old, Dag.fromManifest(old), duckdbDialect, META) as { nodes: Record<string, { checksum: unknown }> };
    expect(json.nodes['seed.shop.raw_payments'].checksum).toEqual({ name: 'path', checksum: 'seeds/raw_payments.csv' });
    expect(json.nodes['model.shop.orders'].checksum).toEqual({ name: 'sha256', checksum: old.nodes.get('model.shop.orders')!.checksum });
    // Rewritten since (another stamp): dbt cannot tell either, and judges it the same.
    expect(names(comparison(big('stat:2000001:2:2:1:1'), old).select('modified'))).toEqual([]);
    // Grown past the limit since a manifest that hashed it: modified, as in dbt.
    expect(names(comparison(big('stat:2000001:2:2:1:1')).select('modified'))).toEqual(['raw_payments']);
    // And back under it: modified again.
    expect(names(comparison(() => undefined, old).select('modified'))).toEqual(['raw_payments']);
  });

  it("compares code as dbt strips files: an old manifest's unstripped code or dbt's byte order mark is no change; a seed by its checksum", () => {
    const old = project();
    const dir = testdir({});
    const json = manifestJson(old, Dag.fromManifest(old), duckdbDialect, META) as { nodes: Record<string, { raw_code: string; checksum: { checksum: string } }> };
    const against = (json: unknown, dir: string, edit: (m: Manifest) => void = () => undefined) => {
      fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(json));
      const current = project();
      edit(current);
      return names(new StateComparison(current, readStateManifest(dir, 'prod')).select('modified'));
    };
    const orders = json.nodes['model.shop.orders']!;
    const code = orders.raw_code;
    // Written by kiln before it stripped (the file as it was), or by dbt with a byte order mark.
    orders.raw_code = `\n${code}\n\n`;
    expect(against(json, dir)).toEqual([]);
    orders.raw_code = `\uFEFF \n${code}`;
    expect(against(json, dir)).toEqual([]);
    // Whitespace around the current file is no change either; inside it is.
    expect(against(json, dir, (m) => void (m.nodes.get('model.shop.orders')!.rawCode = `\n\n${code}\n`))).toEqual([]);
    expect(against(json, dir, (m) => void (m.nodes.get('model.shop.orders')!.rawCode = code.replace(' ', '  ')))).toEqual(['orders']);
    // A seed: its checksum, or the hash of all its bytes an older kiln wrote.
    orders.raw_code = code;
    const seed = json.nodes['seed.shop.raw_payments']!;
    seed.checksum.checksum = 'bytes-sum';
    expect(against(json, dir)).toEqual(['raw_payments']);
    expect(against(json, dir, (m) => void (m.nodes.get('seed.shop.raw_payments')!.fileChecksum = 'bytes-sum'))).toEqual([]);
  });

  it('source_status:fresher compares the current freshness results with the --state ones', () => {
    const at = (h: number) => new Date(Date.UTC(2024, 0, 1, h)).toISOString();
    const prev = { results: [{ unique_id: 'source.shop.shop.orders', status: 'pass', max_loaded_at: at(1) }, { unique_id: 'source.shop.shop.customers', status: 'pass', max_loaded_at: at(5) }] };
    const now = { results: [
      { unique_id: 'source.shop.shop.orders', status: 'pass', max_loaded_at: at(2) },
      { unique_id: 'source.shop.shop.customers', status: 'pass', max_loaded_at: at(5) },
      { unique_id: 'source.shop.events.clicks', status: 'warn', max_loaded_at: at(1) },
    ] };
    const s = stateFor({ 'prev/sources.json': JSON.stringify(prev), 'target/sources.json': JSON.stringify(now) }, true);
    expect(sel('source_status:fresher', s)).toEqual(['clicks', 'orders']);
    expect(sel('source_status:fresher+', s)).toContain('stg_orders');
  });

  it('missing artifacts are errors pointing at the selector', () => {
    const none = stateFor({}, false);
    expect(() => sel('result:error', none)).toThrow(/KLN307|No previous run to read/);
    expect(() => sel('source_status:fresher', none)).toThrow(/needs --state/);
    const noCurrent = stateFor({ 'prev/sources.json': '{"results": []}' }, true);
    try {
      sel('tag:x source_status:fresher', noCurrent);
      throw new Error('no error');
    } catch (e) {
      expect((e as Error).message).toMatch(/target\/sources\.json does not exist.*'source_status:fresher' in --select at column 7/s);
      expect((e as { code?: string }).code).toBe('KLN307');
    }
  });
});

describe('equivalent', () => {
  it('compares whole-number floats of test arguments (Number objects) by value', () => {
    expect(equivalent({ v: wholeFloat(1) }, { v: wholeFloat(1) })).toBe(true);
    expect(equivalent({ v: wholeFloat(1) }, { v: wholeFloat(2) })).toBe(false);
    expect(equivalent({ v: wholeFloat(1) }, { v: 1 })).toBe(false);
    expect(equivalent({ v: 1 }, { v: wholeFloat(1) })).toBe(false);
    expect(equivalent({ v: wholeFloat(1) }, { v: {} })).toBe(false);
  });
});
