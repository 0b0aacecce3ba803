// The target folder asked for outside dbt_project.yml. A module of its own: the warm compile
// check reads it before anything else of the project is loaded.

/**
 * `--target-path`, else DBT_TARGET_PATH; undefined when neither is given (then `target-path:` of
 * dbt_project.yml, else `target`). dbt's order: the command line, the environment, the project file.
 */
export function targetPathOverride(cli: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return cli || env.DBT_TARGET_PATH || undefined;
}
