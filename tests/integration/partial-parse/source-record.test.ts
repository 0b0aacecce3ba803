// Partial parsing's record of the files read (core/parser/partial/source-record.ts): a file
// whose stat is as recorded is taken from the record, not opened. Every edit must still be seen,
// those a stat barely shows included (same size, mtime put back, files swapped by renames), and
// a file written just before it was read is not trusted on its stat.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSession } from '../../../core/cli/session.js';
import type { GlobalOptions } from '../../../core/cli/options.js';
import { CACHE_FILE } from '../../../core/parser/partial/parse-cache.js';
import { SOURCE_RECORD_FILE, SourceRecord } from '../../../core/parser/partial/source-record.js';
import { snapshotOf } from './manifest-snapshot.js';
import { SHOP_FILES } from './shop-project.js';
import { testdir } from '../../helpers/testdir.js';
import { kiln } from '../../helpers/cli.js';
import { UTILS_PACKAGE } from '../packages/utils-package.js';

function options(extra: Partial<GlobalOptions> = {}): GlobalOptions {
  return { command: 'parse', logFormat: 'text', color: false, ...extra };
}

/** The resource files of the shop project (what discovery reads). */
const RESOURCE_FILES = Object.keys(SHOP_FILES).filter((f) => f.includes('/'));

/**
 * Waits until every file under `dir` is older than the racy window of a read made now (0.1 s;
 * 2.1 s where the file system keeps whole seconds), so that a parse records them.
 */
async function settle(dir: string): Promise<void> {
  let newest = 0;
  let coarse = true;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.statSync(p);
        newest = Math.max(newest, st.mtimeMs, st.ctimeMs);
        coarse &&= st.mtimeMs % 1000 === 0 && st.ctimeMs % 1000 === 0;
      }
    }
  };
  walk(dir);
  const wait = newest + (coarse ? 2200 : 150) - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

/** Runs `fn` noting every path opened or read whole through node:fs. */
async function opened<T>(fn: () => Promise<T>): Promise<{ value: T; paths: string[] }> {
  const paths: string[] = [];
  const realOpen = fs.openSync;
  const realRead = fs.readFileSync;
  const open = vi.spyOn(fs, 'openSync').mockImplementation(((p: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => {
    paths.push(String(p));
    return realOpen(p, flags, mode);
  }) as typeof fs.openSync);
  const read = vi.spyOn(fs, 'readFileSync').mockImplementation(((p: fs.PathOrFileDescriptor, o?: never) => {
    paths.push(String(p));
    return realRead(p, o);
  }) as typeof fs.readFileSync);
  try {
    return { value: await fn(), paths };
  } finally {
    open.mockRestore();
    read.mockRestore();
  }
}

/** A warm parse of `dir` that must agree with a cold one (no cache, no record); the paths the warm one opened. */
async function warmEqualsCold(dir: string): Promise<{ opened: string[]; session: Awaited<ReturnType<typeof openSession>> }> {
  const { value: warm, paths } = await opened(() => openSession(options(), dir));
  const cold = await openSession(options({ partialParse: false }), dir);
  expect(snapshotOf(warm)).toEqual(snapshotOf(cold));
  return { opened: paths, session: warm };
}

/** The resource files (relative) among `paths`. */
function resourcesIn(dir: string, paths: readonly string[]): string[] {
  // (each once: readFileSync may open through fs.openSync)
  return [...new Set(paths.map((p) => path.relative(dir, p).split(path.sep).join('/')).filter((p) => RESOURCE_FILES.includes(p)))];
}

/** Replaces `from` with `to` (as long) in a file, and puts its mtime and atime back (to the nanosecond, as `touch -r`). */
function editKeepingSizeAndTimes(dir: string, rel: string, from: string, to: string): void {
  expect(to.length).toBe(from.length);
  const abs = path.join(dir, rel);
  const times = `${abs}.times`;
  execFileSync('touch', ['-r', abs, times]);
  const before = fs.statSync(abs);
  const text = fs.readFileSync(abs, 'utf8');
  expect(text).toContain(from);
  fs.writeFileSync(abs, text.replace(from, to));
  execFileSync('touch', ['-r', times, abs]);
  fs.rmSync(times);
  const after = fs.statSync(abs);
  expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);
}

/** Parses `dir` twice: the first parse writes an empty record, the second records every file. */
async function recorded(dir: string): Promise<void> {
  await openSession(options(), dir);
  await openSession(options(), dir);
}

