// The Jinja constructs dbt projects use, each rendered by kiln exactly as Python's Jinja renders
// it. The expected outputs come from Jinja itself (tests/fixtures/jinja-conformance/generate.py,
// with the sandboxed environment and extensions dbt uses); regenerate them after adding a case.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/cli.js';
import { MODES, engine } from './helpers.js';

interface Case {
  readonly name: string;
  readonly template: string;
  readonly context: Record<string, unknown>;
  readonly expected?: string;
  readonly error?: string;
}

const file = path.join(repoRoot, 'tests/fixtures/jinja-conformance/cases.json');
const { cases } = JSON.parse(fs.readFileSync(file, 'utf8')) as { cases: Case[] };

describe.each(MODES)('Jinja conformance (%s)', (mode) => {
  it.each(cases.filter((c) => c.expected !== undefined).map((c) => [c.name, c] as const))('%s', (_name, c) => {
    // dbt keeps no trailing newline (keep_trailing_newline is off), like the engine's default
    expect(engine(mode).render('conformance.sql', c.template, structuredClone(c.context))).toBe(c.expected);
  });

  it.each(cases.filter((c) => c.error !== undefined).map((c) => [c.name, c] as const))('%s is an error, as in Jinja', (_name, c) => {
    expect(() => engine(mode).render('conformance.sql', c.template, structuredClone(c.context))).toThrow();
  });
});
