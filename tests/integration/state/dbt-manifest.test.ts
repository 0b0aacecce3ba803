// state: against a manifest.json dbt 1.11 wrote (tests/fixtures/dbt-state): kiln hashes files and
// writes raw_code as dbt does (stripped of surrounding whitespace), so an unchanged project
// selects nothing and one edit selects that node only, whatever its kind.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kiln, repoRoot } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { ls } from './helpers.js';

const FIXTURE = path.join(repoRoot, 'tests', 'fixtures', 'dbt-state');
const DBT_STATE = path.join(FIXTURE, 'dbt-1.11');
const STATE = ['--state', DBT_STATE, '--indirect-selection', 'empty'];
const PROFILES = 'dbtstate:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      threads: 1\n';

type Json = Record<string, unknown>;
const dbt = JSON.parse(fs.readFileSync(path.join(DBT_STATE, 'manifest.json'), 'utf8')) as { nodes: Record<string, Json>; macros: Record<string, Json> };
let dir: string;

beforeAll(() => {
  dir = testdir({});
  fs.cpSync(path.join(FIXTURE, 'project'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'profiles.yml'), PROFILES);
});

/** Changes one file's bytes, runs `check`, then puts the file back. */
async function withEdit(file: string, change: (bytes: Buffer) => Buffer | string, check: () => Promise<void>): Promise<void> {
  const abs = path.join(dir, file);
  const before = fs.readFileSync(abs);
  fs.writeFileSync(abs, change(before));
  try {
    await check();
  } finally {
    fs.writeFileSync(abs, before);
  }
}

describe('state: against a manifest.json dbt 1.11 wrote', () => {
  it('writes the checksum and raw_code dbt wrote, for every node kind', async () => {
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const ours = JSON.parse(fs.readFileSync(path.join(dir, 'target', 'manifest.json'), 'utf8')) as typeof dbt;
    const kinds = new Set<unknown>();
    for (const [id, node] of Object.entries(dbt.nodes)) {
      kinds.add(node.resource_type);
      expect(ours.nodes[id]?.checksum, id).toEqual(node.checksum);
      // dbt reads a byte order mark as text and keeps it in raw_code; kiln drops it (its checksum still counts it).
      const raw = id === 'model.dbtstate.bom' ? String(node.raw_code).replace(/^\uFEFF/, '') : node.raw_code;
      expect(ours.nodes[id]?.raw_code, id).toBe(raw);
    }
    expect([...kinds].sort()).toEqual(['analysis', 'model', 'seed', 'snapshot', 'test']);
    // dbt configures analyses from `models:` (their fqn has `analysis` in it).
    const config = (m: typeof dbt) => m.nodes['analysis.dbtstate.an']!.config as Json;
    expect(config(ours).tags).toEqual(['nightly', 'adhoc']);
    expect(config(ours).materialized).toBe('table');
    expect(config(ours)).toEqual(config(dbt));
    const mine = ours.macros['macro.dbtstate.my_macro']!;
    const theirs = dbt.macros['macro.dbtstate.my_macro']!;
    for (const k of ['macro_sql', 'description', 'patch_path', 'arguments']) expect(mine[k], k).toEqual(theirs[k]);
  });

  it('selects nothing in the unchanged project, nor after whitespace-only edits dbt strips', async () => {
    expect(await ls(dir, ['-s', 'state:modified', ...STATE])).toEqual([]);
    expect((await ls(dir, ['-s', 'state:new', ...STATE]))).toEqual([]);
    await withEdit('models/trailing_nl.sql', (b) => `\n\n${b.toString('utf8')}\n\n`, async () => {
      await withEdit('seeds/small_seed.csv', (b) => `${b.toString('utf8')}\n`, async () => {
        expect(await ls(dir, ['-s', 'state:modified', ...STATE])).toEqual([]);
      });
    });
  });

  const edits: [string, string, (b: Buffer) => Buffer | string][] = [
    ['a model ending in a line break', 'models/trailing_nl.sql', (b) => b.toString('utf8').replace('1 as id', '10 as id')],
    ['a CRLF model', 'models/crlf.sql', (b) => b.toString('utf8').replace('select 4', 'select 40')],
    ['a model with leading whitespace', 'models/leading_ws.sql', (b) => b.toString('utf8').replace('5 as id', '50 as id')],
    ['a model with a byte order mark', 'models/bom.sql', (b) => b.toString('utf8').replace('7 as id', '70 as id')],
    ['a seed', 'seeds/small_seed.csv', (b) => `${b.toString('utf8')}3,c\n`],
    ['a CRLF seed', 'seeds/crlf_seed.csv', (b) => b.toString('utf8').replace('1,a', '1,b')],
    ['a snapshot', 'snapshots/snap.sql', (b) => b.toString('utf8').replace("ref('trailing_nl') }}", "ref('trailing_nl') }} where id > 0")],
    ['an analysis', 'analyses/an.sql', (b) => b.toString('utf8').replace('select *', 'select id')],
    ['a singular test', 'tests/singular_test.sql', (b) => b.toString('utf8').replace('id < 0', 'id < -1')],
  ];
  for (const [what, file, change] of edits) {
    it(`selects ${what} after an edit, and nothing else`, async () => {
      const name = path.basename(file).replace(/\.(sql|csv)$/, '');
      await withEdit(file, change, async () => {
        expect(await ls(dir, ['-s', 'state:modified', ...STATE])).toEqual([name]);
      });
    });
  }

  it('an edited macro modifies the model that calls it', async () => {
    await withEdit('macros/m.sql', (b) => b.toString('utf8').replace('  1\n', '  2\n'), async () => {
      expect(await ls(dir, ['-s', 'state:modified', ...STATE])).toEqual(['jinja_model']);
    });
  });
});
