// Template engine throughput, and what the async render path (templates that query the warehouse) costs.
//
//   node --import tsx tests/bench/template.bench.ts [--models N] [--runs R]
//
// Printed: parse + first render of N distinct 20-line models (the compile of a large project),
// renders of one cached template, and for a macro-heavy model: a synchronous render, the same
// through renderAsync when nothing waits (the synchronous attempt succeeds), a render whose
// macros call an async warehouse function (sync attempt abandoned, async compilation), and
// later renders of it (straight to the async path). The warehouse stand-in resolves at once,
// so the figures are the engine's own overhead, not a database's.
import { TemplateEngine } from '../../core/template/engine.js';
import { asyncBuiltin } from '../../core/template/signals.js';
import { printTable, writeResults } from './lib/report.js';
import { median } from './lib/measure.js';

const args = process.argv.slice(2);
const value = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const MODELS = value('--models', 10_000);
const RUNS = value('--runs', 5);

const model = (i: number) => `{{ config(materialized='table', tags=['a', 'b']) }}
with orders as (
  select * from {{ ref('stg_orders') }}
),
customers as (
  select * from {{ ref('stg_customers_${i}') }}
),
payments as (
  select * from {{ source('raw', 'payments') }}
)
select
  o.order_id,
  o.customer_id,
  c.first_name,
  sum(p.amount) as total
from orders o
join customers c on o.customer_id = c.customer_id
left join payments p on p.order_id = o.order_id
{% if is_incremental() %} where o.updated_at > (select max(updated_at) from {{ this }}) {% endif %}
group by 1, 2, 3
`;
const ctx = {
  ref: (n: string) => `"db"."main"."${n}"`,
  source: (s: string, t: string) => `"db"."${s}"."${t}"`,
  config: () => '',
  is_incremental: () => false,
  this: '"db"."main"."m"',
};

const MACROS = `{% macro cols(rel, except=[]) -%}
  {%- set out = [] -%}
  {%- for c in get_cols(rel) if c not in except -%}{%- do out.append('"' ~ c ~ '"') -%}{%- endfor -%}
  {{- out | join(', ') -}}
{%- endmacro %}
{% macro key(fields) -%}
  md5({% for f in fields %}coalesce(cast({{ f }} as text), '_null_'){{ " || '-' || " if not loop.last }}{% endfor %})
{%- endmacro %}
{% macro pivot(values) -%}
  {%- for v in values -%}sum(case when status = '{{ v }}' then amount else 0 end) as {{ v }}_amount{{ ',' if not loop.last }}
  {% endfor -%}
{%- endmacro %}`;
const heavy = `select {{ cols('orders', except=['amount']) }}, {{ key(['id', 'customer', 'status']) }} as k,
  {{ pivot(statuses()) }}
from orders`;

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const distinct: number[] = [];
  const cached: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const e = new TemplateEngine();
    const sources = Array.from({ length: MODELS }, (_, i) => model(i + r * MODELS));
    distinct.push(time(() => sources.forEach((s, i) => e.render(`models/m${i}.sql`, s, ctx))));
    const one = model(0);
    cached.push(time(() => {
      for (let i = 0; i < 10_000; i++) e.render('models/m.sql', one, ctx);
    }));
  }

  const N = 2_000;
  const syncCols = (rel: string) => ['id', 'customer', 'status', 'amount', rel.length > 99 ? 'x' : 'created_at'];
  const asyncCols = asyncBuiltin(async (rel: string) => syncCols(rel));
  const statuses = () => ['paid', 'open', 'refunded'];
  const rows: [string, number, number][] = [];
  const perRender = async (label: string, make: () => TemplateEngine, run: (e: TemplateEngine, i: number) => unknown) => {
    const samples: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const e = make();
      await run(e, -1); // warm: compile once, as in a run that renders the same macros for many models
      samples.push(await timeAsync(async () => {
        for (let i = 0; i < N; i++) await run(e, i);
      }));
    }
    const ms = median(samples);
    rows.push([label, ms, (ms * 1000) / N]);
  };
  const engineWith = (getCols: unknown) => () => {
    const e = new TemplateEngine();
    e.addMacroFile('macros/m.sql', MACROS, 'proj');
    e.addGlobal('get_cols', getCols);
    e.addGlobal('statuses', statuses);
    return e;
  };
  await perRender('render(): sync macros', engineWith(syncCols), (e) => e.render('models/h.sql', heavy, {}));
  await perRender('renderAsync(): nothing waits (sync attempt succeeds)', engineWith(syncCols), (e) => e.renderAsync('models/h.sql', heavy, {}));
  await perRender('renderAsync(): a macro waits, first render of each template', engineWith(asyncCols), (e, i) => e.renderAsync(`models/h${i}.sql`, `${heavy}\n-- ${i}`, {}));
  await perRender('renderAsync(): a macro waits, template known to wait', engineWith(asyncCols), (e) => e.renderAsync('models/h.sql', heavy, {}));

  printTable(`parse + render (median of ${RUNS})`, ['case', 'ms'], [
    [`${MODELS.toLocaleString('en-US')} distinct 20-line models, parse + first render`, median(distinct)],
    ['10,000 renders of one cached 20-line template', median(cached)],
  ]);
  printTable(`macro-heavy model, ${N.toLocaleString('en-US')} renders (median of ${RUNS})`, ['path', 'ms', 'µs / render'], rows);
  writeResults('template', {
    distinctModels: { models: MODELS, ms: median(distinct) },
    cachedRenders: { renders: 10_000, ms: median(cached) },
    asyncPath: rows.map(([label, ms, us]) => ({ label, renders: N, ms, usPerRender: us })),
  });
}

await main();
