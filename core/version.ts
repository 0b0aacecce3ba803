// kiln's version, in a module of its own: the CLI names it in `--version` and `--help` without
// loading the artifact writers (and through them the template engine).
export const KILN_VERSION = '0.1.0';

/**
 * The dbt release whose artifact shapes kiln writes: `dbt_version` in templates and artifacts, and
 * the version require-dbt-version is checked against.
 */
export const DBT_COMPAT_VERSION = '1.10.0';
