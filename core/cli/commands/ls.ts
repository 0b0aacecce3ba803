// `kiln ls`: the selected resources, one per line (or JSON).
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';
import { openSession, select } from '../session.js';
import { reportWarnings } from './shared.js';
import { Codes, KilnError } from '../../errors.js';

export interface LsOptions {
  resourceType?: string[];
  output?: string;
}

export async function lsCommand(opts: GlobalOptions & LsOptions, io: Io): Promise<number> {
  const reporter = makeReporter({ ...opts, logFormat: 'text' }, { ...io, stdout: io.stderr });
  const output = opts.output ?? 'selector';
  if (!['name', 'path', 'json', 'selector'].includes(output)) {
    throw new KilnError(Codes.USAGE, `Unknown --output '${output}'`, { hint: 'Use name, path, json or selector.' });
  }
  const session = await openSession(opts, io.cwd);
  reportWarnings(reporter, session.warnings);
  const types = opts.resourceType?.length ? opts.resourceType : ['model', 'seed'];
  const ids = select(session, opts, types);
  const lines: string[] = [];
  for (const id of session.dag.topoOrder()) {
    if (!ids.has(id)) continue;
    const n = session.manifest.nodes.get(id)!;
    if (output === 'name') lines.push(n.name);
    else if (output === 'path') lines.push(n.originalFilePath);
    else if (output === 'selector') lines.push(n.fqn.join('.'));
    else lines.push(JSON.stringify({ name: n.name, resource_type: n.resourceType, package_name: n.packageName, original_file_path: n.originalFilePath, unique_id: n.uniqueId, alias: n.alias, config: n.config, tags: n.config.tags, depends_on: n.dependsOn }));
  }
  if (types.includes('source')) {
    for (const s of session.manifest.sources.values()) {
      if (opts.select?.length && !ids.has(s.uniqueId)) continue;
      if (output === 'json') lines.push(JSON.stringify({ name: s.name, resource_type: 'source', source_name: s.sourceName, unique_id: s.uniqueId }));
      else lines.push(output === 'name' ? `${s.sourceName}.${s.name}` : output === 'path' ? s.originalFilePath : `source:${s.fqn.join('.')}`);
    }
  }
  io.stdout(lines.length ? `${lines.join('\n')}\n` : '');
  return ExitCode.OK;
}
