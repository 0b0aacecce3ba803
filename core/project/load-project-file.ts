// dbt_project.yml → ProjectFile. Values are rendered like dbt does at load time (everything
// except run hooks, model hooks, query-comment and vars), then validated; every problem names
// the line it is on. Unknown top-level keys are tolerated (a warning only for likely typos).
import fs from 'node:fs';
import path from 'node:path';
import { s, type Shape } from './shape.js';
import { Codes, KilnError, Problems, type SourceLocation } from '../errors.js';
import { type ConfigResourceType, validateConfig, KNOWN_CONFIG_KEYS, normalizeConfigKey } from './config-schema.js';
import { isConfigEntry } from './config-tree.js';
import { renderTree } from './render.js';
import type { ConfigTree, ProjectFile, RenderString } from './types.js';
import { closestMatch, describeValue, isPlainObject } from './values.js';
import { type YamlFile, type YamlPath, locOf, parseYaml, scalarSourceOf } from './yaml-file.js';
import { readSourceFile } from './discover.js';
import { checkValue } from './zod-check.js';
import { throwErrorsSince } from './throw-errors.js';

export { throwErrorsSince };

export const PROJECT_FILE = 'dbt_project.yml';

export interface LoadProjectFileOptions {
  readonly render?: RenderString;
  /** Receives warnings (and errors, which are also thrown). */
  readonly problems?: Problems;
  /** --target-path or DBT_TARGET_PATH (see targetPathOverride): wins over `target-path:`. */
  readonly targetPath?: string;
}

/** Top-level keys dbt knows; anything else is tolerated, with a warning when it looks like a typo. */
const KNOWN_TOP_LEVEL = [
  'name', 'version', 'config-version', 'profile', 'model-paths', 'seed-paths', 'snapshot-paths',
  'test-paths', 'macro-paths', 'analysis-paths', 'docs-paths', 'asset-paths', 'function-paths',
  'target-path', 'log-path', 'packages-install-path', 'clean-targets', 'query-comment',
  'require-dbt-version', 'flags', 'dbt-cloud', 'quoting', 'vars', 'on-run-start', 'on-run-end',
  'dispatch', 'restrict-access', 'models', 'seeds', 'snapshots', 'sources', 'data_tests', 'tests',
  'analyses', 'exposures', 'metrics', 'semantic-models', 'saved-queries', 'unit_tests',
  'functions', 'source-paths', 'data-paths', 'modules-path',
];

/** Config trees and the resource type their configs are validated as. */
const TREES: readonly (readonly [string, ConfigResourceType])[] = [
  ['models', 'model'],
  ['seeds', 'seed'],
  ['snapshots', 'snapshot'],
  ['data_tests', 'test'],
  ['tests', 'test'],
  ['sources', 'source'],
  ['analyses', 'analysis'],
];
const TREE_KEYS = new Set(TREES.map(([k]) => k));
const NO_RENDER_TOP = new Set(['on-run-start', 'on-run-end', 'query-comment', 'vars']);

/** Reads `<projectDir>/dbt_project.yml`. Throws KilnError/KilnErrors on problems. */
export function loadProjectFile(projectDir: string, opts: LoadProjectFileOptions = {}): ProjectFile {
  const abs = path.join(projectDir, PROJECT_FILE);
  let text: string;
  try {
    // Binary, non-UTF-8 and unreadable files are FILE_UNREADABLE with the line.
    text = readSourceFile(abs, PROJECT_FILE).contents;
  } catch (e) {
    const code = e instanceof KilnError ? (e.cause as NodeJS.ErrnoException | undefined)?.code : undefined;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw projectNotFound(projectDir);
    throw e;
  }
  return parseProjectFile(text, PROJECT_FILE, opts);
}

