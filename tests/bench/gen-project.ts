// A deterministic generator of synthetic dbt projects for the benchmarks: N models in three
// layers (staging on declared sources; intermediate and marts referencing 1-4 earlier models),
// about a third templated (config(), is_incremental() blocks, for loops, var()), one property
// YAML per folder (descriptions, columns, about three tests per model) and a DuckDB profile.
// The SQL is valid on DuckDB and PostgreSQL once the source tables exist (see sourceDdl), so
// the same project serves compile and run benchmarks. Same seed and options, same bytes.
//
//   node --import tsx tests/bench/gen-project.ts --models N --out DIR [--seed S] [--views-only]
import fs from 'node:fs';
import path from 'node:path';

export interface GenOptions {
  readonly models: number;
  readonly seed?: string;
  /** Every model a view (config() calls stay, naming view): for run benchmarks. */
  readonly viewsOnly?: boolean;
  /** profiles.yml threads (default 4). */
  readonly threads?: number;
}

export interface GeneratedProject {
  /** Relative path → contents, in a stable order. */
  readonly files: ReadonlyMap<string, string>;
  /** Statements that create the raw source tables (empty), for runs. */
  readonly sourceDdl: readonly string[];
  readonly stats: GenStats;
}

export interface GenStats {
  models: number;
  staging: number;
  intermediate: number;
  marts: number;
  sourceTables: number;
  edges: number;
  templated: number;
  configCalls: number;
  incremental: number;
  loops: number;
  vars: number;
  tests: number;
  propertyFiles: number;
}

/** Marks a folder as made by the generator, so it may be replaced. */
export const MARKER = '.kiln-bench-project';

// ---------------------------------------------------------------- randomness

/** A small seeded PRNG (xorshift32 over a string hash): identical sequences on every platform. */
class Rng {
  private s: number;
  constructor(seed: string) {
    let h = 2166136261;
    for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
    this.s = h >>> 0 || 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)];
  }
  /** k distinct items, in list order. */
  sample<T>(list: readonly T[], k: number): T[] {
    const idx = list.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return idx.slice(0, Math.min(k, list.length)).sort((a, b) => a - b).map((i) => list[i]);
  }
}

// ---------------------------------------------------------------- vocabulary

interface Entity {
  readonly name: string;
  readonly fks: readonly string[];
  readonly statuses: readonly string[];
  readonly measures: readonly string[];
}

const ENTITIES: readonly Entity[] = [
  { name: 'order', fks: ['customer', 'store'], statuses: ['placed', 'shipped', 'completed', 'returned'], measures: ['amount', 'tax_amount'] },
  { name: 'customer', fks: ['region'], statuses: ['active', 'churned'], measures: ['credit_limit'] },
  { name: 'product', fks: ['supplier', 'category'], statuses: ['active', 'discontinued'], measures: ['list_price', 'unit_cost'] },
  { name: 'payment', fks: ['order', 'customer'], statuses: ['pending', 'succeeded', 'failed'], measures: ['amount', 'fee_amount'] },
  { name: 'shipment', fks: ['order', 'carrier'], statuses: ['in_transit', 'delivered', 'lost'], measures: ['weight_kg', 'shipping_cost'] },
  { name: 'invoice', fks: ['account', 'subscription'], statuses: ['draft', 'open', 'paid', 'void'], measures: ['amount_due', 'amount_paid'] },
  { name: 'subscription', fks: ['account', 'plan'], statuses: ['trialing', 'active', 'canceled'], measures: ['mrr', 'seats'] },
  { name: 'account', fks: ['owner', 'region'], statuses: ['active', 'suspended'], measures: ['arr'] },
  { name: 'session', fks: ['user', 'campaign'], statuses: [], measures: ['duration_seconds', 'page_views'] },
  { name: 'event', fks: ['session', 'user'], statuses: [], measures: ['event_value'] },
  { name: 'ticket', fks: ['customer', 'agent'], statuses: ['new', 'open', 'solved'], measures: ['reply_count'] },
  { name: 'campaign', fks: ['channel'], statuses: ['draft', 'running', 'ended'], measures: ['budget', 'spend'] },
  { name: 'employee', fks: ['department', 'manager'], statuses: ['active', 'on_leave'], measures: ['salary'] },
  { name: 'inventory', fks: ['product', 'store'], statuses: [], measures: ['on_hand', 'reserved'] },
];

