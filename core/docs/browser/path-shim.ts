// A POSIX `node:path` for the browser bundle: the CLI's selector code resolves `path:` specs
// against the project root with it. Only what that code needs, and what it needs to be right.

export const sep = '/';

function normalizeParts(parts: readonly string[], absolute: boolean): string[] {
  const out: string[] = [];
  for (const p of parts) {
    if (!p || p === '.') continue;
    if (p === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else out.push(p);
  }
  return out;
}

export function normalize(p: string): string {
  const absolute = p.startsWith('/');
  const body = normalizeParts(p.split('/'), absolute).join('/');
  return (absolute ? '/' : '') + (body || (absolute ? '' : '.'));
}

export function join(...parts: string[]): string {
  return normalize(parts.filter(Boolean).join('/'));
}

export function resolve(...parts: string[]): string {
  let acc = '';
  for (let i = parts.length - 1; i >= 0 && !acc.startsWith('/'); i--) acc = acc ? `${parts[i]}/${acc}` : parts[i];
  if (!acc.startsWith('/')) acc = `/${acc}`;
  return normalize(acc).replace(/(.)\/$/, '$1');
}

export function relative(from: string, to: string): string {
  const a = normalizeParts(resolve(from).split('/'), true);
  const b = normalizeParts(resolve(to).split('/'), true);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}

export function basename(p: string, ext?: string): string {
  const base = p.replace(/\/+$/, '').split('/').pop() ?? '';
  return ext && base.endsWith(ext) ? base.slice(0, -ext.length) : base;
}

export function dirname(p: string): string {
  const i = p.replace(/\/+$/, '').lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : p.slice(0, i);
}

export function extname(p: string): string {
  const base = basename(p);
  const i = base.lastIndexOf('.');
  return i <= 0 ? '' : base.slice(i);
}

export function isAbsolute(p: string): boolean {
  return p.startsWith('/');
}

const posixPath = { sep, normalize, join, resolve, relative, basename, dirname, extname, isAbsolute };
export const posix = posixPath;
export default { ...posixPath, posix: posixPath };