const savedEnv = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
});

describe("partial parsing's record of the files read", () => {
  it('an unchanged project is parsed again without opening any of its files', async () => {
    const dir = testdir(SHOP_FILES);
    await settle(dir);
    // The first parse reads every file as without partial parsing, and writes an empty record;
    // the second reads every file and records it.
    const first = await opened(() => openSession(options(), dir));
    expect(resourcesIn(dir, first.paths).sort()).toEqual([...RESOURCE_FILES].sort());
    expect(fs.existsSync(path.join(dir, 'target', SOURCE_RECORD_FILE))).toBe(true);
    expect(SourceRecord.open(path.join(dir, 'target')).under(dir).get('models/marts/orders.sql', false)).toBeUndefined();
    const second = await opened(() => openSession(options(), dir));
    expect(resourcesIn(dir, second.paths).sort()).toEqual([...RESOURCE_FILES].sort());
    const recordTime = fs.statSync(path.join(dir, 'target', SOURCE_RECORD_FILE)).mtimeMs;
    const { opened: again, session } = await warmEqualsCold(dir);
    expect(resourcesIn(dir, again)).toEqual([]);
    expect(session.parseCacheStats!.misses).toBe(0);
    // Nothing read: the record is not written again.
    expect(fs.statSync(path.join(dir, 'target', SOURCE_RECORD_FILE)).mtimeMs).toBe(recordTime);
  });

  it('sees edits that keep the size and put the mtime back, of every kind of file', async () => {
    const dir = testdir(SHOP_FILES);
    await settle(dir);
    await recorded(dir);
    editKeepingSizeAndTimes(dir, 'models/marts/revenue.sql', 'sum(cents) as total', 'max(cents) as total');
    editKeepingSizeAndTimes(dir, 'models/staging/_staging.yml', 'data_tests: [unique, not_null]', 'data_tests: [not_null, unique]');
    editKeepingSizeAndTimes(dir, 'seeds/countries.csv', 'de,Germany', 'de,Germanx');
    editKeepingSizeAndTimes(dir, 'macros/cents.sql', '* 100', '* 101');
    const { opened: again, session } = await warmEqualsCold(dir);
    expect(resourcesIn(dir, again).sort()).toEqual(['macros/cents.sql', 'models/marts/revenue.sql', 'models/staging/_staging.yml', 'seeds/countries.csv']);
    expect(session.manifest.nodes.get('model.shop.revenue')!.rawCode).toContain('max(cents)');
    expect(session.manifest.macros.get('macro.shop.cents')!.macroSql).toContain('* 101');
  });

  it('sees files added, deleted, renamed, and two files of the same size swapped by renames', async () => {
    const dir = testdir({ ...SHOP_FILES, 'models/marts/a.sql': 'select 1 as a\n', 'models/marts/b.sql': 'select 2 as b\n', 'models/marts/gone.sql': 'select 3 as c\n' });
    await settle(dir);
    await recorded(dir);
    const marts = path.join(dir, 'models/marts');
    fs.renameSync(path.join(marts, 'a.sql'), path.join(marts, 'tmp.sql'));
    fs.renameSync(path.join(marts, 'b.sql'), path.join(marts, 'a.sql'));
    fs.renameSync(path.join(marts, 'tmp.sql'), path.join(marts, 'b.sql'));
    fs.writeFileSync(path.join(marts, 'added.sql'), "select * from {{ ref('a') }}\n");
    fs.rmSync(path.join(dir, 'models/marts/gone.sql'));
    fs.renameSync(path.join(dir, 'models/staging/stg_orders.sql'), path.join(dir, 'models/marts/stg_orders.sql'));
    const { session } = await warmEqualsCold(dir);
    expect(session.manifest.nodes.get('model.shop.a')!.rawCode).toBe('select 2 as b\n');
    expect(session.manifest.nodes.get('model.shop.b')!.rawCode).toBe('select 1 as a\n');
    expect(session.manifest.nodes.has('model.shop.added')).toBe(true);
    expect(session.manifest.nodes.has('model.shop.gone')).toBe(false);
    expect(session.manifest.nodes.get('model.shop.stg_orders')!.originalFilePath).toBe('models/marts/stg_orders.sql');
  });

  it('does not trust the stat of a file whose times are within the moment it was read (racy), nor a damaged record', async () => {
    const dir = testdir(SHOP_FILES);
    await settle(dir);
    // A file written "during" the read: times not older than the read, by a clock ahead or a write in the same tick.
    const future = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(dir, 'models/marts/revenue.sql'), future, future);
    await recorded(dir);
    const record = SourceRecord.open(path.join(dir, 'target')).under(dir);
    expect(record.get('models/marts/revenue.sql', false)).toBeUndefined();
    expect(record.get('models/marts/orders.sql', false)?.contents).toBe(SHOP_FILES['models/marts/orders.sql']);
    // ... so the next parse reads it again (and a racy file is never recorded).
    const next = await warmEqualsCold(dir);
    expect(resourcesIn(dir, next.opened)).toEqual(['models/marts/revenue.sql']);

    // A damaged record reads as none: every file is read, and the record written afresh (empty, then full).
    const file = path.join(dir, 'target', SOURCE_RECORD_FILE);
    fs.truncateSync(file, fs.statSync(file).size - 3);
    const damaged = await warmEqualsCold(dir);
    expect(resourcesIn(dir, damaged.opened).sort()).toEqual([...RESOURCE_FILES].sort());
    await openSession(options(), dir);
    expect(SourceRecord.open(path.join(dir, 'target')).under(dir).get('models/marts/orders.sql', false)).toBeDefined();
  });

  it('is neither read nor written without partial parsing, and is kept in the target folder in use', async () => {
    const dir = testdir(SHOP_FILES);
    await settle(dir);
    await recorded(dir);
    const file = path.join(dir, 'target', SOURCE_RECORD_FILE);
    // The record says otherwise (same length): only a parse that uses it sees that (the parse
    // cache, which would give the node as it was, removed).
    fs.rmSync(path.join(dir, 'target', CACHE_FILE));
    const bytes = fs.readFileSync(file);
    const at = bytes.lastIndexOf('sum(cents)');
    expect(at).toBeGreaterThan(0);
    bytes.write('min', at, 'latin1');
    fs.writeFileSync(file, bytes);
    const used = await openSession(options(), dir);
    expect(used.manifest.nodes.get('model.shop.revenue')!.rawCode).toContain('min(cents)');
    const off = await opened(() => openSession(options({ partialParse: false }), dir));
    expect(off.value.manifest.nodes.get('model.shop.revenue')!.rawCode).toContain('sum(cents)');
    expect(off.paths).not.toContain(file);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    // Another target folder: another record (none yet).
    const other = await opened(() => openSession(options({ targetPath: 'elsewhere' }), dir));
    expect(other.value.manifest.nodes.get('model.shop.revenue')!.rawCode).toContain('sum(cents)');
    expect(resourcesIn(dir, other.paths).sort()).toEqual([...RESOURCE_FILES].sort());
    expect(fs.existsSync(path.join(dir, 'elsewhere', SOURCE_RECORD_FILE))).toBe(true);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
  });

  it("records an installed package's files too", async () => {
    const root = testdir({
      'shop/dbt_project.yml': 'name: shop\nprofile: shop\n',
      'shop/profiles.yml': SHOP_FILES['profiles.yml']!,
      'shop/packages.yml': 'packages:\n  - local: ../kiln_utils\n',
      'shop/models/calendar_days.sql': "select count(*) as days from {{ ref('kiln_utils', 'utils_calendar') }}\n",
      ...Object.fromEntries(Object.entries(UTILS_PACKAGE).map(([k, v]) => [`kiln_utils/${k}`, v])),
    });
    const dir = path.join(root, 'shop');
    expect((await kiln(['deps'], dir)).code).toBe(0);
    await settle(dir);
    await recorded(dir);
    const { value, paths } = await opened(() => openSession(options(), dir));
    const installed = path.join(dir, 'dbt_packages');
    expect(paths.filter((p) => p.startsWith(installed) && !p.endsWith('dbt_project.yml'))).toEqual([]);
    expect(value.manifest.nodes.has('model.kiln_utils.utils_calendar')).toBe(true);
    const pkg = fs.readdirSync(installed)[0]!;
    const model = path.join(installed, pkg, 'models/utils_calendar.sql');
    fs.writeFileSync(model, fs.readFileSync(model, 'utf8').replace('as label', 'as the_label'));
    const edited = await warmEqualsCold(dir);
    expect(edited.session.manifest.nodes.get('model.kiln_utils.utils_calendar')!.rawCode).toContain('as the_label');
  });
});
