// `kiln deps` through a forward proxy (HTTP_PROXY / HTTPS_PROXY / NO_PROXY): the hub answers on
// a host name that does not resolve (.invalid), which only the test's proxy maps to 127.0.0.1,
// so an install succeeds only through the proxy. The proxy records what went through it.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kiln, kilnBin } from '../../helpers/cli.js';
import { closedPort, TestHub } from '../../helpers/package-hub.js';
import { testdir } from '../../helpers/testdir.js';

const HUB_HOST = 'hub.kiln-test.invalid';
const PROXY_VARS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy', 'DBT_PACKAGE_HUB_URL', 'KILN_DEPS_TIMEOUT'];

interface Passed {
  readonly method: string;
  /** The request target as the proxy got it: absolute-form for GET, host:port for CONNECT. */
  readonly target: string;
  readonly auth?: string;
}

/** A forward proxy on 127.0.0.1: absolute-form GETs forwarded and CONNECT tunnels opened (HUB_HOST → 127.0.0.1); optionally Basic credentials required. */
class ForwardProxy {
  readonly passed: Passed[] = [];
  /** `user:password` required as Proxy-Authorization (407 otherwise). */
  credentials: string | null = null;
  /** Whether CONNECT opens a tunnel (else it is answered 407). */
  tunnels = false;
  private readonly server = http.createServer((req, res) => this.forward(req, res));
  url = '';

