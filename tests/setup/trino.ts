// vitest globalSetup: a real Trino for the whole test run (listed after tests/setup/postgres.ts,
// whose server holds the iceberg catalog's table list).
// - KILN_TEST_TRINO_URL set (`http://host:port`): that server is used; it must have the catalogs
//   `memory` (memory connector) and `iceberg` (iceberg connector).
// - Otherwise, when a test file of the run uses Trino, trino-server is started from the cache
//   (downloaded once through Maven; see trino-server.ts); a run of other files starts none.
//   The server boots in the background while the rest of the suite runs; Trino tests wait for it with `trinoReady()` (tests/helpers/trino.ts), which fails
//   loudly, quoting the server's log, when it did not start. Never a silent skip.
// - The server's https side (password authentication, a self-signed certificate; see
//   trino-server.ts): with KILN_TEST_TRINO_URL, KILN_TEST_TRINO_HTTPS_URL (`https://host:port`),
//   KILN_TEST_TRINO_HTTPS_USER, KILN_TEST_TRINO_HTTPS_PASSWORD and KILN_TEST_TRINO_CA (the PEM to
//   trust) describe it; without them the https tests fail saying so.
// Tests read the server with inject('trino'); spawned CLI processes find it in
// KILN_TEST_TRINO_HOST / KILN_TEST_TRINO_PORT.
import { readFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { startTrino, type TrinoServer } from './trino-server.js';

export interface TrinoServerInfo {
  readonly host: string;
  readonly port: number;
  /** The error that kept the server from being started at all (download, Java), if any. */
  readonly failure?: string;
  /** The server's log (when kiln started it). */
  readonly logFile?: string;
  readonly source: 'external' | 'started';
  /** https with password authentication on the same server. */
  readonly https?: { readonly port: number; readonly user: string; readonly password: string; readonly caFile: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    trino: TrinoServerInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KILN_TEST_TRINO_URL?.trim();
  if (external) {
    const u = new URL(external);
    const e = process.env;
    const httpsUrl = e.KILN_TEST_TRINO_HTTPS_URL?.trim();
    const https =
      httpsUrl && e.KILN_TEST_TRINO_HTTPS_USER && e.KILN_TEST_TRINO_HTTPS_PASSWORD && e.KILN_TEST_TRINO_CA
        ? { port: Number(new URL(httpsUrl).port || 443), user: e.KILN_TEST_TRINO_HTTPS_USER, password: e.KILN_TEST_TRINO_HTTPS_PASSWORD, caFile: e.KILN_TEST_TRINO_CA }
        : undefined;
    provide(project, { host: u.hostname, port: Number(u.port || 8080), source: 'external', https });
    return async () => {};
  }
  if (!(await runNeedsTrino(project))) {
    provide(project, { host: '127.0.0.1', port: 0, failure: 'no test file of this run uses Trino, so none was started (tests/setup/trino.ts)', source: 'started' });
    return async () => {};
  }
  const pgInfo = project.getProvidedContext().pg;
  let server: TrinoServer;
  try {
    if (!pgInfo) throw new Error("the iceberg catalog needs the test PostgreSQL: list 'tests/setup/postgres.ts' before 'tests/setup/trino.ts' in globalSetup");
    server = await startTrino({ catalogDb: pgInfo, log: (line) => console.log(`[trino] ${line}`) });
  } catch (e) {
    // The Trino tests report this themselves (and fail); the rest of the suite still runs.
    provide(project, { host: '127.0.0.1', port: 0, failure: (e as Error).message, source: 'started' });
    return async () => {};
  }
  const { port: httpsPort, user, password, caFile } = server.https;
  provide(project, { host: server.host, port: server.port, logFile: server.logFile, source: 'started', https: { port: httpsPort, user, password, caFile } });
  return () => server.stop();
}

/**
 * Whether a test file of this run uses Trino (imports tests/helpers/trino.ts or runs the
 * conformance suite's Trino target): `vitest run tests/unit` starts no server.
 */
async function runNeedsTrino(project: TestProject): Promise<boolean> {
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  try {
    const specs = await project.vitest.getRelevantTestSpecifications(filters);
    return specs.some((s) => /helpers\/trino\.js|trinoTarget\(/.test(readFileSync(s.moduleId, 'utf8')));
  } catch {
    return true;
  }
}

function provide(project: TestProject, info: TrinoServerInfo): void {
  project.provide('trino', info);
  process.env.KILN_TEST_TRINO_HOST = info.host;
  process.env.KILN_TEST_TRINO_PORT = String(info.port);
}
