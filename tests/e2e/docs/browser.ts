// Headless Chromium for the docs site tests: Debian's chromium (installed by .ci/run) driven by
// playwright-core, a fresh profile each time, nothing that reaches for the network.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { repoRoot } from '../../helpers/cli.js';

export const CHROMIUM = process.env.KILN_CHROMIUM ?? '/usr/bin/chromium';

/** Chromium is there, or this is CI (where its absence must fail the run, not skip it). */
export const haveChromium = fs.existsSync(CHROMIUM) || !!process.env.CI;

export const screenshotDir = path.join(repoRoot, 'test-output', 'docs');

export async function launch(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  // vitest transforms test files with esbuild's keepNames, which wraps functions inside the
  // callbacks handed to page.evaluate in a __name() helper the page does not define.
  await context.addInitScript('window.__name = (f) => f;');
  fs.mkdirSync(screenshotDir, { recursive: true });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
