// Figure text as a lecture hall sees it: at 1280x720 no figure text is drawn
// smaller than 12 px, and in presenter mode none smaller than 16 px.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gotoApp, runCommand, showLvm, withApp, sharedBrowser } from './helpers.mjs';

const T = { timeout: 90_000 };
const shared = sharedBrowser();

/** The smallest rendered font size of the figure's text, in CSS pixels, and which text it is. */
async function smallestText(page) {
  return page.$eval('#figure', (svg) => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    let min = { px: Infinity, text: '' };
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim() || t.getBoundingClientRect().width === 0) continue;
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < min.px) min = { px, text: t.textContent.slice(0, 40) };
    }
    return min;
  });
}

for (const present of [false, true]) {
  const floor = present ? 16 : 12;
  test(`figure text is at least ${floor} px at 1280x720${present ? ' in presenter mode' : ''}`, T, async () => {
    await withApp(shared.browser, shared.server, { viewport: { width: 1280, height: 720 } }, async (app) => {
      const { page } = app;
      await gotoApp(app);
      if (present) {
        await page.click('#present');
        await page.waitForSelector('.app.present');
      }
      await runCommand(page, "printf 'label: gpt\\n,1M\\n,100M\\n,\\n' | sfdisk /dev/sdb", /Syncing disks/);
      await page.click('#skip').catch(() => {});
      let min = await smallestText(page);
      assert.ok(min.px >= floor, `Figure 1: "${min.text}" is ${min.px.toFixed(1)} px`);
      await runCommand(page, 'pvcreate /dev/sdb3', /successfully created/);
      await runCommand(page, 'vgcreate data_vg /dev/sdb3', /successfully created/);
      await runCommand(page, 'lvcreate --type thin-pool -L 100M -n pool data_vg', /created/);
      await page.click('#skip').catch(() => {});
      await showLvm(page).catch(() => {});
      await page.waitForSelector('[data-shown="lvm"]');
      min = await smallestText(page);
      assert.ok(min.px >= floor, `Figure 2: "${min.text}" is ${min.px.toFixed(1)} px`);
      await runCommand(page, 'mkdir -p /var/lib/vz/images/100');
      await runCommand(page, 'qemu-img create -f qcow2 /var/lib/vz/images/100/vm-100-disk-0.qcow2 1G', /Formatting/);
      await runCommand(page, "qemu-io -c 'read 0 4k' /var/lib/vz/images/100/vm-100-disk-0.qcow2", /read 4096/);
      await page.click('#skip').catch(() => {});
      await page.waitForSelector('[data-shown="qcow2"]');
      min = await smallestText(page);
      assert.ok(min.px >= floor, `Figure 5: "${min.text}" is ${min.px.toFixed(1)} px`);
    });
  });
}
