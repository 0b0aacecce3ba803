// The `kiln docs` commands' options, registered without loading what generating and serving the
// site need (the site bundler, Markdown, the SQL formatter): see ./docs.ts.
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { Io } from '../main.js';
import { addProjectOptions, type GlobalOptions } from '../options.js';
import type { DocsGenerateOptions, DocsServeOptions } from './docs.js';

type Action = (command: string, fn: (opts: GlobalOptions & Record<string, unknown>, args: string[]) => Promise<number>) => (...args: unknown[]) => Promise<void>;

/** Registers `kiln docs generate` and `kiln docs serve`. */
export function addDocsCommands(program: Command, action: Action, io: Io): void {
  const docs = program.command('docs').description('generate and serve the documentation site: pages, lineage graph, run history');
  addProjectOptions(
    docs
      .command('generate')
      .description('write the docs site (target/index.html), manifest.json and catalog.json (read from the warehouse)')
      .option('--no-compile', 'do not compile the project (pages show no compiled SQL)')
      .option('--empty-catalog', 'do not read the warehouse (catalog.json stays empty)'),
  ).action(action('generate', (o) => import('./docs.js').then((m) => m.docsGenerateCommand(o as GlobalOptions & DocsGenerateOptions, io))));
  addProjectOptions(
    docs
      .command('serve')
      .description('serve the generated docs site over HTTP (on 127.0.0.1 unless --host says otherwise)')
      .addOption(new Option('--port <port>', 'the port to listen on (0 picks a free one)').default(8080).argParser(port))
      .option('--host <host>', 'the address to listen on', '127.0.0.1')
      .option('--open', 'also open the site in the default browser'),
  ).action(action('serve', (o) => import('./docs.js').then((m) => m.docsServeCommand(o as GlobalOptions & DocsServeOptions, io))));
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a whole number from 0 to 65535.');
  return n;
}

