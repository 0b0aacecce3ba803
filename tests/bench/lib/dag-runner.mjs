// The floor for a run: a minimal script that executes given statements in DAG order on DuckDB
// with N connections, nothing else (no parsing, no planning, no artifacts). Plain JavaScript,
// so starting it costs what starting any small Node script costs.
//
//   node dag-runner.mjs PLAN.json DATABASE_FILE THREADS
//
// PLAN.json: { setup: [sql...], nodes: [{ id, parents: [id...], statements: [sql...] }] }.
// Each node's statements run in one transaction, as kiln runs a node's plan.
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { runInDagOrder } from './dag-order.mjs';

const [planFile, dbFile, threadsArg] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(planFile, 'utf8'));
const threads = Number(threadsArg) || 4;

const instance = await DuckDBInstance.create(dbFile);
const conns = [];
for (let i = 0; i < threads; i++) conns.push(await instance.connect());
for (const sql of plan.setup) await conns[0].run(sql);

let failure = null;
try {
  await runInDagOrder(plan.nodes, conns, async (conn, node) => {
    await conn.run('begin');
    for (const sql of node.statements) await conn.run(sql);
    await conn.run('commit');
  });
} catch (e) {
  failure = e;
}
for (const c of conns) c.closeSync();
instance.closeSync?.();
if (failure) {
  process.stderr.write(`dag-runner: ${failure.message}\n`);
  process.exit(1);
}
process.stdout.write(`${plan.nodes.length} nodes\n`);
