// `kiln deps`: install the packages of packages.yml / dependencies.yml into dbt_packages/
// (packages-install-path) without the network, and write package-lock.yml.
import path from 'node:path';
import { installPackages } from '../../packages/install.js';
import { loadProject } from '../../project/load-project.js';
import { TemplateEngine } from '../../template/engine.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';
import { projectFileVar } from '../session.js';

export async function depsCommand(opts: GlobalOptions, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  const root = path.resolve(io.cwd, opts.projectDir ?? '.');
  // packages.yml may use env_var() (private git URLs with tokens); dbt_project.yml may use var()
  // with --vars, as in every other command (`+enabled: "{{ var('load_source_data', false) }}"`).
  const engine = new TemplateEngine();
  const context = { var: projectFileVar(opts.vars) };
  const render = (text: string, loc: { file: string }) => engine.render(loc.file, text, context);
  const loaded = loadProject({ projectDir: root, vars: opts.vars, render });
  const vendorDirs = (process.env.KILN_PACKAGES_DIR ?? '').split(path.delimiter).filter(Boolean).map((d) => path.resolve(io.cwd, d));
  const result = installPackages({
    projectDir: root,
    projectName: loaded.project.name,
    installPath: loaded.project.packagesInstallPath,
    render,
    vendorDirs,
    warn: (w) => reporter.kilnError(w, 'warn'),
  });
  if (!result.file) {
    reporter.info('No packages to install: the project has no packages.yml or dependencies.yml with packages.');
    return ExitCode.OK;
  }
  const where = loaded.project.packagesInstallPath;
  for (const p of result.installed) {
    const how = p.method === 'present' ? 'already present (vendored)' : p.method === 'link' ? `linked from ${path.relative(root, p.source) || p.source}` : `copied from ${p.source}`;
    reporter.info(`Installed ${p.name}${p.version ? ` ${p.version}` : ''} into ${where}/${p.name}: ${how}`);
  }
  for (const r of result.removed) reporter.info(`Removed ${where}/${r} (no longer a dependency)`);
  reporter.info(`${result.installed.length} package${result.installed.length === 1 ? '' : 's'} installed; wrote package-lock.yml`);
  return ExitCode.OK;
}
