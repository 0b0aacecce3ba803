// A dbt package hub on 127.0.0.1 for tests (the machine cannot reach hub.getdbt.com): the hub's
// API (api/v1/index.json, api/v1/<org>/<name>.json) and the .tar.gz archives it points at, made
// with `tar` from files the test gives. Every request is recorded, so tests can tell what kiln
// deps asked for.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { create } from 'tar';

export interface HubRelease {
  /** Files of the package, relative to its folder (dbt_project.yml is written if absent). */
  readonly files?: Record<string, string>;
  /** Its dependencies, as its packages.yml would list them. */
  readonly packages?: readonly Record<string, unknown>[];
  /** The dbt versions it declares it works with. */
  readonly requireDbtVersion?: readonly string[];
}

/** A .tar.gz holding `files` inside one top folder `top/` (as GitHub's archives do). */
export async function tarGz(files: Record<string, string>, top = 'pkg-main'): Promise<Buffer> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-hub-'));
  try {
    for (const [rel, text] of Object.entries(files)) {
      const abs = path.join(tmp, top, rel);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, text);
    }
    const out = path.join(tmp, 'archive.tar.gz');
    await create({ gzip: true, cwd: tmp, file: out, portable: true }, [top]);
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** A port on 127.0.0.1 nothing listens on (a connection to it is refused). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export class TestHub {
  readonly requests: string[] = [];
  /** Extra routes: path → body (Buffer) or HTTP status (number). */
  readonly routes = new Map<string, Buffer | number>();
  private readonly packages = new Map<string, Map<string, HubRelease>>();
  /** Packages the hub says have moved: old `org/name` → new. */
  readonly moved = new Map<string, string>();
  private server: http.Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.serve(req.url ?? '/', res));
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Publishes `org/name` at `version`. */
  publish(name: string, version: string, release: HubRelease = {}): this {
    let versions = this.packages.get(name);
    if (!versions) this.packages.set(name, (versions = new Map()));
    versions.set(version, release);
    return this;
  }

  count(prefix: string): number {
    return this.requests.filter((r) => r.startsWith(prefix)).length;
  }

  private async serve(url: string, res: http.ServerResponse): Promise<void> {
    this.requests.push(url);
    const route = this.routes.get(url);
    if (typeof route === 'number') return void res.writeHead(route).end('no');
    if (route) return void res.writeHead(200, { 'content-type': 'application/gzip' }).end(route);
    if (url === '/api/v1/index.json') return this.json(res, [...this.packages.keys()]);
    const meta = /^\/api\/v1\/([^/]+\/[^/]+)\.json$/.exec(url);
    if (meta) {
      const versions = this.packages.get(meta[1]);
      if (!versions) return void res.writeHead(404).end('not found');
      const [namespace, name] = meta[1].split('/');
      const out: Record<string, unknown> = {};
      for (const [v, rel] of versions) {
        out[v] = { id: `${meta[1]}/${v}`, name, version: v, packages: rel.packages ?? [], works_with: [], require_dbt_version: rel.requireDbtVersion ?? [], downloads: { tarball: `${this.url}tarballs/${meta[1]}/${v}.tar.gz`, format: 'tgz' } };
      }
      const to = this.moved.get(meta[1])?.split('/');
      const redirect = to ? { redirectnamespace: to[0], redirectname: to[1] } : {};
      return this.json(res, { name, namespace, latest: [...versions.keys()].pop(), versions: out, ...redirect });
    }
    const tb = /^\/tarballs\/([^/]+\/[^/]+)\/(.+)\.tar\.gz$/.exec(url);
    const rel = tb ? this.packages.get(tb[1])?.get(tb[2]) : undefined;
    if (tb && rel) {
      const short = tb[1].split('/')[1];
      const files: Record<string, string> = { 'dbt_project.yml': `name: ${short}\nversion: '${tb[2]}'\n`, ...(rel.files ?? {}) };
      if (rel.packages?.length && !files['packages.yml']) files['packages.yml'] = `packages:\n${rel.packages.map((p) => `  - ${JSON.stringify(p)}\n`).join('')}`;
      return void res.writeHead(200, { 'content-type': 'application/gzip' }).end(await tarGz(files, `${short}-${tb[2]}`));
    }
    res.writeHead(404).end('not found');
  }

  private json(res: http.ServerResponse, v: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v));
  }
}
