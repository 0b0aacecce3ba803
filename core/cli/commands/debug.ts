// `kiln debug`: what kiln sees (versions, project, profile, target) and whether the database answers.
import { KILN_VERSION } from '../../artifacts/manifest-json.js';
import { KilnError } from '../../errors.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';
import { openSession } from '../session.js';
import { foundPhrase, reportWarnings } from './shared.js';

export async function debugCommand(opts: GlobalOptions, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  reporter.info(`kiln version: ${KILN_VERSION}`);
  reporter.info(`node version: ${process.version}`);
  const session = await openSession(opts, io.cwd);
  reportWarnings(reporter, session.warnings);
  session.adapter.onRetry = (n) => reporter.retrying(n);
  const t = session.profile.target;
  reporter.info(`project: ${session.loaded.project.name} (${session.root})`);
  reporter.info(`profiles.yml: ${session.profile.file}`);
  reporter.info(`profile: ${session.profile.profileName}, target: ${t.name}`);
  reporter.info(`  type: ${t.type}`);
  reporter.info(`  database: ${t.database}`);
  reporter.info(`  schema: ${t.schema}`);
  reporter.info(`  threads: ${t.threads}`);
  for (const [k, v] of Object.entries(t.fields)) {
    if (['type', 'schema', 'database', 'threads'].includes(k)) continue;
    reporter.info(`  ${k}: ${t.secretFields.includes(k) ? '*****' : JSON.stringify(v)}`);
  }
  reporter.info(`found: ${foundPhrase(session.manifest)}`);
  try {
    const adapter = session.adapter;
    const found: string[] = [];
    try {
      await adapter.open();
      const conn = await adapter.acquire();
      try {
        await conn.query('select 1 as ok');
      } finally {
        adapter.release(conn);
      }
      // What the connection found: the adapter's own facts, then whether the target schema exists.
      for (const [label, value] of (await adapter.describeConnection?.()) ?? []) found.push(`  ${label}: ${value}`);
      const schemas = await adapter.listSchemas(adapter.database);
      const exists = schemas.some((s) => s.toLowerCase() === t.schema.toLowerCase());
      found.push(`  schema "${t.schema}": ${exists ? 'exists' : 'does not exist yet (the first run creates it)'}`);
    } finally {
      await adapter.close();
    }
    reporter.info('connection: OK');
    for (const line of found) reporter.info(line);
    reporter.info('All checks passed!');
    return ExitCode.OK;
  } catch (e) {
    if (!(e instanceof KilnError)) throw e;
    reporter.info('connection: FAILED');
    reporter.kilnError(e);
    return ExitCode.USER_ERROR;
  }
}
