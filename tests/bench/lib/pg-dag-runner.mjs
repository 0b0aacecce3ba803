// The floor for a run on PostgreSQL: the same statements kiln executed, in DAG order over N `pg`
// connections, each node in its own transaction, nothing else (no parsing, no planning, no
// artifacts). Plain JavaScript: tests/bench/postgres-dag.bench.ts runs it in its own process
// (`node pg-dag-runner.mjs PLAN.json`, start-up and loading pg included, as kiln's process
// figure) and calls runPgPlan() in its own process for the in-process figure.
//
// PLAN.json: { connection, threads, batched, setup: [sql...], nodes: [{ id, parents: [id...], statements: [sql...] }] }.
// batched: a node's transaction as one multi-statement query (one round trip, as kiln sends a
// plan); otherwise one query per statement, as the baseline does.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { runInDagOrder } from './dag-order.mjs';

export async function runPgPlan(plan) {
  const clients = Array.from({ length: plan.threads }, () => new pg.Client(plan.connection));
  await Promise.all(clients.map((c) => c.connect()));
  try {
    for (const sql of plan.setup) await clients[0].query(sql);
    await runInDagOrder(plan.nodes, clients, async (c, node) => {
      if (plan.batched) {
        await c.query(['begin', ...node.statements, 'commit'].join('\n;\n'));
        return;
      }
      await c.query('begin');
      for (const sql of node.statements) await c.query(sql);
      await c.query('commit');
    });
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runPgPlan(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')));
}
