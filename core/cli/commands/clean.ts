// `kiln clean`: delete the clean-targets folders, never anything outside the project.
import fs from 'node:fs';
import path from 'node:path';
import { Codes, KilnError } from '../../errors.js';
import { loadProject } from '../../project/load-project.js';
import { targetPathOverride } from '../../project/target-path.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';

export async function cleanCommand(opts: GlobalOptions, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  const root = path.resolve(io.cwd, opts.projectDir ?? '.');
  const loaded = loadProject({ projectDir: root, vars: opts.vars, render: (t) => t, targetPath: targetPathOverride(opts.targetPath) });
  const targets = loaded.project.cleanTargets.length ? loaded.project.cleanTargets : [loaded.project.targetPath];
  for (const t of targets) {
    const abs = path.resolve(root, t);
    const rel = path.relative(root, abs);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new KilnError(Codes.CONFIG_INVALID, `clean-targets entry '${t}' is outside the project folder; refusing to delete it`, {
        loc: { file: 'dbt_project.yml' },
        hint: 'List only folders inside the project, such as target and dbt_packages.',
      });
    }
    if (fs.existsSync(abs)) {
      fs.rmSync(abs, { recursive: true, force: true });
      reporter.info(`Deleted ${rel}/`);
    } else {
      reporter.info(`Nothing to delete at ${rel}/`);
    }
  }
  return ExitCode.OK;
}
