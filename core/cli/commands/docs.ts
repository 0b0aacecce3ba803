// `kiln docs generate` and `kiln docs serve`: the documentation site with the lineage graph and
// the run history, written into target/ next to manifest.json and catalog.json.
import fs from 'node:fs';
import path from 'node:path';
import { Codes, KilnError, Problems } from '../../errors.js';
import { ArtifactWriter, jsonArtifactOptions } from '../../artifacts/write.js';
import { KILN_VERSION, manifestJsonChunks } from '../../artifacts/manifest-json.js';
import { writeSemanticManifest } from '../../semantic/write.js';
import { Compiler } from '../../compiler/compile.js';
import { catalogJson, readCatalog, type Catalog } from '../../docs/catalog.js';
import { readRunHistory, type HistoryEntry } from '../../docs/run-history.js';
import { buildSiteData } from '../../docs/site-data.js';
import { openBrowser, serveDirectory } from '../../docs/serve.js';
import { writeSite } from '../../docs/write-site.js';
import { loadProjectFile } from '../../project/load-project-file.js';
import { targetPathOverride } from '../../project/target-path.js';
import { TemplateEngine } from '../../template/engine.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';
import { openSession } from '../session.js';
import { foundPhrase, redactor, reportWarnings } from './shared.js';

export interface DocsGenerateOptions {
  /** commander's `--no-compile` */
  compile?: boolean;
  emptyCatalog?: boolean;
}

export interface DocsServeOptions {
  port?: number;
  host?: string;
  open?: boolean;
}

export async function docsGenerateCommand(opts: GlobalOptions & DocsGenerateOptions, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  const started = performance.now();
  const session = await openSession(opts, io.cwd);
  reportWarnings(reporter, session.warnings);
  session.adapter.onRetry = (n) => reporter.retrying(n);
  reporter.info(`Found ${foundPhrase(session.manifest)}`);

  // Compile everything that has SQL, so pages can show it; one bad node does not sink the site.
  const errors: KilnError[] = [];
  const compileErrors = new Map<string, string>();
  const timings = session.timings;
  if (opts.compile !== false) {
    timings.begin('compile');
    const compiler = new Compiler(session.manifest, session.engine, session.deps, session.profile.profileName);
    for (const id of session.dag.topoOrder()) {
      const node = session.manifest.nodes.get(id);
      if (!node || node.resourceType === 'seed') continue;
      try {
        compiler.compile(node);
      } catch (e) {
        if (!(e instanceof KilnError)) throw e;
        errors.push(e);
        compileErrors.set(id, e.message);
      }
    }
    timings.end();
  }

  let catalog: Catalog = { byId: new Map(), errors: [] };
  if (!opts.emptyCatalog) {
    catalog = await timings.timeAsync('execute', async () => {
      try {
        await session.adapter.open();
      } catch (e) {
        // A warehouse that cannot be opened (locked by a running build, unreachable) costs the
        // site its catalog, not its existence.
        if (!(e instanceof KilnError)) throw e;
        return { byId: new Map(), errors: [`the warehouse could not be opened: ${e.message}`] };
      }
      try {
        return await readCatalog(session.manifest, session.adapter);
      } finally {
        await session.adapter.close();
      }
    });
    for (const e of catalog.errors) reporter.warn(`Catalog incomplete: ${e}`);
  }

  timings.begin('write artifacts');
  const meta = { invocationId: session.invocationId, generatedAt: session.startedAt, adapterType: session.adapter.type };
  const writer = new ArtifactWriter(session.targetDir, redactor(), jsonArtifactOptions(opts));
  // Streamed, as compile writes it (the same bytes): never the whole object or its ~90 MB string.
  writer.writeJsonStream('manifest.json', manifestJsonChunks(session.manifest, session.dag, session.adapter.dialect, meta));
  writeSemanticManifest(writer, session.manifest, session.adapter.dialect);
  writer.writeJson('catalog.json', catalogJson(session.manifest, catalog, meta));

  const data = buildSiteData({
    manifest: session.manifest,
    dag: session.dag,
    dialect: session.adapter.dialect,
    catalog,
    history: historyOf(session.targetDir),
    compileErrors,
    project: { adapterType: session.adapter.type, generatedAt: session.startedAt, kilnVersion: KILN_VERSION, invocationId: session.invocationId },
  });
  const site = await writeSite(session.targetDir, data, session.adapter.formatterDialect, redactor());
  await writer.finish();
  timings.end();
  const target = session.loaded.project.targetPath;
  reporter.info(`Catalog: ${catalog.byId.size} relation${catalog.byId.size === 1 ? '' : 's'} found in the warehouse${opts.emptyCatalog ? ' (--empty-catalog: not read)' : ''}`);
  reporter.info(`Wrote ${target}/index.html, ${target}/manifest.json and ${target}/catalog.json (${site.files} files, ${(site.bytes / 1e6).toFixed(1)} MB) in ${((performance.now() - started) / 1000).toFixed(2)}s`);
  if (errors.length) {
    reporter.userErrors(errors, `${errors.length} node${errors.length === 1 ? '' : 's'} did not compile; their pages say why. The rest of the site was written.`);
    return ExitCode.USER_ERROR;
  }
  reporter.info(`Open ${path.join(target, 'index.html')} in a browser, or run \`kiln docs serve\`.`);
  return ExitCode.OK;
}

