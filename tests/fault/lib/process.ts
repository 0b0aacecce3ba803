// A real `kiln` process to interrupt: started asynchronously, its output collected as it comes,
// with waits on what it prints and on its exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { kilnBin } from '../../helpers/cli.js';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface RunningKiln {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Output so far (stdout + stderr interleaved as it arrived). */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves when the output matches `re`; rejects on timeout or if the process exits first. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves when `count` lines of stdout match `re`, or when the process exits (false then). */
  waitForLines(re: RegExp, count: number): Promise<boolean>;
  readonly exited: Promise<Exit>;
}

export function startKiln(args: readonly string[], cwd: string, env: Record<string, string> = {}): RunningKiln {
  const child = spawn(process.execPath, [kilnBin, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let so = '';
  let se = '';
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    so += d;
    out += d;
    changed();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    se += d;
    out += d;
    changed();
  });
  let done = false;
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => {
      done = true;
      changed();
      resolve({ code, signal });
    }),
  );
  return {
    child,
    pid: child.pid!,
    output: () => out,
    stdout: () => so,
    stderr: () => se,
    exited,
    waitForLines(re, count) {
      return new Promise<boolean>((resolve) => {
        const check = () => {
          const n = so.split('\n').filter((l) => re.test(l)).length;
          if (n >= count || done) {
            listeners.delete(check);
            resolve(n >= count);
          }
        };
        listeners.add(check);
        check();
      });
    },
    waitFor(re, timeoutMs = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (re.test(out)) finish(resolve);
          else if (done) finish(() => reject(new Error(`kiln exited before printing ${re}:\n${out}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${re}:\n${out}`))), timeoutMs);
        const finish = (f: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          f();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** A stack frame as Node prints it: a sign of an unclassified crash. */
export const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\)|\(<anonymous>\))$/m;
