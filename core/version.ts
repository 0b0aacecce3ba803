// kiln's version, in a module of its own: the CLI names it in `--version` and `--help` without
// loading the artifact writers (and through them the template engine).
export const KILN_VERSION = '0.1.0';

/**
 * The dbt release whose behaviour kiln follows and is checked against (dbt-core 1.11.16 +
 * dbt-duckdb): what require-dbt-version is checked against.
 */
export const DBT_FOLLOWED_VERSION = '1.11.16';

/**
 * The dbt release whose artifact shapes kiln writes (manifest v12 as 1.11 writes it: its
 * `functions` section, `quoting` and `run_started_at` in the metadata): `dbt_version` in
 * templates and artifacts.
 */
export const DBT_COMPAT_VERSION = DBT_FOLLOWED_VERSION;
