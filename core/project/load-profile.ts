// profiles.yml → the selected target. Only the selected output is rendered (other targets may
// use env vars that are not set here), then converted to native types where a field wants one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Codes, KilnError, Problems, type SourceLocation } from '../errors.js';
import { throwErrorsSince } from './throw-errors.js';
import { parseBool, parseNumber, renderOne, renderTree } from './render.js';
import type { ProfileSelection, RenderString, TargetConfig } from './types.js';
import { closestMatch, describeValue, hasJinja, isPlainObject } from './values.js';
import { type YamlFile, type YamlPath, locOf, readYamlFile, scalarSourceOf } from './yaml-file.js';
import { nativeCandidates } from './zod-check.js';

export interface LoadProfileOptions {
  readonly projectDir: string;
  /** `--profiles-dir`: when given, the only place searched. */
  readonly profilesDir?: string;
  readonly profileName: string;
  /** Where profileName was given, for the hint of a missing profile (default: `profile:` in dbt_project.yml). */
  readonly profileFrom?: string;
  /** `--target`. */
  readonly targetName?: string;
  readonly render?: RenderString;
  /** Defaults to process.env (DBT_PROFILES_DIR, DBT_TARGET, KILN_TARGET). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Defaults to os.homedir() (for ~/.dbt/profiles.yml). */
  readonly homeDir?: string;
  /** Receives warnings. */
  readonly problems?: Problems;
}

export interface ProfilesLocation {
  /** The profiles.yml to read, if one exists. */
  readonly file?: string;
  /** Every place looked at, in order. */
  readonly searched: readonly string[];
}

/** `--profiles-dir`, else `<project>/profiles.yml`, else `$DBT_PROFILES_DIR`, else `~/.dbt/`. */
export function findProfilesFile(opts: Pick<LoadProfileOptions, 'projectDir' | 'profilesDir' | 'env' | 'homeDir'>): ProfilesLocation {
  const env = opts.env ?? process.env;
  const dirs = opts.profilesDir
    ? [opts.profilesDir]
    : [
        opts.projectDir,
        ...(env.DBT_PROFILES_DIR ? [env.DBT_PROFILES_DIR] : []),
        path.join(opts.homeDir ?? os.homedir(), '.dbt'),
      ];
  const searched: string[] = [];
  for (const dir of dirs) {
    const file = path.resolve(dir, 'profiles.yml');
    searched.push(file);
    if (fs.existsSync(file)) return { file, searched };
  }
  return { searched };
}

const NUMBER_FIELDS = new Set([
  'port', 'threads', 'keepalives_idle', 'connect_timeout', 'retries', 'connect_retries',
  'login_timeout', 'query_timeout', 'statement_timeout', 'job_execution_timeout_seconds',
  'timeout_seconds', 'maximum_bytes_billed',
]);
/** Fields that stay strings whatever they look like (a password may be "1234" or "true"). */
const STRING_FIELDS = new Set([
  'type', 'host', 'user', 'username', 'password', 'pass', 'dbname', 'database', 'schema', 'path',
  'sslmode', 'sslcert', 'sslkey', 'sslrootcert', 'role', 'search_path', 'application_name',
  'account', 'warehouse', 'method', 'project', 'dataset', 'keyfile', 'location', 'catalog',
]);
const SECRET_PATTERN = /password|token|secret|private_key|passphrase/i;

