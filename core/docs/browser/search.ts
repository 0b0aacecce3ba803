// Search over names, descriptions and column names of every node and macro, driven from the
// keyboard: `/` (or Ctrl-K) to focus, arrows to move, Enter to open, Escape to leave.
import type { Store } from './data.js';
import { clear, h } from './dom.js';
import { TYPE_COLOR, TYPE_LABEL } from './format.js';
import { plain } from './markdown.js';
import { macroHref, nodeHref } from './routes.js';

interface Entry {
  readonly kind: 'node' | 'macro';
  readonly index: number;
  readonly type: keyof typeof TYPE_LABEL;
  readonly name: string;
  readonly nameL: string;
  readonly descL: string;
  readonly colsL: readonly string[];
  readonly cols: readonly string[];
  readonly file: string;
  readonly desc: string;
}

export interface Hit {
  readonly entry: Entry;
  readonly score: number;
  /** Why it matched when not by name: a column or a piece of the description. */
  readonly why: string | null;
}

export class SearchIndex {
  private readonly entries: Entry[] = [];

  constructor(store: Store) {
    store.core.nodes.forEach((n, i) => {
      if (n.hide) return; // docs: {show: false}
      this.entries.push({ kind: 'node', index: i, type: n.type, name: n.src ? `${n.src}.${n.name}` : n.name, nameL: (n.src ? `${n.src}.${n.name}` : n.name).toLowerCase(), descL: n.desc.toLowerCase(), colsL: n.cols.map((c) => c.toLowerCase()), cols: n.cols, file: n.file, desc: n.desc });
    });
    store.core.macros.forEach((m, i) =>
      this.entries.push({ kind: 'macro', index: i, type: 'macro', name: m.name, nameL: m.name.toLowerCase(), descL: m.desc.toLowerCase(), colsL: [], cols: [], file: m.file, desc: m.desc }),
    );
  }

  search(query: string, limit = 30): Hit[] {
    const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length) return [];
    const hits: Hit[] = [];
    for (const e of this.entries) {
      let score = 0;
      let why: string | null = null;
      let all = true;
      for (const t of terms) {
        let s = 0;
        if (e.nameL === t) s = 100;
        else if (e.nameL.startsWith(t)) s = 70;
        else if (e.nameL.includes(t)) s = 45;
        if (s < 45) {
          const c = e.colsL.findIndex((col) => col === t || col.includes(t));
          if (c >= 0) {
            const cs = e.colsL[c] === t ? 30 : 20;
            if (cs > s) {
              s = cs;
              why = `column ${e.cols[c]}`;
            }
          }
        }
        if (s < 15) {
          const at = e.descL.indexOf(t);
          if (at >= 0) {
            s = 12;
            why = excerpt(e.desc, at, t.length);
          } else if (e.file.toLowerCase().includes(t)) s = 6;
        }
        if (!s) {
          all = false;
          break;
        }
        score += s;
      }
      if (!all) continue;
      // Tests are many and rarely what one looks for first.
      score += e.type === 'model' ? 4 : e.type === 'source' || e.type === 'seed' ? 2 : e.type === 'test' ? -15 : 0;
      hits.push({ entry: e, score, why });
    }
    hits.sort((a, b) => b.score - a.score || a.entry.name.length - b.entry.name.length || (a.entry.name < b.entry.name ? -1 : 1));
    return hits.slice(0, limit);
  }
}

function excerpt(text: string, at: number, len: number): string {
  const flat = plain(text, 100000);
  const i = Math.max(0, flat.toLowerCase().indexOf(text.slice(at, at + len).toLowerCase()));
  const start = Math.max(0, i - 30);
  return `${start ? '…' : ''}${flat.slice(start, i + len + 50)}${i + len + 50 < flat.length ? '…' : ''}`;
}

export function hitHref(hit: Hit, store: Store): string {
  return hit.entry.kind === 'macro' ? macroHref(store.core.macros[hit.entry.index].id) : nodeHref(store.core.nodes[hit.entry.index].id);
}

/** The search box with its result list. */
export function searchBox(store: Store, go: (href: string) => void): HTMLElement {
  let index: SearchIndex | null = null;
  let hits: Hit[] = [];
  let active = 0;
  const list = h('ul', { class: 'search-results', role: 'listbox', id: 'search-results' });
  const input = h('input', {
    type: 'search',
    class: 'search-input',
    placeholder: 'Search models, columns, descriptions…',
    'aria-label': 'Search',
    'aria-controls': 'search-results',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const hint = h('kbd', { class: 'search-kbd' }, '/');
  const box = h('div', { class: 'search' }, h('span', { class: 'search-icon', 'aria-hidden': 'true' }), input, hint, list);

  const render = () => {
    clear(list);
    box.classList.toggle('open', input.value.trim() !== '' && document.activeElement === input);
    if (!input.value.trim()) return;
    if (!hits.length) {
      list.appendChild(h('li', { class: 'search-empty' }, 'Nothing matches. Try part of a name or a column.'));
      return;
    }
    hits.forEach((hit, i) => {
      const e = hit.entry;
      const li = h(
        'li',
        { class: `search-hit${i === active ? ' active' : ''}`, role: 'option', 'aria-selected': i === active ? 'true' : 'false', 'data-href': hitHref(hit, store) },
        h('span', { class: 'type-dot', style: `background:${TYPE_COLOR[e.type]}` }),
        h('span', { class: 'hit-main' }, h('span', { class: 'hit-name' }, e.name), h('span', { class: 'hit-why' }, hit.why ?? (plain(e.desc, 90) || e.file))),
        h('span', { class: 'hit-type' }, TYPE_LABEL[e.type]),
      );
      li.addEventListener('mousedown', (ev) => {
        ev.preventDefault();
        open(i);
      });
      list.appendChild(li);
    });
  };
  const open = (i: number) => {
    const hit = hits[i];
    if (!hit) return;
    input.value = '';
    hits = [];
    render();
    input.blur();
    go(hitHref(hit, store));
  };
  input.addEventListener('input', () => {
    index ??= new SearchIndex(store);
    hits = index.search(input.value);
    active = 0;
    render();
  });
  input.addEventListener('focus', render);
  input.addEventListener('blur', () => setTimeout(render, 0));
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      if (!hits.length) return;
      active = (active + (ev.key === 'ArrowDown' ? 1 : hits.length - 1)) % hits.length;
      render();
      list.children[active]?.scrollIntoView({ block: 'nearest' });
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      open(active);
    } else if (ev.key === 'Escape') {
      input.value = '';
      hits = [];
      input.blur();
      render();
    }
  });
  document.addEventListener('keydown', (ev) => {
    const t = ev.target as HTMLElement | null;
    const typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable);
    if ((ev.key === '/' && !typing) || (ev.key.toLowerCase() === 'k' && (ev.ctrlKey || ev.metaKey))) {
      ev.preventDefault();
      input.focus();
      input.select();
    }
  });
  return box;
}
