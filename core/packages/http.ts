// HTTP GETs for `kiln deps` (the hub's API, package archives) with Node's fetch, or undici's
// through a proxy (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, core/packages/proxy.ts): a deadline on
// every request so deps never hangs, a retry on what is likely passing (a refused or reset
// connection, a 5xx, a timeout), and every failure a KilnError naming the URL (and the proxy, its
// password hidden) and the status or the network's reason, never a stack trace.
import { Codes, KilnError, type KilnErrorInit, type SourceLocation } from '../errors.js';
import { proxyDispatcher, proxyFor, proxySettings, redactProxy, undici, type ProxySetting, type ProxySettings } from './proxy.js';

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

interface Cause {
  readonly code?: string;
  readonly message?: string;
  readonly cause?: unknown;
}

/** The error's causes, outermost first (undici's fetch nests them: "fetch failed" → "Request was cancelled." → the proxy's answer). */
function causes(e: unknown): Cause[] {
  const out: Cause[] = [];
  let c = e instanceof Error ? (e.cause as Cause | undefined) : undefined;
  while (c && typeof c === 'object' && out.length < 5) {
    out.push(c);
    c = c.cause as Cause | undefined;
  }
  return out;
}

/** The HTTP status with which a proxy refused the request (a CONNECT tunnel or a forwarded GET), as undici words it. */
function proxyRefusal(e: unknown): number | undefined {
  for (const c of causes(e)) {
    const m = /^Proxy response \((\d+)\) !== 200|^Proxy Authentication Required \((407)\)$/.exec(c.message ?? '');
    if (m) return Number(m[1] ?? m[2]);
  }
  return undefined;
}

/** The network's reason, without Node's wrapper text ("fetch failed"). */
function reason(e: unknown): string {
  if (e instanceof Error && e.name === 'TimeoutError') return 'no answer within the time limit';
  const refused = proxyRefusal(e);
  if (refused !== undefined) return `the proxy answered HTTP ${refused}${refused === 407 ? ' (proxy authentication required)' : ''}`;
  const chain = causes(e);
  const code = chain.find((c) => c.code)?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  // the innermost cause that says something is the most precise
  const cause = chain.filter((c) => c.message).pop();
  if (cause?.message) return cause.code && !cause.message.includes(cause.code) ? `${cause.message} (${cause.code})` : cause.message;
  return e instanceof Error ? e.message : String(e);
}

const PROXY_AUTH_HINT = 'The proxy asks for credentials: write them into its URL (http://user:password@host:port, percent-encoded).';

/** What a failure's hint adds about the proxy: the variables kiln follows, so that a wrong one can be found. */
function proxyNote(proxy: ProxySetting | undefined): string {
  return proxy
    ? ` The request went through the proxy ${redactProxy(proxy.url)} (${proxy.variable}): check that it is reachable and lets the host through; NO_PROXY lists the hosts reached directly.`
    : '';
}

/** A minimal response, which both Node's fetch and undici's give. */
interface FetchResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Fetches `url` directly with Node's fetch, or through `proxy` with undici's (whose dispatcher also sees redirects). */
function fetchVia(url: string, proxied: boolean, init: { signal: AbortSignal; redirect: 'follow'; headers: Record<string, string> }): Promise<FetchResponse> {
  if (!proxied) return fetch(url, init);
  return undici().fetch(url, { ...init, dispatcher: proxyDispatcher(proxySettings()) });
}

/** A proxy URL undici cannot use is the user's to fix, not a network failure to retry. */
function checkProxies(settings: ProxySettings, o: GetOptions): void {
  for (const p of [settings.http, settings.https]) {
    if (!p) continue;
    let protocol = '';
    let hostname = '';
    try {
      ({ protocol, hostname } = new URL(p.url));
    } catch {
      protocol = '';
    }
    if (!['http:', 'https:', 'socks:', 'socks5:'].includes(protocol) || !hostname) {
      throw new KilnError(Codes.PACKAGE_DOWNLOAD_FAILED, `Cannot download ${o.what}: ${p.variable} (${redactProxy(p.url)}) is not a proxy URL kiln can use`, {
        loc: o.loc,
        hint: 'Write it as http://host:port, or http://user:password@host:port with the user and password percent-encoded (https:// and socks5:// proxies work too).',
      });
    }
  }
}

/** `text` with the proxies' passwords (as written and decoded) replaced by ***: an error's wording must not show them. */
function redactSecrets(text: string, settings: ProxySettings): string {
  let out = text;
  for (const p of [settings.http, settings.https]) {
    if (!p) continue;
    out = out.split(p.url).join(redactProxy(p.url));
    let password = '';
    try {
      password = new URL(p.url).password;
    } catch {
      continue;
    }
    // a password of one or two characters would blot out ordinary letters; the URL form above covers it
    for (const secret of new Set([password, safeDecode(password)])) if (secret.length >= 3) out = out.split(secret).join('***');
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
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
  const settings = proxySettings();
  const proxy = proxyFor(new URL(url), settings);
  // with a proxy set for the other scheme only, or this host in NO_PROXY, a redirect may still need the proxy
  const proxied = settings.http !== undefined || settings.https !== undefined;
  if (proxied) checkProxies(settings, o);
  const via = proxy ? ` through the proxy ${redactProxy(proxy.url)}` : '';
  const timeoutMs = o.timeoutMs ?? requestTimeoutMs();
  const attempts = Math.max(1, o.attempts ?? 3);
  let last: KilnError | null = null;
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await sleep(250 * i);
    let res: FetchResponse;
    try {
      // The deadline covers the body too: the signal aborts a stalled download.
      const signal = AbortSignal.timeout(timeoutMs);
      res = await fetchVia(url, proxied, { signal, redirect: 'follow', headers: { 'user-agent': 'kiln-deps' } });
      if (res.ok) return Buffer.from(await res.arrayBuffer());
    } catch (e) {
      const timedOut = e instanceof Error && e.name === 'TimeoutError';
      const refused = proxyRefusal(e);
      last = new KilnError(Codes.PACKAGE_DOWNLOAD_FAILED, `Cannot download ${o.what.includes(url) ? o.what : `${o.what} from ${url}`}${via}: ${redactSecrets(reason(e), settings)}${timedOut ? ` (${timeoutMs / 1000} s)` : ''}`, {
        loc: o.loc,
        hint: `${refused === 407 ? PROXY_AUTH_HINT : (o.hint ?? 'Check the network connection; KILN_DEPS_TIMEOUT sets the time limit in seconds.')}${proxyNote(proxy)}`,
      });
      // a server that let the deadline pass once would make every retry wait as long again; a proxy's refusal stays
      if (timedOut || (refused !== undefined && refused < 500)) break;
      continue;
    }
    const hint = res.status === 407 ? `${PROXY_AUTH_HINT}${proxyNote(proxy)}` : res.status === 404 ? 'Check the URL: nothing is there (a misspelt name, or a version or file that does not exist).' : res.status === 401 || res.status === 403 ? 'The server refuses this request: a private URL needs credentials (e.g. a token through env_var()).' : (o.hint ?? 'The server failed; try again later.');
    last = new HttpStatusError(res.status, `Cannot download ${o.what}: ${url}${via} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, { loc: o.loc, hint });
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
