// addProjectOptions makes its options only for the command an invocation names first
// (optionsOnlyFor); every command gets them when options come before the command, for
// `kiln --help` and `kiln help <command>`.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addProjectOptions, optionsOnlyFor } from '../../../core/cli/options.js';

function build(argv: readonly string[]): Record<string, number> {
  const program = new Command('kiln');
  optionsOnlyFor(program, argv);
  addProjectOptions(program.command('run'), { selection: true, run: true });
  addProjectOptions(program.command('ls').alias('list'), { selection: true });
  const docs = program.command('docs');
  addProjectOptions(docs.command('generate'));
  const count = (c: Command) => (c.options as readonly unknown[]).length;
  return { run: count(program.commands[0]), ls: count(program.commands[1]), generate: count(docs.commands[0]) };
}

describe('optionsOnlyFor', () => {
  it('builds the options of the command named first only (aliases and subcommands included)', () => {
    const run = build(['run', '--select', 'x']);
    expect(run.run).toBeGreaterThan(10);
    expect(run.ls).toBe(0);
    expect(run.generate).toBe(0);
    expect(build(['list']).ls).toBeGreaterThan(5);
    expect(build(['docs', 'generate']).generate).toBeGreaterThan(5);
  });

  it('builds every command\'s options for options before the command, --help, help <command> and no arguments', () => {
    for (const argv of [['--threads', '2', 'run'], ['--help'], ['help', 'ls'], []]) {
      const built = build(argv);
      expect(Object.values(built).every((n) => n > 5), argv.join(' ')).toBe(true);
    }
  });
});