const SYSTEMS = ['shop', 'billing', 'crm', 'web', 'support', 'marketing', 'hr', 'erp'];
const DOMAINS = ['finance', 'marketing', 'product', 'sales', 'operations', 'support', 'growth', 'supply', 'people', 'risk'];
const LAYER_MATERIALIZED = { staging: 'view', intermediate: 'view', marts: 'table' } as const;
const START_DATE = '2020-01-01';

const SHAPE = {
  stagingShare: 0.1,
  intermediateShare: 0.62, // of the non-staging models
  modelsPerFolder: 40,
  tablesPerSystem: 12,
  configShare: 0.12,
  loopShare: 0.18,
  varShare: 0.06,
  maxColumns: 12,
};

const plural = (w: string): string => (/[^aeiou]y$/.test(w) ? `${w.slice(0, -1)}ies` : /(s|x|ch|sh)$/.test(w) ? `${w}es` : `${w}s`);
const numbered = (list: readonly string[], i: number): string => (i < list.length ? list[i] : `${list[i % list.length]}_${Math.floor(i / list.length) + 1}`);

// ---------------------------------------------------------------- plan

type Layer = 'staging' | 'intermediate' | 'marts';
type ColumnKind = 'key' | 'fk' | 'status' | 'measure' | 'count' | 'flag' | 'ts';

interface Column {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Accepted values of a status column. */
  readonly values?: readonly string[];
}

interface Model {
  readonly index: number;
  readonly name: string;
  readonly layer: Layer;
  readonly folder: string;
  /** The entity one row stands for; the key column is `<grain>_id`. */
  readonly grain: string;
  readonly columns: Column[];
  readonly parents: number[];
  readonly sql: string;
  readonly description: string;
  readonly features: Features;
}

interface SourceTable {
  readonly system: string;
  readonly table: string;
  readonly entity: Entity;
}

const keyOf = (grain: string): string => `${grain}_id`;

export function generateProject(opts: GenOptions): GeneratedProject {
  const n = opts.models;
  if (!Number.isInteger(n) || n < 1) throw new Error('models must be a positive integer');
  const rng = new Rng(opts.seed ?? '42');
  const nStg = Math.max(1, Math.round(n * SHAPE.stagingShare));
  const nInt = n === 1 ? 0 : Math.round((n - nStg) * SHAPE.intermediateShare);
  const layerOf = (i: number): Layer => (i < nStg ? 'staging' : i < nStg + nInt ? 'intermediate' : 'marts');
  const pad = (i: number) => String(i).padStart(5, '0');

  // Source tables: staging model i reads one table of system i % systems.
  const nSystems = Math.max(1, Math.ceil(nStg / SHAPE.tablesPerSystem));
  const sources: SourceTable[] = [];
  for (let i = 0; i < nStg; i++) {
    const system = numbered(SYSTEMS, i % nSystems);
    const entity = ENTITIES[(i * 7 + Math.floor(i / nSystems)) % ENTITIES.length];
    sources.push({ system, table: `${plural(entity.name)}_${pad(i)}`, entity });
  }
  const folders = (count: number) => Array.from({ length: Math.max(1, Math.round(count / SHAPE.modelsPerFolder)) }, (_, j) => numbered(DOMAINS, j));
  const folderList = { staging: Array.from({ length: nSystems }, (_, j) => numbered(SYSTEMS, j)), intermediate: folders(nInt), marts: folders(n - nStg - nInt) };

  const models: Model[] = [];
  for (let i = 0; i < n; i++) {
    const layer = layerOf(i);
    // Features are drawn in a fixed order for every model, so the DAG never depends on the options.
    const config = rng.chance(SHAPE.configShare);
    const override = rng.pick(['incremental', 'incremental', 'table', 'view'] as const);
    const loop = rng.chance(SHAPE.loopShare);
    const useVar = rng.chance(SHAPE.varShare);
    const materialized = opts.viewsOnly ? 'view' : config ? override : LAYER_MATERIALIZED[layer];
    const features: Features = { config, materialized, incremental: materialized === 'incremental', loop, var: useVar };
    const m =
      layer === 'staging'
        ? stagingModel(i, sources[i], features)
        : derivedModel(i, layer, pickParents(i, layer, rng), models, features, rng, rng.pick(folderList[layer]));
    models.push(m);
  }

  function pickParents(i: number, layer: Layer, r: Rng): number[] {
    const count = r.pick([1, 1, 1, 2, 2, 2, 2, 3, 3, 4]);
    // Intermediate models read staging and earlier intermediate models; marts read anything earlier.
    const lo = layer === 'intermediate' ? 0 : nStg;
    const out = new Set<number>();
    for (let tries = 0; out.size < count && tries < 20; tries++) {
      const fromStaging = layer === 'intermediate' ? r.chance(0.45) : r.chance(0.1);
      const p = fromStaging || i <= lo ? r.int(0, nStg - 1) : r.int(lo, i - 1);
      out.add(p);
    }
    return [...out];
  }

  return render(models, sources, opts, { nStg, nInt, nSystems, folderList });
}

