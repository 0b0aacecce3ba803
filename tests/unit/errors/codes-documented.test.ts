// Error codes are a public contract: every code is documented in docs/errors.md with what it
// means, every code the source uses exists, and no two names share a code.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Codes } from '../../../core/errors.js';
import { repoRoot } from '../../helpers/cli.js';

const docs = fs.readFileSync(path.join(repoRoot, 'docs', 'errors.md'), 'utf8');
/** `| KLN102 | a YAML file does not parse ... |` rows of the tables. */
const documented = new Map<string, string>();
for (const m of docs.matchAll(/^\|\s*(KLN\d{3})\s*\|\s*(.*?)\s*\|\s*$/gm)) documented.set(m[1], m[2]);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}
const sources = [...sourceFiles(path.join(repoRoot, 'core')), ...sourceFiles(path.join(repoRoot, 'adapters'))].map((f) => ({
  file: path.relative(repoRoot, f),
  text: fs.readFileSync(f, 'utf8'),
}));
const values = new Set<string>(Object.values(Codes));

describe('error codes', () => {
  it('are unique and well formed', () => {
    const all = Object.values(Codes);
    expect(new Set(all).size, 'two names share a code').toBe(all.length);
    for (const c of all) expect(c).toMatch(/^KLN\d{3}$/);
  });

  it.each(Object.entries(Codes))('%s (%s) is documented in docs/errors.md with a description', (_name, code) => {
    expect(documented.has(code), `${code} has no row in docs/errors.md`).toBe(true);
    expect(documented.get(code)!.length, `${code} has an empty description`).toBeGreaterThan(10);
  });

  it('documents no code that does not exist', () => {
    expect([...documented.keys()].filter((c) => !values.has(c))).toEqual([]);
  });

  it('uses only codes that exist (Codes.NAME and literal KLNnnn in core/ and adapters/)', () => {
    const unknown: string[] = [];
    for (const { file, text } of sources) {
      for (const m of text.matchAll(/\bCodes\.([A-Z_][A-Z0-9_]*)/g)) if (!(m[1] in Codes)) unknown.push(`${file}: Codes.${m[1]}`);
      if (file === path.join('core', 'errors.ts')) continue;
      for (const m of text.matchAll(/\bKLN\d{3}\b/g)) if (!values.has(m[0])) unknown.push(`${file}: ${m[0]}`);
    }
    expect(unknown).toEqual([]);
  });
});
