// The CLI as users meet it: help, init, build through the real bin, exit codes, output formats.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln, kilnProcess } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 2\n`;
const project = (files: Record<string, string>) => testdir({ 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': PROFILE, ...files });

describe('kiln CLI', () => {
  it('prints complete help with every command and exit codes', async () => {
    const r = await kiln(['--help'], os.tmpdir());
    expect(r.code).toBe(0);
    for (const cmd of ['init', 'debug', 'parse', 'compile', 'run', 'seed', 'build', 'ls', 'clean']) expect(r.stdout).toMatch(new RegExp(`\\n  ${cmd}\\b`));
    expect(r.stdout).toMatch(/Exit codes/);
    const b = await kiln(['build', '--help'], os.tmpdir());
    for (const opt of ['--project-dir', '--profiles-dir', '--target', '--vars', '--threads', '--select', '--exclude', '--full-refresh', '--fail-fast', '--log-format', '--no-color']) {
      expect(b.stdout).toContain(opt);
    }
  });

  it('exits 2 on bad usage', async () => {
    const r = await kiln(['frobnicate'], os.tmpdir());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
    const t = await kiln(['run', '--threads', 'zero'], os.tmpdir());
    expect(t.code).toBe(2);
  });

  it('exits 2 with a hint outside a project', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-empty-'));
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toContain('KLN101');
    expect(r.output).toMatch(/kiln init/);
  });

  it('init then build works in a new directory through the real bin', () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-init-'));
    const init = kilnProcess(['init', 'demo'], parent);
    expect(init.code, init.output).toBe(0);
    const dir = path.join(parent, 'demo');
    expect(fs.existsSync(path.join(dir, 'dbt_project.yml'))).toBe(true);
    const build = kilnProcess(['build'], dir);
    expect(build.code, build.output).toBe(0);
    expect(build.stdout).toMatch(/Done\. PASS=36 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=36/);
    expect(fs.existsSync(path.join(dir, 'shop.duckdb'))).toBe(true);
    const again = kilnProcess(['init', 'demo'], parent);
    expect(again.code).toBe(2);
    expect(again.output).toContain('KLN602');
  });

  it('exits 1 through the real bin when a node fails', () => {
    const dir = project({ 'models/a.sql': 'select * from nowhere_at_all' });
    const r = kilnProcess(['run'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/nowhere_at_all/);
  });

  it('emits one JSON object per line with --log-format json', async () => {
    const dir = project({ 'models/a.sql': 'select 1 as id' });
    const r = await kiln(['run', '--log-format', 'json'], dir);
    expect(r.code, r.output).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const finished = events.find((e) => e.event === 'node_finished');
    expect(finished).toMatchObject({ unique_id: 'model.p.a', status: 'success', index: 1, total: 1 });
    expect(events.find((e) => e.event === 'summary')).toMatchObject({ pass: 1, error: 0 });
  });

  it('parse and compile write artifacts without touching the database', async () => {
    const dir = project({ 'models/a.sql': "select 1 as id", 'models/b.sql': "select * from {{ ref('a') }}" });
    const p = await kiln(['parse'], dir);
    expect(p.code, p.output).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')).nodes['model.p.b'].depends_on.nodes).toEqual(['model.p.a']);
    const c = await kiln(['compile', '-s', 'b', '--no-format'], dir);
    expect(c.code, c.output).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'target/compiled/p/models/b.sql'), 'utf8')).toBe('select * from "dev"."main"."a"');
    expect(fs.existsSync(path.join(dir, 'target/compiled/p/models/a.sql'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'dev.duckdb'))).toBe(false);
  });

  it('ls lists the selection in each output format', async () => {
    const dir = project({ 'models/staging/a.sql': 'select 1 as id', 'models/b.sql': "select * from {{ ref('a') }}", 'seeds/s.csv': 'x\n1\n' });
    expect((await kiln(['ls'], dir)).stdout.trim().split('\n').sort()).toEqual(['p.b', 'p.s', 'p.staging.a']);
    expect((await kiln(['ls', '-s', 'a+', '--output', 'name'], dir)).stdout).toBe('a\nb\n');
    expect((await kiln(['ls', '--resource-type', 'seed', '--output', 'path'], dir)).stdout).toBe('seeds/s.csv\n');
    const json = (await kiln(['ls', '-s', 'b', '--output', 'json'], dir)).stdout.trim();
    expect(JSON.parse(json)).toMatchObject({ name: 'b', resource_type: 'model', unique_id: 'model.p.b' });
  });

  it('clean removes the target folder', async () => {
    const dir = project({ 'models/a.sql': 'select 1 as id' });
    await kiln(['parse'], dir);
    expect(fs.existsSync(path.join(dir, 'target'))).toBe(true);
    const r = await kiln(['clean'], dir);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'target'))).toBe(false);
  });

  it('debug shows the target and checks the connection', async () => {
    const dir = project({ 'models/a.sql': 'select 1 as id' });
    const r = await kiln(['debug'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/type: duckdb/);
    expect(r.stdout).toMatch(/connection: OK/);
  });

  it('never prints secret values', async () => {
    process.env.KILN_SECRET_TOKEN = 'hunter2-very-secret';
    const dir = project({ 'models/a.sql': "select '{{ env_var('KILN_SECRET_TOKEN') }}' as t from nowhere_table" });
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(1);
    const secret = process.env.KILN_SECRET_TOKEN;
    expect(secret).toBeDefined();
    expect(r.output).not.toContain(secret!);
    for (const f of ['target/run_results.json', 'target/compiled/p/models/a.sql']) {
      expect(fs.readFileSync(path.join(dir, f), 'utf8')).not.toContain(secret!);
    }
  });
});
