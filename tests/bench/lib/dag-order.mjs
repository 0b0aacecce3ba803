// The scheduling every baseline script shares: nodes run in DAG order on a fixed set of
// connections, a node as soon as its parents are done and a connection is free. Plain JavaScript
// (the baselines are minimal Node scripts).
//
// nodes: [{ id, parents: [id...], ... }]; runNode(connection, node) runs one node. The first
// failure stops the scheduling of further nodes and is thrown once the running ones settle.
export async function runInDagOrder(nodes, connections, runNode) {
  const children = new Map(nodes.map((n) => [n.id, []]));
  const waiting = new Map();
  for (const n of nodes) {
    waiting.set(n.id, n.parents.length);
    for (const p of n.parents) children.get(p)?.push(n);
  }
  const ready = nodes.filter((n) => n.parents.length === 0);
  let done = 0;
  let failure = null;
  const sleepers = [];
  const wakeAll = () => {
    for (const wake of sleepers.splice(0)) wake();
  };
  async function worker(connection) {
    while (done < nodes.length && !failure) {
      const node = ready.shift();
      if (!node) {
        await new Promise((resolve) => sleepers.push(resolve));
        continue;
      }
      try {
        await runNode(connection, node);
      } catch (e) {
        failure ??= e;
        break;
      }
      done++;
      for (const child of children.get(node.id)) {
        const left = waiting.get(child.id) - 1;
        waiting.set(child.id, left);
        if (left === 0) ready.push(child);
      }
      wakeAll();
    }
    wakeAll();
  }
  await Promise.all(connections.map(worker));
  if (failure) throw failure;
}
