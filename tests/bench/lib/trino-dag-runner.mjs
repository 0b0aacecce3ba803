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

const children = new Map(plan.nodes.map((n) => [n.id, []]));
const waiting = new Map();
for (const n of plan.nodes) {
  waiting.set(n.id, n.parents.length);
  for (const p of n.parents) children.get(p).push(n);
}
const ready = plan.nodes.filter((n) => n.parents.length === 0);
let done = 0;
const sleepers = [];

async function worker(client) {
  while (done < plan.nodes.length) {
    const node = ready.shift();
    if (!node) {
      await new Promise((resolve) => sleepers.push(resolve));
      continue;
    }
    for (const sql of node.statements) await run(client, sql);
    done++;
    for (const c of children.get(node.id)) {
      const left = waiting.get(c.id) - 1;
      waiting.set(c.id, left);
      if (left === 0) ready.push(c);
    }
    for (const wake of sleepers.splice(0)) wake();
  }
  for (const wake of sleepers.splice(0)) wake();
}

await Promise.all(clients.map(worker));
