// Where a semantic-layer entry lies in its property file. Property files keep semantic sections as
// written, without positions (core/project/load-properties.ts); a line is found by reading the
// file's YAML again, only when an error needs one, so a project without errors pays nothing.
import type { SourceLocation } from '../errors.js';
import { type YamlFile, type YamlPath, locOf, parseYaml } from '../project/yaml-file.js';

export interface YamlAt {
  readonly file: string;
  /** The entry's path in the file's YAML (`['metrics', 3]`). */
  readonly path: YamlPath;
  /** Finds a path of the same file (`[...path, 'type_params', 'measure']`) as file:line. */
  readonly locate: (path: YamlPath) => SourceLocation;
}

/** Locators for the files of one parse; each file's YAML is read at most once. */
export function yamlLocator(contentsOf: (file: string) => string | undefined): (file: string) => (path: YamlPath) => SourceLocation {
  const parsed = new Map<string, YamlFile | null>();
  return (file) => (p) => {
    let yf = parsed.get(file);
    if (yf === undefined) {
      const text = contentsOf(file);
      try {
        yf = text === undefined ? null : parseYaml(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file, { fast: true });
      } catch {
        yf = null;
      }
      parsed.set(file, yf);
    }
    if (!yf) return { file };
    // The deepest part of the path the file has (a default value has no line of its own).
    for (let n = p.length; n > 0; n--) {
      const loc = locOf(yf, p.slice(0, n));
      if (loc.line !== undefined) return loc;
    }
    return { file };
  };
}

/** The entry's own location. */
export function entryLoc(at: YamlAt, ...sub: YamlPath): SourceLocation {
  return at.locate([...at.path, ...sub]);
}
