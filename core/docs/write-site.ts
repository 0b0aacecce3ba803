// Writes the static docs site into target/: index.html and kiln-docs/ (the bundled script, the
// stylesheet, and the data as scripts: file:// pages may load <script src> but not fetch()).
// The folder is built aside and swapped in, so a reader never sees half a site, and chunks of
// an older, larger project never linger.
import fs from 'node:fs';
import path from 'node:path';
import { bundleSite } from './bundle.js';
import type { SiteData } from './site-data.js';
import { packNode } from './site-pack.js';
import type { WireCore } from './site-types.js';
import { makeDirs } from '../make-dirs.js';

export const SITE_DIR = 'kiln-docs';

export interface WrittenSite {
  readonly files: number;
  readonly bytes: number;
}

export async function writeSite(targetDir: string, data: SiteData, formatterDialect: string, redact: (text: string) => string): Promise<WrittenSite> {
  const bundle = await bundleSite(formatterDialect);
  makeDirs(targetDir);
  const final = path.join(targetDir, SITE_DIR);
  const staging = path.join(targetDir, `.${SITE_DIR}.${process.pid}.tmp`);
  fs.rmSync(staging, { recursive: true, force: true });
  // Each file is written as soon as it is made: the site's data (tens of MB at 10,000 models)
  // is never all in memory as text at once.
  let files = 0;
  let bytes = 0;
  const write = (rel: string, text: string): void => {
    const file = path.join(staging, rel);
    makeDirs(path.dirname(file));
    // Encoded once: writing the string and then measuring it encoded tens of MB twice.
    const data = Buffer.from(text);
    fs.writeFileSync(file, data);
    files++;
    bytes += data.length;
  };
  try {
    write('app.js', bundle.js);
    write('app.css', bundle.css);
    const project = data.core.project.name;
    const wire: WireCore = { ...data.core, nodes: data.core.nodes.map((n) => packNode(n, project)) };
    // A big JSON.parse('...') parses much faster than the same data as a JS object literal; the
    // chunks are small, so they stay literals (smaller: no second layer of escaping).
    write('data/core.js', `(window.kilnDocs=window.kilnDocs||{}).core=JSON.parse(${JSON.stringify(redact(JSON.stringify(wire)))});\n`);
    let i = 0;
    for (const chunk of data.chunks) {
      write(`data/chunk-${String(i).padStart(4, '0')}.js`, `window.kilnDocs.chunk(${i},${redact(JSON.stringify(chunk))});\n`);
      i++;
    }
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  const old = path.join(targetDir, `.${SITE_DIR}.${process.pid}.old`);
  if (fs.existsSync(final)) fs.renameSync(final, old);
  fs.renameSync(staging, final);
  fs.rmSync(old, { recursive: true, force: true });

  const html = indexHtml(data.core.project.name);
  const index = path.join(targetDir, 'index.html');
  fs.writeFileSync(`${index}.${process.pid}.tmp`, html);
  fs.renameSync(`${index}.${process.pid}.tmp`, index);
  return { files: files + 1, bytes: bytes + Buffer.byteLength(html) };
}

function indexHtml(project: string): string {
  const title = escapeHtml(`${project} · kiln docs`);
  const icon = encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M12 2c1.8 3.2 5.5 5.6 5.5 10.2A5.5 5.5 0 0 1 12 18a5.5 5.5 0 0 1-5.5-5.8C6.5 9.4 8.3 8 9.2 6c.6 1.9 1.6 2.9 2.5 3.3C11.4 7 11.3 4.5 12 2z" fill="#f05a28"/><rect x="4" y="19.5" width="16" height="2.5" rx="1.2" fill="#334155"/></svg>',
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kiln">
<title>${title}</title>
<link rel="icon" href="data:image/svg+xml,${icon}">
<link rel="stylesheet" href="${SITE_DIR}/app.css">
</head>
<body>
<div id="app"><noscript>The kiln docs site needs JavaScript.</noscript></div>
<script src="${SITE_DIR}/data/core.js"></script>
<script src="${SITE_DIR}/app.js"></script>
</body>
</html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
