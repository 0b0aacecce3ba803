// Incremental models over a 10,000,000-row source receiving 1% new or changed rows per run: merge and delete+insert, incremental run time / full-refresh time, on DuckDB and PostgreSQL.
//
//   node --import tsx tests/bench/incremental.bench.ts [--rows 10000000] [--changed 0.01] [--runs 3] [--adapters duckdb,postgres]
//
// The source is generated inside each database (DuckDB `range()`, Postgres `generate_series`).
// Each model selects the rows updated since the newest one it holds; per run, half of the 1% are
// updates of existing ids and half new ids. Times are the node's own execution time from
// run_results.json (kiln start-up, parse and compile excluded; they are the same for both
// kinds of run); the ratio is the median incremental run over the median full refresh. The
// wall ratio is the same over kiln's whole runs, which include closing the database: DuckDB
// checkpoints then, writing what an incremental run left in its write-ahead log. Postgres gets
// its indexes from the `indexes` config: a unique one on the key (for the merge / delete
// lookups) and one on updated_at (for the max() that finds new rows); the source has one on
// updated_at. Prints figures; asserts nothing about speed.
//
// The floor: in the same run, on tables of their own built from the same source, hand-written
// loads of the same model (handWritten: the best statements a DBA would run for each adapter)
// are timed against kiln's full refresh, statements and commit from the client (on DuckDB plus
// an explicit `checkpoint`, their "wall"), and so is their first statement, the model's SELECT
// alone into a temp table. kiln's models and the hand-written loads take turns at going first after each
// source change. Every table is checked against the source after every load.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { main as kilnMain } from '../../core/cli/main.js';
import { obtainServer, type PgServerInfo } from '../setup/postgres.js';
import { printTable, writeResults } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    changed: { type: 'string', default: '0.01' },
    runs: { type: 'string', default: '3' },
    adapters: { type: 'string', default: 'duckdb,postgres' },
  },
});
const ROWS = Number(args.rows);
const CHANGED = Number(args.changed);
const RUNS = Number(args.runs);
const STRATEGIES = ['merge', 'delete+insert'] as const;

/** The same SQL on both databases: the source's columns, new rows only when incremental. */
const model = (strategy: string) => `{{ config(materialized='incremental', incremental_strategy='${strategy}', unique_key='id',
  indexes=([{'columns': ['id'], 'unique': true}, {'columns': ['updated_at']}] if target.type == 'postgres' else [])) }}
select id, customer_id, amount, status, updated_at from {{ source('raw', 'src') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}`;

interface Db {
  readonly name: string;
  /** Runs statements against the source outside kiln (kiln is not running meanwhile). */
  exec(sql: string): Promise<void>;
  /** Runs statements in order on one connection (a temp table lives on); each one's milliseconds. */
  timed(statements: readonly string[]): Promise<number[]>;
  count(table: string): Promise<{ n: number; sum: number }>;
  profile(): string;
  /** Releases the database so kiln can open it (DuckDB's file lock). */
  pause(): Promise<void>;
  close(): Promise<void>;
}

async function duckdb(dir: string): Promise<Db> {
  const file = path.join(dir, 'bench.duckdb');
  let instance: DuckDBInstance | null = null;
  const conn = async () => {
    instance ??= await DuckDBInstance.create(file);
    return instance.connect();
  };
  const run = async (sql: string) => {
    const c = await conn();
    try {
      return await c.runAndReadAll(sql);
    } finally {
      c.closeSync();
    }
  };
  return {
    name: 'duckdb',
    exec: async (sql) => void (await run(sql)),
    timed: async (statements) => {
      const c = await conn();
      try {
        const ms: number[] = [];
        for (const sql of statements) {
          const t0 = performance.now();
          await c.run(sql);
          ms.push(performance.now() - t0);
        }
        return ms;
      } finally {
        c.closeSync();
      }
    },
    count: async (table) => {
      const r = (await run(`select count(*)::bigint, sum(amount)::double from ${table}`)).getRows()[0];
      return { n: Number(r[0]), sum: Number(r[1]) };
    },
    profile: () => 'bench:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: bench.duckdb\n      schema: main\n      threads: 2\n',
    pause: async () => {
      instance?.closeSync();
      instance = null;
    },
    close: async () => {
      instance?.closeSync();
      instance = null;
    },
  };
}

