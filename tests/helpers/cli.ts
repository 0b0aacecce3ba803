// Runs the kiln CLI in-process (fast, for most tests) or as a real process (exit codes, signals).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type Io } from '../../core/cli/main.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout + stderr, for assertions that don't care which stream. */
  readonly output: string;
}

export async function kiln(args: readonly string[], cwd: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd,
    isTTY: false,
    onInterrupt: () => () => undefined,
  };
  const code = await main(args, io);
  return { code, stdout, stderr, output: stdout + stderr };
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const kilnBin = path.join(repoRoot, 'bin', 'kiln.js');

export function kilnProcess(args: readonly string[], cwd: string, env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [kilnBin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, output: r.stdout + r.stderr };
}
