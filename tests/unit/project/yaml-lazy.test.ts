// Start-up cost: the `yaml` package (~230 CommonJS files) is loaded only when a file needs the
// full parser, so reading a plain dbt_project.yml and profiles.yml does not load it. Checked in a
// fresh process, since this one has loaded it already.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function yamlLoadedAfter(projectYml: string): boolean {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-yaml-lazy-'));
  fs.writeFileSync(path.join(dir, 'profiles.yml'), 'p:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: x.duckdb, threads: 2}\n');
  const mod = (rel: string) => JSON.stringify(pathToFileURL(path.join(root, rel)).href);
  const script = `
    import { createRequire } from 'node:module';
    const { parseProjectFile } = await import(${mod('core/project/load-project-file.ts')});
    const { loadProfile } = await import(${mod('core/project/load-profile.ts')});
    parseProjectFile(${JSON.stringify(projectYml)}, 'dbt_project.yml');
    loadProfile({ projectDir: ${JSON.stringify(dir)}, profileName: 'p', env: {}, homeDir: ${JSON.stringify(dir)} });
    const cache = createRequire(import.meta.url).cache;
    console.log(Object.keys(cache).some((k) => k.includes('/node_modules/yaml/')) ? 'loaded' : 'not loaded');
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim() === 'loaded';
}

describe('loading the yaml package', () => {
  it('is skipped for plain dbt_project.yml and profiles.yml', () => {
    expect(yamlLoadedAfter('name: p\nprofile: p\nmodels:\n  p:\n    +materialized: table\n')).toBe(false);
  }, 30_000);

  it('happens when a file needs the full parser (an anchor)', () => {
    expect(yamlLoadedAfter('name: p\nprofile: p\nx: &a 1\ny: *a\n')).toBe(true);
  }, 30_000);
});
