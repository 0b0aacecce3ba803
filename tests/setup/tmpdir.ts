// Every temporary folder of a test run goes under one folder of its own, removed when the run
// ends: test files' own clean-up (process 'exit' handlers) does not run in vitest's forked
// workers, which left thousands of kiln-test-* folders in /tmp after each full run. Listed first
// in vitest.config.ts so that its teardown runs last, after the servers in it have stopped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const before = process.env.TMPDIR;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-run-'));
  // Others may pass through it (the throwaway PostgreSQL runs as user postgres), not list it.
  fs.chmodSync(dir, 0o711);
  // Workers and the processes tests start inherit it; os.tmpdir() reads it on each call.
  process.env.TMPDIR = dir;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
