// Path helpers of the parse's hot loops: 10,000 models and 30,000 tests each ask for their path
// under a resource root, and path.posix.relative resolves both paths against the working
// directory every time. Project paths are already normalized (discover.ts), so the answer is
// usually a prefix cut; anything unusual goes through path.posix as before.
import path from 'node:path';

/** Whether a relative or absolute posix path has no empty, `.` or `..` segment and no trailing slash. */
function isClean(p: string): boolean {
  if (p === '' || p.endsWith('/') || p.includes('//')) return false;
  if (p === '.' || p === '..' || p.startsWith('./') || p.startsWith('../')) return false;
  return !p.includes('/./') && !p.includes('/../') && !p.endsWith('/.') && !p.endsWith('/..');
}

/** `path.posix.relative(root, file)`, without resolving both when `file` lies plainly under `root`. */
export function relativeUnder(root: string, file: string): string {
  if (file.length > root.length + 1 && file.charCodeAt(root.length) === 47 && file.startsWith(root) && isClean(root)) {
    const rest = file.slice(root.length + 1);
    if (isClean(rest)) return rest;
  }
  return path.posix.relative(root, file);
}

/**
 * `[first, ...folders, last]` where the folders are those of `file` under `root`, as an fqn
 * lists them (`path.posix.dirname(relative)` split, without `.` or empty parts).
 */
export function fqnUnder(first: string, root: string, file: string, last: string): string[] {
  const parts = relativeUnder(root, file).split('/');
  const out = [first];
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i]!;
    if (p && p !== '.') out.push(p);
  }
  out.push(last);
  return out;
}

/** A property file's path below its resource folder (`schema.yml` for models/schema.yml), as dbt
 *  gives exposures and groups (fqns take the same folders). */
export function resourceRelative(file: string): string {
  const slash = file.indexOf('/');
  return slash < 0 ? file : file.slice(slash + 1);
}