/** Reads profiles.yml and selects the target. Throws KilnError/KilnErrors on problems. */
export function loadProfile(opts: LoadProfileOptions): ProfileSelection {
  const env = opts.env ?? process.env;
  const problems = opts.problems ?? new Problems();
  const errorsBefore = problems.errors.length;
  const { file: absFile, searched } = findProfilesFile(opts);
  if (!absFile) throw profilesMissing(opts.profileName, searched);
  const display = displayPath(absFile, opts.projectDir);
  // The fast reader first: most profiles.yml files are plain, and it spares loading `yaml`.
  const yf = readYamlFile(absFile, display, { fast: true });
  const loc = (p: YamlPath): SourceLocation => locOf(yf, p);
  const doc = isPlainObject(yf.value) ? yf.value : {};

  // A top-level `config:` holds user settings (legacy), not a profile.
  const names = Object.keys(doc).filter((k) => k !== 'config');
  const profile = doc[opts.profileName];
  if (opts.profileName === 'config' || profile === undefined) {
    const near = closestMatch(opts.profileName, names, Math.max(3, Math.floor(opts.profileName.length / 2)));
    throw new KilnError(Codes.PROFILE_NOT_FOUND, `Profile \`${opts.profileName}\` not found in ${absFile}`, {
      loc: { file: display },
      hint:
        (near ? `did you mean \`${near}\`? ` : '') +
        (names.length ? `profiles in this file: ${names.join(', ')}. ` : 'the file defines no profiles. ') +
        `The profile name comes from ${opts.profileFrom ?? '`profile:` in dbt_project.yml'}.`,
    });
  }
  if (!isPlainObject(profile)) {
    throw new KilnError(Codes.CONFIG_INVALID, `Profile \`${opts.profileName}\` must be a mapping with \`target\` and \`outputs\`, got ${describeValue(profile)}`, {
      loc: loc([opts.profileName]),
    });
  }
  const outputs = profile.outputs;
  if (!isPlainObject(outputs)) {
    throw new KilnError(Codes.CONFIG_INVALID, `Profile \`${opts.profileName}\` has no \`outputs:\` mapping`, {
      loc: loc([opts.profileName, 'outputs']),
      hint: exampleProfile(opts.profileName),
    });
  }

  // --target > DBT_TARGET/KILN_TARGET > the profile's `target:` > 'dev'.
  let targetName: string;
  let from: string;
  if (opts.targetName) [targetName, from] = [opts.targetName, '--target'];
  else if (env.KILN_TARGET) [targetName, from] = [env.KILN_TARGET, 'KILN_TARGET'];
  else if (env.DBT_TARGET) [targetName, from] = [env.DBT_TARGET, 'DBT_TARGET'];
  else if (profile.target !== undefined && profile.target !== null) {
    const raw = String(profile.target);
    targetName = renderOne(raw, loc([opts.profileName, 'target']), { render: opts.render, problems });
    from = `the profile's \`target:\``;
    throwErrorsSince(problems, errorsBefore);
  } else [targetName, from] = ['dev', 'the default'];

  const output = outputs[targetName];
  if (output === undefined) {
    const available = Object.keys(outputs);
    const near = closestMatch(targetName, available);
    throw new KilnError(Codes.TARGET_NOT_FOUND, `Target \`${targetName}\` (from ${from}) not found in profile \`${opts.profileName}\``, {
      loc: loc([opts.profileName, from === `the profile's \`target:\`` ? 'target' : 'outputs']),
      hint: (near ? `did you mean \`${near}\`? ` : '') + `available targets: ${available.join(', ') || '(none)'}`,
    });
  }
  const outPath = [opts.profileName, 'outputs', targetName];
  if (!isPlainObject(output)) {
    throw new KilnError(Codes.CONFIG_INVALID, `Target \`${targetName}\` must be a mapping of connection fields, got ${describeValue(output)}`, {
      loc: loc(outPath),
    });
  }

  const fields = renderFields(output, outPath, yf, opts.render, problems);
  throwErrorsSince(problems, errorsBefore);
  const target = buildTarget(targetName, fields, outPath, yf, problems);
  throwErrorsSince(problems, errorsBefore);
  return { profileName: opts.profileName, target: target!, file: absFile };
}

function displayPath(abs: string, projectDir: string): string {
  const rel = path.relative(path.resolve(projectDir), abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : abs;
}

function profilesMissing(profileName: string, searched: readonly string[]): KilnError {
  return new KilnError(Codes.PROFILE_NOT_FOUND, `No profiles.yml found (looked in: ${searched.join(', ')})`, {
    hint: `create profiles.yml in the project folder (or pass --profiles-dir), for example:\n\n${exampleProfile(profileName)}`,
  });
}

function exampleProfile(profileName: string): string {
  return [
    `${profileName}:`,
    '  target: dev',
    '  outputs:',
    '    dev:',
    '      type: duckdb',
    `      path: ${profileName}.duckdb`,
    '      threads: 4',
  ].join('\n');
}

const FILTER = /\|\s*(as_text|as_number|as_bool|as_native)\b/g;

/** Renders every field and converts rendered text to the type the field wants. */
function renderFields(
  output: Record<string, unknown>,
  outPath: readonly (string | number)[],
  yf: YamlFile,
  render: RenderString | undefined,
  problems: Problems,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(output)) {
    const keyPath = [...outPath, key];
    const loc = locOf(yf, keyPath);
    if (typeof value === 'string' && hasJinja(value)) {
      const rendered = renderOne(value, loc, { render, problems });
      fields[key] = convertRendered(key, value, rendered, loc, problems);
    } else if (typeof value === 'string') {
      fields[key] = convertByField(key, value);
    } else if (typeof value === 'number' && (STRING_FIELDS.has(key) || SECRET_PATTERN.test(key))) {
      // `password: 0123` is a number to YAML; keep what was written.
      fields[key] = scalarSourceOf(yf, keyPath) ?? String(value);
    } else {
      fields[key] = renderTree(value, keyPath, { render, problems, locate: (p) => locOf(yf, p), skip: () => false });
    }
  }
  return fields;
}

