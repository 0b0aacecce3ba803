// Globals every kiln template sees: Jinja's (range, dict, namespace, ...) and the
// context-independent part of dbt's (return, exceptions, log, env_var, modules, tojson, ...).
// Built once per engine; node-specific entries (ref, config, this, ...) come from the caller's
// render context, which takes precedence.
import { createHash } from 'node:crypto';
import { Codes, KilnError } from '../errors.js';
import { makeDatetimeModule, makeItertoolsModule, makePytzModule, makeReModule } from './pymodules.js';
import { ReturnSignal } from './signals.js';
import { isSecretEnvName, noteEnvRead, noteSecret } from './env-reads.js';
import { fromYaml, pyJsonDumps, toYaml } from './serialize.js';
import { KEYWORDS, bindParams, isPlainObject, pyStr, splitArgs, toList, truthy, tuple, type Dict } from './values.js';

export interface BuiltinOptions {
  /** `log(msg, info)`/`print(msg)`; info=true means the message should reach the console, 'print' that it came from print() (shown with -q, as dbt shows it). */
  log?: (message: string, info: boolean | 'print') => void;
  /** `exceptions.warn(msg)`; defaults to log(msg, true). */
  warn?: (message: string) => void;
  /** Where env_var() reads from; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Receives the values of secret env vars as they are read (also recorded in secretValues()). */
  secrets?: Set<string>;
  /** Clock for modules.datetime (tests). */
  now?: () => number;
}

// The env vars read and the secret values seen live in a small module of their own, so that the
// CLI can redact and kiln compile can check its record without loading the template runtime.
export { envReadsInProcess, isSecretEnvName, redactSecrets, secretValues, trackEnvReads } from './env-reads.js';

/** Jinja's cycler(). */
export class Cycler {
  private i = 0;
  constructor(private readonly items: unknown[]) {}
  get current(): unknown {
    return this.items[this.i];
  }
  next(): unknown {
    const v = this.items[this.i];
    this.i = (this.i + 1) % this.items.length;
    return v;
  }
  reset(): string {
    this.i = 0;
    return '';
  }
}

