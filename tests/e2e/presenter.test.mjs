// Presenter mode in the lecture hall: readable under light and dark colour
// schemes (axe-core finds no contrast problem on either figure).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axeViolations, gotoApp, runCommand, screenshot, showLvm, withApp, sharedBrowser } from './helpers.mjs';

const T = { timeout: 90_000 };
const shared = sharedBrowser();

const describe = (violations) => violations.map((v) => `${v.id}: ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n');

for (const scheme of ['light', 'dark']) {
  test(`presenter mode passes axe-core on both figures with a ${scheme} colour scheme`, T, async () => {
    await withApp(shared.browser, shared.server, { colorScheme: scheme }, async (app) => {
      const { page } = app;
      await gotoApp(app);
      await page.click('#present');
      await page.waitForSelector('.app.present');
      await runCommand(page, 'pvcreate /dev/sdb', /successfully created/);
      await runCommand(page, 'vgcreate data_vg /dev/sdb', /successfully created/);
      await page.click('#skip').catch(() => {});
      await page.click('nav [data-figure="blocks"]');
      let violations = await axeViolations(page);
      assert.equal(violations.length, 0, `Figure 1:\n${describe(violations)}`);
      await showLvm(page);
      await screenshot(page, `presenter-${scheme}.png`);
      violations = await axeViolations(page);
      assert.equal(violations.length, 0, `Figure 2:\n${describe(violations)}`);
      const label = await page.$eval('#figure .vgname', (el) => getComputedStyle(el).fill);
      const background = await page.$eval('.app.present', (el) => getComputedStyle(el).backgroundColor);
      assert.notEqual(label, background, 'the VG label is drawn in another colour than the background');
    });
  });
}
