// A long-running kiln process (`kiln watch`) driven from a test: its output is collected as it
// comes, and the test waits for lines (event-driven, with a generous timeout) instead of sleeping.
import { spawn, type ChildProcess } from 'node:child_process';
import { kilnBin } from './cli.js';

export class KilnChild {
  private readonly child: ChildProcess;
  private text = '';
  private readonly waiters: { test: (text: string) => boolean; resolve: () => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: readonly string[], cwd: string, env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [kilnBin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
      for (const w of [...this.waiters]) {
        if (w.test(this.text)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Everything printed so far (stdout and stderr interleaved as they arrived). */
  get output(): string {
    return this.text;
  }

  /**
   * Waits until `pattern` has matched `count` times in the whole output (so a test can wait for
   * the second rebuild's summary line); fails with the output so far after `timeoutMs`.
   */
  waitFor(pattern: RegExp, count = 1, timeoutMs = 60_000): Promise<void> {
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
    const test = (text: string) => (text.match(global)?.length ?? 0) >= count;
    if (test(this.text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} ×${count}; output:\n${this.text}`)), timeoutMs);
      const exit = () => reject(new Error(`kiln exited while waiting for ${pattern} ×${count}; output:\n${this.text}`));
      this.child.once('exit', exit);
      this.waiters.push({
        test,
        resolve: () => {
          clearTimeout(timer);
          this.child.off('exit', exit);
          resolve();
        },
      });
    });
  }

  /** Sends Ctrl-C (SIGINT) and resolves with the exit code. */
  async interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }

  /** Makes sure the process is gone (after a failed assertion). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
