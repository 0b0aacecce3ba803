// Builds a small project tree in a fresh temp dir: testdir({'dbt_project.yml': '...',
// 'models/a.sql': 'select 1'}) → the dir path. Dirs are removed when the test process exits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const created: string[] = [];
let cleanupRegistered = false;

export function testdir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-test-'));
  created.push(dir);
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    process.on('exit', () => {
      for (const d of created) fs.rmSync(d, { recursive: true, force: true });
    });
  }
  for (const [rel, contents] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, contents);
  }
  return dir;
}
