// `macros:` in property files: the macro's description (docs blocks rendered), arguments and
// patch_path in manifest.json, as dbt writes them; an unknown macro warns, a second entry fails.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const BASE = {
  'dbt_project.yml': 'name: mp\nversion: "1.0"\nprofile: mp\nconfig-version: 2\n',
  'profiles.yml': 'mp:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n',
  'macros/cents.sql': '{% macro cents(column, scale=2) %}round({{ column }} * 100, {{ scale }}){% endmacro %}\n{% macro bare() %}1{% endmacro %}\n',
  'macros/docs.md': '{% docs cents_doc %}Money in cents.{% enddocs %}\n',
  'models/m.sql': "select {{ cents('1.5') }} as c\n",
};

type Macro = { description: string; patch_path: string | null; arguments: unknown[] };
const macros = (dir: string) => (JSON.parse(fs.readFileSync(path.join(dir, 'target', 'manifest.json'), 'utf8')) as { macros: Record<string, Macro> }).macros;

describe('macro patches', () => {
  it("give the macro its description, arguments and patch_path; other macros keep their own", async () => {
    const dir = testdir({
      ...BASE,
      'macros/schema.yml': 'version: 2\nmacros:\n  - name: cents\n    description: "{{ doc(\'cents_doc\') }}"\n    arguments:\n      - name: column\n        type: string\n        description: The amount\n      - name: scale\n',
    });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const m = macros(dir);
    expect(m['macro.mp.cents']).toMatchObject({
      description: 'Money in cents.',
      patch_path: 'mp://macros/schema.yml',
      arguments: [{ name: 'column', type: 'string', description: 'The amount' }, { name: 'scale', type: null, description: '' }],
    });
    expect(m['macro.mp.bare']).toMatchObject({ description: '', patch_path: null, arguments: [] });
  });

  it('leave the arguments of a macro no YAML describes empty, whatever its signature (as dbt 1.11)', async () => {
    const dir = testdir(BASE);
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    // dbt: "arguments": [] for `{% macro cents(column, scale=2) %}` without a patch
    expect(macros(dir)['macro.mp.cents']!.arguments).toEqual([]);
  });

  it('warn about a macro the project does not define, and fail on a macro described twice', async () => {
    const unknown = testdir({ ...BASE, 'macros/schema.yml': 'version: 2\nmacros:\n  - name: dollars\n    description: x\n' });
    const r = await kiln(['parse'], unknown);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/KLN207.*macros\/schema\.yml describes macro 'dollars'/);
    const twice = testdir({ ...BASE, 'macros/a.yml': 'version: 2\nmacros:\n  - name: cents\n', 'macros/b.yml': 'version: 2\nmacros:\n  - name: cents\n' });
    const t = await kiln(['parse'], twice);
    expect(t.code).not.toBe(0);
    expect(t.output).toMatch(/KLN206.*Macro 'cents' is described twice/);
  });
});
