// `kiln format [paths]`: lay out model SQL in the adapter's dialect, in place, leaving Jinja
// untouched; `--check` only reports (exit 1 when a file would change), for CI.
import fs from 'node:fs';
import path from 'node:path';
import { Codes, KilnError } from '../../errors.js';
import { formatTemplate } from '../../format/format-sql.js';
import { ExitCode, makeReporter, type Io } from '../main.js';
import type { GlobalOptions } from '../options.js';
import { openSession } from '../session.js';

export async function formatCommand(paths: readonly string[], opts: GlobalOptions & { check?: boolean }, io: Io): Promise<number> {
  const reporter = makeReporter(opts, io);
  const session = await openSession(opts, io.cwd);
  const kinds = new Set(['model', 'test', 'analysis', 'snapshot']);
  let files = session.loaded.files.filter((f) => kinds.has(f.kind) && f.path.endsWith('.sql'));
  if (paths.length) {
    const wanted = paths.map((p) => path.relative(session.root, path.resolve(io.cwd, p)).split(path.sep).join('/'));
    for (const w of wanted) {
      if (w.startsWith('..')) throw new KilnError(Codes.USAGE, `${w} is outside the project`, { hint: 'Give paths inside the project folder.' });
    }
    files = files.filter((f) => wanted.some((w) => w === '' || f.path === w || f.path.startsWith(`${w.replace(/\/$/, '')}/`)));
  }
  const dialect = session.adapter.formatterDialect;
  let changed = 0;
  for (const f of files) {
    const r = formatTemplate(f.contents, dialect);
    if (r.skipped) {
      reporter.warn(`${f.path}: left as is, ${r.skipped}`);
      continue;
    }
    if (r.text === f.contents) continue;
    changed++;
    if (opts.check) reporter.info(`would reformat ${f.path}`);
    else {
      fs.writeFileSync(f.absPath, r.text);
      reporter.info(`reformatted ${f.path}`);
    }
  }
  reporter.info(`${changed} of ${files.length} file${files.length === 1 ? '' : 's'} ${opts.check ? 'would be reformatted' : 'reformatted'}`);
  return opts.check && changed > 0 ? ExitCode.NODE_FAILED : ExitCode.OK;
}
