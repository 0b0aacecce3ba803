// Benchmark: a 1,000,000-row, 10-column CSV into PostgreSQL. `kiln seed` (a whole process:
// start-up, type inference over the file, create table, COPY FROM STDIN, atomic swap; and again
// in-process, without start-up; both with kiln's memory of earlier reads of the file removed, and
// a re-seed of the unchanged file in-process, which skips the reading) against `psql -c "\copy ..."` of the same file into an empty
// table of the same column types, alternately in one invocation. Prints figures; asserts
// nothing about speed.
//
//   node --import tsx tests/bench/postgres-seed.bench.ts [--rows 1000000] [--rounds 3] [--baseline DIR]
//
// Also a re-seed as a process. --baseline DIR: another kiln checkout (built) timed as a process
// too in each round, first read and re-seed, for before/after figures taken in one run.
//
// The server: KILN_TEST_POSTGRES_URL, else a throwaway cluster (tests/setup/postgres.ts); psql
// must be on PATH.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { main as kilnMain } from '../../core/cli/main.js';
import { postgresProfileYml } from './lib/postgres-profile.js';
import { obtainServer, type PgServerInfo } from '../setup/postgres.js';
import { assertOk, timeProcess } from './lib/measure.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCHEMA = 'bench';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '3' }, baseline: { type: 'string' } } });
const BASELINE = args.baseline ? path.resolve(args.baseline) : null;
const ROWS = Number(args.rows);
const ROUNDS = Number(args.rounds);