function projectNotFound(projectDir: string): KilnError {
  const yamlVariant = fs.existsSync(path.join(projectDir, 'dbt_project.yaml'));
  return new KilnError(Codes.PROJECT_NOT_FOUND, `No dbt_project.yml found in ${projectDir}`, {
    hint: yamlVariant
      ? 'found dbt_project.yaml: dbt projects must name it dbt_project.yml'
      : 'run kiln from the project folder, pass --project-dir, or create one with `kiln init`',
  });
}

const stringList = s.union([s.string(), s.array(s.string())]);
const hookList = s
  .union([s.string(), s.array(s.union([s.string(), s.looseObject({ sql: s.string() })]))])
  .nullable();
const dispatchSchema = s.array(s.looseObject({ macro_namespace: s.string(), search_order: s.array(s.string()) }));
const mapping = s.record(s.unknown());

/** Parses dbt_project.yml text. `file` is the display path used in locations. */
export function parseProjectFile(text: string, file: string, opts: LoadProjectFileOptions = {}): ProjectFile {
  const problems = opts.problems ?? new Problems();
  const errorsBefore = problems.errors.length;
  // The fast reader first: most dbt_project.yml files are plain, and it spares loading `yaml`.
  const yf = parseYaml(text, file, { fast: true });
  const loc = (p: YamlPath): SourceLocation => locOf(yf, p);
  if (!isPlainObject(yf.value)) {
    throw new KilnError(Codes.CONFIG_INVALID, `${file} must be a mapping of settings, got ${describeValue(yf.value)}`, {
      loc: loc([]),
    });
  }
  const raw = renderTree(yf.value, [], {
    render: opts.render,
    locate: loc,
    problems,
    skip: (p) => (p.length === 1 && NO_RENDER_TOP.has(String(p[0]))) || (TREE_KEYS.has(String(p[0])) && isHookPath(p)),
    // dbt renders the config trees natively: `+meta: {n: "{{ env_var('N') | as_number }}"}` is a number.
    native: (p) => p.length === 1 && TREE_KEYS.has(String(p[0])),
  }) as Record<string, unknown>;

  const check = <T>(key: string, schema: Shape<T>, expected: string): T | undefined => {
    if (!(key in raw) || raw[key] === null || raw[key] === undefined) return undefined;
    const r = checkValue(schema, expected, raw[key]);
    if (r.ok) return r.value as T;
    const label = [key, ...r.subPath].join('.');
    problems.error(
      new KilnError(Codes.CONFIG_INVALID, `\`${label}\` must be ${r.expected}, got ${describeValue(r.got)}`, {
        loc: loc([key, ...r.subPath]),
        hint: r.hint,
      }),
    );
    return undefined;
  };
  const list = (key: string): string[] | undefined => {
    const v = check(key, stringList, 'a list of strings');
    return v === undefined ? undefined : typeof v === 'string' ? [v] : v;
  };

  // name: required, an identifier (it becomes part of unique ids and Jinja namespaces).
  let name = '';
  if (raw.name === undefined || raw.name === null) {
    problems.error(
      new KilnError(Codes.CONFIG_INVALID, `${file} has no \`name\``, {
        loc: { file, line: 1 },
        hint: 'add a project name, e.g. `name: my_project`',
      }),
    );
  } else {
    const n = check('name', s.string(), 'a string');
    if (n !== undefined) {
      if (/^[\p{L}_][\p{L}\p{N}_]*$/u.test(n)) {
        name = n;
      } else {
        const fixed = n.replace(/[^\p{L}\p{N}_]+/gu, '_').replace(/^(\p{N})/u, '_$1');
        problems.error(
          new KilnError(Codes.CONFIG_INVALID, `Project name \`${n}\` is not a valid identifier`, {
            loc: loc(['name']),
            hint: `use letters, digits and underscores, not starting with a digit, e.g. \`name: ${fixed}\``,
          }),
        );
      }
    }
  }

  // version: `1.0` is read as a number by YAML; keep it as written.
  let version: string | undefined;
  if (typeof raw.version === 'number') version = scalarSource(yf, ['version']) ?? String(raw.version);
  else version = check('version', s.string(), 'a string');

  const profile = check('profile', s.string(), 'a string') ?? name;
  const configVersion = check('config-version', s.number().int(), 'a whole number');
  if (configVersion !== undefined && configVersion !== 2) {
    problems.warn(
      new KilnError(Codes.CONFIG_INVALID, `config-version ${configVersion} is not supported; kiln reads projects as config-version 2`, {
        loc: loc(['config-version']),
        hint: 'set `config-version: 2` (the format of every dbt 1.x project)',
      }),
    );
  }

  // Legacy path names (dbt < 1.0) still appear in old projects.
  const legacy = (oldKey: string, newKey: string): string[] | undefined => {
    if (!(oldKey in raw)) return undefined;
    problems.warn(
      new KilnError(Codes.CONFIG_UNKNOWN_KEY, `\`${oldKey}\` is the old name of \`${newKey}\``, {
        loc: loc([oldKey]),
        hint: `rename it to \`${newKey}\``,
      }),
    );
    return raw[newKey] === undefined ? list(oldKey) : undefined;
  };
  const modelPaths = list('model-paths') ?? legacy('source-paths', 'model-paths') ?? ['models'];
  const seedPaths = list('seed-paths') ?? legacy('data-paths', 'seed-paths') ?? ['seeds'];
  const snapshotPaths = list('snapshot-paths') ?? ['snapshots'];
  const testPaths = list('test-paths') ?? ['tests'];
  const macroPaths = list('macro-paths') ?? ['macros'];
  const analysisPaths = list('analysis-paths') ?? ['analyses'];
  // dbt's default: docs blocks may live in any resource path.
  const docsPaths = list('docs-paths') ?? unique([...modelPaths, ...seedPaths, ...testPaths, ...analysisPaths, ...macroPaths, ...snapshotPaths]);
  const assetPaths = list('asset-paths') ?? [];
  const targetPath = opts.targetPath ?? check('target-path', s.string(), 'a string') ?? 'target';
  const packagesInstallPath = check('packages-install-path', s.string(), 'a string') ?? 'dbt_packages';
  const cleanTargets = list('clean-targets') ?? [targetPath];
  const requireDbtVersion = list('require-dbt-version') ?? [];
  const vars = check('vars', mapping, 'a mapping of variable names to values') ?? {};
  const flags = check('flags', mapping, 'a mapping of flag names to values') ?? {};
  const quoting = check('quoting', mapping, 'a mapping {database, schema, identifier}') ?? {};
  const dispatch = check('dispatch', dispatchSchema, 'a list of {macro_namespace, search_order} mappings') ?? [];
  const hooks = (key: string): string[] => {
    const v = check(key, hookList, 'a SQL string or a list of them');
    if (v === undefined || v === null) return [];
    return (typeof v === 'string' ? [v] : v).map((h) => (typeof h === 'string' ? h : h.sql));
  };
  const onRunStart = hooks('on-run-start');
  const onRunEnd = hooks('on-run-end');

  for (const key of Object.keys(raw)) {
    if (KNOWN_TOP_LEVEL.includes(key)) continue;
    const near = closestMatch(key, KNOWN_TOP_LEVEL, 2);
    if (near) {
      problems.warn(
        new KilnError(Codes.CONFIG_UNKNOWN_KEY, `Unknown key \`${key}\` in ${file}; did you mean \`${near}\`?`, {
          loc: loc([key]),
          hint: `\`${key}\` is ignored; rename it to \`${near}\` if that was meant`,
        }),
      );
    }
  }

  const trees: Record<string, ConfigTree> = {};
  for (const [key, resourceType] of TREES) {
    if (raw[key] === undefined) continue;
    trees[key] = validateTree(raw[key], [key], resourceType, yf, problems);
  }
  if (raw.tests !== undefined && raw.data_tests !== undefined) {
    problems.error(
      new KilnError(Codes.CONFIG_INVALID, `${file} has both \`tests:\` and \`data_tests:\``, {
        loc: loc(['tests']),
        related: [loc(['data_tests'])],
        hint: '`tests:` is the old name of `data_tests:`; move its configs under `data_tests:`',
      }),
    );
  }

  throwErrorsSince(problems, errorsBefore);

  return {
    name,
    profile,
    version,
    configVersion,
    modelPaths,
    seedPaths,
    snapshotPaths,
    testPaths,
    macroPaths,
    analysisPaths,
    docsPaths,
    assetPaths,
    targetPath,
    packagesInstallPath,
    cleanTargets,
    requireDbtVersion,
    vars,
    flags,
    quoting,
    dispatch,
    queryComment: raw['query-comment'],
    models: trees.models ?? {},
    seeds: trees.seeds ?? {},
    snapshots: trees.snapshots ?? {},
    dataTests: trees.data_tests ?? trees.tests ?? {},
    unrenderedTrees: { models: asWritten(yf.value.models), seeds: asWritten(yf.value.seeds), snapshots: asWritten(yf.value.snapshots), data_tests: asWritten(yf.value.data_tests ?? yf.value.tests), sources: asWritten(yf.value.sources) },
    sources: trees.sources ?? {},
    analyses: trees.analyses ?? {},
    onRunStart,
    onRunEnd,
    raw,
    file,
  };
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

function isHookPath(p: YamlPath): boolean {
  return p.some((seg) => {
    if (typeof seg !== 'string') return false;
    const k = normalizeConfigKey(seg);
    return k === 'pre_hook' || k === 'post_hook';
  });
}

/** The source text of a scalar (e.g. `1.0` as written, not the number 1). */
function scalarSource(yf: YamlFile, p: YamlPath): string | undefined {
  return scalarSourceOf(yf, p);
}

/**
 * Validates a config tree level by level and returns it normalized: each level's configs as
 * `+key` (normalized names, e.g. `+pre_hook` lists) next to its sub-folders.
 */
function validateTree(
  tree: unknown,
  treePath: (string | number)[],
  resourceType: ConfigResourceType,
  yf: YamlFile,
  problems: Problems,
): ConfigTree {
  if (tree === null || tree === undefined) return {};
  if (!isPlainObject(tree)) {
    problems.error(
      new KilnError(Codes.CONFIG_INVALID, `\`${treePath.join('.')}\` must be a mapping of folders and +configs, got ${describeValue(tree)}`, {
        loc: locOf(yf, treePath),
      }),
    );
    return {};
  }
  const out: Record<string, unknown> = {};
  const configs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tree)) {
    if (isConfigEntry(key, value)) {
      configs[key] = value;
    } else if (isPlainObject(value)) {
      if (looksLikeConfigWithoutPlus(key, value)) {
        problems.warn(
          new KilnError(Codes.CONFIG_UNKNOWN_KEY, `\`${key}\` under \`${treePath.join('.')}\` is read as a folder named ${key}, not as a config`, {
            loc: locOf(yf, [...treePath, key]),
            hint: `write \`+${key}:\` to set the ${key} config for this folder`,
          }),
        );
      }
      out[key] = validateTree(value, [...treePath, key], resourceType, yf, problems);
    }
  }
  const valid = validateConfig(configs, resourceType, locOf(yf, treePath), problems, (k) => locOf(yf, [...treePath, k]));
  for (const [k, v] of Object.entries(valid)) out[`+${k}`] = v;
  return out;
}

/** `meta: {owner: x}` without `+` is a folder to dbt; flag it when nothing in it looks like one. */
function looksLikeConfigWithoutPlus(key: string, value: Record<string, unknown>): boolean {
  if (!KNOWN_CONFIG_KEYS.has(key)) return false;
  return Object.entries(value).every(([k, v]) => !k.startsWith('+') && !isPlainObject(v));
}

/** A tree of dbt_project.yml as written (a mapping), else nothing. */
function asWritten(tree: unknown): Readonly<Record<string, unknown>> | undefined {
  return isPlainObject(tree) ? tree : undefined;
}
