// End-to-end tests of the built page (dist/) in Debian's headless Chromium.
// Run: ./x test e2e   (or, after trunk build --release: npm run e2e)
//
// Every test opens a fresh browser context and, when it ends, checks that the
// page logged no console error or page error, had no failed response, and sent
// no request to another origin or outside the deep sub-path it is served under.

import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import {
  STORAGE_KEY,
  axeViolations,
  consoleText,
  dev,
  focusIndicator,
  gotoApp,
  launchBrowser,
  partitionSdb,
  runCommand,
  screenshot,
  showLvm,
  startServer,
  tabTo,
  waitReady,
  waitConsoleAfter,
  withApp,
} from './helpers.mjs';

const T = { timeout: 90_000 };
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const formatViolations = (violations) =>
  violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n');

test('loads under a deep sub-path with same-origin requests only', T, async () => {
  await withApp(browser, server, {}, async (app) => {
    await gotoApp(app);
    assert.equal(await app.page.title(), 'Storage Lab');
    await app.page.waitForSelector('#console-input', { state: 'visible' });
    await app.page.waitForSelector('#figure', { state: 'visible' });
    await app.page.waitForSelector(dev('sdb'), { state: 'attached' });
    assert.ok(app.requests.some((u) => u.endsWith('_bg.wasm.xz')), 'the page loaded its xz-compressed wasm');
    await screenshot(app.page, 'main-1280x720.png');
  });
});

test('lsblk lists sdb as 8:16', T, async () => {
  await withApp(browser, server, {}, async (app) => {
    await gotoApp(app);
    const out = await runCommand(app.page, 'lsblk', /sdb/);
    assert.match(out, /sdb\s+8:16\b/, `lsblk output:\n${out}`);
  });
});