async function postgres(server: PgServerInfo, database: string): Promise<Db> {
  const client = () => new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
  const c = client();
  await c.connect();
  return {
    name: 'postgres',
    exec: async (sql) => void (await c.query(sql)),
    timed: async (statements) => {
      const ms: number[] = [];
      for (const sql of statements) {
        const t0 = performance.now();
        await c.query(sql);
        ms.push(performance.now() - t0);
      }
      return ms;
    },
    count: async (table) => {
      const r = (await c.query(`select count(*)::bigint as n, sum(amount)::float8 as s from ${table}`)).rows[0];
      return { n: Number(r.n), sum: Number(r.s) };
    },
    profile: () =>
      [
        'bench:',
        '  target: dev',
        '  outputs:',
        '    dev:',
        '      type: postgres',
        `      host: ${server.host}`,
        `      port: ${server.port}`,
        `      user: ${server.user}`,
        ...(server.password ? [`      password: ${JSON.stringify(server.password)}`] : []),
        `      dbname: ${database}`,
        '      schema: main',
        '      threads: 2',
        '      sslmode: disable',
        '',
      ].join('\n'),
    pause: async () => undefined,
    close: async () => void (await c.end()),
  };
}

/** The source: ids 1..rows, one row per id, updated_at spread over a year. */
function sourceSql(db: string, rows: number): string[] {
  const gen = db === 'duckdb' ? `range(1, ${rows + 1}) g(i)` : `generate_series(1, ${rows}) g(i)`;
  const ts = db === 'duckdb' ? `timestamp '2024-01-01' + to_seconds(i * 3)` : `timestamp '2024-01-01' + make_interval(secs => i * 3)`;
  return [
    'create schema if not exists raw',
    `create table raw.src as select i::bigint as id, (i % 100000)::integer as customer_id, ((i * 37) % 100000 / 100.0)::numeric(12, 2) as amount,
       case i % 4 when 0 then 'placed' when 1 then 'shipped' when 2 then 'completed' else 'returned' end as status, ${ts} as updated_at from ${gen}`,
    ...(db === 'postgres' ? ['create index on raw.src (updated_at)', 'analyze raw.src'] : []),
  ];
}

/** Run `run`'s change: half updates of existing ids (every 200th, shifted per run), half new ids. */
function changeSql(run: number, rows: number, changed: number): string[] {
  const each = Math.round((rows * changed) / 2);
  const step = Math.max(1, Math.floor(rows / each));
  const later = `timestamp '2025-01-01' + interval '${run} day'`;
  return [
    `update raw.src set amount = amount + 1, status = 'changed', updated_at = ${later} where id % ${step} = ${run % step}`,
    `insert into raw.src select ${rows} + ${(run - 1) * each} + i, i % 100000, 1.00, 'new', ${later} from ${'__GEN__'}`.replace('__GEN__', `__GEN_${each}__`),
  ];
}

async function kiln(dir: string, argv: string[]): Promise<{ seconds: number; wall: number }> {
  let out = '';
  const t0 = performance.now();
  const code = await kilnMain(argv, { stdout: (t) => void (out += t), stderr: (t) => void (out += t), cwd: dir, isTTY: false, onInterrupt: () => () => undefined });
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`kiln ${argv.join(' ')} failed (exit ${code}):\n${out.slice(-4000)}`);
  const results = JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')).results as { execution_time: number }[];
  return { seconds: results.reduce((s, r) => s + r.execution_time, 0), wall };
}

interface Figure {
  adapter: string;
  strategy: string;
  /** `kiln`, or the hand-written SQL measured beside it (see handWritten). */
  by: string;
  /** kiln's full refresh of this strategy's model: the same denominator for kiln and the hand-written SQL. */
  fullRefreshS: number;
  incrementalS: number[];
  ratio: number;
  /** kiln: its whole run (start-up, parse, compile, closing the database: DuckDB checkpoints then). Hand-written on DuckDB: the statements plus an explicit `checkpoint`. */
  fullRefreshWall: number;
  incrementalWall: number[];
  wallRatio: number;
}

