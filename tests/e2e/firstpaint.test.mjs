// The first screen is static HTML rendered at build time (src/bin/prerender.rs):
// it reads without JavaScript, and the app takes over from it without moving
// anything on screen.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { sharedBrowser, OUT } from './helpers.mjs';

const T = { timeout: 90_000 };
const shared = sharedBrowser();

test('the first screen reads without JavaScript', T, async () => {
  const context = await shared.browser.newContext({ viewport: { width: 1280, height: 720 }, javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.goto(shared.server.base);
    // Figure 1 of the default lab machine, the toolbar and the console's welcome.
    assert.equal(await page.locator('#figure [data-dev="sda"]').count(), 1, 'sda is drawn');
    assert.equal(await page.locator('#figure [data-dev="nvme0n1"]').count(), 1, 'nvme0n1 is drawn');
    assert.match(await page.locator('h2.caption').innerText(), /Figure 1/);
    assert.match(await page.locator('.welcome').innerText(), /simulated Proxmox VE host/);
    assert.ok(await page.locator('#undo').isVisible(), 'the toolbar is there');
    assert.equal(await page.locator('body[data-ready]').count(), 0, 'only the app marks the page ready');
    await page.screenshot({ path: path.join(OUT, 'first-screen-without-js.png') });
  } finally {
    await context.close();
  }
});

/** Boxes of the landmarks a reader's eye is on while the app takes over. */
const boxes = (page) =>
  page.evaluate(() =>
    ['header.top', 'h2.caption', '.controls', '#figure', '.welcome', '#console-input'].map((sel) => {
      const r = document.querySelector(sel)?.getBoundingClientRect();
      return { sel, box: r && [r.x, r.y, r.width, r.height].map(Math.round) };
    }),
  );

for (const viewport of [{ width: 1280, height: 720 }, { width: 412, height: 823 }]) {
  test(`the app replaces the first screen without a layout shift at ${viewport.width}x${viewport.height}`, T, async () => {
    const context = await shared.browser.newContext({ viewport });
    let release;
    const held = new Promise((r) => (release = r));
    // The wasm waits until the pre-rendered screen has been measured.
    await context.route('**/*_bg.wasm.xz', async (route) => {
      await held;
      await route.continue();
    });
    await context.addInitScript(() => {
      window.__shifts = [];
      new PerformanceObserver((list) => window.__shifts.push(...list.getEntries().map((e) => e.value))).observe({
        type: 'layout-shift',
        buffered: true,
      });
    });
    try {
      const page = await context.newPage();
      await page.goto(shared.server.base);
      await page.waitForSelector('#figure');
      const before = await boxes(page);
      release();
      await page.waitForSelector('body[data-ready]', { state: 'attached' });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assert.equal(await page.locator('body > .app').count(), 1, 'the pre-rendered screen is gone');
      assert.deepEqual(await boxes(page), before);
      assert.deepEqual(await page.evaluate(() => window.__shifts), [], 'no layout-shift entries');
    } finally {
      await context.close();
    }
  });
}

test('an embedded figure does not flash the pre-rendered full page', T, async () => {
  const context = await shared.browser.newContext({ viewport: { width: 800, height: 600 } });
  let release;
  const held = new Promise((r) => (release = r));
  await context.route('**/*_bg.wasm.xz', async (route) => {
    await held;
    await route.continue();
  });
  try {
    const page = await context.newPage();
    await page.goto(`${shared.server.base}?embed=lvm`);
    await page.waitForSelector('body > .app', { state: 'attached' });
    assert.equal(await page.locator('header.top').isVisible(), false, 'the full page stays hidden');
    release();
    await page.waitForSelector('body[data-ready]', { state: 'attached' });
    assert.equal(await page.locator('.app.embedded').isVisible(), true, 'the figure shows once the app runs');
    assert.equal(await page.locator('header.top').count(), 0);
  } finally {
    await context.close();
  }
});
