// Loading node-postgres without its Cloudflare probe. On load, pg asks whether it runs in a
// Cloudflare Worker: where there is no global `navigator` (Node 20) it constructs a fetch
// `Response`, which makes Node load its whole fetch implementation (undici): ~15 ms of CPU, 30–70 ms
// of wall time on a loaded machine, at every start of a PostgreSQL run. A `navigator` present
// while pg loads answers the question at once; Node ≥ 21 has one of its own.

/** Runs `load` (a dynamic import that loads pg) with a global `navigator` present if there is none. */
export async function withoutRuntimeProbe<T>(load: () => Promise<T>): Promise<T> {
  const g = globalThis as { navigator?: unknown };
  if (g.navigator !== undefined) return load();
  Object.defineProperty(g, 'navigator', { value: { userAgent: `Node.js/${process.versions.node}` }, configurable: true, writable: true, enumerable: false });
  try {
    return await load();
  } finally {
    delete g.navigator;
  }
}
