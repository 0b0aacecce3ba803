// Loading the PostgreSQL adapter must not make Node 20 load its fetch implementation (pg's
// Cloudflare probe constructs a `Response` when there is no global `navigator`).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withoutRuntimeProbe } from '../../../adapters/postgres/driver-import.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('loading the PostgreSQL adapter', () => {
  it('leaves undici unloaded and no global navigator behind', () => {
    // a fresh process: this one has loaded pg (and maybe undici) already
    const script = `
      const { createAdapter } = await import('./adapters/registry.ts');
      const target = { name: 'dev', type: 'postgres', host: '127.0.0.1', port: 1, user: 'u', dbname: 'd', schema: 's', threads: 1 };
      await createAdapter(target, '.', 'profiles.yml').catch(() => undefined);
      const pgLoaded = Object.keys((await import('node:module')).createRequire(import.meta.url).cache).some((f) => f.includes('/node_modules/pg/lib/'));
      console.log(JSON.stringify({ pgLoaded, undici: process.moduleLoadList.some((m) => m.includes('undici')), navigator: typeof globalThis.navigator }));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { pgLoaded: boolean; undici: boolean; navigator: string };
    expect(out.pgLoaded).toBe(true);
    expect(out.undici).toBe(false);
    expect(out.navigator).toBe(process.versions.node.split('.')[0] === '20' ? 'undefined' : 'object');
  });

  it('restores the global even when the import fails', async () => {
    const before = (globalThis as { navigator?: unknown }).navigator;
    await expect(withoutRuntimeProbe(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect((globalThis as { navigator?: unknown }).navigator).toBe(before);
  });
});
