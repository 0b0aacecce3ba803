// Several ready nodes' transactions in one round trip (Connection.executeGroup), through `kiln
// run` on a real server: a grouped run builds what a one-thread run builds (relations, statuses,
// target/run), and a failure in the middle of a group fails only that node: the group's earlier
// nodes committed, its later ones run again, its descendants are skipped, other branches build.
import fs from 'node:fs';
import path from 'node:path';
import pgDriver from 'pg';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BatchItem } from '../../../adapters/adapter.js';
import { PgConnection } from '../../../adapters/postgres/connection.js';
import { main } from '../../../core/cli/main.js';
import { ArtifactWriter } from '../../../core/artifacts/write.js';
import { Compiler } from '../../../core/compiler/compile.js';
import { kiln } from '../../helpers/cli.js';
import { adminClient, freshDatabase, pgServer, type FreshDatabase } from '../../helpers/postgres.js';
import { testdir } from '../../helpers/testdir.js';

let db: FreshDatabase;
let client: pg.Client;
beforeAll(async () => {
  db = await freshDatabase('group');
  client = await adminClient(db.database);
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const ROOTS = 24;
const root = (i: number) => `r${String(i).padStart(2, '0')}`;

/**
 * 24 independent roots (ready together: with 3 threads the first group holds the views from r04
 * on, after whichever of r01..r03 its thread took first), every third a table, and a child view
 * on each root.
 */
function models(overrides: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= ROOTS; i++) {
    const table = i % 3 === 0 ? "{{ config(materialized='table') }}\n" : '';
    files[`models/${root(i)}.sql`] = `${table}select ${i} as id, 'root ${i}' as label`;
    files[`models/c${String(i).padStart(2, '0')}.sql`] = `select label, id from {{ ref('${root(i)}') }}`;
  }
  for (const [name, sql] of Object.entries(overrides)) files[`models/${name}.sql`] = sql;
  return files;
}

function project(threads: number, files: Record<string, string>): string {
  const s = pgServer();
  const profile = { host: s.host, port: s.port, user: s.user, ...(s.password ? { password: s.password } : {}), dbname: db.database, schema: 'grp', threads, sslmode: 'disable' };
  const lines = Object.entries(profile).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`);
  return testdir({
    'dbt_project.yml': 'name: p\nprofile: p\nmodels:\n  p:\n    +materialized: view\n',
    'profiles.yml': `p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n${lines.join('\n')}\n`,
    ...files,
  });
}

interface RunResult {
  readonly unique_id: string;
  readonly status: string;
  readonly message: string | null;
  readonly thread_id: string;
  readonly execution_time: number;
  readonly timing: readonly { name: string; started_at: string; completed_at: string }[];
}

function runResults(dir: string): Map<string, RunResult> {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')) as { results: RunResult[] };
  return new Map(json.results.map((r) => [r.unique_id.replace(/^model\.p\./, ''), r]));
}

const statuses = (dir: string): Record<string, string> => Object.fromEntries([...runResults(dir)].map(([k, r]) => [k, r.status]).sort());

/** target/run of every model, by name (absent when the model did not run). */
function ranFiles(dir: string): Record<string, string> {
  const at = path.join(dir, 'target/run/p/models');
  return Object.fromEntries(fs.readdirSync(at).sort().map((f) => [f.replace(/\.sql$/, ''), fs.readFileSync(path.join(at, f), 'utf8')]));
}

/** Every relation of schema grp: name, kind, and its rows as text. */
async function warehouse(): Promise<Record<string, string>> {
  const rels = await client.query(`select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'grp' and c.relkind in ('r', 'v') order by 1`);
  const out: Record<string, string> = {};
  for (const r of rels.rows as { relname: string; relkind: string }[]) {
    const rows = await client.query(`select * from grp."${r.relname}" order by 1`);
    out[r.relname] = `${r.relkind} ${JSON.stringify(rows.rows)}`;
  }
  return out;
}

async function emptySchema(): Promise<void> {
  await client.query('drop schema if exists grp cascade');
}

/**
 * The project with `failing` (a root) given `sql`, run on 1 thread (never grouped) and on 3 from
 * an empty schema each time; both runs fail. The groups sent, and the one holding `failing`.
 */
async function aloneAndGrouped(failing: string, sql: string) {
  const files = models({ [failing]: sql });
  await emptySchema();
  const single = project(1, files);
  const one = await kiln(['run'], single);
  expect(one.code).toBe(1);
  await emptySchema();
  const groups = spyGroups();
  const grouped = project(3, files);
  const three = await kiln(['run'], grouped);
  expect(three.code).toBe(1);
  const failedIn = groups.find((g) => g.includes(failing))!;
  return { single, one, grouped, three, groups, failedIn };
}

/** Records the model names of each executeGroup call's transactions, in order. */
function spyGroups(): string[][] {
  const groups: string[][] = [];
  const original = PgConnection.prototype.executeGroup;
  vi.spyOn(PgConnection.prototype, 'executeGroup').mockImplementation(function (this: PgConnection, txs: readonly (readonly BatchItem[])[]) {
    groups.push(txs.map((tx) => /"grp"\."([^"]+?)(?:__dbt_tmp)?"/.exec(tx.map((i) => (typeof i === 'string' ? i : i.sql)).join('\n'))?.[1] ?? '?'));
    return original.call(this, txs);
  });
  return groups;
}

/** Round trips to the server whose query text matches `pattern`, any session of the run. */
function countQueries(pattern: RegExp): { count: number } {
  const counter = { count: 0 };
  const original = pgDriver.Client.prototype.query as (...a: unknown[]) => unknown;
  vi.spyOn(pgDriver.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const q = args[0] as string | { text?: string };
    if (pattern.test(typeof q === 'string' ? q : (q.text ?? ''))) counter.count++;
    return original.apply(this, args) as never;
  } as never);
  return counter;
}

describe('ready nodes grouped into one round trip', () => {
  it('builds the same relations, statuses and target/run files as one thread, in far fewer round trips', async () => {
    const files = models();
    await emptySchema();
    const single = project(1, files);
    const one = await kiln(['run'], single);
    expect(one.code, one.output).toBe(0);
    const builtAlone = await warehouse();
    expect(Object.keys(builtAlone)).toHaveLength(2 * ROOTS);

    await emptySchema();
    const groups = spyGroups();
    const grouped = project(3, files);
    const three = await kiln(['run'], grouped);
    expect(three.code, three.output).toBe(0);
    // Grouping happened: groups of several views (tables are never grouped: a long build would hold back the rest).
    const sizes = groups.map((g) => g.length);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(5);
    expect(groups.flat().length).toBeGreaterThanOrEqual(ROOTS);
    expect(groups.some((g) => g.includes('r04') && g.includes('r05') && g.includes('r07'))).toBe(true);
    expect(groups.flat().filter((n) => n.startsWith('r') && Number(n.slice(1)) % 3 === 0)).toEqual([]);

    expect(await warehouse()).toEqual(builtAlone);
    expect(statuses(grouped)).toEqual(statuses(single));
    expect(ranFiles(grouped)).toEqual(ranFiles(single));
    // manifest.json names each node's target/run file (build_path) whether grouped or alone.
    const buildPaths = (dir: string) => {
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'target', 'manifest.json'), 'utf8')) as { nodes: Record<string, { name: string; build_path: string | null }> };
      return Object.fromEntries(Object.values(m.nodes).map((n) => [n.name, n.build_path]));
    };
    expect(buildPaths(grouped)).toEqual(buildPaths(single));
    expect(buildPaths(grouped).r05).toBe('target/run/p/models/r05.sql');
    expect(Object.values(buildPaths(grouped)).every((p) => p !== null && fs.existsSync(path.join(grouped, p)))).toBe(true);
    // Each node keeps its own timing, ending when its own commit was answered.
    for (const [name, r] of runResults(grouped)) {
      expect(r.execution_time, name).toBeGreaterThan(0);
      expect(r.timing.map((t) => t.name), name).toEqual(['compile', 'execute']);
      expect(Date.parse(r.timing[1].completed_at), name).toBeGreaterThanOrEqual(Date.parse(r.timing[0].started_at));
    }
    // Console lines stay one per node.
    expect(three.output.match(/OK created sql view model grp\.r05 /g)).toHaveLength(1);
    expect(three.output.match(/START sql view model grp\.r05 /g)).toHaveLength(1);
  });

  it("a grouped view's target/compiled file is written once its group's query is sent (the database works meanwhile)", async () => {
    await emptySchema();
    const events: string[] = [];
    const original = PgConnection.prototype.executeGroup;
    vi.spyOn(PgConnection.prototype, 'executeGroup').mockImplementation(function (this: PgConnection, txs: readonly (readonly BatchItem[])[]) {
      const names = txs.map((tx) => /"grp"\."([^"]+?)(?:__dbt_tmp)?"/.exec(tx.map((i) => (typeof i === 'string' ? i : i.sql)).join('\n'))?.[1] ?? '?');
      const answer = original.call(this, txs);
      events.push(...names.map((n) => `sent ${n}`));
      return answer;
    });
    const compiledOriginal = ArtifactWriter.prototype.writeCompiled;
    vi.spyOn(ArtifactWriter.prototype, 'writeCompiled').mockImplementation(function (this: ArtifactWriter, ...args: Parameters<ArtifactWriter['writeCompiled']>) {
      events.push(`compiled ${args[0].name}`);
      return compiledOriginal.apply(this, args);
    });
    const dir = project(3, models());
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    const grouped = events.filter((e) => e.startsWith('sent ')).map((e) => e.slice(5));
    expect(grouped.length).toBeGreaterThanOrEqual(ROOTS / 2);
    let compiledAfterSend = 0;
    for (const name of grouped) if (events.indexOf(`compiled ${name}`) > events.indexOf(`sent ${name}`)) compiledAfterSend++;
    // (A node run through the general path offers its transaction to the group after its compile: its file comes first.)
    // The views prepared without an await (all but the first few, before the relation cache is filled).
    expect(compiledAfterSend).toBeGreaterThanOrEqual(grouped.length * 0.75);
    // Everything was written all the same.
    expect(Object.keys(ranFiles(dir))).toHaveLength(2 * ROOTS);
    expect(fs.readdirSync(path.join(dir, 'target/compiled/p/models'))).toHaveLength(2 * ROOTS);
  });

  it('a rerun over the built relations groups the views, and rebuilds a refused view and the tables alone', async () => {
    // r05's column changes type: Postgres refuses the replace in place, and it is swapped.
    const dir = project(3, models({ r05: "select 'five'::text as id, 'root 5' as label" }));
    const counter = countQueries(/create or replace view/);
    const res = await kiln(['run'], dir);
    expect(res.code, res.output).toBe(0);
    expect(Object.values(statuses(dir)).every((s) => s === 'success')).toBe(true);
    expect(ranFiles(dir).r05).toMatch(/create view "[^"]+"\."grp"\."r05__dbt_tmp"/);
    expect(ranFiles(dir).r05).not.toMatch(/create or replace/);
    expect((await client.query('select id from grp.r05')).rows).toEqual([{ id: 'five' }]);
    // c05 was built on r05 and still reads it (a view kept across the swap, or built again).
    expect((await client.query('select label from grp.c05')).rows).toEqual([{ label: 'root 5' }]);
    // 40 views replaced in place (one refused, then swapped) in fewer queries than views.
    // (The tables are swapped alone: the views on them are read and kept.)
    expect(counter.count, String(counter.count)).toBeLessThan(30);
  });

  it('a failing model in the middle of a group: its error as alone, the rest of the group built, its descendants skipped', async () => {
    const { single, one, grouped, three, groups, failedIn } = await aloneAndGrouped('r07', 'select 1 as id,\n  no_such_column as label');
    const at = failedIn.indexOf('r07');
    expect(at, JSON.stringify(groups)).toBeGreaterThan(0);
    expect(at, JSON.stringify(groups)).toBeLessThan(failedIn.length - 1);
    // (Postgres ran nothing of that query after the error: the group's later nodes, built, ran again.)
    // ... and started once as far as the log tells.
    // (c07, riding behind r07, is skipped: never told started.)
    for (const name of failedIn.slice(at + 1)) expect(three.output.match(new RegExp(`START sql \\w+ model grp\\.${name} `, 'g'))?.length ?? 0, name).toBe(name === 'c07' ? 0 : 1);

    const results = runResults(grouped);
    expect(results.get('r07')!.status).toBe('error');
    expect(results.get('r07')!.message).toBe(runResults(single).get('r07')!.message);
    expect(results.get('r07')!.message).toMatch(/column "no_such_column" does not exist\nLINE 2:   no_such_column as label\n\s+\^/);
    expect(results.get('c07')!.status).toBe('skipped');
    expect(statuses(grouped)).toEqual(statuses(single));
    // (c07 may ride in r07's group, behind it: the server stops the query at r07, and c07 is skipped.)
    for (const name of failedIn) if (name !== 'r07' && name !== 'c07') expect(results.get(name)!.status, name).toBe('success');
    expect(ranFiles(grouped)).toEqual(ranFiles(single));
    // The error names the model's file and its compiled SQL, as alone.
    const errorLines = (out: string) =>
      out
        .split('\n')
        .filter((l) => /r07/.test(l) && !/START|ERROR creating/.test(l))
        .map((l) => l.replace(/^[\d:]+\s+/, ''));
    expect(errorLines(three.output)).toEqual(errorLines(one.output));
    expect(three.output).toMatch(/models\/r07\.sql/);

    const built = await warehouse();
    expect(Object.keys(built)).toHaveLength(2 * ROOTS - 2);
    expect(built.r07).toBeUndefined();
    expect(built.c08).toBeDefined();
  });

  it('views of text and refs are prepared without an await; a failed one is run again through the general path, once', async () => {
    await emptySchema();
    const compiledAsync: string[] = [];
    const original = Compiler.prototype.compileAsync;
    vi.spyOn(Compiler.prototype, 'compileAsync').mockImplementation(function (this: Compiler, ...args: Parameters<Compiler['compileAsync']>) {
      compiledAsync.push(args[0].name);
      return original.apply(this, args);
    });
    const dir = project(3, models({ r07: 'select 1 as id,\n  no_such_column as label' }));
    const res = await kiln(['run'], dir);
    expect(res.code).toBe(1);
    // The tables (a config() call) and r07, told its group's error, took the general path, and
    // views only while the schema's relations were not listed yet (a thread's first node).
    const tables = Array.from({ length: ROOTS / 3 }, (_, i) => root(3 * (i + 1)));
    for (const t of tables) expect(compiledAsync, t).toContain(t);
    expect(compiledAsync.filter((n) => n === 'r07')).toEqual(['r07']);
    expect(compiledAsync.filter((n) => !tables.includes(n) && n !== 'r07').length, compiledAsync.join(' ')).toBeLessThanOrEqual(3);
    expect(runResults(dir).get('r07')!.message).toMatch(/column "no_such_column" does not exist/);
    expect(statuses(dir).c07).toBe('skipped');
    // Their compiled SQL reached manifest.json as through the general path.
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { compiled_code?: string }> };
    expect(manifest.nodes['model.p.c05'].compiled_code).toBe('select label, id from "' + db.database + '"."grp"."r05"');
  });

  it('a syntax error in the middle of a group (nothing of the group ran): the same error, every other node built', async () => {
    const { single, grouped, groups, failedIn } = await aloneAndGrouped('r08', "select (1 as id, 'x' as label");
    expect(failedIn.indexOf('r08'), JSON.stringify(groups)).toBeGreaterThan(0);
    const results = runResults(grouped);
    expect(results.get('r08')!.message).toBe(runResults(single).get('r08')!.message);
    expect(results.get('r08')!.message).toMatch(/syntax error/);
    expect(statuses(grouped)).toEqual(statuses(single));
    expect(ranFiles(grouped)).toEqual(ranFiles(single));
    expect(Object.keys(await warehouse())).toHaveLength(2 * ROOTS - 2);
  });

  it('--fail-fast: the failed node of a group stops the run; the earlier nodes of its group stay built', async () => {
    await emptySchema();
    const groups = spyGroups();
    const dir = project(3, models({ r07: 'select no_such_column as id' }));
    const res = await kiln(['run', '--fail-fast'], dir);
    expect(res.code).toBe(1);
    const failedIn = groups.find((g) => g.includes('r07'))!;
    const at = failedIn.indexOf('r07');
    const results = runResults(dir);
    expect(results.get('r07')!.status).toBe('error');
    const built = await warehouse();
    for (const name of failedIn.slice(0, at)) {
      expect(results.get(name)!.status, name).toBe('success');
      expect(built[name], name).toBeDefined();
    }
    // The group's later nodes never ran: skipped, as nodes not started.
    for (const name of failedIn.slice(at + 1)) {
      expect(results.get(name)!.status, name).toBe('skipped');
      expect(built[name], name).toBeUndefined();
    }
  });

  it('Ctrl-C during a group: the running node is cancelled and rolled back, the earlier nodes of its group stay, nothing else starts', async () => {
    await emptySchema();
    const groups = spyGroups();
    // r07's view waits for a lock another session holds on what it reads.
    await client.query('create table if not exists public.locked (id int, label text)');
    const holder = await adminClient(db.database);
    await holder.query('begin');
    await holder.query('lock table public.locked in access exclusive mode');
    // Five more generations below each child: more nodes than three groups hold (chains included), so some never start.
    const descendants: Record<string, string> = {};
    for (let i = 1; i <= ROOTS; i++) {
      const n = String(i).padStart(2, '0');
      for (let gen = 1; gen <= 5; gen++) descendants[`g${gen}_${n}`] = `select * from {{ ref('${gen === 1 ? `c${n}` : `g${gen - 1}_${n}`}') }}`;
    }
    const dir = project(3, models({ r07: 'select id, label from public.locked', ...descendants }));
    let interrupt: (() => void) | null = null;
    let output = '';
    const t0 = performance.now();
    const running = main(['run'], {
      stdout: (t) => void (output += t),
      stderr: (t) => void (output += t),
      cwd: dir,
      isTTY: false,
      onInterrupt: (handler) => {
        interrupt = handler;
        return () => undefined;
      },
    });
    // Once the group holding r07 is at the server.
    for (let i = 0; i < 200 && !groups.some((g) => g.includes('r07')); i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 300));
    interrupt!();
    const code = await running;
    await holder.query('rollback');
    await holder.end();
    expect(performance.now() - t0, output).toBeLessThan(20_000);
    expect(code, output).not.toBe(0);
    const failedIn = groups.find((g) => g.includes('r07'))!;
    const at = failedIn.indexOf('r07');
    const results = runResults(dir);
    expect(results.get('r07')!.status).toBe('error');
    expect(results.get('r07')!.message).toMatch(/^Cancelled/);
    const built = await warehouse();
    expect(built.r07).toBeUndefined();
    expect(Object.keys(built).filter((n) => n.includes('__dbt_'))).toEqual([]);
    for (const name of failedIn.slice(0, at)) expect(built[name], name).toBeDefined();
    // Sent with r07 but never run: cancelled as nodes in flight are.
    for (const name of failedIn.slice(at + 1)) expect(results.get(name)!.message, name).toMatch(/^Cancelled/);
    expect([...runResults(dir).values()].filter((r) => r.status === 'skipped').length).toBeGreaterThan(0);
  });
});

describe('a schema the run creates', () => {
  it('is not listed before its first nodes (it holds nothing); an existing one is listed once', async () => {
    await emptySchema();
    const dir = project(3, models());
    // kiln's listing of a schema's relations (the test's own warehouse() reads the catalog too).
    const listings = countQueries(/c\.relname, c\.relkind::text\s+from/);
    const first = await kiln(['run'], dir);
    expect(first.code, first.output).toBe(0);
    expect(listings.count).toBe(0);
    // Rebuilt over what the first run left: the relations are found (listed once) and replaced.
    const again = await kiln(['run'], dir);
    expect(again.code, again.output).toBe(0);
    expect(listings.count).toBe(1);
    expect(Object.keys(await warehouse())).toHaveLength(2 * ROOTS);
  });
});

describe('chains: a view rides in its parent’s round trip', () => {
  /** A chain of `depth` views, each on the one before, beside 3 independent roots (so groups form). */
  const chain = (depth: number, overrides: Record<string, string> = {}): Record<string, string> => {
    const files: Record<string, string> = { 'models/x1.sql': 'select 1 as id', 'models/x2.sql': 'select 2 as id', 'models/x3.sql': 'select 3 as id', 'models/k01.sql': "select 1 as id, 'k' as label" };
    for (let i = 2; i <= depth; i++) files[`models/k${String(i).padStart(2, '0')}.sql`] = `select id + 1 as id, label from {{ ref('k${String(i - 1).padStart(2, '0')}') }}`;
    for (const [name, sql] of Object.entries(overrides)) files[`models/${name}.sql`] = sql;
    return files;
  };

  it('a chain of ten views goes in one round trip, in order, built as one thread builds it', async () => {
    await emptySchema();
    const single = project(1, chain(10));
    expect((await kiln(['run'], single)).code).toBe(0);
    const alone = await warehouse();
    await emptySchema();
    const groups = spyGroups();
    const dir = project(3, chain(10));
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    const withChain = groups.find((g) => g.includes('k01'))!;
    expect(withChain.filter((n) => n.startsWith('k'))).toEqual(['k01', 'k02', 'k03', 'k04', 'k05', 'k06', 'k07', 'k08', 'k09', 'k10']);
    expect(groups.flat().filter((n) => n.startsWith('k'))).toHaveLength(10);
    expect(statuses(dir)).toEqual(statuses(single));
    expect(await warehouse()).toEqual(alone);
  });

  it('a failed view stops its chain there: what follows it in the query is skipped, never built', async () => {
    await emptySchema();
    const groups = spyGroups();
    const dir = project(3, chain(6, { k03: 'select id, no_such_column as label from {{ ref(\'k02\') }}' }));
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(1);
    expect(groups.find((g) => g.includes('k01'))!.filter((n) => n.startsWith('k'))).toEqual(['k01', 'k02', 'k03', 'k04', 'k05', 'k06']);
    const results = runResults(dir);
    expect([1, 2, 3, 4, 5, 6].map((i) => results.get(`k0${i}`)!.status)).toEqual(['success', 'success', 'error', 'skipped', 'skipped', 'skipped']);
    expect(results.get('k03')!.message).toMatch(/no_such_column/);
    // Told started only once their result is in: the skipped ones never were.
    for (const name of ['k04', 'k05', 'k06']) expect(r.output, name).not.toMatch(new RegExp(`START sql view model grp\\.${name} `));
    expect(r.output).toMatch(/START sql view model grp\.k02 /);
    const built = await warehouse();
    expect(Object.keys(built).filter((n) => n.startsWith('k')).sort()).toEqual(['k01', 'k02']);
  });

  it('a view whose template asks the database is left out of its parent’s group, and runs once its parent is built', async () => {
    await emptySchema();
    const groups = spyGroups();
    const asks = "{% set cols = adapter.get_columns_in_relation(ref('k01')) %}select {{ cols | length }} as n, id, label from {{ ref('k01') }}";
    const dir = project(3, chain(3, { k02: asks }));
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    const first = groups.find((g) => g.includes('k01'))!;
    expect(first).not.toContain('k02');
    expect(first).not.toContain('k03');
    expect(await client.query('select n from grp.k02')).toMatchObject({ rows: [{ n: 2 }] });
    expect(runResults(dir).get('k03')!.status).toBe('success');
  });
});
