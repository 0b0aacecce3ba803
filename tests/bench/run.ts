// `npm run bench [-- <name>... [--list] [-- <args for the benchmark>]]`: runs benchmarks.
//
// A benchmark is a standalone script in tests/bench/ named `<name>.bench.ts`: it measures,
// prints a table and writes tests/bench/results/<name>.json (lib/report.ts helps). The runner
// finds them by name, runs each in a process of its own (so one's memory and JIT state never
// colour another's figures) and, for a script that only prints its figures as a JSON line,
// saves that line as its results file. Arguments after `--` go to the benchmarks.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { benchDir, repoRoot, resultsDir } from './lib/report.js';

export interface BenchEntry {
  readonly name: string;
  readonly file: string;
  readonly description: string;
}

/** Every `*.bench.ts` in tests/bench/, by name, with the first comment line as its description. */
export function registry(): BenchEntry[] {
  return fs
    .readdirSync(benchDir)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort()
    .map((f) => {
      const text = fs.readFileSync(path.join(benchDir, f), 'utf8');
      const first = /^\/\/\s*(.+)$/m.exec(text)?.[1] ?? '';
      return { name: f.slice(0, -'.bench.ts'.length), file: path.join(benchDir, f), description: first };
    });
}

/** Runs a benchmark script, its output shown as it comes and also kept. */
function runScript(file: string, args: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: repoRoot, stdio: ['inherit', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

async function main(argv: string[]): Promise<number> {
  const dashes = argv.indexOf('--');
  const own = dashes === -1 ? argv : argv.slice(0, dashes);
  const passed = dashes === -1 ? [] : argv.slice(dashes + 1);
  const all = registry();
  if (own.includes('--list') || own.includes('-h') || own.includes('--help')) {
    process.stdout.write(`usage: npm run bench [-- <name>... [-- <benchmark args>]]\n\n${all.map((b) => `  ${b.name.padEnd(20)} ${b.description}`).join('\n')}\n`);
    return 0;
  }
  const names = own.filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => !all.some((b) => b.name === n));
  if (unknown.length) {
    process.stderr.write(`unknown benchmark${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}\navailable: ${all.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  const chosen = names.length ? all.filter((b) => names.includes(b.name)) : all;
  let failed = 0;
  for (const b of chosen) {
    process.stdout.write(`\n=== ${b.name}: ${b.description}\n`);
    const before = resultsStamp(b.name);
    const r = await runScript(b.file, passed);
    if (r.code !== 0) {
      failed++;
      process.stderr.write(`${b.name} failed (exit ${r.code})\n`);
      continue;
    }
    if (resultsStamp(b.name) === before) saveJsonLine(b.name, r.stdout);
  }
  return failed ? 1 : 0;
}

function resultsStamp(name: string): number | null {
  try {
    return fs.statSync(path.join(resultsDir, `${name}.json`)).mtimeMs;
  } catch {
    return null;
  }
}

/** A benchmark that printed its figures as a JSON object line gets them saved as its results. */
function saveJsonLine(name: string, stdout: string): void {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.trim().startsWith('{') && l.trim().endsWith('}'));
  if (!line) return;
  try {
    const figures = JSON.parse(line) as unknown;
    fs.mkdirSync(resultsDir, { recursive: true });
    fs.writeFileSync(path.join(resultsDir, `${name}.json`), `${JSON.stringify({ benchmark: name, measuredAt: new Date().toISOString(), figures }, null, 2)}\n`);
    process.stdout.write(`saved ${path.relative(repoRoot, path.join(resultsDir, `${name}.json`))}\n`);
  } catch {
    // not JSON after all: nothing to save
  }
}

process.exitCode = await main(process.argv.slice(2));
