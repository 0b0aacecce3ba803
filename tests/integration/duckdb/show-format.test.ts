// `kiln show` prints a model's or an inline query's rows; `kiln format` lays out SQL and keeps Jinja.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 1\n`;
const project = (files: Record<string, string>) => testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': PROFILE, ...files });

describe('kiln show', () => {
  it('prints a model as an aligned table, limited, and as JSON', async () => {
    const dir = project({
      'models/base.sql': "{{ config(materialized='table') }}\nselect range as id, 'item ' || range as label, repeat('x', 60) as long_text from range(10)",
      'models/top.sql': "select * from {{ ref('base') }} where id < 3 order by id",
    });
    expect((await kiln(['run'], dir)).code).toBe(0);
    const r = await kiln(['show', '-s', 'top', '--limit', '2'], dir);
    expect(r.code, r.output).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\| id \| label +\| long_text +\|$/);
    expect(lines[2]).toMatch(/^\|  0 \| item 0 \| x{39}… \|$/);
    const j = await kiln(['show', '--inline', "select count(*) as n from {{ ref('base') }}", '--output', 'json'], dir);
    expect(j.code, j.output).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual([{ n: 10 }]);
  });

  it('asks for exactly one node', async () => {
    const dir = project({ 'models/a.sql': 'select 1 as x', 'models/b.sql': 'select 2 as x' });
    const r = await kiln(['show', '-s', 'a', 'b'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/selects 2/);
  });
});

describe('kiln format', () => {
  it('formats SQL in place, keeps Jinja exactly, and --check reports without writing', async () => {
    const original = "{{ config(materialized='table') }}\nselect a, b from {{ ref('x') }} {% if is_incremental() %} where a > 1 {% endif %}";
    const dir = project({ 'models/x.sql': 'select 1 as a, 2 as b', 'models/m.sql': original });
    const check = await kiln(['format', '--check'], dir);
    expect(check.code, check.output).toBe(1);
    expect(check.output).toMatch(/would reformat models\/m\.sql/);
    expect(fs.readFileSync(path.join(dir, 'models/m.sql'), 'utf8')).toBe(original);
    const r = await kiln(['format', 'models/m.sql'], dir);
    expect(r.code, r.output).toBe(0);
    const formatted = fs.readFileSync(path.join(dir, 'models/m.sql'), 'utf8');
    expect(formatted).not.toBe(original);
    expect(formatted.match(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g)).toEqual(["{{ config(materialized='table') }}", "{{ ref('x') }}", '{% if is_incremental() %}', '{% endif %}']);
    expect(formatted).toMatch(/^select\n  a,\n  b\nfrom/m);
    expect((await kiln(['format', '--check', 'models/m.sql'], dir)).code).toBe(0);
    // The formatted model still builds.
    expect((await kiln(['run'], dir)).code).toBe(0);
  });
});
