// The app shell: top bar (search, navigation), the project tree, and the page for the route.
import type { Store } from './data.js';
import { h } from './dom.js';
import { parseRoute, type Route } from './routes.js';
import { searchBox } from './search.js';
import { Tree } from './tree.js';
import { lineagePage } from './pages/lineage-page.js';
import { macroPage } from './pages/macro-page.js';
import { nodePage } from './pages/node-page.js';
import { overviewPage } from './pages/overview-page.js';
import { runsPage } from './pages/runs-page.js';
import type { PageView } from './pages/page.js';

const LOGO =
  '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path d="M12 2c1.8 3.2 5.5 5.6 5.5 10.2A5.5 5.5 0 0 1 12 18a5.5 5.5 0 0 1-5.5-5.8C6.5 9.4 8.3 8 9.2 6c.6 1.9 1.6 2.9 2.5 3.3C11.4 7 11.3 4.5 12 2z" fill="#f05a28"/><rect x="4" y="19.5" width="16" height="2.5" rx="1.2" fill="#334155"/></svg>';

export class App {
  private readonly main: HTMLElement;
  private readonly tree: Tree;
  private readonly nav: HTMLElement;
  private current: { page: Route['page']; view: PageView } | null = null;

  constructor(
    private readonly store: Store,
    root: HTMLElement,
  ) {
    const go = (href: string) => {
      if (location.hash === href) this.route();
      else location.hash = href;
    };
    this.go = go;
    const brand = h('a', { class: 'brand', href: '#/' });
    brand.innerHTML = LOGO;
    brand.append(h('span', { class: 'brand-name' }, 'kiln'), h('span', { class: 'brand-project' }, store.core.project.name));
    this.nav = h(
      'nav',
      { class: 'top-nav' },
      h('a', { href: '#/', 'data-page': 'overview' }, 'Overview'),
      h('a', { href: '#/lineage', 'data-page': 'lineage' }, 'Lineage'),
      h('a', { href: '#/runs', 'data-page': 'runs' }, 'Runs'),
    );
    this.tree = new Tree(store);
    this.main = h('main', { class: 'main', id: 'main' });
    root.replaceChildren(h('header', { class: 'topbar' }, brand, searchBox(store, go), this.nav), h('div', { class: 'layout' }, h('aside', { class: 'sidebar' }, this.tree.el), this.main));
    window.addEventListener('hashchange', () => this.route());
    this.route();
  }

  private readonly go: (href: string) => void;

  private route(): void {
    const route = parseRoute(location.hash);
    for (const a of this.nav.querySelectorAll('a')) a.classList.toggle('active', a.dataset.page === route.page);
    document.body.dataset.page = route.page;
    if (this.current && this.current.page === route.page && this.current.view.update?.(route)) return;
    this.current?.view.destroy?.();
    const view = this.page(route);
    this.current = { page: route.page, view };
    this.main.replaceChildren(view.el);
    this.main.scrollTop = 0;
    view.render?.(route);
    view.mounted?.();
    this.tree.select(route.page === 'node' || route.page === 'macro' ? route.id : null);
    const title = route.page === 'node' || route.page === 'macro' ? `${route.id?.split('.').pop() ?? ''} · ` : route.page === 'overview' ? '' : `${route.page[0].toUpperCase()}${route.page.slice(1)} · `;
    document.title = `${title}${this.store.core.project.name} · kiln docs`;
  }

  private page(route: Route): PageView {
    const { store } = this;
    if (route.page === 'node' && route.id !== null) {
      const i = store.byId.get(route.id);
      if (i !== undefined) return nodePage(store, i);
      return notFound(route.id);
    }
    if (route.page === 'macro' && route.id !== null) {
      const i = store.macroById.get(route.id);
      if (i !== undefined) return macroPage(store, i);
      return notFound(route.id);
    }
    if (route.page === 'lineage') return lineagePage(store, this.go);
    if (route.page === 'runs') return runsPage(store, route, this.go);
    return overviewPage(store);
  }
}

function notFound(id: string): PageView {
  return { el: h('div', { class: 'page' }, h('h1', { class: 'page-title' }, 'Not found'), h('p', null, 'Nothing in this project is called ', h('code', null, id), '. It may have been renamed or removed since this link was made.')) };
}
