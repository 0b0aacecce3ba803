// `exposures:` in property YAML: downstream uses of the project (dashboards, notebooks, apps).
// Each lists what it depends on as `ref('x')` / `source('s', 't')` strings, rendered like a
// template at parse time so the graph can select `+exposure:name`.
import path from 'node:path';
import { resourceRelative } from './paths.js';
import { Codes, KilnError, type Problems, type SourceLocation } from '../errors.js';
import type { Exposure, RefCall } from '../nodes.js';
import type { PropertyFile } from '../project/properties-types.js';

const TYPES = ['dashboard', 'notebook', 'analysis', 'ml', 'application'];
const MATURITY = ['low', 'medium', 'high'];

export interface ExposureInput {
  readonly projectName: string;
  readonly propertyFiles: readonly PropertyFile[];
  /** Renders one depends_on entry with a parse-time context that records its refs and sources. */
  readonly recordDeps: (text: string, loc: SourceLocation, refs: RefCall[], sources: [string, string][]) => void;
  /** Renders descriptions (doc() blocks). */
  readonly describe: (text: string, loc: SourceLocation) => string;
  readonly problems: Problems;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
}

export function parseExposures(input: ExposureInput): Map<string, Exposure> {
  const out = new Map<string, Exposure>();
  for (const pf of input.propertyFiles) {
    pf.exposures.forEach((raw, i) => {
      const loc: SourceLocation = { file: pf.path };
      const bad = (message: string, hint?: string) => input.problems.error(new KilnError(Codes.CONFIG_INVALID, message, { loc, hint }));
      if (!isMapping(raw)) return bad(`Exposure entry ${i + 1} in ${pf.path} must be a mapping`);
      const name = str(raw.name);
      if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        return bad(`Exposure entry ${i + 1} in ${pf.path} needs a \`name\` made of letters, digits and underscores`, 'Put a human-readable title in `label:`.');
      }
      const type = str(raw.type);
      if (!type || !TYPES.includes(type)) return bad(`Exposure '${name}' needs a \`type\`: one of ${TYPES.join(', ')}`);
      const owner = isMapping(raw.owner) ? raw.owner : null;
      if (!owner || (!str(owner.name) && !str(owner.email))) return bad(`Exposure '${name}' needs an \`owner\` with a name or an email`);
      const maturity = raw.maturity === undefined || raw.maturity === null ? null : str(raw.maturity);
      if (maturity !== null && !MATURITY.includes(maturity)) return bad(`Exposure '${name}' has maturity '${String(raw.maturity)}'; use ${MATURITY.join(', ')}`);
      const config = isMapping(raw.config) ? raw.config : {};
      const enabled = config.enabled !== false && config.enabled !== 'false' && config.enabled !== 'False';
      const refs: RefCall[] = [];
      const sources: [string, string][] = [];
      const deps = raw.depends_on === undefined || raw.depends_on === null ? [] : raw.depends_on;
      if (!Array.isArray(deps)) return bad(`\`depends_on\` of exposure '${name}' must be a list of ref(...) / source(...)`);
      for (const d of deps) {
        const text = str(d);
        if (!text) return bad(`\`depends_on\` of exposure '${name}' holds ${JSON.stringify(d)}; write ref('model') or source('src', 'table')`);
        try {
          input.recordDeps(/\{\{/.test(text) ? text : `{{ ${text} }}`, loc, refs, sources);
        } catch (e) {
          input.problems.capture(e);
        }
      }
      const tags = Array.isArray(raw.tags) ? raw.tags.map(String) : typeof raw.tags === 'string' ? [raw.tags] : [];
      const configTags = Array.isArray(config.tags) ? config.tags.map(String) : [];
      const id = `exposure.${input.projectName}.${name}`;
      if (out.has(id)) {
        input.problems.error(new KilnError(Codes.NAME_DUPLICATE, `Two exposures are named '${name}'`, { loc, related: [out.get(id)!.loc] }));
        return;
      }
      if (!enabled) return;
      // As dbt 1.11 writes them: tags of both places sorted, meta of both (the config's winning),
      // and the config holding enabled, tags and meta first.
      const allTags = [...new Set([...tags, ...configTags])].sort();
      const meta = { ...(isMapping(raw.meta) ? raw.meta : {}), ...(isMapping(config.meta) ? config.meta : {}) };
      out.set(id, {
        uniqueId: id,
        resourceType: 'exposure',
        packageName: input.projectName,
        name,
        label: str(raw.label),
        type,
        owner: { email: str(owner.email) ?? null, name: str(owner.name) ?? null },
        description: input.describe(str(raw.description) ?? '', loc),
        url: str(raw.url),
        maturity,
        tags: allTags,
        meta,
        config: { enabled: true, tags: allTags, meta, ...withoutKeys(config, ['enabled', 'tags', 'meta']) },
        refs,
        sources,
        dependsOn: { nodes: [], macros: [] },
        originalFilePath: pf.path,
        path: resourceRelative(pf.path),
        fqn: [input.projectName, ...path.posix.dirname(pf.path).split('/').slice(1).filter((p) => p && p !== '.'), name],
        loc,
      });
    });
  }
  return out;
}

/** `o` without the given keys (a copy). */
function withoutKeys(o: Readonly<Record<string, unknown>>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}
