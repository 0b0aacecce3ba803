// Unit tests after a save of property files that declare (or declared) some, for kiln watch's
// incremental re-parse: a full parse makes them last, from every property file against the
// project's other nodes; here those of the saved files are made again against the manifest the
// re-parse gives (its nodes are those of a full parse), the others are kept, and the list is put
// in a full parse's order: by property file, then by entry.
import { Problems } from '../errors.js';
import type { Manifest, ParsedNode } from '../nodes.js';
import { parsePropertyFile } from '../project/load-properties.js';
import type { ProjectSourceFile } from '../project/types.js';
import { parseUnitTests } from '../unit-tests/parse-unit-tests.js';

export interface UnitTestsInput {
  /** The manifest after the re-parse (its unit tests are the old ones). */
  readonly manifest: Manifest;
  /** The saved property files whose unit tests are made again. */
  readonly saved: readonly ProjectSourceFile[];
  /** The project's property files, in the order a parse reads them. */
  readonly propertyFiles: readonly string[];
  /** The unit tests a file defined in the last parse, in its order. */
  readonly oldOf: (file: string) => readonly ParsedNode[];
}

/** The project's unit tests in a full parse's order, or why only a full parse can tell. */
export function unitTestsAgain(input: UnitTestsInput): ParsedNode[] | string {
  const { manifest } = input;
  // What a full parse makes them against: the project's own enabled nodes (installed packages'
  // come later), before any unit test is added.
  const nodes = new Map<string, ParsedNode>();
  for (const [id, n] of manifest.nodes) if (n.packageName === manifest.projectName && n.resourceType !== 'unit_test') nodes.set(id, n);
  const problems = new Problems();
  const made = new Map<string, ParsedNode[]>();
  for (const f of input.saved) {
    // The entries as the parse read them (unit_tests: entries are kept as written).
    const entries = parsePropertyFile(f.path, f.contents, new Problems()).unitTests;
    made.set(f.path, entries.length ? parseUnitTests([{ file: f.path, contents: f.contents, entries }], { ...manifest, nodes }, problems) : []);
  }
  if (problems.errors.length) return 'a unit test of a saved file does not check (the full parse reports it)';
  const out: ParsedNode[] = [];
  const ids = new Set<string>();
  for (const file of input.propertyFiles) {
    for (const t of made.get(file) ?? input.oldOf(file)) {
      if (ids.has(t.uniqueId)) return `two unit tests are ${t.uniqueId} (the full parse reports it)`;
      ids.add(t.uniqueId);
      out.push(t);
    }
  }
  return out;
}
