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

const [planFile, dbFile, threadsArg] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(planFile, 'utf8'));
const threads = Number(threadsArg) || 4;

const instance = await DuckDBInstance.create(dbFile);
const conns = [];
for (let i = 0; i < threads; i++) conns.push(await instance.connect());
for (const sql of plan.setup) await conns[0].run(sql);

const children = new Map(plan.nodes.map((n) => [n.id, []]));
const waiting = new Map();
for (const n of plan.nodes) {
  waiting.set(n.id, n.parents.length);
  for (const p of n.parents) children.get(p)?.push(n);
}
const ready = plan.nodes.filter((n) => n.parents.length === 0);
let done = 0;
let failure = null;

await new Promise((resolve) => {
  let running = 0;
  const pump = () => {
    if (failure || (done === plan.nodes.length && running === 0)) return resolve();
    while (running < threads && ready.length) {
      const node = ready.shift();
      const conn = conns.find((c) => !c.busy);
      conn.busy = true;
      running++;
      (async () => {
        await conn.run('begin');
        for (const sql of node.statements) await conn.run(sql);
        await conn.run('commit');
      })()
        .then(() => {
          for (const c of children.get(node.id)) {
            const left = waiting.get(c.id) - 1;
            waiting.set(c.id, left);
            if (left === 0) ready.push(c);
          }
          done++;
        })
        .catch((e) => {
          failure = e;
        })
        .finally(() => {
          conn.busy = false;
          running--;
          pump();
        });
    }
  };
  pump();
});
for (const c of conns) c.closeSync();
instance.closeSync?.();
if (failure) {
  process.stderr.write(`dag-runner: ${failure.message}\n`);
  process.exit(1);
}
process.stdout.write(`${done} nodes\n`);