describe('partitioning sdb', () => {
  let shareLink;

  it('New partition then Write table draws sdb1, and reloading keeps it', T, async () => {
    await withApp(browser, server, {}, async (app) => {
      await gotoApp(app);
      await partitionSdb(app.page);
      await screenshot(app.page, 'sdb1-written.png');

      await app.page.reload();
      await waitReady(app.page);
      await app.page.waitForSelector(`${dev('sdb1')}:not([data-pending])`, { state: 'attached' });

      await app.page.click('#share');
      await app.page.waitForFunction(() => document.querySelector('input#share-link')?.value.includes('#s='));
      const value = await app.page.inputValue('input#share-link');
      shareLink = new URL(value, app.page.url()).href;
      assert.match(new URL(app.page.url()).hash, /^#s=./, 'Share puts the session into the URL fragment');
    });
  });

  it('the share link shows the same state in a new browser context', T, async () => {
    assert.ok(shareLink, 'needs the share link from the previous test');
    assert.ok(shareLink.startsWith(server.base), `share link ${shareLink} is not under ${server.base}`);
    await withApp(browser, server, {}, async (app) => {
      await app.page.goto(shareLink);
      await waitReady(app.page);
      await app.page.waitForSelector(`${dev('sdb1')}:not([data-pending])`, { state: 'attached' });
      await runCommand(app.page, 'lsblk /dev/sdb', /sdb1/);
    });
  });
});

test('keyboard only: Tab reaches the console and the actions with visible focus, Enter activates', T, async () => {
  await withApp(browser, server, {}, async (app) => {
    const { page } = app;
    await gotoApp(app);

    await tabTo(page, '#console-input');
    let focus = await focusIndicator(page);
    assert.ok(focus.focusVisible && focus.visible, `#console-input has no visible focus (${focus.style})`);
    const before = await consoleText(page);
    await page.keyboard.type('lsblk');
    await page.keyboard.press('Enter');
    await page.waitForFunction((prev) => {
      const now = document.querySelector('#console-output')?.textContent ?? '';
      const added = now.startsWith(prev) ? now.slice(prev.length) : now;
      return now !== prev && added.includes('8:16');
    }, before);

    // Disabled buttons (Write table before fdisk is open, say) are rightly not
    // focusable: check every action button that is enabled now.
    const enabled = await page.$$eval('button[data-action]:not(:disabled)', (bs) => bs.map((b) => b.dataset.action));
    for (const needed of ['new-partition', 'add-disk']) assert.ok(enabled.includes(needed), `${needed} is disabled on a fresh page`);
    for (const action of [...enabled.filter((a) => a !== 'add-disk'), 'add-disk']) {
      await tabTo(page, `button[data-action="${action}"]`);
      focus = await focusIndicator(page);
      assert.ok(focus.focusVisible && focus.visible, `button[data-action="${action}"] has no visible focus (${focus.style})`);
    }
    await screenshot(page, 'keyboard-focus.png');

    // Focus is on Add disk now: Enter must run its command in the console.
    const beforeAdd = await consoleText(page);
    const disksBefore = await page.locator('#figure [data-dev]').count();
    await page.keyboard.press('Enter');
    await page.waitForFunction((prev) => (document.querySelector('#console-output')?.textContent ?? '') !== prev, beforeAdd);
    await page.waitForFunction((n) => document.querySelectorAll('#figure [data-dev]').length > n, disksBefore);
  });
});

test('axe-core finds no violations on the main page', T, async () => {
  await withApp(browser, server, {}, async (app) => {
    await gotoApp(app);
    await runCommand(app.page, 'lsblk');
    const violations = await axeViolations(app.page);
    assert.equal(violations.length, 0, `axe violations:\n${formatViolations(violations)}`);
  });
});

test('axe-core finds no violations on the LVM figure', T, async () => {
  await withApp(browser, server, {}, async (app) => {
    await gotoApp(app);
    await showLvm(app.page);
    await screenshot(app.page, 'lvm-1280x720.png');
    const violations = await axeViolations(app.page);
    assert.equal(violations.length, 0, `axe violations:\n${formatViolations(violations)}`);
  });
});

async function assertAlertAndWorking(app, shot) {
  const alert = app.page.locator('[role=alert]').filter({ hasText: /\S/ });
  await alert.first().waitFor({ state: 'visible' });
  await screenshot(app.page, shot);
  // The default machine is there and the console still works.
  await app.page.waitForSelector(dev('sdb'), { state: 'attached' });
  await runCommand(app.page, 'lsblk', /sdb\s+8:16\b/);
}

test('a broken URL fragment shows an alert and the app still works', T, async () => {
  await withApp(browser, server, {}, async (app) => {
    await gotoApp(app, '#s=%%%garbage');
    await assertAlertAndWorking(app, 'broken-fragment.png');
  });
});

test('a broken saved session shows an alert and the app still works', T, async () => {
  const initScript = {
    fn: (key) => {
      // Only the first load of this context gets the broken value.
      if (!sessionStorage.getItem('e2e-broken-set')) {
        localStorage.setItem(key, '{"not a session": %%% garbage');
        sessionStorage.setItem('e2e-broken-set', '1');
      }
    },
    arg: STORAGE_KEY,
  };
  await withApp(browser, server, { initScript }, async (app) => {
    await gotoApp(app);
    await assertAlertAndWorking(app, 'broken-storage.png');
  });
});

test('prefers-reduced-motion: reduce still renders the end state', T, async () => {
  await withApp(browser, server, { reducedMotion: 'reduce' }, async (app) => {
    await gotoApp(app);
    assert.ok(await app.page.evaluate(() => matchMedia('(prefers-reduced-motion: reduce)').matches));
    await partitionSdb(app.page);
    const shown = await app.page.$eval(dev('sdb1'), (el) => {
      const box = el.getBoundingClientRect();
      let opacity = 1;
      for (let e = el; e && e.nodeType === 1; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
      return { width: box.width, height: box.height, opacity };
    });
    assert.ok(shown.width > 0 && shown.height > 0 && shown.opacity > 0.9, `sdb1 is not fully drawn: ${JSON.stringify(shown)}`);
    await screenshot(app.page, 'reduced-motion.png');
  });
});

test('a 375px-wide viewport has no horizontal scroll', T, async () => {
  await withApp(browser, server, { viewport: { width: 375, height: 812 } }, async (app) => {
    await gotoApp(app);
    await runCommand(app.page, 'lsblk');
    await runCommand(app.page, 'fdisk -l /dev/sda');
    const width = await app.page.evaluate(() => document.scrollingElement.scrollWidth);
    await screenshot(app.page, 'mobile-375.png', { fullPage: true });
    assert.ok(width <= 376, `the page is ${width}px wide at a 375px viewport`);
  });
});

test('?embed=blocks shows the block figure and its console', T, async () => {
  await withApp(browser, server, {}, async (app) => {
    await gotoApp(app, '?embed=blocks');
    await app.page.waitForSelector('#figure', { state: 'visible' });
    await app.page.waitForSelector(dev('sdb'), { state: 'attached' });
    await app.page.waitForSelector('#console-input', { state: 'visible' });
    assert.equal(await app.page.locator('nav [data-figure]:visible').count(), 0, 'embed mode shows the navigation');
    await screenshot(app.page, 'embed-blocks.png');
    await runCommand(app.page, 'lsblk', /sdb\s+8:16\b/);
  });
});

test('?embed=lvm shows the LVM figure and its console', T, async () => {
  await withApp(browser, server, {}, async (app) => {
    await gotoApp(app, '?embed=lvm');
    await app.page.waitForSelector('#figure', { state: 'visible' });
    await app.page.waitForSelector('#console-input', { state: 'visible' });
    assert.equal(await app.page.locator('nav [data-figure]:visible').count(), 0, 'embed mode shows the navigation');
    await screenshot(app.page, 'embed-lvm.png');
    await runCommand(app.page, 'vgs', /pve/);
  });
});

test('Figure 2 driven by clicks and by typing: PV, VG, LV spanning two PVs, thin pool filling', T, async () => {
  await withApp(browser, server, {}, async (app) => {
    const { page } = app;
    await gotoApp(app);
    await showLvm(page);
    const click = async (action, re) => {
      const before = await consoleText(page);
      await page.click(`button[data-action="${action}"]`);
      await waitConsoleAfter(page, before, re, action);
    };
    // Clicks type the same commands a student would.
    await click('pvcreate', /Physical volume "\/dev\/sdb" successfully created\./);
    await click('vgcreate', /Volume group "data_vg" successfully created/);
    await page.waitForSelector('#figure [data-vg="data_vg"]', { state: 'attached' });
    await click('lvcreate', /Logical volume "my_volume" created\./);
    await page.waitForSelector('#figure [data-dev="sdb"] [data-lv="my_volume"]', { state: 'attached' });
    // Typing: grow the VG with sdc and the LV across both PVs.
    await runCommand(page, 'vgextend data_vg /dev/sdc', /successfully extended/);
    await runCommand(page, 'lvextend -l +100%FREE data_vg/my_volume', /successfully resized/);
    await page.waitForSelector('#figure [data-dev="sdc"] [data-lv="my_volume"]', { state: 'attached' });
    const lvs = await runCommand(page, 'lvs data_vg', /my_volume/);
    // Two 500G PVs hold 127999 extents each: 255998 x 4 MiB = 999.99 GiB.
    assert.match(lvs, /my_volume data_vg -wi-a----- 999\.99g/, lvs);
    // Thin provisioning: shrink my_volume to make room, then over-commit a pool.
    await runCommand(page, 'lvreduce -y -L 800G data_vg/my_volume', /successfully resized/);
    await click('thin-pool', /Logical volume "thinpool" created\./);
    await click('thin-lv', /WARNING: Sum of all thin volume sizes/);
    await click('write-thin', /records out/);
    await page.waitForFunction(() => /[1-9][0-9.]*% of chunks used/.test(document.querySelector('#figure')?.textContent ?? ''));
    await screenshot(page, 'lvm-driven.png');
  });
});
