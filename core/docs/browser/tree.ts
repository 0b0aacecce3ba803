// The sidebar: the project as folders (models, seeds, snapshots, analyses, tests by folder;
// sources by source; macros by package). Folders render their children only when opened, so a
// 10,000-model project costs a few dozen elements until someone starts browsing.
import type { Store } from './data.js';
import { clear, h } from './dom.js';
import { TYPE_COLOR } from './format.js';
import { macroHref, nodeHref } from './routes.js';

interface Folder {
  readonly name: string;
  readonly key: string;
  readonly folders: Map<string, Folder>;
  readonly leaves: { name: string; href: string; id: string; color: string }[];
  size: number;
}

function folder(name: string, key: string): Folder {
  return { name, key, folders: new Map(), leaves: [], size: 0 };
}

export class Tree {
  readonly el: HTMLElement;
  private readonly open = new Set<string>();
  private readonly roots: Folder[];
  private current: string | null = null;

  constructor(private readonly store: Store) {
    this.roots = this.build();
    for (const r of this.roots.slice(0, 2)) this.open.add(r.key);
    this.el = h('nav', { class: 'tree', 'aria-label': 'Project' });
    this.render();
  }

  private build(): Folder[] {
    const sections: [string, string][] = [
      ['model', 'Models'],
      ['source', 'Sources'],
      ['seed', 'Seeds'],
      ['snapshot', 'Snapshots'],
      ['exposure', 'Exposures'],
      ['analysis', 'Analyses'],
      ['test', 'Data tests'],
    ];
    const roots = new Map(sections.map(([t, label]) => [t, folder(label, `/${t}`)]));
    this.store.core.nodes.forEach((n, i) => {
      const root = roots.get(n.type);
      if (!root || n.hide) return;
      // Sources by source name; everything else by the folders of its fqn (package, dirs).
      const dirs = n.type === 'source' ? [n.src ?? ''] : n.fqn.slice(n.pkg === this.store.core.project.name ? 1 : 0, -1);
      let f = root;
      f.size++;
      for (const d of dirs) {
        let next = f.folders.get(d);
        if (!next) f.folders.set(d, (next = folder(d, `${f.key}/${d}`)));
        f = next;
        f.size++;
      }
      f.leaves.push({ name: n.name, href: nodeHref(n.id), id: n.id, color: TYPE_COLOR[n.type] });
    });
    const macros = folder('Macros', '/macro');
    for (const m of this.store.core.macros) {
      let f = macros.folders.get(m.pkg);
      if (!f) macros.folders.set(m.pkg, (f = folder(m.pkg, `/macro/${m.pkg}`)));
      f.leaves.push({ name: m.name, href: macroHref(m.id), id: m.id, color: TYPE_COLOR.macro });
      f.size++;
      macros.size++;
    }
    return [...roots.values(), macros].filter((f) => f.size > 0);
  }

  /** Marks the current page's node and opens the folders leading to it. */
  select(id: string | null): void {
    this.current = id;
    if (id) {
      const path = this.pathTo(id);
      for (const k of path) this.open.add(k);
    }
    this.render();
    this.el.querySelector('.tree-leaf.current')?.scrollIntoView({ block: 'nearest' });
  }

  private pathTo(id: string): string[] {
    const walk = (f: Folder, trail: string[]): string[] | null => {
      if (f.leaves.some((l) => l.id === id)) return [...trail, f.key];
      for (const c of f.folders.values()) {
        const r = walk(c, [...trail, f.key]);
        if (r) return r;
      }
      return null;
    };
    for (const r of this.roots) {
      const p = walk(r, []);
      if (p) return p;
    }
    return [];
  }

  private render(): void {
    clear(this.el);
    const ul = h('ul', { class: 'tree-list' });
    for (const r of this.roots) ul.appendChild(this.renderFolder(r, 0));
    this.el.appendChild(ul);
  }

  private renderFolder(f: Folder, depth: number): HTMLElement {
    const isOpen = this.open.has(f.key);
    const toggle = h(
      'button',
      { class: `tree-folder${depth === 0 ? ' tree-root' : ''}`, 'aria-expanded': isOpen ? 'true' : 'false', style: `padding-left:${8 + depth * 14}px` },
      h('span', { class: `chev${isOpen ? ' open' : ''}`, 'aria-hidden': 'true' }),
      h('span', { class: 'tree-label' }, f.name),
      h('span', { class: 'tree-count' }, String(f.size)),
    );
    toggle.addEventListener('click', () => {
      if (this.open.has(f.key)) this.open.delete(f.key);
      else this.open.add(f.key);
      this.render();
    });
    const li = h('li', null, toggle);
    if (isOpen) {
      const ul = h('ul', { class: 'tree-list' });
      for (const c of [...f.folders.values()].sort((a, b) => a.name.localeCompare(b.name))) ul.appendChild(this.renderFolder(c, depth + 1));
      const leaves = [...f.leaves].sort((a, b) => a.name.localeCompare(b.name));
      for (const l of leaves) {
        ul.appendChild(
          h(
            'li',
            null,
            h(
              'a',
              { class: `tree-leaf${l.id === this.current ? ' current' : ''}`, href: l.href, style: `padding-left:${22 + depth * 14}px`, title: l.name },
              h('span', { class: 'type-dot', style: `background:${l.color}` }),
              h('span', { class: 'tree-label' }, l.name),
            ),
          ),
        );
      }
      li.appendChild(ul);
    }
    return li;
  }
}
