// Before anything runs: the Jinja of every hook the run would execute parses. Hooks are rendered
// only when they run, so without this a typo in a post-hook or on-run-end hook would surface
// halfway through a run (or at its very end) instead of as a load error that runs nothing.
import { KilnError, type Problems } from '../errors.js';
import type { Manifest } from '../nodes.js';
import type { ProjectFile } from '../project/types.js';
import type { TemplateEngine } from '../template/engine.js';

function hookSql(h: unknown): string | null {
  if (typeof h === 'string') return h;
  if (h && typeof h === 'object' && typeof (h as { sql?: unknown }).sql === 'string') return (h as { sql: string }).sql;
  return null;
}

export function checkHookSyntax(manifest: Manifest, selected: ReadonlySet<string>, project: ProjectFile, engine: Pick<TemplateEngine, 'check'>, problems: Problems): void {
  const check = (sql: string, what: string, file: string, node?: string) => {
    if (!sql.includes('{{') && !sql.includes('{%')) return;
    try {
      engine.check(file, sql);
    } catch (e) {
      if (!(e instanceof KilnError)) throw e;
      // The engine counts lines within the hook's text; the hook itself is what to look for.
      problems.error(new KilnError(e.code, `${what}: ${e.message}`, { loc: { file }, node, hint: e.hint, cause: e }));
    }
  };
  for (const kind of ['on-run-start', 'on-run-end'] as const) {
    const list = kind === 'on-run-start' ? project.onRunStart : project.onRunEnd;
    list.forEach((sql, i) => check(sql, `${kind} hook ${i + 1}`, project.file));
  }
  for (const id of selected) {
    const n = manifest.nodes.get(id);
    if (!n) continue;
    for (const which of ['pre_hook', 'post_hook'] as const) {
      const hooks = n.config[which];
      (Array.isArray(hooks) ? hooks : hooks === undefined || hooks === null ? [] : [hooks]).forEach((h, i) => {
        const sql = hookSql(h);
        if (sql !== null) check(sql, `${which.replace('_', '-')} ${i + 1} of ${n.name}`, n.originalFilePath, n.uniqueId);
      });
    }
  }
}