/** Ten columns of every seed type: integers, a bigint, decimals, booleans, dates, timestamps, text (some quoted). */
async function writeCsv(file: string, rows: number): Promise<number> {
  const out = fs.createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write('id,customer_id,big_id,amount,rate,is_active,order_date,created_at,status,note\n');
  const statuses = ['placed', 'shipped', 'completed', 'returned', 'return_pending'];
  let chunk = '';
  for (let i = 1; i <= rows; i++) {
    const day = new Date(Date.UTC(2020, 0, 1) + (i % 1500) * 86_400_000).toISOString().slice(0, 10);
    const note = i % 7 === 0 ? `"says ""hi"", row ${i}"` : i % 11 === 0 ? '' : `note ${i % 997}`;
    chunk += `${i},${i % 5000},${4_000_000_000 + i},${((i * 37) % 100_000) / 100},${(i % 1000) / 7},${i % 3 === 0 ? 'true' : 'false'},${day},${day} ${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00,${statuses[i % 5]},${note}\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return fs.statSync(file).size;
}

function writeProject(dir: string, s: PgServerInfo, database: string): void {
  fs.mkdirSync(path.join(dir, 'seeds'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'dbt_project.yml'), 'name: bench\nprofile: bench\n');
  fs.writeFileSync(
    path.join(dir, 'profiles.yml'),
    postgresProfileYml(s, database, SCHEMA, 4),
  );
}

/** Runs a command to completion: its wall time, and its CPU time (user + system) where GNU time is installed. */
function timed(cmd: string, argv: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): { ms: number; cpuMs: number | null } {
  const r = timeProcess(cmd, argv, opts);
  assertOk(r, `${cmd} ${argv.join(' ')}`);
  return { ms: r.wallMs, cpuMs: r.cpuMs };
}

/** `kiln seed` through main() in this process (modules already loaded after the first call). */
async function kilnInProcess(dir: string): Promise<{ ms: number; cpuMs: number }> {
  let output = '';
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const code = await kilnMain(['seed'], { stdout: (t) => void (output += t), stderr: (t) => void (output += t), cwd: dir, isTTY: false, onInterrupt: () => () => undefined });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  if (code !== 0) throw new Error(`kiln seed (in-process) failed (exit ${code}):\n${output.slice(-3000)}`);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const cpu = (ms: number | null) => (ms === null ? 'n/a' : secs(ms));

async function main(): Promise<void> {
  const psqlCheck = spawnSync('psql', ['--version'], { encoding: 'utf8' });
  if (psqlCheck.status !== 0) throw new Error('psql is not on PATH (apt-get install -y postgresql-client)');
  const { server, stop } = await obtainServer();
  const database = `kiln_bench_seed_${process.pid}`;
  const admin = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.adminDatabase });
  await admin.connect();
  await admin.query(`create database ${database}`);
  const db = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-seed-'));
  try {
    await db.connect();
    writeProject(dir, server, database);
    const csv = path.join(dir, 'seeds', 'orders.csv');
    const bytes = await writeCsv(csv, ROWS);
    const version = (await admin.query('show server_version')).rows[0].server_version as string;
    console.log(`PostgreSQL ${version} (${server.source}); ${ROWS.toLocaleString('en')} rows x 10 columns, ${(bytes / 1e6).toFixed(0)} MB; ${ROUNDS} rounds; ${psqlCheck.stdout.trim()}`);
    const psqlEnv = { PGHOST: server.host, PGPORT: String(server.port), PGUSER: server.user, PGDATABASE: database, ...(server.password ? { PGPASSWORD: server.password } : {}) };
    const kiln: { ms: number; cpuMs: number | null }[] = [];
    const inProcess: { ms: number; cpuMs: number }[] = [];
    const warm: { ms: number; cpuMs: number }[] = [];
    const warmProcess: { ms: number; cpuMs: number | null }[] = [];
    const base: { ms: number; cpuMs: number | null }[] = [];
    const baseWarm: { ms: number; cpuMs: number | null }[] = [];
    // kiln remembers what reading a seed found (target/seed-inference.json): the cold figures
    // forget it first, the warm one is a re-seed of the unchanged file.
    const forget = () => fs.rmSync(path.join(dir, 'target', 'seed-inference.json'), { force: true });
    const psql: { ms: number; cpuMs: number | null }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      await db.query(`drop schema if exists ${SCHEMA} cascade`);
      forget();
      kiln.push(timed(process.execPath, [path.join(repoRoot, 'bin/kiln.js'), 'seed'], { cwd: dir }));
      // The same column types kiln inferred, into an empty table for psql.
      const cols = await db.query(
        `select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) as type
           from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relname = 'orders' and a.attnum > 0 and not a.attisdropped order by a.attnum`,
        [SCHEMA],
      );
      const loaded = Number((await db.query(`select count(*) as n from ${SCHEMA}.orders`)).rows[0].n);
      if (loaded !== ROWS) throw new Error(`kiln seed loaded ${loaded} rows, not ${ROWS}`);
      if (round === 1) console.log(`column types: ${cols.rows.map((r) => `${r.attname} ${r.type}`).join(', ')}`);
      // Re-seed as a process, from what the process above remembered (a run through the
      // sources, as in-process below, keys its memory by other code and does not share it).
      await db.query(`drop schema ${SCHEMA} cascade`);
      warmProcess.push(timed(process.execPath, [path.join(repoRoot, 'bin/kiln.js'), 'seed'], { cwd: dir }));
      await db.query(`drop table ${SCHEMA}.orders`);
      await db.query(`create table ${SCHEMA}.orders_psql (${cols.rows.map((r) => `"${r.attname}" ${r.type}`).join(', ')})`);
      psql.push(timed('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy ${SCHEMA}.orders_psql from '${csv}' with (format csv, header true)`], { cwd: dir, env: psqlEnv }));
      const copied = Number((await db.query(`select count(*) as n from ${SCHEMA}.orders_psql`)).rows[0].n);
      if (copied !== ROWS) throw new Error(`psql loaded ${copied} rows, not ${ROWS}`);
      await db.query(`drop schema ${SCHEMA} cascade`);
      forget();
      inProcess.push(await kilnInProcess(dir));
      await db.query(`drop schema ${SCHEMA} cascade`);
      warm.push(await kilnInProcess(dir));
      if (BASELINE) {
        await db.query(`drop schema ${SCHEMA} cascade`);
        forget();
        base.push(timed(process.execPath, [path.join(BASELINE, 'bin/kiln.js'), 'seed'], { cwd: dir }));
        await db.query(`drop schema ${SCHEMA} cascade`);
        baseWarm.push(timed(process.execPath, [path.join(BASELINE, 'bin/kiln.js'), 'seed'], { cwd: dir }));
      }
      const [k, ki, kw, kwp, p] = [kiln[round - 1], inProcess[round - 1], warm[round - 1], warmProcess[round - 1], psql[round - 1]];
      console.log(
        `round ${round}: kiln seed process ${secs(k.ms)} (client CPU ${cpu(k.cpuMs)}), in-process ${secs(ki.ms)} (CPU ${cpu(ki.cpuMs)}), in-process re-seed ${secs(kw.ms)} (CPU ${cpu(kw.cpuMs)}), process re-seed ${secs(kwp.ms)} (CPU ${cpu(kwp.cpuMs)}); psql \\copy ${secs(p.ms)} (client CPU ${cpu(p.cpuMs)})` +
          (BASELINE ? `; baseline process ${secs(base[round - 1].ms)} (CPU ${cpu(base[round - 1].cpuMs)}), re-seed ${secs(baseWarm[round - 1].ms)} (CPU ${cpu(baseWarm[round - 1].cpuMs)})` : ''),
      );
    }
    const k = median(kiln.map((x) => x.ms));
    const kin = median(inProcess.map((x) => x.ms));
    const p = median(psql.map((x) => x.ms));
    console.log(`median: kiln seed ${secs(k)} as a process, ${secs(kin)} in-process; psql \\copy ${secs(p)}`);
    const kw = median(warm.map((x) => x.ms));
    console.log(`ratio kiln / psql: ${(k / p).toFixed(2)} as a process, ${(kin / p).toFixed(2)} in-process (target <= 1.3)`);
    console.log(`re-seed of the unchanged file (its reading remembered), in-process: ${secs(kw)}, ratio ${(kw / p).toFixed(2)}`);
    const kwp = median(warmProcess.map((x) => x.ms));
    console.log(`re-seed as a process: ${secs(kwp)}, ratio ${(kwp / p).toFixed(2)}`);
    if (BASELINE) {
      const b = median(base.map((x) => x.ms));
      const bw = median(baseWarm.map((x) => x.ms));
      console.log(`baseline (${BASELINE}) as a process: first read ${secs(b)}, ratio ${(b / p).toFixed(2)}; re-seed ${secs(bw)}, ratio ${(bw / p).toFixed(2)}`);
    }
    console.log(`load average during the run: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
  } finally {
    await db.end().catch(() => undefined);
    await admin.query(`drop database if exists ${database} with (force)`).catch(() => undefined);
    await admin.end();
    fs.rmSync(dir, { recursive: true, force: true });
    await stop();
  }
}

await main();
