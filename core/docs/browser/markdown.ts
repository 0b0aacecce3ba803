// Descriptions and doc blocks are Markdown (GitHub flavour, tables included). Raw HTML in them is
// shown as text and links may only use http(s), mailto or in-page targets: a description in a
// project must never be able to run script in the reader's browser.
import { Marked, type Tokens } from 'marked';
import { escapeHtml } from './dom.js';

const SAFE_URL = /^(https?:|mailto:|#|\/|\.\/|\.\.\/|[^:]*$)/i;

const marked = new Marked({
  gfm: true,
  async: false,
  walkTokens(token) {
    if ((token.type === 'link' || token.type === 'image') && !SAFE_URL.test((token as Tokens.Link).href.trim())) (token as Tokens.Link).href = '#';
  },
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(token.text);
    },
  },
});

const cache = new Map<string, string>();

export function markdown(text: string): string {
  let html = cache.get(text);
  if (html === undefined) {
    html = marked.parse(text) as string;
    if (cache.size > 2000) cache.clear();
    cache.set(text, html);
  }
  return html;
}

/** Markdown as plain text (for previews and tooltips). */
export function plain(text: string, max = 200): string {
  const t = text
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[#>*_`|~-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
