// Figure 5 (raw vs qcow2) end to end: driven by clicks and by typing, the
// table walk of a read stepped frame by frame, a screenshot, and the
// downloads checked by the real qemu-img.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { axeViolations, gotoApp, runCommand, screenshot, settle, sharedBrowser, withApp } from './helpers.mjs';

const T = { timeout: 120_000 };
const shared = sharedBrowser();
const QCOW2 = '/var/lib/vz/images/101/vm-101-disk-0.qcow2';
const RAW = '/var/lib/vz/images/100/vm-100-disk-0.raw';

const click = async (page, action) => {
  await page.click(`[data-action="${action}"]`);
  await settle(page);
};

const qemuImg = (...args) => execFileSync('qemu-img', args, { encoding: 'utf8' });

async function save(page, name, dir) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-download="${name}"]`)]);
  const file = path.join(dir, download.suggestedFilename());
  await download.saveAs(file);
  return file;
}

test('?embed=qcow2: the buttons write into both images, a read walks L1 then L2, and the downloads pass the real qemu-img check', T, async () => {
  await withApp(shared.browser, shared.server, {}, async (app) => {
    const { page } = app;
    await gotoApp(app, '?embed=qcow2');
    await page.waitForSelector('svg.images#figure', { state: 'visible' });
    assert.equal(await page.locator('nav [data-figure]:visible').count(), 0, 'embed mode shows no navigation');

    await click(page, 'create-images');
    await page.waitForSelector('[data-image="vm-101-disk-0.qcow2"]');
    await page.waitForSelector('[data-image="vm-100-disk-0.raw"]');
    await click(page, 'install-os');
    await click(page, 'write-file');
    const text = await page.locator('#figure').textContent();
    // 64 MiB + 4 MiB of guest data: 1088 data clusters of 64 KiB, and six
    // of metadata (header, refcount table and block, L1, two L2 tables).
    assert.match(text, /vm-101-disk-0\.qcow2 · qcow2 · 1 GiB virtual/, text);
    assert.match(text, /guest data 68 MiB · metadata 384 KiB in 6 clusters/, text);
    assert.match(text, /vm-100-disk-0\.raw · raw · 1 GiB virtual.*ls -l 1 GiB · du 68 MiB/, text);
    // The host-space plot: a stepped line per image, one step per command
    // that wrote it (each button writes raw, then qcow2), drawn on to the
    // latest step.
    const names = await page.locator('#figure .plot .plotname').allTextContents();
    assert.match(names.join(' | '), /^vm-100-disk-0\.raw \(raw\): 68 MiB \| vm-101-disk-0\.qcow2 \(qcow2\): 68(\.\d)? MiB$/);
    const lines = await page.locator('#figure .plot path.line').evaluateAll((ps) => ps.map((p) => `${p.getAttribute('class')} ${(p.getAttribute('d').match(/H/g) || []).length}`));
    assert.deepEqual(lines, ['line raw 3', 'line qcow2 2']);

    // Typed, and stepped: the guest read, then the L1 entry, then the L2 entry.
    await page.click('#pause');
    await runCommand(page, `qemu-io -c 'read -P 0x66 512M 4k' ${QCOW2}`, /read 4096\/4096 bytes at offset 536870912/);
    // One line per step taken so far.
    const walkIs = (re) => page.waitForFunction((source) => new RegExp(source).test([...document.querySelectorAll('#figure .lookup')].map((t) => t.textContent).join(' | ')), re.source);
    await page.click('#step');
    await walkIs(/^read: guest byte 0x20000000$/);
    await page.click('#step');
    await walkIs(/^read: guest byte 0x20000000 \| → L1\[1\] → L2 table at 0x[0-9a-f]+$/);
    await page.click('#step');
    await walkIs(/\| → L2\[0\] → cluster at 0x[0-9a-f]+$/);
    const walk = (await page.locator('#figure .lookup').allTextContents()).join(' | ');
    assert.match(await page.locator('#caption').textContent(), /L2 entry 0 points to the data cluster/);
    await page.click('#pause');

    const rows = await page.locator('#image-summary tbody tr').allTextContents();
    assert.equal(rows.length, 4, rows.join('\n'));
    assert.match(rows[1], /Space usage68 MiB on disk for 1 GiB virtual \(sparse: holes cost nothing\)/, rows[1]);
    assert.match(rows[2], /Snapshotsnone inside/, rows[2]);
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, 'embed-qcow2.png', { fullPage: true });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storage-lab-images-'));
    try {
      const qcow2 = await save(page, 'vm-101-disk-0.qcow2', dir);
      assert.match(qemuImg('check', qcow2), /No errors were found on the image\./);
      const info = JSON.parse(qemuImg('info', '--output=json', qcow2));
      assert.equal(info['virtual-size'], 1 << 30);
      // The figure's walk names the cluster the real qemu-img maps 512 MiB to.
      const map = JSON.parse(qemuImg('map', '--output=json', qcow2));
      const extent = map.find((e) => e.start === 512 << 20);
      assert.ok(extent?.data, JSON.stringify(map));
      assert.ok(walk.endsWith(`cluster at 0x${extent.offset.toString(16)}`), `${walk} vs ${JSON.stringify(extent)}`);

      const gz = await save(page, 'vm-100-disk-0.raw', dir);
      assert.equal(path.basename(gz), 'vm-100-disk-0.raw.gz');
      const raw = path.join(dir, 'vm-100-disk-0.raw');
      execFileSync('sh', ['-c', `gunzip -c "${gz}" | dd of="${raw}" bs=1M conv=sparse status=none`]);
      assert.equal(fs.statSync(raw).size, 1 << 30);
      assert.match(qemuImg('compare', '-f', 'raw', '-F', 'qcow2', raw, qcow2), /Images are identical\./);

      // An internal snapshot by click: the next write copies its clusters
      // first, and rolling back brings the old ones back. The download
      // still passes the real check and holds the snapshot.
      assert.equal(await page.isDisabled('[data-action="rollback"]'), true);
      await click(page, 'snapshot');
      await page.waitForFunction(() => /internal: 1 in the file's snapshot table/.test(document.querySelector('#image-summary')?.textContent));
      assert.equal(await page.isDisabled('[data-action="snapshot"]'), true);
      // The snapshot shares every data cluster (drawn dashed) ...
      const image = '#figure [data-image="vm-101-disk-0.qcow2"]';
      await page.waitForSelector(`${image} rect.shared`);
      const clusters = async () => Number(/metadata [^·]* in (\d+) clusters/.exec(await page.locator('[data-image="vm-101-disk-0.qcow2"]').textContent())?.[1]);
      await click(page, 'write-file');
      // ... and a write over shared clusters leaves the old ones to it alone.
      await page.waitForSelector(`${image} rect.held`);
      await runCommand(page, `qemu-io -c 'read -P 0x66 512M 4M' ${QCOW2}`, /read 4194304\/4194304 bytes at offset 536870912/);
      await click(page, 'rollback');
      const back = await runCommand(page, `qemu-io -c 'read -P 0x66 512M 4M' ${QCOW2}`, /read 4194304\/4194304 bytes at offset 536870912/);
      assert.doesNotMatch(back, /Pattern verification failed/, back);
      assert.ok((await clusters()) >= 7, 'the snapshot table and its L1 copy are metadata');
      const withSnapshot = await save(page, 'vm-101-disk-0.qcow2', dir);
      assert.match(qemuImg('check', withSnapshot), /No errors were found on the image\./);
      assert.match(qemuImg('snapshot', '-l', withSnapshot), /^Snapshot list:\nID\s+TAG.*\n1\s+before_update\s/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('key 5 shows Figure 5, and a discard frees the file cluster by cluster', T, async () => {
  await withApp(shared.browser, shared.server, {}, async (app) => {
    const { page } = app;
    await gotoApp(app);
    await page.click('body');
    await page.keyboard.press('5');
    await page.waitForSelector('svg.images#figure');
    await runCommand(page, 'mkdir -p /var/lib/vz/images/101');
    await runCommand(page, `qemu-img create -f qcow2 ${QCOW2} 10G`, /Formatting/);
    await runCommand(page, `qemu-io -c 'write -P 0x11 0 1M' ${QCOW2}`, /wrote 1048576/);
    await settle(page);
    assert.match(await page.locator('#figure').textContent(), /guest data 1 MiB/);
    // The strip of first clusters: header, refcount table, refcount block,
    // L1, L2, then the 16 data clusters; a read at 0 outlines L1, L2 and the
    // first data cluster.
    const cells = () => page.$$eval('#figure .cells rect', (rs) => rs.map((r) => r.getAttribute('class')));
    assert.deepEqual((await cells()).slice(0, 6), ['header', 'refcount', 'refcount', 'l1', 'l2', 'data']);
    await runCommand(page, `qemu-io -c 'read -P 0x11 0 4k' ${QCOW2}`, /read 4096\/4096 bytes at offset 0/);
    await settle(page);
    assert.deepEqual((await cells()).slice(3, 6), ['l1 walk', 'l2 walk', 'data walk']);
    await runCommand(page, `qemu-io -c 'discard 0 1M' ${QCOW2}`, /discard 1048576/);
    await settle(page);
    assert.match(await page.locator('#figure').textContent(), /guest data 0 B/);
    assert.equal(await page.locator('#image-summary').count(), 0, 'no table without a raw image to compare');
    // preallocation=falloc in the browser too: the whole file is allocated,
    // 64.3 MiB as qemu-img 10.0.2 reports it for 64M.
    const falloc = '/var/lib/vz/images/101/vm-101-disk-1.qcow2';
    await runCommand(page, `qemu-img create -f qcow2 -o preallocation=falloc ${falloc} 64M`, /preallocation=falloc/);
    await runCommand(page, `qemu-img info ${falloc}`, /disk size: 64\.3 MiB/);
    await runCommand(page, `rm ${falloc}`);
    await runCommand(page, `rm ${QCOW2}`);
    await page.waitForSelector('[data-image]', { state: 'detached' });
  });
});

test('Figure 5 by clicks: a raw disk on LVM-thin gets its snapshot from below and rolls back; thin provisioning shows what it promises', T, async () => {
  await withApp(shared.browser, shared.server, {}, async (app) => {
    const { page } = app;
    await gotoApp(app, '?embed=qcow2');
    await page.waitForSelector('svg.images#figure');
    const text = () => page.locator('.images-figure').textContent();
    assert.equal(await page.isDisabled('[data-action="thin-snapshot"]'), true);
    await click(page, 'create-images');
    await click(page, 'thin-disk');
    await page.waitForSelector('#figure [data-thin="vm-102-disk-0"]');
    // The guest's writes go into the raw file, the qcow2 file and the thin LV.
    await click(page, 'install-os');
    await page.waitForFunction(() => /vm-102-disk-0 · 1 GiB virtual · 64 MiB mapped/.test(document.querySelector('#figure')?.textContent));
    await click(page, 'thin-snapshot');
    await page.waitForSelector('#figure [data-thin="snap_vm-102-disk-0_before_update"]');
    assert.match(await text(), /snap_vm-102-disk-0_before_update · 1 GiB virtual · 64 MiB mapped · snapshot, inactive/);
    assert.match(await text(), /from below, on LVM-thin: snap_vm-102-disk-0_before_update/);
    // A write after the snapshot copies the shared chunks; the roll back
    // (lvconvert --merge) brings the OS's bytes back.
    await click(page, 'write-file');
    await runCommand(page, "qemu-io -f raw -c 'write -P 0x66 0 4M' /dev/pve/vm-102-disk-0", /wrote 4194304/);
    await settle(page);
    assert.match(await text(), /LVM-thin: 2 GiB promised on pve\/data: 70\.7 GiB, 3% of it; in use 72 MiB \(0\.10%\)\./);
    await click(page, 'thin-rollback');
    await page.waitForSelector('#figure [data-thin="snap_vm-102-disk-0_before_update"]', { state: 'detached' });
    const back = await runCommand(page, "qemu-io -f raw -c 'read -P 0x4f 0 4M' /dev/pve/vm-102-disk-0", /read 4194304/);
    assert.doesNotMatch(back, /Pattern verification failed/, back);
    // Over-commit: lvm2's warning, and the numbers say so.
    await click(page, 'thin-overcommit');
    await page.waitForFunction(() => /over-committed, a write may find the pool full/.test(document.querySelector('.images-figure')?.textContent));
    assert.match(await text(), /LVM-thin: 101 GiB promised on pve\/data: 70\.7 GiB, 143% of it: over-committed/);
    assert.match(await text(), /Image files: 2 GiB promised on the 32 GiB root file system \(pve-root\)/);
    assert.match(await runCommand(page, 'lvs pve', /vm-103-disk-0/), /vm-102-disk-0 pve Vwi-a-tz--\s+1\.00g data\s+6\.25/);
    await screenshot(page, 'embed-qcow2-thin.png', { fullPage: true });
    await click(page, 'remove-images');
    await page.waitForSelector('#figure [data-thin]', { state: 'detached' });
    assert.doesNotMatch(await runCommand(page, 'lvs pve', /root/), /vm-10[23]/);
  });
});
