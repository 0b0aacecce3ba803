// The docs site of project-template in headless Chromium, opened from disk as a user would:
// search from the keyboard, a model's page (columns, types, tests, compiled SQL), the lineage
// (focus, depth, click-through, path, the selector box against `kiln ls`), the runs page.
// Screenshots of each page go to test-output/docs/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln, repoRoot } from '../../helpers/cli.js';
import { haveChromium, launch, screenshotDir } from './browser.js';
import { copyTemplate } from '../../../core/cli/commands/init.js';

/** A screenshot of what the page shows from the top (pages scroll inside <main>). */
async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => document.querySelector('main')?.scrollTo(0, 0));
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
}

describe.skipIf(!haveChromium)('the docs site in Chromium', () => {
  let dir: string;
  let page: Page;
  let close: () => Promise<void>;
  const offline: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-docs-site-'));
    copyTemplate(dir);
    expect((await kiln(['build'], dir)).code).toBe(0);
    // A second run with a status the accepted_values test does not allow: it fails, and what is
    // downstream of stg_orders is skipped.
    fs.appendFileSync(path.join(dir, 'seeds', 'raw_orders.csv'), '121,1,2018-04-09,lost\n');
    expect((await kiln(['build', '--select', 'raw_orders+'], dir)).code).toBe(1);
    const gen = await kiln(['docs', 'generate'], dir);
    expect(gen.code, gen.output).toBe(0);
    const browser = await launch();
    close = browser.close;
    page = await browser.context.newPage();
    page.on('request', (r) => {
      if (!r.url().startsWith('file://') && !r.url().startsWith('data:')) offline.push(r.url());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`file://${path.join(dir, 'target', 'index.html')}`);
    await page.waitForSelector('body[data-ready]');
  });

  afterAll(async () => {
    await close?.();
  });

  const lsNames = async (spec: string, types = ['model', 'seed']) => {
    const r = await kiln(['ls', '--select', spec, '--resource-type', ...types, '--output', 'name'], dir);
    expect(r.code, r.output).toBe(0);
    return r.stdout.trim().split('\n').filter(Boolean).sort();
  };
  const drawnNames = async () => (await page.evaluate(() => window.kilnDocs!.lineage!().map((b) => b.id))).map((id) => id.split('.').pop()!).sort();
  const waitForView = (view: string) => page.waitForFunction((v) => window.kilnDocs?.lastDraw?.view === v, view);
  const box = async (id: string) => {
    const b = (await page.evaluate(() => window.kilnDocs!.lineage!())).find((x) => x.id === id);
    if (!b) throw new Error(`${id} is not drawn`);
    return { x: b.x + b.w / 2, y: b.y + b.h / 2 };
  };

  it('opens from disk on the overview', async () => {
    expect(await page.title()).toBe('shop · kiln docs');
    const stats = await page.locator('.stat').allInnerTexts();
    expect(stats.map((s) => s.replace(/\s+/g, ' '))).toEqual(expect.arrayContaining(['6 models', '3 seeds', '28 data tests', '1 macros']));
    await expect.poll(() => page.locator('.overview-side').innerText()).toMatch(/LATEST RUN[\s\S]*error[\s\S]*kiln build/i);
    await shot(page, '1-overview');
  });

  it('searches names, columns and descriptions from the keyboard', async () => {
    await page.keyboard.press('/');
    await page.keyboard.type('payment_method');
    const first = page.locator('.search-hit').first();
    await expect.poll(() => first.innerText()).toMatch(/stg_payments[\s\S]*column payment_method/);
    await shot(page, '2-search');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/node/model.shop.stg_payments');
    expect(await page.locator('h1.page-title').innerText()).toMatch(/^stg_payments/);

    await page.keyboard.press('/');
    await page.keyboard.type('paid for it by each');
    await expect.poll(() => page.locator('.search-hit .hit-name').first().innerText()).toBe('orders');
    // Escape clears and leaves the box; `/` comes back to it.
    await page.keyboard.press('Escape');
    await page.keyboard.press('/');
    await page.keyboard.type('orders');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/node/model.shop.orders');
  });

  it("shows a model's columns with database types, descriptions, tests and SQL", async () => {
    const rows = page.locator('table.columns > tbody > tr');
    await expect.poll(() => rows.count()).toBe(10);
    const orderId = page.locator('tr[data-column="order_id"]');
    expect(await orderId.locator('.col-type').innerText()).toBe('INTEGER');
    expect(await orderId.locator('.col-desc').innerText()).toBe('Primary key of an order.');
    // orders was skipped in the second run (upstream failed), so were its tests.
    expect((await orderId.locator('.test-chip').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()).sort()).toEqual(['– not_null', '– unique']);
    expect(await page.locator('tr[data-column="status"] .markdown table th').first().innerText()).toBe('status');
    expect(await page.locator('tr[data-column="customer_id"] .test-chip').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/relationships → stg_customers/)]));
    expect(await page.locator('.node-side').innerText()).toMatch(/Rows\s+120/);

    // Compiled SQL first, formatted in DuckDB's dialect and highlighted.
    expect(await page.locator('.code-tab.active').innerText()).toBe('Compiled');
    const code = page.locator('pre.code');
    expect(await code.innerText()).toContain('"shop"."main"."stg_orders"');
    expect(await code.locator('span.k').first().innerText()).toMatch(/^(with|select)$/i);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target', 'manifest.json'), 'utf8'));
    await page.locator('.code-tools input[type=checkbox]').uncheck();
    expect(await code.innerText()).toBe(manifest.nodes['model.shop.orders'].compiled_code.replace(/\n$/, ''));
    await page.locator('.code-tools input[type=checkbox]').check();
    await page.locator('.code-tab', { hasText: 'Source' }).click();
    expect(await code.innerText()).toContain("{{ ref('stg_orders') }}");
    await shot(page, '3-model');
    await page.locator('.code-block').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(screenshotDir, '3-model-code.png') });

    await page.evaluate(() => (location.hash = '#/node/model.shop.stg_orders'));
    const statusChip = page.locator('tr[data-column="status"] .test-chip');
    await expect.poll(() => statusChip.getAttribute('class')).toContain('s-fail');
  });

  it('focuses the lineage on a node, with adjustable depth, click-through and paths', async () => {
    await page.evaluate(() => (location.hash = '#/node/model.shop.orders'));
    await page.locator('.page-actions a', { hasText: 'View lineage' }).click();
    await waitForView('focus:model.shop.orders:2:2');
    expect(await page.locator('.lineage-status').innerText()).toMatch(/^6 nodes around orders \(2 up, 2 down\)/);
    expect(await drawnNames()).toEqual(await lsNames('2+orders+2'));

    await page.locator('select[aria-label="Upstream depth"]').selectOption('all');
    await waitForView('focus:model.shop.orders:all:2');
    expect(await drawnNames()).toEqual(await lsNames('+orders+2'));

    // Click a node: its panel; shift-click another: the path between them.
    const stg = await box('model.shop.stg_payments');
    await page.mouse.click(stg.x, stg.y);
    await expect.poll(() => page.locator('.node-panel .panel-name').innerText()).toBe('stg_payments');
    await shot(page, '4-lineage-focus');
    const customers = await box('model.shop.customers');
    await page.keyboard.down('Shift');
    await page.mouse.click(customers.x, customers.y);
    await page.keyboard.up('Shift');
    await expect.poll(() => page.locator('.lineage-status').innerText()).toMatch(/path stg_payments → customers: 4 nodes/);
    await shot(page, '5-lineage-path');

    // Double-click opens the node's page.
    await page.waitForFunction(() => window.kilnDocs?.lastDraw?.view?.includes('path='));
    const raw = await box('seed.shop.raw_payments');
    await page.mouse.dblclick(raw.x, raw.y);
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/node/seed.shop.raw_payments');
  });

  it("filters the lineage with the CLI's selector syntax", async () => {
    await page.locator('.top-nav a', { hasText: 'Lineage' }).click();
    await waitForView('all');
    expect((await drawnNames()).length).toBe(9);
    for (const spec of ['+orders', 'tag:finance', '@stg_payments', 'path:models/staging', 'config.materialized:table', 'stg_*+1', 'result:error+']) {
      await page.locator('.sel-input').first().fill(spec);
      await page.keyboard.press('Enter');
      await waitForView(new URLSearchParams({ select: spec }).toString());
      expect(await drawnNames(), spec).toEqual(await lsNames(spec));
      if (spec === '+orders') await shot(page, '6-lineage-select');
    }
    await page.locator('.sel-input').first().fill('tag:');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.lineage-status.error').innerText()).toMatch(/'tag:' has no value/);
  });

  it('shows the runs: outcome per run, slowest models, test history', async () => {
    await page.locator('.top-nav a', { hasText: 'Runs' }).click();
    const bars = page.locator('.runs-chart .bar');
    await expect.poll(() => bars.count()).toBe(2);
    expect(await bars.nth(0).getAttribute('fill')).toBe('#16a34a');
    expect(await bars.nth(1).getAttribute('fill')).toBe('#dc2626');
    expect(await page.locator('.runs-page').innerText()).toMatch(/What went wrong[\s\S]*accepted_values_stg_orders/);
    // The test that failed leads the grid, one square per run: pass, then fail.
    const first = page.locator('.grid-line').first();
    expect(await first.locator('.grid-name').innerText()).toMatch(/^accepted_values_stg_orders/);
    expect(await first.locator('rect').evaluateAll((rs) => rs.map((r) => r.getAttribute('fill')))).toEqual(['#16a34a', '#dc2626']);
    expect(await page.locator('.slow-table tr').count()).toBeGreaterThan(5);
    await page.locator('.slow-table tr').nth(1).click();
    await expect.poll(() => page.locator('.trend-chart .trend-dot').count()).toBeGreaterThan(0);
    await bars.nth(0).click();
    await expect.poll(() => page.locator('.runs-page').innerText()).toMatch(/Run 1: kiln build[\s\S]*Nothing failed/i);
    await shot(page, '7-runs');
    await page.locator('.test-grid').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(screenshotDir, '7-runs-tests.png') });
  });

  it('needed no network and raised no errors', () => {
    expect(offline).toEqual([]);
    expect(errors).toEqual([]);
  });
});
