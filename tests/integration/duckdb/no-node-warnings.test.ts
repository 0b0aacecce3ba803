// A kiln process prints nothing of Node's own: the artifact writer thread closes manifest.json's
// file descriptor that the main thread opened, which Node warns about unless the worker is told
// not to track such descriptors ("File descriptor N closed but not opened in unmanaged mode").
// Checked in a fresh process, where Node's warnings reach stderr.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Enough models for the writer thread (from 256 files) and a manifest of several 1 MB buffers. */
function bigProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-no-warnings-'));
  fs.mkdirSync(path.join(dir, 'models'));
  fs.writeFileSync(path.join(dir, 'dbt_project.yml'), 'name: p\nprofile: p\n');
  fs.writeFileSync(path.join(dir, 'profiles.yml'), `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ${path.join(dir, 'db.duckdb')}\n`);
  const long = 'words that describe the model at length '.repeat(300);
  const yml = ['version: 2', 'models:'];
  for (let i = 0; i < 400; i++) {
    fs.writeFileSync(path.join(dir, 'models', `m${i}.sql`), i === 0 ? 'select 1 as id\n' : `select id from {{ ref('m${i - 1}') }}\n`);
    yml.push(`  - name: m${i}`, `    description: "${long}${i}"`);
  }
  fs.writeFileSync(path.join(dir, 'models', 'schema.yml'), `${yml.join('\n')}\n`);
  return dir;
}

describe('a kiln process', () => {
  it('prints no Node warnings while writing a manifest of several MB', () => {
    const dir = bigProject();
    try {
      const script = `
        const { main } = await import(${JSON.stringify(pathToFileURL(path.join(root, 'core/cli/main.ts')).href)});
        const code = await main(['compile'], { stdout: () => {}, stderr: (t) => process.stderr.write(t), cwd: ${JSON.stringify(dir)}, isTTY: false, onInterrupt: () => () => undefined });
        process.exitCode = code;
      `;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(fs.statSync(path.join(dir, 'target', 'manifest.json')).size).toBeGreaterThan(3 << 20);
      expect(r.stderr).not.toMatch(/Warning|closed but not opened/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
