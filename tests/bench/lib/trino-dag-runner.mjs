// The floor for a run on Trino as a process: a minimal script that sends given statements in DAG
// order through trino-client over N clients, nothing else (no parsing, no planning, no
// artifacts). Plain JavaScript, so starting it costs what starting any small Node script that
// loads trino-client costs; tests/bench/trino.bench.ts compares `kiln run` (a process) with it.
//
//   node trino-dag-runner.mjs PLAN.json SERVER_URL THREADS
//
// PLAN.json: { source, user, setup: [sql...], nodes: [{ id, parents: [id...], statements: [sql...] }] }.
// Trino has no transactions for DDL, so a node's statements simply run one after another.
import fs from 'node:fs';
import { Trino } from 'trino-client';
import { runInDagOrder } from './dag-order.mjs';

const [planFile, url, threadsArg] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(planFile, 'utf8'));
const threads = Number(threadsArg) || 4;
const clients = Array.from({ length: threads }, () => Trino.create({ server: url, source: plan.source, extraHeaders: { 'X-Trino-User': plan.user } }));

async function run(client, sql) {
  for await (const page of await client.query(sql)) {
    if (page.error) throw new Error(`${page.error.message}\n(in: ${sql.slice(0, 200)})`);
  }
}

for (const sql of plan.setup) await run(clients[0], sql);

await runInDagOrder(plan.nodes, clients, async (client, node) => {
  for (const sql of node.statements) await run(client, sql);
});
