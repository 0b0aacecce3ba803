// kiln's version, in a module of its own: the CLI names it in `--version` and `--help` without
// loading the artifact writers (and through them the template engine).
export const KILN_VERSION = '0.1.0';
