// Loading a project: dbt_project.yml, --vars, and every resource file (read and hashed).
import path from 'node:path';
import { Codes, KilnError, Problems } from '../errors.js';
import { discoverFiles, type FileReuse } from './discover.js';
import { loadProjectFile, throwErrorsSince } from './load-project-file.js';
import type { LoadedProject, RenderString } from './types.js';
import { describeValue, isPlainObject } from './values.js';
import { parseYaml } from './yaml-file.js';

export interface LoadProjectOptions {
  readonly projectDir: string;
  /** The `--vars` text: a YAML or JSON mapping. */
  readonly vars?: string;
  /** Renders Jinja in dbt_project.yml values (env_var, var from --vars). */
  readonly render?: RenderString;
  /** Receives warnings (errors are thrown). */
  readonly problems?: Problems;
  /** Reads a long-lived process already holds (see discover.ts). */
  readonly reuse?: FileReuse;
  /** --target-path or DBT_TARGET_PATH (targetPathOverride): wins over `target-path:`. */
  readonly targetPath?: string;
}

const VARS_HINT = `pass a YAML or JSON mapping, quoted for the shell: --vars '{"key": "value"}' or --vars 'key: value'`;

/** Parses `--vars`; empty → {}. Anything but a mapping is VARS_INVALID. */
export function parseCliVars(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = parseYaml(text, '--vars').value;
  } catch (e) {
    const reason = e instanceof KilnError ? e.message.replace(/^YAML syntax error in --vars at /, '') : String(e);
    throw new KilnError(Codes.VARS_INVALID, `Invalid --vars: ${reason}`, { hint: VARS_HINT, cause: e });
  }
  if (!isPlainObject(value)) {
    throw new KilnError(Codes.VARS_INVALID, `--vars must be a mapping of names to values, got ${describeValue(value)}`, {
      hint: VARS_HINT,
    });
  }
  return value;
}

/**
 * Loads the project in `projectDir`. Throws KilnError (or KilnErrors when several problems
 * were found); warnings are returned in `warnings` and also added to `problems` when given.
 */
export function loadProject(opts: LoadProjectOptions): LoadedProject {
  const problems = opts.problems ?? new Problems();
  const errorsBefore = problems.errors.length;
  const warningsBefore = problems.warnings.length;
  const root = path.resolve(opts.projectDir);
  const project = loadProjectFile(root, { render: opts.render, problems, targetPath: opts.targetPath });
  const cliVars = parseCliVars(opts.vars);
  const files = discoverFiles(root, project, problems, opts.reuse);
  throwErrorsSince(problems, errorsBefore);
  return { root, project, files, cliVars, warnings: problems.warnings.slice(warningsBefore) };
}
