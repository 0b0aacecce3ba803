// HTTP GETs for `kiln deps` (the hub's API, package archives) with Node's fetch: a deadline on
// every request so deps never hangs, a retry on what is likely passing (a refused or reset
// connection, a 5xx, a timeout), and every failure a KilnError naming the URL and the status or
// the network's reason, never a stack trace.
import { Codes, KilnError, type KilnErrorInit, type SourceLocation } from '../errors.js';

/** Per-request deadline; KILN_DEPS_TIMEOUT (seconds) overrides it. dbt waits 30 s for the hub. */
export function requestTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.KILN_DEPS_TIMEOUT);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 30_000;
}

export interface GetOptions {
  /** What is being fetched, for messages: `the package hub's index`, `dbt-labs/dbt_utils 1.1.1`. */
  readonly what: string;
  readonly loc?: SourceLocation;
  readonly hint?: string;
  readonly timeoutMs?: number;
  /** Attempts in all (1 = no retry). */
  readonly attempts?: number;
}

/** Thrown when the server answers with an HTTP error status (callers tell 404 apart). */
export class HttpStatusError extends KilnError {
  constructor(
    readonly status: number,
    message: string,
    init: KilnErrorInit,
  ) {
    super(Codes.PACKAGE_DOWNLOAD_FAILED, message, init);
  }
}

/** The network's reason, without Node's wrapper text ("fetch failed"). */
function reason(e: unknown): string {
  if (e instanceof Error && e.name === 'TimeoutError') return 'no answer within the time limit';
  const cause = e instanceof Error ? (e.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return 'host not found';
  if (cause?.message) return cause.code && !cause.message.includes(cause.code) ? `${cause.message} (${cause.code})` : cause.message;
  return e instanceof Error ? e.message : String(e);
}

/** Node 20's fetch does not go through HTTP(S)_PROXY: say so where one is set, rather than let it look used. */
function proxyNote(env: NodeJS.ProcessEnv = process.env): string {
  const proxy = env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy;
  return proxy ? ' Note: kiln deps connects directly; it does not use HTTPS_PROXY/HTTP_PROXY (use a hub mirror reachable directly, DBT_PACKAGE_HUB_URL, or vendor the packages).' : '';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function httpGet(url: string, o: GetOptions): Promise<Buffer> {
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new KilnError(Codes.PACKAGE_DOWNLOAD_FAILED, `Cannot download ${o.what}: '${url}' is not an http(s) URL`, { loc: o.loc, hint: 'Write the full URL, e.g. https://codeload.github.com/org/repo/tar.gz/v1.0.0 (a DBT_PACKAGE_HUB_URL too).' });
  }
  const timeoutMs = o.timeoutMs ?? requestTimeoutMs();
  const attempts = Math.max(1, o.attempts ?? 3);
  let last: KilnError | null = null;
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await sleep(250 * i);
    let res: Response;
    try {
      // The deadline covers the body too: the signal aborts a stalled download.
      const signal = AbortSignal.timeout(timeoutMs);
      res = await fetch(url, { signal, redirect: 'follow', headers: { 'user-agent': 'kiln-deps' } });
      if (res.ok) return Buffer.from(await res.arrayBuffer());
    } catch (e) {
      const timedOut = e instanceof Error && e.name === 'TimeoutError';
      last = new KilnError(Codes.PACKAGE_DOWNLOAD_FAILED, `Cannot download ${o.what.includes(url) ? o.what : `${o.what} from ${url}`}: ${reason(e)}${timedOut ? ` (${timeoutMs / 1000} s)` : ''}`, {
        loc: o.loc,
        hint: `${o.hint ?? 'Check the network connection; KILN_DEPS_TIMEOUT sets the time limit in seconds.'}${proxyNote()}`,
      });
      // a server that let the deadline pass once would make every retry wait as long again
      if (timedOut) break;
      continue;
    }
    const hint = res.status === 404 ? 'Check the URL: nothing is there (a misspelt name, or a version or file that does not exist).' : res.status === 401 || res.status === 403 ? 'The server refuses this request: a private URL needs credentials (e.g. a token through env_var()).' : (o.hint ?? 'The server failed; try again later.');
    last = new HttpStatusError(res.status, `Cannot download ${o.what}: ${url} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, { loc: o.loc, hint });
    // a client error will not change on a retry
    if (res.status < 500 && res.status !== 429) break;
  }
  throw last ?? new KilnError(Codes.PACKAGE_DOWNLOAD_FAILED, `Cannot download ${o.what} from ${url}`, { loc: o.loc });
}

export async function httpGetJson(url: string, o: GetOptions): Promise<unknown> {
  const body = await httpGet(url, o);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new KilnError(Codes.PACKAGE_DOWNLOAD_FAILED, `${url} (${o.what}) did not answer with JSON`, { loc: o.loc, hint: o.hint ?? 'Check DBT_PACKAGE_HUB_URL: it should point at a dbt package hub.' });
  }
}
