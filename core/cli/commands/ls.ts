// `kiln ls`: the selected resources, one a line, sorted by unique id as dbt lists them; as
// selectors (default), names, paths or JSON (with --output-keys picking the keys, dotted keys
// reaching into nested values).
import { manifestJson } from '../../artifacts/manifest-json.js';
import { Codes, KilnError } from '../../errors.js';
import type { Exposure } from '../../nodes.js';
import { semanticNodes } from '../../selection/universe.js';
import { RESOURCE_TYPES } from '../../selection/methods.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';
import { openSession, select } from '../session.js';
import { reportWarnings } from './shared.js';
import { narrowTypes } from '../selection.js';

export interface LsOptions {
  output?: string;
  outputKeys?: string[];
}

const OUTPUTS = ['selector', 'name', 'path', 'json'];
/** dbt's default keys of `--output json`. */
const DEFAULT_KEY_SET = new Set(['name', 'resource_type', 'package_name', 'original_file_path', 'unique_id', 'alias', 'config', 'tags', 'depends_on', 'source_name']);
/** Listable types; `default` is all but analyses, `all` everything. */
const LISTABLE = RESOURCE_TYPES.filter((t) => !['macro', 'operation'].includes(t));

export async function lsCommand(opts: GlobalOptions & LsOptions, io: Io): Promise<number> {
  // The listing is the output; everything else goes to stderr so `kiln ls | xargs` works.
  const reporter = makeReporter({ ...opts, logFormat: 'text' }, { ...io, stdout: io.stderr });
  const output = opts.output ?? 'selector';
  if (!OUTPUTS.includes(output)) {
    throw new KilnError(Codes.USAGE, `Unknown --output '${output}'`, { hint: `Use one of: ${OUTPUTS.join(', ')}.` });
  }
  const outputKeys = (opts.outputKeys ?? []).flatMap((k) => k.split(/[\s,]+/)).filter(Boolean);
  if (outputKeys.length && output !== 'json') {
    throw new KilnError(Codes.USAGE, '--output-keys only applies to --output json', { hint: 'Add --output json.' });
  }
  const types = narrowTypes(resourceTypes(opts.resourceType), undefined, opts.excludeResourceType);
  const session = await openSession(opts, io.cwd);
  reportWarnings(reporter, session.warnings);
  const ids = [...select(session, opts, types, (w) => reporter.kilnError(w, 'warn'))].sort();
  if (ids.length === 0) {
    reporter.kilnError(new KilnError(Codes.SELECTION_EMPTY, 'No nodes selected!', { hint: 'Check --select/--exclude/--resource-type; `kiln ls` with no options lists everything.' }), 'warn');
    return ExitCode.OK;
  }
  const m = session.manifest;
  type Section = Record<string, Record<string, unknown>> | undefined;
  let json: Record<string, Section> | null = null;
  if (output === 'json') {
    const meta = { invocationId: session.invocationId, generatedAt: session.startedAt, adapterType: session.adapter.type };
    json = manifestJson(m, session.dag, session.adapter.dialect, meta) as Record<string, Section>;
  }
  const lines: string[] = [];
  const semantic = m.semantic ? new Map(semanticNodes(m).map((s) => [s.uniqueId, s])) : null;
  for (const id of ids) {
    const node = m.nodes.get(id);
    const src = m.sources.get(id);
    const exp = m.exposures?.get(id);
    const sem = semantic?.get(id);
    if (output === 'path') lines.push(node?.originalFilePath ?? src?.originalFilePath ?? exp?.originalFilePath ?? sem?.originalFilePath ?? '');
    else if (output === 'name') lines.push(node?.name ?? (src ? `${src.sourceName}.${src.name}` : exp?.name ?? sem?.name ?? id));
    else if (output === 'selector') {
      if (src) lines.push(`source:${src.packageName}.${src.sourceName}.${src.name}`);
      else if (exp) lines.push(`exposure:${exp.packageName}.${exp.name}`);
      else if (sem) lines.push(`${sem.resourceType}:${sem.packageName}.${sem.name}`);
      else if (node?.resourceType === 'unit_test') lines.push(`unit_test:${node.packageName}.${node.name}`);
      else lines.push(node!.fqn.join('.'));
    } else {
      const full = json!.nodes?.[id] ?? json!.sources?.[id] ?? json!.unit_tests?.[id] ?? json!.exposures?.[id] ?? json!.metrics?.[id] ?? json!.semantic_models?.[id] ?? json!.saved_queries?.[id] ?? (exp ? exposureJson(exp) : { unique_id: id });
      // The default keys in the resource's own order, as dbt (a source: ..., source_name, tags, config)
      lines.push(JSON.stringify(outputKeys.length ? pick(full, outputKeys) : pick(full, Object.keys(full).filter((k) => DEFAULT_KEY_SET.has(k)))));
    }
  }
  io.stdout(`${lines.join('\n')}\n`);
  return ExitCode.OK;
}

function resourceTypes(wanted: readonly string[] | undefined): readonly string[] {
  const list = (wanted ?? []).flatMap((t) => t.split(/[\s,]+/)).filter(Boolean);
  if (list.length === 0 || list.includes('all')) return LISTABLE;
  const out = new Set<string>();
  for (const t of list) {
    if (t === 'default') {
      for (const d of LISTABLE) if (d !== 'analysis') out.add(d);
    } else if ((LISTABLE as readonly string[]).includes(t)) {
      out.add(t);
    } else {
      throw new KilnError(Codes.USAGE, `Unknown --resource-type '${t}'`, { hint: `Use one or more of: ${LISTABLE.join(', ')}, default, all.` });
    }
  }
  return [...out];
}

/** The keys asked for; `config.materialized` reaches into nested values (missing ones left out). */
function pick(full: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    let v: unknown = full;
    for (const part of k.split('.')) v = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[part] : undefined;
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function exposureJson(e: Exposure): Record<string, unknown> {
  return {
    name: e.name,
    resource_type: 'exposure',
    package_name: e.packageName,
    original_file_path: e.originalFilePath,
    unique_id: e.uniqueId,
    type: e.type,
    owner: e.owner,
    tags: e.tags,
    config: { ...e.config, tags: e.tags },
    depends_on: { macros: [], nodes: e.dependsOn.nodes },
  };
}