/** A hand-written incremental load of the same model: the statements a DBA would run, given the table. */
interface Hand {
  readonly label: string;
  /** The strategy whose result it gives (every column is updated and the key is unique: merge's result equals delete+insert's). */
  readonly strategies: readonly Strategy[];
  readonly sql: (table: string) => string[];
}
type Strategy = (typeof STRATEGIES)[number];

const COLS = 'id, customer_id, amount, status, updated_at';
/** The model's own SELECT, against a given table. */
const newRows = (table: string, max = `(select max(updated_at) from ${table})`) => `select ${COLS} from raw.src where updated_at > ${max}`;
const SET = 'customer_id = s.customer_id, amount = s.amount, status = s.status, updated_at = s.updated_at';
const MERGE_INSERT = `insert (${COLS}) values (s.id, s.customer_id, s.amount, s.status, s.updated_at)`;

/**
 * The best SQL found by hand for each adapter (others measured and dropped are in the README):
 * the floor kiln's statements are compared against, on the same data in the same minutes.
 */
function handWritten(db: string): Hand[] {
  if (db === 'postgres') {
    // A temp table, not the SELECT inline: inline, the planner estimates the new rows from the
    // max() subquery's default selectivity and hash-joins the whole target (7-10 s).
    const temp = (t: string) => `create temp table new_rows on commit drop as ${newRows(t)}`;
    return [
      {
        label: 'temp table + MERGE',
        strategies: ['merge'],
        sql: (t) => ['begin', temp(t), `merge into ${t} d using new_rows s on s.id = d.id when matched then update set ${SET} when not matched then ${MERGE_INSERT}`, 'commit'],
      },
      {
        label: 'temp table + DELETE USING + INSERT',
        strategies: ['delete+insert'],
        sql: (t) => ['begin', temp(t), `delete from ${t} d using new_rows s where s.id = d.id`, `insert into ${t} select ${COLS} from new_rows`, 'commit'],
      },
    ];
  }
  const temp = (t: string) => `create temp table new_rows as ${newRows(t)}`;
  return [
    {
      label: 'temp table + DELETE USING + INSERT',
      strategies: ['merge', 'delete+insert'],
      sql: (t) => ['begin', temp(t), `delete from ${t} d using new_rows s where s.id = d.id`, `insert into ${t} select ${COLS} from new_rows`, 'drop table new_rows', 'commit'],
    },
    {
      label: 'temp table + MERGE INTO',
      strategies: ['merge'],
      sql: (t) => ['begin', temp(t), `merge into ${t} d using new_rows s on s.id = d.id when matched then update set ${SET} when not matched then ${MERGE_INSERT}`, 'drop table new_rows', 'commit'],
    },
  ];
}