function convertRendered(key: string, template: string, rendered: string, loc: SourceLocation, problems: Problems): unknown {
  const filters = [...template.matchAll(FILTER)];
  const filter = filters.length ? filters[filters.length - 1]![1] : undefined;
  switch (filter) {
    case 'as_text':
      return rendered;
    case 'as_number': {
      const n = parseNumber(rendered);
      if (n === undefined) problems.error(typeError(key, 'a number', rendered, loc));
      return n ?? rendered;
    }
    case 'as_bool': {
      const b = parseBool(rendered);
      if (b === undefined) problems.error(typeError(key, 'true or false', rendered, loc));
      return b ?? rendered;
    }
    case 'as_native': {
      const c = nativeCandidates(rendered);
      return c.length ? c[0] : rendered;
    }
    default:
      return convertByField(key, rendered);
  }
}

/** Number fields become numbers; "true"/"false" become booleans outside string fields. */
function convertByField(key: string, value: string): unknown {
  if (NUMBER_FIELDS.has(key)) return parseNumber(value) ?? value;
  if (STRING_FIELDS.has(key) || SECRET_PATTERN.test(key)) return value;
  const t = value.trim();
  if (t === 'true' || t === 'True') return true;
  if (t === 'false' || t === 'False') return false;
  return value;
}

function typeError(key: string, expected: string, got: unknown, loc: SourceLocation): KilnError {
  return new KilnError(Codes.CONFIG_INVALID, `\`${key}\` must be ${expected}, got ${describeValue(got)}`, { loc });
}

function buildTarget(
  name: string,
  input: Record<string, unknown>,
  outPath: readonly (string | number)[],
  yf: YamlFile,
  problems: Problems,
): TargetConfig | undefined {
  const loc = (key?: string): SourceLocation => locOf(yf, key ? [...outPath, key] : outPath);
  const fields: Record<string, unknown> = { ...input };
  if ('pass' in fields) {
    if (!('password' in fields)) fields.password = fields.pass;
    delete fields.pass;
  }

  const type = fields.type;
  if (typeof type !== 'string' || type === '') {
    problems.error(
      new KilnError(
        Codes.CONFIG_INVALID,
        type === undefined ? `Target \`${name}\` has no \`type\`` : `\`type\` must be a string, got ${describeValue(type)}`,
        { loc: loc(type === undefined ? undefined : 'type'), hint: 'set `type: duckdb` or `type: postgres`' },
      ),
    );
    return undefined;
  }

  for (const key of NUMBER_FIELDS) {
    const v = fields[key];
    if (v !== undefined && v !== null && typeof v !== 'number') problems.error(typeError(key, 'a number', v, loc(key)));
  }
  let threads = 1;
  if (fields.threads !== undefined && fields.threads !== null) {
    if (typeof fields.threads === 'number' && Number.isInteger(fields.threads) && fields.threads >= 1) threads = fields.threads;
    else if (typeof fields.threads === 'number') problems.error(typeError('threads', 'a whole number of at least 1', fields.threads, loc('threads')));
  }
  fields.threads = threads;

  let schema: string;
  if (typeof fields.schema === 'string' && fields.schema !== '') schema = fields.schema;
  else if (type === 'duckdb' && (fields.schema === undefined || fields.schema === null)) schema = 'main';
  else {
    problems.error(
      fields.schema === undefined || fields.schema === null
        ? new KilnError(Codes.CONFIG_INVALID, `Target \`${name}\` (type ${type}) has no \`schema\``, {
            loc: loc(),
            hint: 'add `schema: <schema>`: the schema models are built in',
          })
        : typeError('schema', 'a non-empty string', fields.schema, loc('schema')),
    );
    schema = '';
  }
  fields.schema = schema;

  let database: string;
  if (type === 'duckdb') {
    database = duckdbDatabaseName(fields.path);
  } else if (type === 'postgres') {
    const db = fields.dbname ?? fields.database;
    if (typeof db !== 'string' || db === '') {
      problems.error(
        db === undefined || db === null
          ? new KilnError(Codes.CONFIG_INVALID, `Target \`${name}\` (type postgres) has no \`dbname\``, {
              loc: loc(),
              hint: 'add `dbname: <database>`',
            })
          : typeError('dbname', 'a string', db, loc(fields.dbname !== undefined ? 'dbname' : 'database')),
      );
      database = '';
    } else {
      database = db;
    }
    fields.dbname = database;
  } else {
    // Trino names it `catalog` (dbt-trino: `database`).
    const db = fields.database ?? fields.dbname ?? fields.catalog;
    database = typeof db === 'string' ? db : '';
  }

  const secretFields = Object.keys(fields).filter((k) => SECRET_PATTERN.test(k));
  return { name, type, schema, database, threads, fields, secretFields, typeLoc: loc('type') };
}

/** DuckDB names its catalog after the database file: `data/dev.duckdb` → `dev`. */
export function duckdbDatabaseName(p: unknown): string {
  if (typeof p !== 'string' || p === '' || p === ':memory:' || p.startsWith(':memory:')) return 'memory';
  const md = /^(?:md|motherduck):([^?]*)/.exec(p);
  if (md) return md[1] || 'my_db';
  const base = p.split(/[\\/]/).pop() ?? p;
  // DuckDB names a file's catalog after the part before the first dot (my.db.duckdb → my).
  const dot = base.indexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
