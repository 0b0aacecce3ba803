// `kiln init [dir]`: copy the built-in project template into a new or empty folder.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Codes, KilnError } from '../../errors.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';

/** The template ships beside core/ in the package (source and built layouts alike). */
export function templateDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'project-template');
    if (fs.existsSync(path.join(candidate, 'dbt_project.yml'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('project-template/ is missing from the kiln package');
    dir = up;
  }
}

/**
 * Copies the template to `dest` as a project's sources: not what building it in place left there
 * (target/, logs/, dbt_packages/, the DuckDB file), e.g. after the README's quick start.
 */
export function copyTemplate(dest: string): void {
  const from = templateDir();
  fs.cpSync(from, dest, {
    recursive: true,
    filter: (src) => !/(^|[\\/])(target|logs|dbt_packages)([\\/]|$)|\.duckdb(\.wal)?$/.test(path.relative(from, src)),
  });
}

export async function initCommand(dir: string, opts: Pick<GlobalOptions, 'logFormat' | 'color'>, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  const dest = path.resolve(io.cwd, dir);
  if (fs.existsSync(dest) && fs.readdirSync(dest).length > 0) {
    throw new KilnError(Codes.INIT_TARGET_EXISTS, `${dest} already exists and is not empty`, {
      hint: 'Choose a new folder name (`kiln init my_project`) or empty this one first; kiln never overwrites files.',
    });
  }
  copyTemplate(dest);
  const shown = path.relative(io.cwd, dest) || '.';
  reporter.info(`Created a new kiln project in ${shown}`);
  reporter.info('');
  reporter.info('Next:');
  if (shown !== '.') reporter.info(`  cd ${shown}`);
  reporter.info('  npx kiln build      # load the seeds and build every model into shop.duckdb');
  return ExitCode.OK;
}
