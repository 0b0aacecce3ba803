// `kiln run --print-timings` (KILN_PROFILE=1) puts the time spent running nodes under `execute`
// (it used to show `execute 0.000s` and leave the whole run in `other`).
import { expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 1\n`;

interface TimingsEvent {
  readonly event: string;
  readonly phases: readonly { readonly phase: string; readonly seconds: number }[];
}

it('run reports its nodes under execute and its selection under graph', async () => {
  const dir = testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': PROFILE,
    'models/big.sql': "{{ config(materialized='table') }}\nselect count(*) as n from range(2000000)",
  });
  const r = await kiln(['run', '--print-timings', '--log-format', 'json'], dir);
  expect(r.code, r.output).toBe(0);
  const event = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as TimingsEvent)
    .find((e) => e.event === 'timings');
  expect(event, r.stderr).toBeDefined();
  const seconds = Object.fromEntries(event!.phases.map((p) => [p.phase, p.seconds]));
  expect(seconds.execute).toBeGreaterThan(0);
  expect(seconds.graph).toBeGreaterThan(0);
});

it("run tells the artifact writer thread's time when one wrote its files", async () => {
  // 200 views, two files each (target/compiled, target/run): the writer thread takes them
  const files: Record<string, string> = { 'dbt_project.yml': 'name: p\nprofile: p\n', 'profiles.yml': PROFILE };
  for (let i = 0; i < 200; i++) files[`models/m${i}.sql`] = `select ${i} as id`;
  const dir = testdir(files);
  // The worker from the start: the probe of the first 32 files would decide by how fast this machine creates them.
  process.env.KILN_BACKGROUND_WRITES = '1';
  let r;
  try {
    r = await kiln(['run', '--print-timings', '--threads', '4'], dir);
  } finally {
    delete process.env.KILN_BACKGROUND_WRITES;
  }
  expect(r.code, r.output).toBe(0);
  expect(r.output).toMatch(/Writer thread: busy \d+\.\d{3}s of \d+\.\d{3}s alive; the main thread waited \d+\.\d{3}s for it at the end/);
});
