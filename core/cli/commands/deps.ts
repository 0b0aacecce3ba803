// `kiln deps`: install the packages of packages.yml / dependencies.yml into dbt_packages/
// (packages-install-path): hub packages, git repositories, tarballs, local folders and vendored
// copies, following package-lock.yml while it matches packages.yml (`--upgrade` resolves again).
// Only this command loads the installer (network, git, tar): other commands never import it.
import path from 'node:path';
import { Codes, KilnError } from '../../errors.js';
import { addPackage, type AddSource } from '../../packages/add-package.js';
import { installPackages } from '../../packages/install.js';
import { loadProject } from '../../project/load-project.js';
import { TemplateEngine } from '../../template/engine.js';
import { DBT_FOLLOWED_VERSION } from '../../version.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';
import { projectFileVar } from '../session.js';

export interface DepsOptions {
  upgrade?: boolean;
  lock?: boolean;
  addPackage?: string;
  source?: string;
}

export async function depsCommand(opts: GlobalOptions & DepsOptions, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  const root = path.resolve(io.cwd, opts.projectDir ?? '.');
  // packages.yml may use env_var() (private git URLs with tokens); dbt_project.yml may use var()
  // with --vars, as in every other command (`+enabled: "{{ var('load_source_data', false) }}"`).
  const engine = new TemplateEngine();
  const context = { var: projectFileVar(opts.vars) };
  const render = (text: string, loc: { file: string }) => engine.render(loc.file, text, context);
  const loaded = loadProject({ projectDir: root, vars: opts.vars, render });
  if (opts.addPackage) {
    const added = addPackage(root, opts.addPackage, (opts.source ?? 'hub') as AddSource);
    reporter.info(`${added.replaced ? 'Replaced' : 'Added'} ${JSON.stringify(added.entry)} in ${added.file}`);
  } else if (opts.source) {
    reporter.kilnError(new KilnError(Codes.USAGE, '--source applies only with --add-package', { hint: 'e.g. kiln deps --add-package https://github.com/org/repo.git@v1.0.0 --source git' }), 'warn');
  }
  const vendorDirs = (process.env.KILN_PACKAGES_DIR ?? '').split(path.delimiter).filter(Boolean).map((d) => path.resolve(io.cwd, d));
  const result = await installPackages({
    projectDir: root,
    projectName: loaded.project.name,
    installPath: loaded.project.packagesInstallPath,
    render,
    vendorDirs,
    upgrade: opts.upgrade,
    lockOnly: opts.lock,
    // dbt skips hub versions made for another dbt version, unless --no-version-check
    dbtVersion: opts.versionCheck === false ? null : DBT_FOLLOWED_VERSION,
    warn: (w) => reporter.kilnError(w, 'warn'),
  });
  if (!result.file) {
    reporter.info('No packages to install: the project has no packages.yml or dependencies.yml with packages.');
    return ExitCode.OK;
  }
  if (opts.lock) {
    reporter.info(result.fromLock ? 'package-lock.yml already matches packages.yml: left as it is' : `Wrote package-lock.yml: ${result.installed.map((p) => `${p.name}${p.version ? ` ${p.version}` : ''}`).join(', ') || 'no packages'} (nothing installed)`);
    return ExitCode.OK;
  }
  const where = loaded.project.packagesInstallPath;
  if (result.fromLock) reporter.info('package-lock.yml matches packages.yml: installing the versions it lists (kiln deps --upgrade resolves again)');
  for (const p of result.installed) reporter.info(`Installed ${p.name}${p.version ? ` ${p.version}` : ''} into ${where}/${p.name}: ${p.how}`);
  for (const r of result.removed) reporter.info(`Removed ${where}/${r} (no longer a dependency)`);
  reporter.info(`${result.installed.length} package${result.installed.length === 1 ? '' : 's'} installed${result.fromLock ? '' : '; wrote package-lock.yml'}`);
  return ExitCode.OK;
}
