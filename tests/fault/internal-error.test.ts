// Errors that are kiln's own fault say so, and show a stack trace only with --debug; a reader
// that goes away (`kiln build | head -1`) is not a crash.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../core/cli/main.js';
import { relationsOf } from '../helpers/duckdb-query.js';
import { testdir } from '../helpers/testdir.js';
import { startKiln, STACK_FRAME } from './lib/process.js';

const PROJECT = {
  'dbt_project.yml': 'name: ie\nprofile: ie\n',
  'profiles.yml': 'ie:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      threads: 2\n',
  'models/a.sql': 'select 1 as id',
  'models/b.sql': "select * from {{ ref('a') }}",
};

/** An Io whose stdout fails on the first write: a genuine internal failure (the sink is kiln's). */
async function runWithBrokenStdout(args: string[], cwd: string) {
  let stderr = '';
  const io: Io = {
    stdout: () => {
      throw new Error('the output sink failed');
    },
    stderr: (t) => void (stderr += t),
    cwd,
    isTTY: false,
    onInterrupt: () => () => undefined,
  };
  const code = await main(args, io);
  return { code, stderr };
}

describe('internal errors', () => {
  it('say they are a bug, exit 3, and hide the stack trace without --debug', async () => {
    const dir = testdir(PROJECT);
    const r = await runWithBrokenStdout(['build'], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Internal error: the output sink failed/);
    expect(r.stderr).toMatch(/This is a bug in kiln/);
    expect(r.stderr).toMatch(/--debug/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it('show the stack trace with --debug', async () => {
    const dir = testdir(PROJECT);
    const r = await runWithBrokenStdout(['build', '--debug'], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/This is a bug in kiln/);
    expect(r.stderr).toMatch(STACK_FRAME);
    expect(r.stderr).toMatch(/reporter|main/);
  });

  it('a closed stdout (EPIPE) neither crashes nor stops the build', async () => {
    const dir = testdir(PROJECT);
    const k = startKiln(['build'], dir);
    await k.waitFor(/Running with kiln/);
    k.child.stdout!.destroy();
    const exit = await k.exited;
    expect(k.stderr()).not.toMatch(/EPIPE|Unhandled 'error' event/);
    expect(k.stderr()).not.toMatch(STACK_FRAME);
    expect(exit.code, k.stderr()).toBe(0);
    expect((await relationsOf(path.join(dir, 'dev.duckdb'))).map((r) => r.name)).toEqual(['a', 'b']);
  });
});
