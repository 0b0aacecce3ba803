// The `yaml` package, loaded on first use. It is ~230 CommonJS files (≈40 ms of start-up CPU),
// and most invocations never need it: dbt_project.yml, profiles.yml and property files go
// through the fast reader (core/project/yaml-fast.ts) unless they use YAML beyond its subset.
// require() rather than import(): the callers are synchronous. Under Node's "node" export
// condition both give the same CommonJS module instance, so there is never a second copy.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

export type YamlLib = typeof Yaml;

let lib: YamlLib | undefined;

export function yamlLib(): YamlLib {
  return (lib ??= createRequire(import.meta.url)('yaml') as YamlLib);
}
