// The runner hands a node's compiled SQL to target/compiled once the node's first statement is on
// its way to the database (the database works while kiln writes), and still hands it over when
// the node fails.
import { afterEach, expect, it } from 'vitest';
import type { Connection } from '../../../adapters/adapter.js';
import type { Session } from '../../../core/cli/session.js';
import { openRunSession } from './helpers.js';
import { Compiler } from '../../../core/compiler/compile.js';
import { Runner } from '../../../core/runner/runner.js';


let session: Session | null = null;
afterEach(async () => {
  await session?.adapter.close();
  session = null;
});

it('hands the compiled SQL over after sending the first statement, and also for a node that fails', async () => {
  const opened = await openRunSession({
    'models/a.sql': 'select 1 as id',
    'models/b.sql': "select id from {{ ref('a') }}",
    'models/bad.sql': "select no_such_column from {{ ref('a') }}",
  }, 1);
  session = opened.session;
  const { dir, selected, session: s } = opened;
  const events: string[] = [];
  // Each statement sent is recorded the moment it is handed to the connection (methods patched on
  // the connection itself: the pool takes back only the connections it gave out).
  const acquire = s.adapter.acquire.bind(s.adapter);
  const patched = new WeakSet<Connection>();
  s.adapter.acquire = async () => {
    const conn = await acquire();
    if (patched.has(conn)) return conn;
    patched.add(conn);
    const c = conn as unknown as Record<string, unknown>;
    for (const name of ['execute', 'query', 'executeBatch']) {
      const fn = c[name];
      if (typeof fn !== 'function') continue;
      c[name] = (...args: unknown[]) => {
        events.push('sent');
        return (fn as (...a: unknown[]) => unknown).apply(conn, args);
      };
    }
    return conn;
  };
  const compiled = new Map<string, string>();
  const compiler = new Compiler(s.manifest, s.engine, s.deps, s.profile.profileName);
  const runner = new Runner(s.manifest, s.dag, selected, s.adapter, compiler, { threads: 1, failFast: false, seeds: new Map() }, {
    nodeStarted: (n) => events.push(`start ${n.name}`),
    compiled: (n, sql) => {
      events.push(`compiled ${n.name}`);
      compiled.set(n.name, sql);
    },
  });
  const summary = await runner.run();
  const status = Object.fromEntries(summary.results.map((r) => [r.uniqueId.split('.').pop(), r.status]));
  expect(status).toEqual({ a: 'success', b: 'success', bad: 'error' });
  for (const name of ['a', 'b', 'bad']) {
    const from = events.indexOf(`start ${name}`);
    const handed = events.indexOf(`compiled ${name}`);
    expect(handed, events.join('\n')).toBeGreaterThan(from);
    // A statement of this node went out between its start and the hand-over.
    expect(events.slice(from, handed), events.join('\n')).toContain('sent');
  }
  expect(compiled.get('b')).toBe('select id from "dev"."main"."a"');
  expect(compiled.get('bad')).toBe('select no_such_column from "dev"."main"."a"');
});
