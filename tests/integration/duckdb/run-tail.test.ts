// What a run does around its nodes to finish sooner: manifest.json made node by node as results
// come in (EarlyManifest, RunnerHooks.allCompiled, ArtifactWriter.writeJsonStreamAsync), the DuckDB file opened
// while the project is parsed (connectAhead) and checkpointed before it closes.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Session } from '../../../core/cli/session.js';
import { Compiler } from '../../../core/compiler/compile.js';
import { Runner } from '../../../core/runner/runner.js';
import { ArtifactWriter } from '../../../core/artifacts/write.js';
import { EarlyManifest, manifestNodeOrder } from '../../../core/artifacts/early-manifest.js';
import { manifestJsonChunks } from '../../../core/artifacts/manifest-json.js';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { makeAdapter, openRunSession, tempDir } from './helpers.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 2\n`;

let session: Session | null = null;
afterEach(async () => {
  await session?.adapter.close();
  session = null;
});

it('tells allCompiled once, when every node has compiled, failed or been skipped, and before the last one finishes', async () => {
  const opened = await openRunSession({
    'models/a.sql': 'select 1 as id',
    'models/b.sql': "select id from {{ ref('a') }}",
    'models/e.sql': "{{ config(materialized='ephemeral') }}\nselect id from {{ ref('a') }}",
    'models/c.sql': "select id from {{ ref('e') }}",
    'models/bad.sql': 'select no_such_column',
    'models/after_bad.sql': "select * from {{ ref('bad') }}",
    // Built last (after every other node): one thread makes the order certain.
    'models/z.sql': "select b.id from {{ ref('b') }} as b join {{ ref('c') }} as c using (id)",
  }, 2);
  session = opened.session;
  const { dir, selected, session: s } = opened;
  const events: string[] = [];
  const compiledAtHook: Record<string, boolean> = {};
  const compiler = new Compiler(s.manifest, s.engine, s.deps, s.profile.profileName);
  const runner = new Runner(s.manifest, s.dag, selected, s.adapter, compiler, { threads: 1, failFast: false, seeds: new Map() }, {
    nodeFinished: (n) => events.push(`finished ${n.name}`),
    allCompiled: () => {
      events.push('allCompiled');
      for (const n of s.manifest.nodes.values()) compiledAtHook[n.name] = n.compiledCode !== undefined;
    },
  });
  const summary = await runner.run();
  const status = Object.fromEntries(summary.results.map((r) => [r.uniqueId.split('.').pop(), r.status]));
  expect(status).toEqual({ a: 'success', b: 'success', c: 'success', bad: 'error', after_bad: 'skipped', z: 'success' });
  expect(events.filter((e) => e === 'allCompiled')).toHaveLength(1);
  // Every node that compiles in this run had compiled by then (the skipped one never does).
  expect(compiledAtHook).toMatchObject({ a: true, b: true, c: true, bad: true, after_bad: false, z: true });
  // Told once the last node had compiled, while it ran: before its result.
  expect(events.slice(-2), events.join('\n')).toEqual(['allCompiled', 'finished z']);
});

