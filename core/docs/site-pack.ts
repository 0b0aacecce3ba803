// The wire form of the site's nodes: what can be derived is left out (ids built from type,
// package and name; fqns that follow the file's folders; empty fields), which halves core.js on
// a 10,000-model project with 20,000 tests. Pure: the generator packs, the site unpacks.
import type { NodeKind, SiteNode } from './site-types.js';

export interface PackedNode {
  /** The unique id, when it is not `<type>.<package>.<name>` (tests: see `h`). */
  readonly i?: string;
  /** Tests: the id's hash suffix (`test.<package>.<name>.<h>`). */
  readonly h?: string;
  readonly n: string;
  readonly t: NodeKind;
  /** Package, when not the project's. */
  readonly k?: string;
  readonly f: string;
  /** fqn, when it is not [package, ...folders of the file below its resource folder, name]. */
  readonly q?: readonly string[];
  readonly c: number;
  readonly g?: readonly string[];
  readonly s?: string;
  readonly p?: readonly number[];
  readonly d?: string;
  readonly o?: readonly string[];
  readonly r?: string;
  readonly x?: number;
  readonly y?: number;
  readonly a?: number;
  readonly l?: string;
  readonly z?: SiteNode['last'];
  readonly w?: string;
  readonly m?: string;
  /** hide (docs show: false) */
  readonly e?: 1;
  /** docs node_color */
  readonly u?: string;
}

function defaultId(n: { type: NodeKind; pkg: string; name: string; src?: string }): string {
  return n.type === 'source' ? `source.${n.pkg}.${n.src}.${n.name}` : `${n.type}.${n.pkg}.${n.name}`;
}

function defaultFqn(pkg: string, file: string, name: string): string[] {
  const dirs = file.split('/').slice(1, -1);
  return [pkg, ...dirs, name];
}

/** Whether fqn is defaultFqn(pkg, file, name), without building it (this runs per node). */
function isDefaultFqn(fqn: readonly string[], pkg: string, file: string, name: string): boolean {
  if (fqn.length < 2 || fqn[0] !== pkg || fqn[fqn.length - 1] !== name) return false;
  let at = file.indexOf('/') + 1;
  for (let i = 1; i < fqn.length - 1; i++) {
    const end = file.indexOf('/', at);
    if (end < 0 || file.slice(at, end) !== fqn[i]) return false;
    at = end + 1;
  }
  return file.indexOf('/', at) < 0;
}

export function packNode(n: SiteNode, project: string): PackedNode {
  const out: { -readonly [K in keyof PackedNode]: PackedNode[K] } = { n: n.name, t: n.type, f: n.file, c: n.cfg };
  const base = defaultId(n);
  if (n.type === 'test' && n.id.startsWith(`${base}.`) && !n.id.slice(base.length + 1).includes('.')) out.h = n.id.slice(base.length + 1);
  else if (n.id !== base) out.i = n.id;
  if (n.pkg !== project) out.k = n.pkg;
  if (n.type === 'source' || !isDefaultFqn(n.fqn, n.pkg, n.file, n.name)) out.q = n.fqn;
  if (n.tags) out.g = n.tags;
  if (n.src !== undefined) out.s = n.src;
  if (n.parents.length) out.p = n.parents;
  if (n.desc) out.d = n.desc;
  if (n.cols.length) out.o = n.cols;
  if (n.rel !== undefined) out.r = n.rel;
  if (n.x !== undefined) out.x = n.x;
  if (n.y !== undefined) out.y = n.y;
  if (n.on !== undefined) out.a = n.on;
  if (n.col !== undefined) out.l = n.col;
  if (n.last !== undefined) out.z = n.last;
  if (n.patch !== undefined) out.w = n.patch;
  if (n.testName !== undefined) out.m = n.testName;
  if (n.hide) out.e = 1;
  if (n.color !== undefined) out.u = n.color;
  return out;
}

export function unpackNode(p: PackedNode, project: string): SiteNode {
  const pkg = p.k ?? project;
  const type = p.t;
  const id = p.i ?? (p.h !== undefined ? `${defaultId({ type, pkg, name: p.n })}.${p.h}` : defaultId({ type, pkg, name: p.n, src: p.s }));
  // Plain assignments, no spreads: this runs for every node while the page starts.
  const n: { -readonly [K in keyof SiteNode]: SiteNode[K] } = {
    id,
    name: p.n,
    type,
    pkg,
    file: p.f,
    fqn: p.q ?? defaultFqn(pkg, p.f, p.n),
    cfg: p.c,
    parents: p.p ?? [],
    desc: p.d ?? '',
    cols: p.o ?? [],
  };
  if (p.g) n.tags = p.g;
  if (p.s !== undefined) n.src = p.s;
  if (p.r !== undefined) n.rel = p.r;
  if (p.x !== undefined) {
    n.x = p.x;
    n.y = p.y;
  }
  if (p.a !== undefined) n.on = p.a;
  if (p.l !== undefined) n.col = p.l;
  if (p.z !== undefined) n.last = p.z;
  if (p.w !== undefined) n.patch = p.w;
  if (p.m !== undefined) n.testName = p.m;
  if (p.e) n.hide = 1;
  if (p.u !== undefined) n.color = p.u;
  return n;
}
