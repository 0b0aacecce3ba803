// `kiln deps --add-package`, as dbt 1.8 offers it: add (or replace) one entry of packages.yml
// before installing. `org/name@1.1.1` (hub; a range as `@">=1.0.0,<2.0.0"`), `url@revision`
// (git), a path (local). The file keeps its comments and layout; only the list changes.
import fs from 'node:fs';
import path from 'node:path';
import { Codes, KilnError } from '../errors.js';
import { yamlLib } from '../yaml-lib.js';

export type AddSource = 'hub' | 'git' | 'local';

export interface AddedPackage {
  readonly file: string;
  readonly entry: Record<string, unknown>;
  readonly replaced: boolean;
}

/** The packages.yml entry for `--add-package` (dbt's shape: a comma in the version makes a list). */
export function entryFor(arg: string, source: AddSource): Record<string, unknown> {
  // the version follows the last '@' (git URLs like git@github.com:org/repo.git have one before)
  const at = arg.lastIndexOf('@');
  const hasVersion = at > 0 && !(source === 'git' && /^[^/]+@[^:]+:/.test(arg) && arg.indexOf('@') === at);
  const name = hasVersion ? arg.slice(0, at) : arg;
  const version = hasVersion ? arg.slice(at + 1).trim() : '';
  if (!name) throw new KilnError(Codes.USAGE, `--add-package needs a package: got '${arg}'`, { hint: "e.g. --add-package dbt-labs/dbt_utils@1.1.1" });
  switch (source) {
    case 'hub': {
      if (!version) throw new KilnError(Codes.USAGE, `--add-package ${arg}: a hub package needs a version`, { hint: "Add one after '@': dbt-labs/dbt_utils@1.1.1, or a range: dbt-labs/dbt_utils@'>=1.0.0,<2.0.0'." });
      if (!name.includes('/')) throw new KilnError(Codes.USAGE, `--add-package ${arg}: hub packages are named org/name`, { hint: 'e.g. dbt-labs/dbt_utils@1.1.1' });
      const v = version.replace(/^["']|["']$/g, '');
      return { package: name, version: v.includes(',') ? v.split(',').map((x) => x.trim()) : v };
    }
    case 'git':
      return version ? { git: name, revision: version } : { git: name };
    case 'local':
      return { local: arg };
  }
}

const KEY: Record<AddSource, string> = { hub: 'package', git: 'git', local: 'local' };

export function addPackage(projectDir: string, arg: string, source: AddSource): AddedPackage {
  if (!(source in KEY)) throw new KilnError(Codes.USAGE, `--source must be hub, git or local, not '${source}'`);
  const entry = entryFor(arg, source);
  const Y = yamlLib();
  // dependencies.yml when it is the file holding the packages; else packages.yml (created if need be)
  const deps = path.join(projectDir, 'dependencies.yml');
  const useDeps = fs.existsSync(deps) && /^packages\s*:/m.test(fs.readFileSync(deps, 'utf8')) && !fs.existsSync(path.join(projectDir, 'packages.yml'));
  const file = useDeps ? 'dependencies.yml' : 'packages.yml';
  const abs = path.join(projectDir, file);
  const doc = fs.existsSync(abs) ? Y.parseDocument(fs.readFileSync(abs, 'utf8')) : new Y.Document({});
  if (doc.errors.length) throw new KilnError(Codes.PACKAGES_INVALID, `${file} cannot be read: ${doc.errors[0].message}`, { loc: { file } });
  if (!doc.contents || !Y.isMap(doc.contents)) doc.contents = doc.createNode({}) as typeof doc.contents;
  let list = doc.get('packages');
  if (!Y.isSeq(list)) {
    list = doc.createNode([]);
    doc.set('packages', list);
  }
  const seq = list as InstanceType<typeof Y.YAMLSeq>;
  const key = KEY[source];
  const value = entry[key];
  const before = seq.items.length;
  seq.items = seq.items.filter((it) => !(Y.isMap(it) && it.get(key) === value));
  seq.items.push(doc.createNode(entry) as (typeof seq.items)[number]);
  fs.writeFileSync(abs, doc.toString());
  return { file, entry, replaced: seq.items.length === before };
}
