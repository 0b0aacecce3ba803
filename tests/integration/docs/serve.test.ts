// `kiln docs serve`: static files from target/ on 127.0.0.1, nothing outside it, clear errors.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveDirectory } from '../../../core/docs/serve.js';
import { kiln, kilnBin } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 1\n`;

describe('docs serve', () => {
  it('serves target/ read-only with the right types, and nothing outside it', async () => {
    const dir = testdir({ 'target/index.html': '<!doctype html><title>x</title>', 'target/kiln-docs/app.js': 'void 0;', 'secret.txt': 'not for you' });
    const server = await serveDirectory(path.join(dir, 'target'), { host: '127.0.0.1', port: 0 });
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
      const index = await fetch(server.url);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await index.text()).toContain('<title>x</title>');
      const js = await fetch(`${server.url}kiln-docs/app.js`);
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect((await fetch(`${server.url}missing.js`)).status).toBe(404);
      expect((await fetch(`${server.url}..%2fsecret.txt`)).status).toBe(403);
      const raw = await rawGet(server.port, '/../secret.txt');
      expect(raw).toMatch(/^HTTP\/1\.1 40[34]/);
      expect(raw).not.toContain('not for you');
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('says when the port is taken, and when there is nothing to serve', async () => {
    const dir = testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': PROFILE, 'target/index.html': 'x' });
    const blocker = await serveDirectory(path.join(dir, 'target'), { host: '127.0.0.1', port: 0 });
    try {
      const taken = await kiln(['docs', 'serve', '--port', String(blocker.port)], dir);
      expect(taken.code).toBe(2);
      expect(taken.output).toContain('KLN604');
      expect(taken.output).toMatch(/--port/);
    } finally {
      await blocker.close();
    }
    fs.rmSync(path.join(dir, 'target'), { recursive: true });
    const none = await kiln(['docs', 'serve'], dir);
    expect(none.code).toBe(2);
    expect(none.output).toContain('KLN603');
    expect(none.output).toMatch(/kiln docs generate/);
    const bad = await kiln(['docs', 'serve', '--port', 'eighty'], dir);
    expect(bad.code).toBe(2);
  });

  it('runs until Ctrl-C through the real bin, on 127.0.0.1', async () => {
    const dir = testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': PROFILE, 'models/a.sql': 'select 1 as id' });
    expect((await kiln(['docs', 'generate', '--empty-catalog'], dir)).code).toBe(0);
    const child = spawn(process.execPath, [kilnBin, 'docs', 'serve', '--port', '0'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no URL printed:\n${stdout}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /Serving the docs of p at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
    });
    const page = await fetch(url);
    expect(await page.text()).toContain('<title>p · kiln docs</title>');
    expect((await fetch(`${url}kiln-docs/data/core.js`)).status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGINT');
    });
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/Stopped serving the docs/);
  });
});

/** A GET with the path exactly as given (fetch would normalise `..` away). */
function rawGet(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let data = '';
    sock.on('data', (d) => (data += d.toString()));
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
  });
}