async function benchAdapter(db: Db, dir: string): Promise<Figure[]> {
  fs.writeFileSync(path.join(dir, 'profiles.yml'), db.profile());
  fs.writeFileSync(path.join(dir, 'dbt_project.yml'), 'name: bench\nprofile: bench\n');
  fs.mkdirSync(path.join(dir, 'models'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'models/sources.yml'), 'sources:\n  - name: raw\n    schema: raw\n    tables:\n      - name: src\n');
  const names = { merge: 'inc_merge', 'delete+insert': 'inc_delete_insert' } as const;
  for (const s of STRATEGIES) fs.writeFileSync(path.join(dir, `models/${names[s]}.sql`), model(s));
  const gen = (n: number) => (db.name === 'duckdb' ? `range(1, ${n + 1}) g(i)` : `generate_series(1, ${n}) g(i)`);
  const load = () => os.loadavg()[0].toFixed(1);

  let t0 = performance.now();
  for (const sql of sourceSql(db.name, ROWS)) await db.exec(sql);
  console.log(`${db.name}: source of ${ROWS.toLocaleString('en')} rows generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // The hand-written loads' tables, built as a DBA would (Postgres: the same two indexes).
  const hands = handWritten(db.name).map((h, i) => ({ ...h, table: `main.hand_${i + 1}`, ms: [] as number[], walls: [] as number[] }));
  const handFull: number[] = [];
  await db.exec('create schema if not exists main');
  for (const h of hands) {
    const ddl = [`create table ${h.table} as select ${COLS} from raw.src`];
    if (db.name === 'postgres') ddl.push(`create unique index on ${h.table} (id)`, `create index on ${h.table} (updated_at)`);
    else ddl.push('checkpoint');
    handFull.push((await db.timed(ddl)).reduce((a, b) => a + b, 0) / 1000);
  }
  const figures: Figure[] = [];
  await db.pause();
  // First builds, then timed full refreshes (the table exists: build, swap, index), the two
  // models taking turns: a DuckDB file still growing makes whichever goes first look 2x slower.
  // The median of as many as there are incremental runs: one figure on a shared machine varies 2x.
  for (const s of STRATEGIES) await kiln(dir, ['run', '-s', names[s]]);
  const fulls = new Map<string, number[]>(STRATEGIES.map((s) => [s, []]));
  const fullWalls = new Map<string, number[]>(STRATEGIES.map((s) => [s, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const s of STRATEGIES) {
      const full = await kiln(dir, ['run', '-s', names[s], '--full-refresh']);
      fulls.get(s)!.push(full.seconds);
      fullWalls.get(s)!.push(full.wall);
      console.log(`${db.name} ${s}: full refresh ${full.seconds.toFixed(2)} s (kiln wall ${full.wall.toFixed(2)} s; load ${load()})`);
    }
  }
  console.log(`${db.name}: hand-written full refresh (create table as${db.name === 'postgres' ? ' + the two indexes' : ' + checkpoint'}) ${handFull.map((x) => x.toFixed(2)).join(', ')} s`);
  for (const s of STRATEGIES) figures.push({ adapter: db.name, strategy: s, by: 'kiln', fullRefreshS: median(fulls.get(s)!), incrementalS: [], ratio: 0, fullRefreshWall: median(fullWalls.get(s)!), incrementalWall: [], wallRatio: 0 });
  // The model's SELECT alone, written to a temp table (the hand-written loads' first statement):
  // what any strategy pays before it writes to the table.
  const selectOnly: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    t0 = performance.now();
    for (const sql of changeSql(run, ROWS, CHANGED)) {
      const m = /__GEN_(\d+)__/.exec(sql);
      await db.exec(m ? sql.replace(m[0], gen(Number(m[1]))) : sql);
    }
    if (db.name === 'postgres') await db.exec('analyze raw.src');
    const source = await db.count('raw.src');
    const check = async (table: string, what: string) => {
      const got = await db.count(table);
      if (got.n !== source.n || Math.abs(got.sum - source.sum) > 0.01 * source.n) {
        throw new Error(`${db.name} ${what}: table has ${got.n} rows (sum ${got.sum}), source ${source.n} (sum ${source.sum})`);
      }
    };
    await db.pause();
    // The first load after a source change reads it cold: kiln's models and the hand-written
    // loads take turns at going first. (The SELECT cannot be timed on its own after them: each
    // table then holds this run's rows, and it would select none.)
    const jobs: (() => Promise<void>)[] = [
      ...figures.map((f) => async () => {
        const inc = await kiln(dir, ['run', '-s', names[f.strategy as Strategy]]);
        f.incrementalS.push(inc.seconds);
        f.incrementalWall.push(inc.wall);
        await check(`main.${names[f.strategy as Strategy]}`, `kiln ${f.strategy}`);
        await db.pause();
        console.log(`${db.name} kiln ${f.strategy} run ${run} (load ${load()}): ${inc.seconds.toFixed(2)} s (kiln wall ${inc.wall.toFixed(2)} s) for ${Math.round(ROWS * CHANGED).toLocaleString('en')} new/changed rows (source change ${((performance.now() - t0) / 1000).toFixed(1)} s before); rows match the source`);
      }),
      ...hands.map((h) => async () => {
        const statements = h.sql(h.table);
        const ms = await db.timed(statements);
        selectOnly.push(ms[statements.findIndex((x) => x.startsWith('create temp table new_rows'))] / 1000);
        const checkpoint = db.name === 'duckdb' ? (await db.timed(['checkpoint']))[0] : 0;
        const total = ms.reduce((a, b) => a + b, 0);
        h.ms.push(total / 1000);
        h.walls.push((total + checkpoint) / 1000);
        await check(h.table, `hand-written ${h.label}`);
        await db.pause();
        console.log(`${db.name} hand-written ${h.label} run ${run} (load ${load()}): ${(total / 1000).toFixed(2)} s [${ms.map((x) => Math.round(x)).join(' ')} ms]${checkpoint ? `, checkpoint ${Math.round(checkpoint)} ms` : ''}; rows match the source`);
      }),
    ];
    for (let k = 0; k < jobs.length; k++) await jobs[(k + run - 1) % jobs.length]();
  }
  for (const f of figures) {
    f.ratio = median(f.incrementalS) / f.fullRefreshS;
    f.wallRatio = median(f.incrementalWall) / f.fullRefreshWall;
  }
  for (const s of STRATEGIES) {
    const kilnFig = figures.find((f) => f.strategy === s && f.by === 'kiln')!;
    for (const h of hands.filter((x) => x.strategies.includes(s))) {
      figures.push({
        adapter: db.name,
        strategy: s,
        by: `hand: ${h.label}`,
        fullRefreshS: kilnFig.fullRefreshS,
        incrementalS: h.ms,
        ratio: median(h.ms) / kilnFig.fullRefreshS,
        fullRefreshWall: kilnFig.fullRefreshWall,
        incrementalWall: h.walls,
        wallRatio: median(h.walls) / kilnFig.fullRefreshWall,
      });
    }
  }
  // Against the merge model's full refresh (both models' full refreshes build the same table).
  const full = figures.find((f) => f.by === 'kiln')!;
  figures.push({ adapter: db.name, strategy: 'either', by: "the model's SELECT alone", fullRefreshS: full.fullRefreshS, incrementalS: selectOnly, ratio: median(selectOnly) / full.fullRefreshS, fullRefreshWall: full.fullRefreshWall, incrementalWall: [], wallRatio: Number.NaN });
  return figures;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main(): Promise<void> {
  const adapters = String(args.adapters).split(',');
  const figures: Figure[] = [];
  if (adapters.includes('duckdb')) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-inc-duck-'));
    const db = await duckdb(dir);
    try {
      figures.push(...(await benchAdapter(db, dir)));
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  if (adapters.includes('postgres')) {
    const { server, stop } = await obtainServer();
    const database = `kiln_bench_inc_${process.pid}`;
    const admin = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.adminDatabase });
    await admin.connect();
    await admin.query(`create database ${database}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-inc-pg-'));
    const db = await postgres(server, database);
    try {
      figures.push(...(await benchAdapter(db, dir)));
    } finally {
      await db.close();
      await admin.query(`drop database if exists ${database} with (force)`).catch(() => undefined);
      await admin.end();
      fs.rmSync(dir, { recursive: true, force: true });
      await stop();
    }
  }
  printTable(
    `Incremental run / full refresh, ${ROWS.toLocaleString('en')}-row source, ${CHANGED * 100}% new or changed rows per run (medians of ${RUNS} runs each; target <= 0.05)`,
    ['adapter', 'strategy', 'by', 'full refresh s', 'incremental s', 'ratio', 'wall full s', 'wall incremental s', 'wall ratio'],
    figures.map((f) => [f.adapter, f.strategy, f.by, f.fullRefreshS, median(f.incrementalS), f.ratio, f.fullRefreshWall, f.incrementalWall.length ? median(f.incrementalWall) : null, Number.isNaN(f.wallRatio) ? null : f.wallRatio]),
  );
  console.log(`load average during the run: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
  writeResults('incremental', { rows: ROWS, changed: CHANGED, runs: RUNS, figures });
}

await main();