interface Features {
  readonly config: boolean;
  readonly materialized: string;
  readonly incremental: boolean;
  readonly loop: boolean;
  readonly var: boolean;
}

/** `{{ config(...) }}` for a model whose features ask for one. */
function configCall(f: Features, key: string, tag: string | null): string {
  if (!f.config) return '';
  const args = [`materialized='${f.materialized}'`];
  if (f.incremental) args.push(`unique_key='${key}'`);
  if (tag) args.push(`tags=['${tag}']`);
  return `{{ config(${args.join(', ')}) }}\n\n`;
}

/** The where clause: the var() lower bound and/or the incremental filter. */
function filters(f: Features, col: string): string[] {
  const out: string[] = [];
  if (f.var) out.push(`where ${col} >= '{{ var("start_date") }}'`);
  if (f.incremental) {
    out.push('{% if is_incremental() %}', `${f.var ? 'and' : 'where'} ${col} > (select max(updated_at) from {{ this }})`, '{% endif %}');
  }
  return out;
}

const WINDOWS = [7, 30, 90];

function windowLoop(alias: string, columns: Column[]): string[] {
  for (const d of WINDOWS) columns.push({ name: `is_updated_last_${d}d`, kind: 'flag' });
  return [
    `    {%- for days in [${WINDOWS.join(', ')}] %}`,
    `    case when ${alias}.updated_at >= current_date - interval '{{ days }} days' then 1 else 0 end as is_updated_last_{{ days }}d,`,
    '    {%- endfor %}',
  ];
}

function stagingModel(i: number, src: SourceTable, f: Features): Model {
  const e = src.entity;
  const key = keyOf(e.name);
  const columns: Column[] = [{ name: key, kind: 'key' }];
  const select = [`        id as ${key},`];
  for (const fk of e.fks) {
    columns.push({ name: keyOf(fk), kind: 'fk' });
    select.push(`        ${keyOf(fk)},`);
  }
  if (e.statuses.length) {
    columns.push({ name: 'status', kind: 'status', values: e.statuses });
    select.push('        lower(status) as status,');
  }
  for (const m of e.measures) {
    columns.push({ name: m, kind: 'measure' });
    select.push(`        cast(${m} as numeric(18, 2)) as ${m},`);
  }
  const loop = f.loop ? windowLoop('source', columns).map((l) => `    ${l}`) : [];
  columns.push({ name: 'updated_at', kind: 'ts' });
  const sql = [
    configCall(f, key, null) +
      `with source as (\n\n    select * from {{ source('${src.system}', '${src.table}') }}\n\n),\n\nrenamed as (\n`,
    '    select',
    ...select,
    ...loop,
    '        source.updated_at',
    '    from source',
    ...filters(f, 'source.updated_at').map((l) => `    ${l}`),
    '\n)\n\nselect * from renamed',
  ].join('\n');
  return {
    index: i,
    name: `stg_${src.system}__${src.table}`,
    layer: 'staging',
    folder: src.system,
    grain: e.name,
    columns,
    parents: [],
    sql: `${sql}\n`,
    description: `${plural(e.name)} from the ${src.system} system, renamed and typed; one row per ${e.name}.`,
    features: f,
  };
}