function pyRange(...args: unknown[]): number[] {
  const n = args.map(Number);
  const [start, stop, step] = n.length === 1 ? [0, n[0], 1] : [n[0], n[1], n.length > 2 ? n[2] : 1];
  if (step === 0) throw new RangeError('range() arg 3 must not be zero');
  const out: number[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(i);
  else for (let i = start; i > stop; i += step) out.push(i);
  if (out.length > 100_000) throw new RangeError('range too big, maximum size for range is 100000');
  return out;
}

function dictFrom(args: unknown[]): Dict {
  const { positional, kwargs } = splitArgs(args);
  const out: Dict = {};
  for (const src of positional) {
    if (src instanceof Map) for (const [k, v] of src) out[String(k)] = v;
    else if (isPlainObject(src)) Object.assign(out, src);
    else for (const pair of toList(src)) out[pyStr((pair as unknown[])[0])] = (pair as unknown[])[1];
  }
  delete out[KEYWORDS];
  return Object.assign(out, kwargs);
}

export function baseGlobals(opts: BuiltinOptions = {}): Dict {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const warn = opts.warn ?? ((m: string) => log(m, true));

  const envVar = (...args: unknown[]): string => {
    const [name, dflt] = bindParams('env_var', args, ['var', 'default']);
    const key = pyStr(name);
    const value = env[key];
    noteEnvRead(key, value);
    const secret = isSecretEnvName(key);
    if (value !== undefined) {
      if (secret && value) {
        noteSecret(value);
        opts.secrets?.add(value);
      }
      return value;
    }
    if (dflt !== undefined && dflt !== null) {
      const d = pyStr(dflt);
      if (secret && d) {
        noteSecret(d);
        opts.secrets?.add(d);
      }
      return d;
    }
    throw new KilnError(Codes.ENV_VAR_UNSET, `Env var required but not provided: '${key}'`, {
      hint: `Set it in the environment (export ${key}=...) or give a default: env_var('${key}', 'default').`,
    });
  };

  const modules = {
    datetime: makeDatetimeModule(opts.now),
    pytz: makePytzModule(),
    re: makeReModule(),
    itertools: makeItertoolsModule(),
  };

  const compilerError = (message: unknown): never => {
    throw new KilnError(Codes.COMPILER_ERROR, pyStr(message));
  };

  return {
    range: pyRange,
    dict: (...args: unknown[]) => dictFrom(args),
    namespace: (...args: unknown[]) => dictFrom(args),
    list: (v?: unknown) => (v === undefined ? [] : toList(v).slice()),
    set: (...args: unknown[]) => {
      const [v, dflt] = bindParams('set', args, ['value', 'default']);
      try {
        return new Set(toList(v));
      } catch {
        return dflt === undefined ? null : dflt;
      }
    },
    set_strict: (v: unknown) => new Set(toList(v)),
    zip: (...args: unknown[]) => {
      const { positional } = splitArgs(args);
      const lists = positional.map((x) => toList(x));
      const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
      return Array.from({ length: n }, (_, i) => tuple(lists.map((l) => l[i])));
    },
    cycler: (...items: unknown[]) => new Cycler(items),
    joiner: (sep: unknown = ', ') => {
      let used = false;
      return () => {
        if (!used) {
          used = true;
          return '';
        }
        return pyStr(sep);
      };
    },
    tojson: (...args: unknown[]) => {
      const [value, dflt, sortKeys] = bindParams('tojson', args, ['value', 'default', 'sort_keys']);
      try {
        return pyJsonDumps(value, { sortKeys: truthy(sortKeys) });
      } catch {
        return dflt === undefined ? null : dflt;
      }
    },
    fromjson: (...args: unknown[]) => {
      const [text, dflt] = bindParams('fromjson', args, ['string', 'default']);
      try {
        return JSON.parse(pyStr(text)) as unknown;
      } catch {
        return dflt === undefined ? null : dflt;
      }
    },
    toyaml: (...args: unknown[]) => {
      const [value, dflt, sortKeys] = bindParams('toyaml', args, ['value', 'default', 'sort_keys']);
      try {
        return toYaml(value, truthy(sortKeys));
      } catch {
        return dflt === undefined ? null : dflt;
      }
    },
    fromyaml: (...args: unknown[]) => {
      const [text, dflt] = bindParams('fromyaml', args, ['value', 'default']);
      try {
        return fromYaml(pyStr(text));
      } catch {
        return dflt === undefined ? null : dflt;
      }
    },
    local_md5: (s: unknown) => createHash('md5').update(pyStr(s)).digest('hex'),
    return: (value?: unknown) => {
      throw new ReturnSignal(value === undefined ? null : value);
    },
    log: (...args: unknown[]) => {
      const [msg, info] = bindParams('log', args, ['msg', 'info']);
      log(pyStr(msg), truthy(info));
      return '';
    },
    print: (...args: unknown[]) => {
      log(splitArgs(args).positional.map(pyStr).join(' '), 'print');
      return '';
    },
    env_var: envVar,
    exceptions: {
      raise_compiler_error: compilerError,
      raise_not_implemented: (msg: unknown) => compilerError(`Not implemented: ${pyStr(msg)}`),
      raise_database_error: (msg: unknown): never => {
        throw new KilnError(Codes.DATABASE_ERROR, pyStr(msg));
      },
      warn: (msg: unknown) => {
        warn(pyStr(msg));
        return '';
      },
    },
    try_or_compiler_error: (message: unknown, fn: unknown, ...args: unknown[]) => {
      try {
        return (fn as (...a: unknown[]) => unknown)(...args);
      } catch {
        return compilerError(message);
      }
    },
    modules,
  };
}
