// The proxy settings `kiln deps` honours, as curl and Python's requests (dbt deps) read them:
// HTTPS_PROXY for https URLs, HTTP_PROXY for http URLs, ALL_PROXY for either when its own is
// unset (lower case before upper case; an empty value counts as unset), and NO_PROXY for the
// hosts reached directly. Node 20's global fetch ignores them all, so downloads through a proxy
// go through the `undici` package (the client Node's fetch is built on): its ProxyAgent speaks
// to the proxy, and a small dispatcher here picks, for every origin a request (or a redirect)
// reaches, the proxy or a direct connection. undici is loaded only when a proxy is set.
import { BlockList, isIP } from 'node:net';
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

export type UndiciLib = typeof Undici;

/** A proxy as configured: its URL (a bare `host:port` taken as http://) and the variable that set it. */
export interface ProxySetting {
  readonly url: string;
  readonly variable: string;
}

export interface ProxySettings {
  readonly http?: ProxySetting;
  readonly https?: ProxySetting;
  /** NO_PROXY's value ('' when unset). */
  readonly noProxy: string;
}

function firstSet(env: NodeJS.ProcessEnv, names: readonly string[]): ProxySetting | undefined {
  for (const name of names) {
    const v = env[name]?.trim();
    if (v) return { url: /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `http://${v}`, variable: name };
  }
  return undefined;
}

export function proxySettings(env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const all = ['all_proxy', 'ALL_PROXY'];
  return {
    http: firstSet(env, ['http_proxy', 'HTTP_PROXY', ...all]),
    https: firstSet(env, ['https_proxy', 'HTTPS_PROXY', ...all]),
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
  };
}

/** The proxy URL with its password (if any) replaced by ***, for messages. Works on text that does not parse as a URL too. */
export function redactProxy(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

interface NoProxyEntry {
  readonly host?: string;
  readonly subnet?: BlockList;
  readonly port?: number;
}

const DEFAULT_PORT: Record<string, number> = { 'http:': 80, 'https:': 443 };

function parseNoProxy(value: string): NoProxyEntry[] | '*' {
  const entries: NoProxyEntry[] = [];
  for (const raw of value.split(/[\s,]+/)) {
    const item = raw.trim().toLowerCase();
    if (!item) continue;
    if (item === '*') return '*';
    // a subnet (10.0.0.0/8, fd00::/8), as requests and curl ≥ 7.86 accept
    const cidr = /^\[?([0-9a-f.:]+)\]?\/(\d{1,3})$/.exec(item);
    if (cidr && isIP(cidr[1])) {
      const subnet = new BlockList();
      subnet.addSubnet(cidr[1], Number(cidr[2]), isIP(cidr[1]) === 6 ? 'ipv6' : 'ipv4');
      entries.push({ subnet });
      continue;
    }
    // [v6]:port, [v6], a bare v6 address (its colons are not a port), host:port, host
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(item);
    const hostPort = /^([^:]+):(\d+)$/.exec(item);
    const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : isIP(item) === 6 ? [item, undefined] : hostPort ? [hostPort[1], hostPort[2]] : [item, undefined];
    // `.example.com` and `*.example.com` mean example.com and every name below it, as `example.com` does
    entries.push({ host: host.replace(/^\*?\./, '').replace(/\.$/, ''), port: port === undefined ? undefined : Number(port) });
  }
  return entries;
}

/** Whether NO_PROXY (`noProxy`) sends `url` directly rather than through the proxy. */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const entries = parseNoProxy(noProxy);
  if (entries === '*') return true;
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  const port = url.port ? Number(url.port) : (DEFAULT_PORT[url.protocol] ?? 0);
  const ipVersion = isIP(host);
  for (const e of entries) {
    if (e.port !== undefined && e.port !== port) continue;
    if (e.subnet) {
      if (ipVersion && e.subnet.check(host, ipVersion === 6 ? 'ipv6' : 'ipv4')) return true;
      continue;
    }
    if (!e.host) continue;
    if (host === e.host) return true;
    // a name below the entry's domain; an IP address matches only itself
    if (!ipVersion && host.endsWith(`.${e.host}`)) return true;
  }
  return false;
}

/** The proxy `url` goes through, or undefined for a direct connection. */
export function proxyFor(url: URL, settings: ProxySettings): ProxySetting | undefined {
  const proxy = url.protocol === 'https:' ? settings.https : url.protocol === 'http:' ? settings.http : undefined;
  return proxy && !bypassesProxy(url, settings.noProxy) ? proxy : undefined;
}

let undiciLib: UndiciLib | undefined;

/** undici, required on first use (the one-file CLI leaves it outside the bundle: it runs in a vm.Script, where import() fails). */
export function undici(): UndiciLib {
  return (undiciLib ??= createRequire(import.meta.url)('undici') as UndiciLib);
}

const dispatchers = new Map<string, Undici.Dispatcher>();

/**
 * The dispatcher for undici's fetch under `settings`: per origin (a redirect's too), a
 * ProxyAgent or a direct Agent. One per distinct settings, so connections are kept between
 * the requests of a run. Throws undici's InvalidArgumentError on a proxy URL it cannot use.
 */
export function proxyDispatcher(settings: ProxySettings): Undici.Dispatcher {
  const key = JSON.stringify(settings);
  const known = dispatchers.get(key);
  if (known) return known;
  const u = undici();
  const direct = new u.Agent();
  const agents = new Map<string, Undici.Dispatcher>();
  // the proxy for an http URL gets the request itself (absolute-form GET), as curl does: many
  // proxies allow CONNECT only to port 443; an https URL goes through a CONNECT tunnel
  const agentFor = (proxy: ProxySetting) => {
    let a = agents.get(proxy.url);
    if (!a) agents.set(proxy.url, (a = new u.ProxyAgent({ uri: proxy.url, proxyTunnel: false })));
    return a;
  };
  for (const p of [settings.http, settings.https]) if (p) agentFor(p);
  class ProxyRouter extends u.Dispatcher {
    override dispatch(opts: Undici.Dispatcher.DispatchOptions, handler: Undici.Dispatcher.DispatchHandler): boolean {
      const proxy = proxyFor(new URL(String(opts.origin)), settings);
      return (proxy ? agentFor(proxy) : direct).dispatch(opts, handler);
    }
  }
  const router = new ProxyRouter();
  dispatchers.set(key, router);
  return router;
}