  async start(): Promise<this> {
    this.server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      this.passed.push({ method: 'CONNECT', target: req.url ?? '', auth: req.headers['proxy-authorization'] });
      if (!this.tunnels) return void socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      const [host = '', port = '443'] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host === HUB_HOST ? '127.0.0.1' : host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const auth = req.headers['proxy-authorization'];
    this.passed.push({ method: req.method ?? '', target: req.url ?? '', auth });
    if (this.credentials !== null && auth !== `Basic ${Buffer.from(this.credentials).toString('base64')}`) {
      return void res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end('proxy authentication required');
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      return void res.writeHead(400).end('absolute-form expected');
    }
    const host = target.hostname === HUB_HOST ? '127.0.0.1' : target.hostname;
    const upstream = http.request({ host, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end('bad gateway'));
    req.pipe(upstream);
  }
}

const app = () => ({
  'app/dbt_project.yml': 'name: app\nprofile: app\n',
  'app/profiles.yml': 'app:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: app.duckdb, schema: main}\n',
  'app/packages.yml': 'packages:\n  - package: acme/utils\n    version: "1.0.0"\n',
  'app/models/m.sql': 'select 1 as id',
});
const noStack = (out: string) => expect(out).not.toMatch(/\n\s+at .+:\d+:\d+/);

let hub: TestHub;
let proxy: ForwardProxy;
let hubPort = 0;
beforeAll(async () => {
  // the machine's own proxy settings must not take part
  for (const v of PROXY_VARS) delete process.env[v];
  hub = await new TestHub().start();
  hubPort = Number(new URL(hub.url).port);
  hub.publish('acme/utils', '1.0.0', { files: { 'macros/u.sql': "{% macro u() %}'u'{% endmacro %}" } });
  proxy = await new ForwardProxy().start();
});
afterAll(async () => {
  await hub.close();
  await proxy.close();
});
afterEach(() => {
  for (const v of PROXY_VARS) delete process.env[v];
  hub.requests.length = 0;
  proxy.passed.length = 0;
  proxy.credentials = null;
  proxy.tunnels = false;
});

/** Runs bin/kiln.js as a process without blocking this one (whose servers it talks to). */
function kilnAsync(args: readonly string[], cwd: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [kilnBin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => void (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (output += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** The hub on the host name only the proxy knows; its tarball URLs use it too. */
function hubBehindProxy(): void {
  hub.url = `http://${HUB_HOST}:${hubPort}/`;
  process.env.DBT_PACKAGE_HUB_URL = hub.url;
}

describe('kiln deps through a proxy', () => {
  it('downloads the hub index, the package and its archive through HTTP_PROXY (absolute-form requests)', async () => {
    hubBehindProxy();
    process.env.HTTP_PROXY = proxy.url;
    const dir = path.join(testdir(app()), 'app');
    const r = await kiln(['deps'], dir);
    expect(r.code, r.output).toBe(0);
    expect(fs.existsSync(path.join(dir, 'dbt_packages/utils/macros/u.sql'))).toBe(true);
    const base = `http://${HUB_HOST}:${hubPort}`;
    expect(proxy.passed.map((p) => `${p.method} ${p.target}`)).toEqual([`GET ${base}/api/v1/index.json`, `GET ${base}/api/v1/acme/utils.json`, `GET ${base}/tarballs/acme/utils/1.0.0.tar.gz`]);
    // everything the hub answered came through the proxy
    expect(hub.requests).toEqual(['/api/v1/index.json', '/api/v1/acme/utils.json', '/tarballs/acme/utils/1.0.0.tar.gz']);
    expect(proxy.passed.every((p) => p.auth === undefined)).toBe(true);
  });

  it('without the proxy the hub host is not found (the test hub is reachable only through it)', async () => {
    hubBehindProxy();
    process.env.KILN_DEPS_TIMEOUT = '5';
    const dir = path.join(testdir(app()), 'app');
    const r = await kiln(['deps'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toContain('host not found');
    expect(proxy.passed).toEqual([]);
  });

  it('sends the credentials of the proxy URL (lower-case http_proxy) as Proxy-Authorization, and hides the password', async () => {
    hubBehindProxy();
    proxy.credentials = 'kiln:s3cr@t pw';
    process.env.http_proxy = proxy.url.replace('http://', 'http://kiln:s3cr%40t%20pw@');
    const dir = path.join(testdir(app()), 'app');
    const r = await kiln(['deps'], dir);
    expect(r.code, r.output).toBe(0);
    expect(proxy.passed).toHaveLength(3);
    expect(proxy.passed.every((p) => p.auth === `Basic ${Buffer.from('kiln:s3cr@t pw').toString('base64')}`)).toBe(true);

    // a wrong password: the proxy's 407, a KLN error and a hint, the password nowhere
    process.env.http_proxy = proxy.url.replace('http://', 'http://kiln:wrong-secret@');
    fs.rmSync(path.join(dir, 'dbt_packages'), { recursive: true });
    fs.rmSync(path.join(dir, 'package-lock.yml'));
    const bad = await kiln(['deps'], dir);
    expect(bad.code).toBe(2);
    expect(bad.output).toMatch(/KLN\d+/);
    expect(bad.output).toContain(`through the proxy ${proxy.url.replace('http://', 'http://kiln:***@')}: the proxy answered HTTP 407 (proxy authentication required)`);
    // a refusal is not retried: each URL asked once
    const asked = proxy.passed.slice(3).map((p) => p.target);
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked).size).toBe(asked.length);
    expect(bad.output).toContain('The proxy asks for credentials');
    expect(bad.output).not.toContain('wrong-secret');
    noStack(bad.output);
  });

  it('goes directly to the hosts NO_PROXY lists', async () => {
    hub.url = `http://127.0.0.1:${hubPort}/`;
    process.env.DBT_PACKAGE_HUB_URL = hub.url;
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = `.example.com, 127.0.0.1:${hubPort}`;
    const dir = path.join(testdir(app()), 'app');
    const r = await kiln(['deps'], dir);
    expect(r.code, r.output).toBe(0);
    expect(hub.requests).toHaveLength(3);
    expect(proxy.passed).toEqual([]);

    // another port of the same host is not listed: through the proxy
    process.env.NO_PROXY = '127.0.0.1:1';
    fs.rmSync(path.join(dir, 'dbt_packages'), { recursive: true });
    fs.rmSync(path.join(dir, 'package-lock.yml'));
    expect((await kiln(['deps'], dir)).code).toBe(0);
    expect(proxy.passed).toHaveLength(3);
  });

  it('names an unreachable proxy (password hidden) in a KLN error, exit 2', async () => {
    hubBehindProxy();
    const port = await closedPort();
    process.env.HTTP_PROXY = `http://kiln:hunter22@127.0.0.1:${port}`;
    const dir = path.join(testdir(app()), 'app');
    const r = await kiln(['deps'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/KLN\d+/);
    expect(r.output).toContain(`Cannot download the package hub's index from http://${HUB_HOST}:${hubPort}/api/v1/index.json through the proxy http://kiln:***@127.0.0.1:${port}: connection refused`);
    expect(r.output).toContain(`The request went through the proxy http://kiln:***@127.0.0.1:${port} (HTTP_PROXY)`);
    expect(r.output).not.toContain('hunter22');
    noStack(r.output);
  });

  it('tunnels https through HTTPS_PROXY with CONNECT, and reports the proxy refusing it', async () => {
    hub.url = `https://${HUB_HOST}:${hubPort}/`;
    process.env.DBT_PACKAGE_HUB_URL = hub.url;
    process.env.HTTPS_PROXY = proxy.url;
    const dir = path.join(testdir(app()), 'app');
    const r = await kiln(['deps'], dir);
    expect(r.code).toBe(2);
    expect(proxy.passed[0]).toEqual({ method: 'CONNECT', target: `${HUB_HOST}:${hubPort}`, auth: undefined });
    // the index and the package's page (asked together), each once: a refusal is not retried
    expect(proxy.passed.length).toBeLessThanOrEqual(2);
    expect(r.output).toContain(`Cannot download the package hub's index from https://${HUB_HOST}:${hubPort}/api/v1/index.json through the proxy ${proxy.url}: the proxy answered HTTP 407 (proxy authentication required)`);
    expect(r.output).toContain('The proxy asks for credentials');
    expect(r.output).toContain('(HTTPS_PROXY)');
    noStack(r.output);
  });

  it('refuses a proxy URL it cannot use, naming the variable', async () => {
    hubBehindProxy();
    process.env.HTTP_PROXY = 'ftp://kiln:hunter22@proxy.example.com:21';
    const dir = path.join(testdir(app()), 'app');
    const r = await kiln(['deps'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toContain('HTTP_PROXY (ftp://kiln:***@proxy.example.com:21) is not a proxy URL kiln can use');
    expect(r.output).not.toContain('hunter22');
    expect(proxy.passed).toEqual([]);
  });

  it('downloads over https through a CONNECT tunnel (a real process trusting the test certificate)', async () => {
    // a certificate for HUB_HOST, and an https server before the test hub
    const tls = testdir({});
    const [key, cert] = [path.join(tls, 'key.pem'), path.join(tls, 'cert.pem')];
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${HUB_HOST}`, '-addext', `subjectAltName=DNS:${HUB_HOST}`], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const front = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
      const up = http.request({ host: '127.0.0.1', port: hubPort, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
    try {
      const tlsPort = (front.address() as AddressInfo).port;
      hub.url = `https://${HUB_HOST}:${tlsPort}/`;
      proxy.tunnels = true;
      proxy.credentials = 'kiln:tunnel-pw';
      const dir = path.join(testdir(app()), 'app');
      const r = await kilnAsync(['deps'], dir, { HTTPS_PROXY: proxy.url.replace('http://', 'http://kiln:tunnel-pw@'), DBT_PACKAGE_HUB_URL: hub.url, NODE_EXTRA_CA_CERTS: cert });
      expect(r.code, r.output).toBe(0);
      expect(fs.existsSync(path.join(dir, 'dbt_packages/utils/macros/u.sql'))).toBe(true);
      expect(proxy.passed.length).toBeGreaterThan(0);
      expect(proxy.passed.every((p) => p.method === 'CONNECT' && p.target === `${HUB_HOST}:${tlsPort}` && p.auth === `Basic ${Buffer.from('kiln:tunnel-pw').toString('base64')}`)).toBe(true);
      expect(hub.requests).toEqual(['/api/v1/index.json', '/api/v1/acme/utils.json', '/tarballs/acme/utils/1.0.0.tar.gz']);
    } finally {
      front.closeAllConnections();
      await new Promise<void>((r) => front.close(() => r()));
    }
  }, 60_000);
});