function derivedModel(i: number, layer: Layer, parentIdx: number[], models: Model[], f: Features, rng: Rng, folder: string): Model {
  const parents = parentIdx.map((p) => models[p]);
  const first = parents[0];
  const ctes = parents.map((p) => `${p.name} as (\n\n    select * from {{ ref('${p.name}') }}\n\n)`).join(',\n\n');
  const a = first.name;
  const columns: Column[] = [];
  const select: string[] = [];
  const taken = new Set<string>();
  const add = (expr: string, col: Column) => {
    let name = col.name;
    for (let k = 2; taken.has(name); k++) name = `${col.name}_${k}`;
    taken.add(name);
    columns.push({ ...col, name });
    select.push(name === col.name && expr.endsWith(`.${name}`) ? `    ${expr},` : `    ${expr} as ${name},`);
  };
  let grain: string;
  let tail: string[];
  let description: string;
  if (parents.length === 1) {
    // One parent: aggregate it to a coarser grain (one of its foreign keys) when it has one.
    const fks = first.columns.filter((c) => c.kind === 'fk');
    const by = fks.length ? rng.pick(fks).name : keyOf(first.grain);
    grain = by.replace(/_id$/, '');
    add(`${a}.${by}`, { name: by, kind: 'key' });
    add('count(*)', { name: `${first.grain}_count`, kind: 'count' });
    for (const c of rng.sample(first.columns.filter((x) => x.kind === 'measure' || x.kind === 'count'), 3)) {
      add(`sum(${a}.${c.name})`, { name: `total_${c.name.replace(/^total_/, '')}`, kind: 'measure' });
    }
    const status = first.columns.find((c) => c.kind === 'status');
    const loops: string[] = [];
    if (f.loop && status?.values) {
      const vals = status.values.map((v) => `'${v}'`).join(', ');
      loops.push(`    {%- for value in [${vals}] %}`, `    sum(case when ${a}.status = '{{ value }}' then 1 else 0 end) as {{ value }}_count,`, '    {%- endfor %}');
      for (const v of status.values) {
        taken.add(`${v}_count`);
        columns.push({ name: `${v}_count`, kind: 'count' });
      }
    } else if (f.loop) {
      for (const d of WINDOWS) columns.push({ name: `is_updated_last_${d}d`, kind: 'flag' });
      loops.push(
        `    {%- for days in [${WINDOWS.join(', ')}] %}`,
        `    max(case when ${a}.updated_at >= current_date - interval '{{ days }} days' then 1 else 0 end) as is_updated_last_{{ days }}d,`,
        '    {%- endfor %}',
      );
    }
    select.push(...loops);
    select.push(`    max(${a}.updated_at) as updated_at`);
    tail = [`from ${a}`, ...filters(f, `${a}.updated_at`), `group by ${a}.${by}`];
    description = `${plural(first.grain)} from ${first.name}, aggregated per ${grain}.`;
  } else {
    // Several parents: the first sets the grain; the others are joined on a shared key.
    grain = first.grain;
    const key = keyOf(first.grain);
    add(`${a}.${key}`, { name: key, kind: 'key' });
    for (const c of first.columns) {
      if (c.kind === 'key' || c.kind === 'ts' || columns.length >= SHAPE.maxColumns - 4) continue;
      if (c.kind === 'status' || rng.chance(0.6)) add(`${a}.${c.name}`, c.kind === 'status' ? c : { name: c.name, kind: c.kind });
    }
    const joins: string[] = [];
    for (const p of parents.slice(1)) {
      const pk = keyOf(p.grain);
      const has = (m: Model, col: string) => m.columns.some((c) => c.name === col);
      const on = has(first, pk) ? `${a}.${pk} = ${p.name}.${pk}` : has(p, key) ? `${a}.${key} = ${p.name}.${key}` : `${a}.${key} = ${p.name}.${pk}`;
      joins.push(`${rng.chance(0.8) ? 'left' : 'inner'} join ${p.name}`, `    on ${on}`);
      for (const c of rng.sample(p.columns.filter((x) => x.kind === 'measure' || x.kind === 'count' || x.kind === 'flag'), 2)) {
        const name = taken.has(c.name) ? `${p.grain}_${c.name}` : c.name;
        add(`${p.name}.${c.name}`, { name, kind: c.kind });
      }
    }
    if (f.loop) select.push(...windowLoop(a, columns));
    select.push(`    ${a}.updated_at`);
    tail = [`from ${a}`, ...joins, ...filters(f, `${a}.updated_at`)];
    description = `${plural(first.grain)} from ${first.name}, enriched with ${parents.slice(1).map((p) => p.name).join(', ')}.`;
  }
  columns.push({ name: 'updated_at', kind: 'ts' });
  const name = `${layer === 'marts' ? 'fct' : 'int'}_${plural(grain)}_${String(i).padStart(5, '0')}`;
  const sql = [configCall(f, keyOf(grain), layer === 'marts' ? 'daily' : null) + `with ${ctes}\n`, 'select', ...select, ...tail].join('\n');
  return { index: i, name, layer, folder, grain, columns, parents: parentIdx, sql: `${sql}\n`, description, features: f };
}