it('writes the same manifest.json after `kiln run` as `kiln compile` does (build_path aside), with no file left half made', async () => {
  const dir = testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': PROFILE,
    'models/a.sql': 'select 1 as id',
    'models/b.sql': "select id from {{ ref('a') }}",
    'models/c.sql': "select id from {{ ref('b') }} where id > {{ 0 }}",
  });
  const strip = (text: string) => text.replace(/"(generated_at|invocation_id|invocation_started_at|run_started_at)":"[^"]*"/g, '');
  expect((await kiln(['compile'], dir)).code).toBe(0);
  const compiled = strip(readFileSync(join(dir, 'target', 'manifest.json'), 'utf8'));
  expect((await kiln(['run'], dir)).code).toBe(0);
  // But for build_path, which names the target/run file of each node the run executed (dbt).
  const ran = strip(readFileSync(join(dir, 'target', 'manifest.json'), 'utf8'));
  expect(ran.match(/"build_path":"target\/run\/p\/models\/[abc]\.sql"/g)).toHaveLength(3);
  expect(ran.replace(/"build_path":"[^"]*"/g, '"build_path":null')).toBe(compiled);
  expect(readdirSync(join(dir, 'target')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

it('EarlyManifest writes, node by node during a run, the manifest.json made after it: nodes finishing out of order, ephemeral, failed and skipped', async () => {
  const opened = await openRunSession({
    // Manifest order is file order; the DAG runs z and y first, and e (ephemeral) is inlined.
    'models/a.sql': "select id from {{ ref('y') }}",
    'models/b.sql': "select id from {{ ref('e') }} where id > {{ 0 }}",
    'models/bad.sql': "select no_such_column from {{ ref('z') }}",
    'models/c.sql': "select * from {{ ref('bad') }}",
    'models/d.sql': "select id from {{ ref('a') }} join {{ ref('b') }} using (id)",
    'models/e.sql': "{{ config(materialized='ephemeral') }}\nselect id from {{ ref('z') }}",
    'models/y.sql': "select id from {{ ref('z') }}",
    'models/z.sql': 'select 1 as id',
  }, 2);
  session = opened.session;
  const { dir, selected, session: s } = opened;
  const meta = { invocationId: s.invocationId, generatedAt: s.startedAt, adapterType: s.adapter.type };
  const chunks = () => manifestJsonChunks(s.manifest, s.dag, s.adapter.dialect, meta);
  const writer = new ArtifactWriter(join(dir, 'target'));
  // As `kiln run` drives it, and with an order that is not manifestJsonChunks' (all waits for the end).
  const inOrder = new EarlyManifest(writer, (l) => manifestJsonChunks(s.manifest, s.dag, s.adapter.dialect, meta, l), { order: manifestNodeOrder(s.manifest), pending: selected });
  const offOrder = new EarlyManifest(
    new ArtifactWriter(join(dir, 'target', 'off')),
    (l) => manifestJsonChunks(s.manifest, s.dag, s.adapter.dialect, meta, l),
    { order: [...manifestNodeOrder(s.manifest)].reverse(), pending: selected },
  );
  const both = [inOrder, offOrder];
  const compiler = new Compiler(s.manifest, s.engine, s.deps, s.profile.profileName);
  const runner = new Runner(s.manifest, s.dag, selected, s.adapter, compiler, { threads: 2, failFast: false, seeds: new Map() }, {
    nodeStarted: () => both.forEach((m) => m.start()),
    nodeFinished: (n) => both.forEach((m) => m.settle(n.uniqueId)),
    allCompiled: () => both.forEach((m) => m.settleAll()),
  });
  const summary = await runner.run();
  expect(summary.results.map((r) => r.status).sort()).toEqual(['error', 'skipped', 'success', 'success', 'success', 'success', 'success']);
  await Promise.all(both.map((m) => m.finish()));
  const after = [...chunks()].join('');
  expect(JSON.parse(after).nodes['model.p.d'].compiled_code).toContain('"a"');
  expect(readFileSync(join(dir, 'target', 'manifest.json'), 'utf8')).toBe(after);
  expect(readFileSync(join(dir, 'target', 'off', 'manifest.json'), 'utf8')).toBe(after);
});

it('writeJsonStreamAsync writes what writeJsonStream does; aborted, it leaves the old file and no partial one', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const pieces = Array.from({ length: 5000 }, (_, i) => `${i === 0 ? '[' : ','}${JSON.stringify({ i, text: 'x'.repeat(i % 50) })}`).concat([']']);
    const writer = new ArtifactWriter(dir);
    writer.writeJsonStream('sync.json', pieces);
    await writer.writeJsonStreamAsync('async.json', pieces, new AbortController().signal, 0);
    expect(readFileSync(join(dir, 'async.json'), 'utf8')).toBe(readFileSync(join(dir, 'sync.json'), 'utf8'));

    writeFileSync(join(dir, 'old.json'), 'old');
    const stop = new AbortController();
    const writing = writer.writeJsonStreamAsync('old.json', pieces, stop.signal, 0);
    stop.abort();
    await expect(writing).rejects.toThrow();
    expect(readFileSync(join(dir, 'old.json'), 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  } finally {
    cleanup();
  }
});

it('writeJsonStreamAsync waits on `ready` before each piece, and has no file on disk until it has 1 MB or is done', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const pieces = Array.from({ length: 100 }, (_, i) => `${i === 0 ? '[' : ','}${i}`).concat([']']);
    let open = 10;
    let release: (() => void) | null = null;
    let asked = 0;
    const ready = () => (++asked <= open ? null : new Promise<void>((resolve) => (release = resolve)));
    const writing = new ArtifactWriter(dir).writeJsonStreamAsync('gated.json', pieces, new AbortController().signal, 4, ready);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    // Ten pieces made, the eleventh waits: nothing on disk yet, not even the temporary file.
    expect(asked).toBe(11);
    expect(readdirSync(dir)).toEqual([]);
    open = Infinity;
    release!();
    await writing;
    expect(readFileSync(join(dir, 'gated.json'), 'utf8')).toBe(pieces.join(''));
    expect(readdirSync(dir)).toEqual(['gated.json']);
  } finally {
    cleanup();
  }
});

it('writeJsonStreamAsync gives the event loop turns while its slice is finite, none once it returns Infinity (EarlyManifest after settleAll)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const pieces = Array.from({ length: 2000 }, (_, i) => `${i === 0 ? '[' : ','}${i}`).concat([']']);
    const writer = new ArtifactWriter(dir);
    /** Turns of the event loop taken by others between the first piece made and the last. */
    const turnsWhileMaking = async (name: string, slice: number | (() => number)) => {
      let turns = 0;
      let made = -1;
      let done = false;
      const tick = () => {
        if (done) return;
        turns++;
        setImmediate(tick);
      };
      function* counted() {
        const from = turns;
        yield* pieces;
        made = turns - from;
      }
      setImmediate(tick);
      await writer.writeJsonStreamAsync(name, counted(), new AbortController().signal, slice);
      done = true;
      expect(readFileSync(join(dir, name), 'utf8')).toBe(pieces.join(''));
      return made;
    };
    // A slice of 0 ms: a turn every 32 pieces.
    expect(await turnsWhileMaking('sliced.json', 0)).toBeGreaterThanOrEqual(60);
    // Infinity: the pieces are made in one go.
    expect(await turnsWhileMaking('whole.json', () => Infinity)).toBe(0);
  } finally {
    cleanup();
  }
});

