// kiln's version, in a module of its own: the CLI names it in `--version` and `--help` without
// loading the artifact writers (and through them the template engine).
export const KILN_VERSION = '0.1.0';

/** The dbt release whose artifact shapes kiln writes: `dbt_version` in templates and artifacts. */
export const DBT_COMPAT_VERSION = '1.10.0';

/**
 * The dbt release whose behaviour kiln follows and is checked against (dbt-core 1.11.16 +
 * dbt-duckdb): what require-dbt-version is checked against. Not DBT_COMPAT_VERSION: a project
 * pinned to `>=1.11.0` runs on kiln, as it would on the dbt kiln follows.
 */
export const DBT_FOLLOWED_VERSION = '1.11.16';