// ---------------------------------------------------------------- files

const q = (s: string): string => JSON.stringify(s); // a JSON string is a valid YAML scalar

function columnDescription(c: Column, m: Model): string {
  switch (c.kind) {
    case 'key':
      return `Primary key: one row per ${m.grain}.`;
    case 'fk':
      return `The ${c.name.replace(/_id$/, '')} this row belongs to.`;
    case 'status':
      return `Current status: ${(c.values ?? []).join(', ')}.`;
    case 'ts':
      return 'When the row last changed.';
    case 'count':
      return `Number of ${c.name.replace(/_count$/, '').replace(/_/g, ' ')} rows.`;
    case 'flag':
      return `1 when ${c.name.replace(/^is_/, '').replace(/_/g, ' ')}, else 0.`;
    default:
      return `${c.name.replace(/_/g, ' ')}.`;
  }
}

function propertyYaml(models: readonly Model[]): [string, number] {
  let tests = 0;
  const lines = ['version: 2', '', 'models:'];
  for (const m of models) {
    lines.push(`  - name: ${m.name}`, `    description: ${q(m.description)}`, '    columns:');
    const status = m.columns.find((c) => c.kind === 'status' && c.values);
    for (const c of m.columns) {
      lines.push(`      - name: ${c.name}`, `        description: ${q(columnDescription(c, m))}`);
      const t: string[] = [];
      if (c.kind === 'key') t.push('          - unique', '          - not_null');
      if (c === status) t.push('          - accepted_values:', `              values: [${c.values!.map((v) => `'${v}'`).join(', ')}]`);
      if (c.kind === 'ts' && !status) t.push('          - not_null');
      if (t.length) {
        lines.push('        data_tests:', ...t);
        tests += t.filter((l) => l.startsWith('          - ')).length;
      }
    }
  }
  return [`${lines.join('\n')}\n`, tests];
}

