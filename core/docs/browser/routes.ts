// Hash routes (they work from file:// as well as from `kiln docs serve`).

export type Page = 'overview' | 'node' | 'macro' | 'lineage' | 'runs';

export interface Route {
  readonly page: Page;
  readonly id: string | null;
  readonly params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#!?\/?/, '');
  const q = h.indexOf('?');
  const pathPart = q < 0 ? h : h.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : h.slice(q + 1));
  const slash = pathPart.indexOf('/');
  const head = slash < 0 ? pathPart : pathPart.slice(0, slash);
  const rest = slash < 0 ? null : decodeURIComponent(pathPart.slice(slash + 1));
  switch (head) {
    case 'node':
    case 'macro':
      return { page: head, id: rest, params };
    case 'lineage':
    case 'runs':
      return { page: head, id: rest, params };
    default:
      return { page: 'overview', id: null, params };
  }
}

export function nodeHref(id: string): string {
  return `#/node/${encodeURIComponent(id)}`;
}

export function macroHref(id: string): string {
  return `#/macro/${encodeURIComponent(id)}`;
}

export interface LineageState {
  readonly focus?: string | null;
  readonly up?: number | null;
  readonly down?: number | null;
  readonly select?: string | null;
  readonly exclude?: string | null;
  readonly path?: readonly [string, string] | null;
  readonly tests?: boolean;
}

export function lineageHref(s: LineageState = {}): string {
  const p = new URLSearchParams();
  if (s.focus) p.set('focus', s.focus);
  if (s.focus && s.up !== undefined) p.set('up', s.up === null ? 'all' : String(s.up));
  if (s.focus && s.down !== undefined) p.set('down', s.down === null ? 'all' : String(s.down));
  if (s.select) p.set('select', s.select);
  if (s.exclude) p.set('exclude', s.exclude);
  if (s.path) p.set('path', `${s.path[0]}~${s.path[1]}`);
  if (s.tests) p.set('tests', '1');
  const q = p.toString();
  return `#/lineage${q ? `?${q}` : ''}`;
}

export function lineageState(params: URLSearchParams): LineageState {
  const depth = (v: string | null, dflt: number): number | null => (v === null ? dflt : v === 'all' ? null : Math.max(0, Number(v) || 0));
  const path = params.get('path')?.split('~');
  return {
    focus: params.get('focus'),
    up: depth(params.get('up'), 2),
    down: depth(params.get('down'), 2),
    select: params.get('select'),
    exclude: params.get('exclude'),
    path: path && path.length === 2 ? [path[0], path[1]] : null,
    tests: params.get('tests') === '1',
  };
}
