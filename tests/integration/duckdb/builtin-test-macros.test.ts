// kiln's built-in generic test macros (unique, not_null, accepted_values, relationships) are
// compiled when a test first calls one, not by every parse: a run of models never compiles them,
// and tests using them build and pass as before.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSession } from '../../../core/cli/session.js';
import { BUILTIN_TESTS_FILE } from '../../../core/data-tests/builtin-tests.js';
import { TemplateEngine } from '../../../core/template/engine.js';
import { testdir } from '../../helpers/testdir.js';
import { kiln } from '../../helpers/cli.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n';

/** The files TemplateEngine compiled as macro files while `fn` ran. */
async function macroFilesCompiled(fn: () => Promise<unknown>): Promise<string[]> {
  const proto = TemplateEngine.prototype as unknown as { compileMacroFile: (file: string, ...rest: unknown[]) => unknown };
  const spy = vi.spyOn(proto, 'compileMacroFile');
  try {
    await fn();
    return spy.mock.calls.map((c) => c[0]);
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe("kiln's built-in test macros", () => {
  it('are not compiled by a parse, even of a project declaring tests', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/a.sql': "select 1 as id, 'x' as kind\n",
      'models/a.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n      - name: kind\n        data_tests:\n          - accepted_values:\n              values: [x, y]\n',
    });
    const compiled = await macroFilesCompiled(() => openSession({ command: 'parse', logFormat: 'text', color: false, partialParse: false }, dir));
    expect(compiled).not.toContain(BUILTIN_TESTS_FILE);
    // ... and the tests they define run as before.
    const build = await kiln(['build'], dir);
    expect(build.code, build.stdout + build.stderr).toBe(0);
    expect(build.stdout).toMatch(/PASS=4 /);
  });
});
