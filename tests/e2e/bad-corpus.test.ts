// The bad-input corpus (tests/fixtures/bad/): every broken project exits with its documented
// code, points at the right file and line, prints no stack trace, and runs nothing against the
// database. See tests/fixtures/bad/README.md for the format of expected.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kiln, repoRoot } from '../helpers/cli.js';
import { relationsOf } from '../helpers/duckdb-query.js';

interface Expected {
  /** The error code, e.g. KLN102. */
  readonly code: string;
  /** The file of the error's `-->` location (a regular expression), or null when it has none (command-line errors). */
  readonly file: string | null;
  readonly line?: number;
  readonly col?: number;
  /** A regular expression the output must match (usually part of the message). */
  readonly message: string;
  /** Arguments to kiln; default `build`. */
  readonly command?: readonly string[];
  /** Exit code; default 2 (a project that does not load). */
  readonly exit?: number;
  /** Environment variables set for the run. */
  readonly env?: Readonly<Record<string, string>>;
  /** Only the database can find this error: it ran, and `absent` relations must not exist, `present` ones must. */
  readonly ran?: boolean;
  readonly absent?: readonly string[];
  readonly present?: readonly string[];
  /** Why the case is skipped (kept in the corpus for when it can run). */
  readonly skip?: string;
}

const CORPUS = path.join(repoRoot, 'tests', 'fixtures', 'bad');
const cases = fs
  .readdirSync(CORPUS, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bad-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A fresh copy of the case's project (without expected.json), so runs never write into the repo. */
function copyCase(name: string): string {
  const dir = path.join(scratch, name);
  fs.cpSync(path.join(CORPUS, name), dir, { recursive: true, filter: (src) => path.basename(src) !== 'expected.json' || path.dirname(src) !== path.join(CORPUS, name) });
  return dir;
}

function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).map((f) => f.split(path.sep).join('/'));
}

async function withEnv<T>(env: Readonly<Record<string, string>> | undefined, fn: () => Promise<T>): Promise<T> {
  if (!env) return fn();
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\)|\(<anonymous>\))$/m;

describe('bad-input corpus', () => {
  it('has at least 50 cases, each with an expected.json', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
    for (const c of cases) expect(fs.existsSync(path.join(CORPUS, c, 'expected.json')), c).toBe(true);
  });

  for (const name of cases) {
    const expected = JSON.parse(fs.readFileSync(path.join(CORPUS, name, 'expected.json'), 'utf8')) as Expected;
    const test = expected.skip ? it.skip : it;
    test(`${name}: ${expected.code}`, async () => {
      const dir = copyCase(name);
      const before = new Set(filesUnder(dir));
      const r = await withEnv(expected.env, () => kiln(expected.command ?? ['build'], dir));
      const out = r.output;

      expect(r.code, out).toBe(expected.exit ?? 2);
      expect(out, 'the error code').toMatch(new RegExp(`error\\[${expected.code}\\]`));
      expect(out, 'the message').toMatch(new RegExp(expected.message));
      if (expected.file !== null) {
        const where = `${expected.file}${expected.line !== undefined ? `:${expected.line}` : ''}${expected.col !== undefined ? `:${expected.col}` : ''}`;
        expect(out, 'the location').toMatch(new RegExp(`--> ${where}(?![\\d])`));
      }
      expect(out, 'no stack trace').not.toMatch(STACK_FRAME);
      expect(out).not.toMatch(/Internal error/);

      const created = filesUnder(dir).filter((f) => !before.has(f));
      if (!expected.ran) {
        // Nothing ran: no database file, no run results, no executed SQL.
        expect(created.filter((f) => /\.duckdb|\.wal$/.test(f)), 'no database file').toEqual([]);
        expect(created.filter((f) => f === 'target/run_results.json' || f.startsWith('target/run/')), 'no run artifacts').toEqual([]);
      } else {
        const names = (await relationsOf(path.join(dir, 'dev.duckdb'))).map((r) => r.name);
        for (const a of expected.absent ?? []) expect(names, `${a} was not built`).not.toContain(a);
        for (const p of expected.present ?? []) expect(names, `${p} was built`).toContain(p);
      }
    });
  }
});
