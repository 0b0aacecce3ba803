// `kiln run-operation <macro> --args '<yaml>'`: call one macro (the project's, a package's as
// `pkg.macro`, or kiln's) with keyword arguments, against the warehouse. What the macro
// returns is not printed (dbt does not either); log(..., info=True) lines are.
import { closest, distance } from 'fastest-levenshtein';
import { Codes, KilnError } from '../../errors.js';
import { operationContext } from '../../macros/operation-context.js';
import { parseYaml } from '../../project/yaml-file.js';
import { kwargs } from '../../template/engine.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';
import { openSession } from '../session.js';
import { reportWarnings } from './shared.js';

export interface RunOperationOptions extends GlobalOptions {
  /** --args: a YAML mapping of the macro's keyword arguments. */
  args?: string;
}

const ARGS_HINT = `Pass a YAML mapping, quoted for the shell: --args '{table: orders, limit: 5}'.`;

function parseArgs(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = parseYaml(text, '--args').value;
  } catch (e) {
    throw new KilnError(Codes.USAGE, `--args is not valid YAML: ${e instanceof Error ? e.message : String(e)}`, { hint: ARGS_HINT });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new KilnError(Codes.USAGE, '--args must be a mapping of argument names to values', { hint: ARGS_HINT });
  }
  return value as Record<string, unknown>;
}

export async function runOperationCommand(macroName: string, opts: RunOperationOptions, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  const args = parseArgs(opts.args);
  const session = await openSession(opts, io.cwd);
  reportWarnings(reporter, session.warnings);
  session.adapter.onRetry = (n) => reporter.retrying(n);
  const engine = session.engine;
  const dot = macroName.indexOf('.');
  const pkg = dot > 0 ? macroName.slice(0, dot) : undefined;
  const name = dot > 0 ? macroName.slice(dot + 1) : macroName;
  if (!engine.hasMacro(name, pkg)) {
    const names = engine.listMacros().filter((m) => m.kind === 'macro' && (pkg === undefined || m.packageName === pkg)).map((m) => (pkg ? m.name : m.name));
    const near = names.length ? closest(name, names) : undefined;
    throw new KilnError(Codes.MACRO_UNKNOWN, `No macro named '${macroName}'${pkg ? ` in package '${pkg}'` : ''}`, {
      hint: near && distance(near, name) <= Math.max(2, Math.floor(name.length / 3)) ? `Did you mean '${pkg ? `${pkg}.` : ''}${near}'?` : 'Define it with {% macro name(...) %} in macros/, or call a package macro as package.macro.',
    });
  }
  engine.setLogSink((m, info) => {
    // print() output shows with -q, as dbt's does; --no-print drops it
    if (info === 'print') {
      if (opts.print !== false) reporter.printed(m);
    } else if (info) reporter.info(m);
  });
  await session.adapter.open();
  const conn = await session.adapter.acquire();
  const started = performance.now();
  try {
    const rec = engine.listMacros().find((m) => m.name === name && (pkg === undefined || m.packageName === pkg));
    const ctx = operationContext({
      manifest: session.manifest,
      deps: session.deps,
      profileName: session.profile.profileName,
      warehouse: { adapter: session.adapter, connection: async () => conn },
      file: rec ? `${rec.packageName}.${rec.name}` : macroName,
      packageName: pkg && pkg !== session.loaded.project.name ? pkg : undefined,
    });
    await engine.callMacroAsync(name, [kwargs(args)], ctx, pkg);
  } catch (e) {
    if (!(e instanceof KilnError)) throw e;
    reporter.kilnError(e);
    reporter.info(`Encountered an error while running operation ${macroName}`);
    return ExitCode.NODE_FAILED;
  } finally {
    session.adapter.release(conn);
    await session.adapter.close();
  }
  reporter.info(`Ran operation ${macroName} in ${((performance.now() - started) / 1000).toFixed(2)}s`);
  return ExitCode.OK;
}
