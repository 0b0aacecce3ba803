// Whether an invocation uses partial parsing: on unless `--no-partial-parse`, the environment
// (KILN_NO_PARTIAL_PARSE=1, or dbt's DBT_PARTIAL_PARSE=false) or the project
// (`flags: {partial_parse: false}` in dbt_project.yml) turns it off.
import type { ProjectFile } from '../../project/types.js';

function falsy(v: unknown): boolean {
  if (v === false || v === 0) return true;
  if (typeof v !== 'string') return false;
  return ['0', 'false', 'no', 'off'].includes(v.trim().toLowerCase());
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && v !== '' && !falsy(v);
}

export function partialParseEnabled(flag: boolean | undefined, project: ProjectFile, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === false) return false;
  // --partial-parse given: the command line over the environment and the project, as in dbt
  if (flag === true) return true;
  if (truthy(env.KILN_NO_PARTIAL_PARSE)) return false;
  if (env.DBT_PARTIAL_PARSE !== undefined && falsy(env.DBT_PARTIAL_PARSE)) return false;
  return !falsy(project.flags.partial_parse);
}