it('connectAhead opens a file that exists, never creates one, and open() then reports what the opening met', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const missing = makeAdapter(dir, { path: join(dir, 'new.duckdb') });
    missing.connectAhead();
    await missing.close();
    expect(existsSync(join(dir, 'new.duckdb'))).toBe(false);

    const file = join(dir, 'dev.duckdb');
    const first = makeAdapter(dir, { path: file });
    await first.open();
    const conn = await first.acquire();
    await conn.execute('create table t as select 42 as x');
    first.release(conn);
    await first.close();
    // Checkpointed on close: nothing is left in a write-ahead log.
    expect(existsSync(`${file}.wal`)).toBe(false);

    const ahead = makeAdapter(dir, { path: file });
    ahead.connectAhead();
    await ahead.open();
    const c = await ahead.acquire();
    expect((await c.query('select x from t')).rows).toEqual([[42]]);
    ahead.release(c);
    await ahead.close();

    // A file that is not a database: the opening ahead fails, and open() throws its error.
    const bad = join(dir, 'bad.duckdb');
    writeFileSync(bad, 'not a database file, not at all'.repeat(200));
    const broken = makeAdapter(dir, { path: bad });
    broken.connectAhead();
    await expect(broken.open()).rejects.toMatchObject({ code: expect.any(String) });
    await broken.close();
  } finally {
    cleanup();
  }
});