/** The recorded runs; without any, the last run_results.json (runs from before the history). */
function historyOf(targetDir: string): HistoryEntry[] {
  const history = readRunHistory(targetDir);
  if (history.length) return history;
  try {
    const rr = JSON.parse(fs.readFileSync(path.join(targetDir, 'run_results.json'), 'utf8')) as {
      metadata?: { invocation_id?: string; generated_at?: string };
      elapsed_time?: number;
      args?: { which?: string; select?: string[]; exclude?: string[]; target?: string | null };
      results?: { unique_id: string; status: HistoryEntry['results'][number]['status']; execution_time: number; failures?: number | null; message?: string | null }[];
    };
    if (!Array.isArray(rr.results)) return [];
    const failed = rr.results.some((r) => r.status === 'error' || r.status === 'fail');
    return [
      {
        invocation_id: rr.metadata?.invocation_id ?? 'unknown',
        command: rr.args?.which ?? 'run',
        started_at: rr.metadata?.generated_at ?? new Date(0).toISOString(),
        elapsed_time: rr.elapsed_time ?? 0,
        status: failed ? 'error' : 'success',
        target: rr.args?.target ?? '',
        select: rr.args?.select ?? [],
        exclude: rr.args?.exclude ?? [],
        results: rr.results.map((r) => ({
          id: r.unique_id,
          status: r.status,
          time: r.execution_time,
          ...(typeof r.failures === 'number' ? { failures: r.failures } : {}),
          ...(r.message && r.status !== 'success' && r.status !== 'pass' ? { message: r.message } : {}),
        })),
      },
    ];
  } catch {
    return [];
  }
}

export async function docsServeCommand(opts: GlobalOptions & DocsServeOptions, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  const root = path.resolve(io.cwd, opts.projectDir ?? '.');
  const yamlEngine = new TemplateEngine();
  const project = loadProjectFile(root, { render: (text, loc) => yamlEngine.render(loc.file, text, {}), problems: new Problems(), targetPath: targetPathOverride(opts.targetPath) });
  const targetDir = path.resolve(root, project.targetPath);
  if (!fs.existsSync(path.join(targetDir, 'index.html'))) {
    throw new KilnError(Codes.DOCS_NOT_GENERATED, `There is no docs site to serve: ${path.join(project.targetPath, 'index.html')} does not exist`, {
      hint: 'Run `kiln docs generate` first.',
    });
  }
  const server = await serveDirectory(targetDir, { host: opts.host ?? '127.0.0.1', port: opts.port ?? 8080 });
  reporter.info(`Serving the docs of ${project.name} at ${server.url} (press Ctrl-C to stop)`);
  if (opts.open && !(await openBrowser(server.url))) reporter.warn(`Could not open a browser; open ${server.url} yourself.`);
  await new Promise<void>((resolve) => {
    const off = io.onInterrupt(() => {
      off();
      resolve();
    });
  });
  await server.close();
  reporter.info('Stopped serving the docs.');
  return ExitCode.OK;
}