function render(
  models: Model[],
  sources: SourceTable[],
  opts: GenOptions,
  shape: { nStg: number; nInt: number; nSystems: number; folderList: Record<Layer, string[]> },
): GeneratedProject {
  const files = new Map<string, string>();
  files.set(
    'dbt_project.yml',
    [
      'name: bench',
      'version: "1.0.0"',
      'config-version: 2',
      'profile: bench',
      '',
      'model-paths: ["models"]',
      'target-path: target',
      'clean-targets: [target]',
      '',
      'vars:',
      `  start_date: ${q(START_DATE)}`,
      '',
      'models:',
      '  bench:',
      ...(['staging', 'intermediate', 'marts'] as const).flatMap((l) => [
        `    ${l}:`,
        `      +materialized: ${opts.viewsOnly ? 'view' : LAYER_MATERIALIZED[l]}`,
        `      +schema: ${l}`,
        `      +tags: [${l}]`,
      ]),
      '',
    ].join('\n'),
  );
  files.set(
    'profiles.yml',
    ['bench:', '  target: dev', '  outputs:', '    dev:', '      type: duckdb', '      path: bench.duckdb', '      schema: main', `      threads: ${opts.threads ?? 4}`, ''].join('\n'),
  );

  const bySystem = new Map<string, SourceTable[]>();
  for (const s of sources) {
    const list = bySystem.get(s.system) ?? [];
    list.push(s);
    bySystem.set(s.system, list);
  }
  const srcLines = ['version: 2', '', 'sources:'];
  for (const [system, tables] of bySystem) {
    srcLines.push(`  - name: ${system}`, `    schema: raw_${system}`, `    description: ${q(`Raw tables loaded from ${system}.`)}`, '    loaded_at_field: _loaded_at', '    tables:');
    for (const t of tables) srcLines.push(`      - name: ${t.table}`, `        description: ${q(`Raw ${plural(t.entity.name)} as loaded from ${system}.`)}`);
  }
  files.set('models/staging/_sources.yml', `${srcLines.join('\n')}\n`);

  const byFolder = new Map<string, Model[]>();
  for (const m of models) {
    const dir = `models/${m.layer}/${m.folder}`;
    const list = byFolder.get(dir) ?? [];
    list.push(m);
    byFolder.set(dir, list);
    files.set(`${dir}/${m.name}.sql`, m.sql);
  }
  let tests = 0;
  for (const [dir, ms] of byFolder) {
    const [text, count] = propertyYaml(ms);
    tests += count;
    files.set(`${dir}/_${path.posix.basename(dir)}__models.yml`, text);
  }
  files.set(MARKER, `${JSON.stringify({ models: opts.models, seed: opts.seed ?? '42', viewsOnly: !!opts.viewsOnly })}\n`);

  const sourceDdl: string[] = [];
  for (const system of bySystem.keys()) sourceDdl.push(`create schema if not exists raw_${system}`);
  for (const s of sources) {
    const cols = ['id bigint', ...s.entity.fks.map((fk) => `${keyOf(fk)} bigint`)];
    if (s.entity.statuses.length) cols.push('status varchar(32)');
    for (const m of s.entity.measures) cols.push(`${m} numeric(18, 2)`);
    cols.push('updated_at timestamp', '_loaded_at timestamp');
    sourceDdl.push(`create table if not exists raw_${s.system}.${s.table} (${cols.join(', ')})`);
  }

  const count = (p: (m: Model) => boolean) => models.filter(p).length;
  const stats: GenStats = {
    models: models.length,
    staging: shape.nStg,
    intermediate: shape.nInt,
    marts: models.length - shape.nStg - shape.nInt,
    sourceTables: sources.length,
    edges: models.reduce((s, m) => s + m.parents.length + (m.layer === 'staging' ? 1 : 0), 0),
    templated: count((m) => m.features.config || m.features.incremental || m.features.loop || m.features.var),
    configCalls: count((m) => m.features.config),
    incremental: count((m) => m.features.incremental),
    loops: count((m) => m.features.loop),
    vars: count((m) => m.features.var),
    tests,
    propertyFiles: byFolder.size + 1,
  };
  return { files, sourceDdl, stats };
}

/** Writes a generated project into `dir` (replacing a previous generated project there). */
export function writeProject(dir: string, project: GeneratedProject): void {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    if (!fs.existsSync(path.join(dir, MARKER))) throw new Error(`${dir} is not empty and was not made by the generator; refusing to replace it`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const made = new Set<string>();
  for (const [rel, text] of project.files) {
    const full = path.join(dir, rel);
    const parent = path.dirname(full);
    if (!made.has(parent)) {
      fs.mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    fs.writeFileSync(full, text);
  }
}

function cli(argv: string[]): void {
  let models = 0;
  let out = '';
  let seed = '42';
  let viewsOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--models') models = Number(argv[++i]);
    else if (a === '--out') out = argv[++i];
    else if (a === '--seed') seed = argv[++i];
    else if (a === '--views-only') viewsOnly = true;
    else {
      process.stderr.write(`gen-project: unknown argument '${a}'\nusage: gen-project.ts --models N --out DIR [--seed S] [--views-only]\n`);
      process.exit(2);
    }
  }
  if (!out || !(models >= 1)) {
    process.stderr.write('usage: gen-project.ts --models N --out DIR [--seed S] [--views-only]\n');
    process.exit(2);
  }
  const project = generateProject({ models, seed, viewsOnly });
  writeProject(out, project);
  process.stdout.write(`${JSON.stringify(project.stats)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) cli(process.argv.slice(2));
