// Entry point of the docs site's script (bundled by core/docs/bundle.ts). The data arrives in
// kiln-docs/data/core.js, loaded by index.html before this script.
import { App } from './app.js';
import { Store } from './data.js';

function start(): void {
  const root = document.getElementById('app')!;
  const core = window.kilnDocs?.core;
  if (!core) {
    root.textContent = 'The docs data (kiln-docs/data/core.js) did not load. Run `kiln docs generate` again.';
    return;
  }
  const t0 = performance.now();
  const store = new Store(core, 'kiln-docs/');
  new App(store, root);
  document.body.dataset.ready = 'true';
  (window.kilnDocs ??= {}).startMs = performance.now() - t0;
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
