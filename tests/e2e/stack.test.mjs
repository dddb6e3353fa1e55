// End-to-end tests of the storage stack v2 in the built page: bytes written by
// dd seen by fdisk and Figure 1, stepping through an lvcreate animation, the
// figure following the command, and sparse files in ls -ls.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dev, gotoApp, partitionDisk, runCommand, screenshot, withApp, sharedBrowser } from './helpers.mjs';

const T = { timeout: 90_000 };
const shared = sharedBrowser();

const stepText = (page) => page.$eval('#step-count', (el) => el.textContent);
const caption = (page) => page.$eval('#caption', (el) => el.textContent);

test('dd over sdb\'s MBR: fdisk -l finds no table, Figure 1 shows the kernel still using sdb1', T, async () => {
  await withApp(shared.browser, shared.server, { reducedMotion: 'reduce' }, async ({ page, ...app }) => {
    await gotoApp({ page, ...app });
    await runCommand(page, "printf 'label: dos\\n,10G\\n' | sfdisk /dev/sdb", /Syncing disks\./);
    await page.waitForSelector(`${dev('sdb1')}.active`, { state: 'attached' });
    await runCommand(page, 'dd if=/dev/zero of=/dev/sdb bs=512 count=1', /1\+0 records out/);
    const listing = await runCommand(page, 'fdisk -l /dev/sdb', /Disk \/dev\/sdb: 500 GiB/);
    assert.doesNotMatch(listing, /Disklabel type/, listing);
    // The table is gone from the bytes, the kernel keeps its partition.
    await page.waitForSelector(`${dev('sdb1')}.stale`, { state: 'attached' });
    const label = await page.$eval(`${dev('sdb')} title`, (el) => el.textContent);
    assert.match(label, /no partition table/, label);
    assert.match(await runCommand(page, 'lsblk /dev/sdb'), /sdb1/);
    await screenshot(page, 'dd-wiped-mbr.png');
  });
});

test('lvcreate follows to the LVM figure, and its frames step back and forth', T, async () => {
  await withApp(shared.browser, shared.server, {}, async (app) => {
    const { page } = app;
    await gotoApp(app);
    await runCommand(page, 'pvcreate /dev/sdb', /successfully created/);
    assert.equal(await page.$eval('[data-shown]', (el) => el.dataset.shown), 'lvm', 'pvcreate brings the LVM figure');
    await page.click('nav [data-figure="blocks"]');
    await page.waitForSelector('[data-shown="blocks"]');
    await runCommand(page, 'vgcreate data_vg /dev/sdb', /successfully created/);
    await page.click('nav [data-figure="blocks"]');
    await page.waitForSelector('[data-shown="blocks"]');
    // Pause first, so every frame waits for a step.
    await page.click('#pause');
    await runCommand(page, 'lvcreate -n my_volume -L 10G data_vg', /Logical volume "my_volume" created\./);
    await page.waitForSelector('[data-shown="lvm"]');
    assert.equal(await stepText(page), 'step 0 of 2');
    const run = '#figure [data-lv="my_volume"]';
    assert.equal(await page.locator(run).count(), 0, 'before the first step no extents are drawn');
    await page.click('#step');
    await page.waitForFunction(() => document.querySelector('#step-count')?.textContent === 'step 1 of 2');
    assert.match(await caption(page), /data_vg\/my_volume is created/);
    assert.equal(await page.locator(run).count(), 0, 'the new LV has no extents yet');
    await page.click('#step');
    await page.waitForSelector(run, { state: 'attached' });
    assert.match(await caption(page), /gets extents 0–2559 on \/dev\/sdb/);
    await page.click('#step-back');
    await page.waitForFunction(() => document.querySelector('#step-count')?.textContent === 'step 1 of 2');
    assert.equal(await page.locator(run).count(), 0, 'stepping back takes the extents away again');
    await page.keyboard.press('.');
    await page.waitForSelector(run, { state: 'attached' });
    await screenshot(page, 'lvcreate-stepped.png');
    // With the figure pinned, a partitioning command leaves LVM on screen.
    await page.click('#pin');
    await runCommand(page, "printf 'label: gpt\\n,1G\\n' | sfdisk /dev/sdc", /Syncing disks\./);
    assert.equal(await page.$eval('[data-shown]', (el) => el.dataset.shown), 'lvm');
  });
});

test('truncate -s 10G makes a file with 0 blocks in ls -ls', T, async () => {
  await withApp(shared.browser, shared.server, {}, async (app) => {
    await gotoApp(app);
    await runCommand(app.page, 'truncate -s 10G /var/lib/vz/images/sparse.img');
    const out = await runCommand(app.page, 'ls -ls /var/lib/vz/images/sparse.img', /sparse\.img/);
    assert.match(out, /^0 -rw-r--r-- 1 root root 10737418240 /, out);
  });
});

test('qemu-io write -z in the browser shows as a zero cluster in qemu-img map; internal snapshots copy a cluster before a write and bring the old data back; qcow2 shrinks; the image attaches as a loop device', T, async () => {
  await withApp(shared.browser, shared.server, {}, async (app) => {
    const { page } = app;
    await gotoApp(app);
    const img = '/var/lib/vz/images/100/vm-100-disk-0.qcow2';
    await runCommand(page, 'mkdir -p /var/lib/vz/images/100');
    await runCommand(page, `qemu-img create -f qcow2 ${img} 32G`, /Formatting/);
    await runCommand(page, `qemu-io -c 'write -P 0xab 0 64k' -c 'write -z 1M 64k' ${img}`, /wrote 65536\/65536 bytes at offset 1048576/);
    const map = await runCommand(page, `qemu-img map --output=json ${img}`, /"zero": true/);
    assert.match(map, /\{ "start": 1048576, "length": 65536, "depth": 0, "present": true, "zero": true, "data": false, "compressed": false\}/, map);
    const read = await runCommand(page, `qemu-io -c 'read -P 0xab 0 64k' -c 'read -P 0 1M 64k' ${img}`, /read 65536\/65536 bytes at offset 1048576/);
    assert.doesNotMatch(read, /Pattern verification failed/, read);
    const check = await runCommand(page, `qemu-img check ${img}`, /No errors were found on the image/);
    assert.match(check, /1\/524288 = 0\.00% allocated/, check);
    // An internal snapshot, then a write: the cluster is copied first, so
    // the guest's first cluster moves in the file.
    const offsetOfFirst = (json) => Number(/\{ "start": 0, "length": 65536, [^}]*"offset": (\d+)\}/.exec(json)[1]);
    const before = offsetOfFirst(map);
    await runCommand(page, `qemu-img snapshot -c before_update ${img}`);
    const list = await runCommand(page, `qemu-img snapshot -l ${img}`, /before_update/);
    assert.match(list, /^Snapshot list:\nID\s+TAG\s+VM_SIZE\s+DATE\s+VM_CLOCK\s+ICOUNT\n1\s+before_update\s+0 B /, list);
    await runCommand(page, `qemu-io -c 'write -P 0xcd 0 4k' ${img}`, /wrote 4096\/4096 bytes at offset 0/);
    const after = offsetOfFirst(await runCommand(page, `qemu-img map --output=json ${img}`, /"offset"/));
    assert.notEqual(after, before);
    await runCommand(page, `qemu-img snapshot -a before_update ${img}`);
    const back = await runCommand(page, `qemu-io -c 'read -P 0xab 0 64k' ${img}`, /read 65536\/65536 bytes at offset 0/);
    assert.doesNotMatch(back, /Pattern verification failed/, back);
    assert.equal(offsetOfFirst(await runCommand(page, `qemu-img map --output=json ${img}`, /"offset"/)), before);
    const shrink = await runCommand(page, `qemu-img resize --shrink ${img} 1G`, /Image resized\./);
    assert.match(shrink, /^Image resized\.\n?$/, shrink);
    assert.match(await runCommand(page, `qemu-img info ${img}`, /virtual size/), /^virtual size: 1 GiB \(1073741824 bytes\)$/m);
    assert.match(await runCommand(page, `qemu-img check ${img}`, /allocated/), /^1\/16384 = 0\.01% allocated/m);
    // ZFS says where it is rather than "command not found".
    const zpool = await runCommand(page, 'sudo zpool status', /command-line program/);
    assert.match(zpool, /^zpool: ZFS \(the course's section 3\) is in the storage-lab command-line program, not in the browser yet/, zpool);
    // The image as a loop device, and a thin LV's snapshot.
    assert.match(await runCommand(page, `losetup -f --show ${img}`, /loop/), /^\/dev\/loop0\n?$/);
    // losetup reads the file as it is: the loop device is qcow2's container, as long as the file.
    const length = (await runCommand(page, `stat -c %s ${img}`, /^\d+/)).trim();
    assert.equal((await runCommand(page, 'lsblk -bdno SIZE /dev/loop0', /^\d+/)).trim(), length);
    await runCommand(page, 'lvcreate -V 1G -T pve/data -n vm-102-disk-0', /created/);
    const snapshot = await runCommand(page, 'lvcreate -s -n snap_vm-102-disk-0_before_update pve/vm-102-disk-0', /created/);
    assert.match(snapshot, /^  Logical volume "snap_vm-102-disk-0_before_update" created\.\n?$/, snapshot);
  });
});

test('a session exported as JSON imports again; a broken file leaves the session alone', T, async () => {
  await withApp(shared.browser, shared.server, {}, async (app) => {
    const { page } = app;
    await gotoApp(app);
    await runCommand(page, 'pvcreate /dev/sdc', /successfully created/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const json = JSON.parse(await (await download.createReadStream()).toArray().then((parts) => Buffer.concat(parts).toString('utf8')));
    assert.equal(json.format, 'storage-lab-session');
    assert.equal(json.version, 2);
    assert.deepEqual(json.lines, ['pvcreate /dev/sdc']);
    await page.click('#reset');
    await page.waitForFunction(() => !document.querySelector('#console-output')?.textContent.includes('pvcreate'));
    await page.setInputFiles('#import', { name: 'lab.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(json)) });
    await page.waitForFunction(() => document.querySelector('#console-output')?.textContent.includes('Physical volume "/dev/sdc" successfully created.'));
    await page.setInputFiles('#import', { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "storage-lab-session", "version": 2') });
    const alert = await page.waitForSelector('[role=alert]');
    assert.match(await alert.textContent(), /The session file could not be imported: the session file is not valid: it ends too early/);
    assert.match(await page.$eval('#console-output', (el) => el.textContent), /successfully created/, 'the imported session is still there');
  });
});

test('a qcow2 image served by qemu-nbd is partitioned in Figure 1 by clicks, and the table lands in its guest clusters', T, async () => {
  await withApp(shared.browser, shared.server, {}, async (app) => {
    const { page } = app;
    await gotoApp(app);
    const img = '/var/lib/vz/images/100/vm-100-disk-1.qcow2';
    await runCommand(page, 'mkdir -p /var/lib/vz/images/100');
    await runCommand(page, `qemu-img create -f qcow2 ${img} 1G`, /Formatting/);
    await runCommand(page, 'modprobe nbd max_part=8');
    await runCommand(page, `qemu-nbd -c /dev/nbd0 ${img}`);
    // Figure 1 draws the new disk, and New partition offers it.
    await page.waitForSelector(dev('nbd0'), { state: 'attached' });
    // The toolbar's size (10 GiB) does not fit the 1 GiB disk: half of it.
    await page.fill('input#part-size', '+512M');
    await partitionDisk(page, 'nbd0');
    assert.match(await runCommand(page, 'lsblk -no NAME,SIZE /dev/nbd0', /nbd0p1/), /^nbd0\s+1G\n\S+nbd0p1\s+512M\n?$/);
    // The table went into the image: its first guest cluster is now data.
    const map = await runCommand(page, `qemu-img map --output=json -U ${img}`, /"start": 0/);
    assert.match(map, /^\[\{ "start": 0, "length": 65536, "depth": 0, "present": true, "zero": false, "data": true, "compressed": false, "offset": \d+\}/, map);
    await runCommand(page, 'qemu-nbd -d /dev/nbd0', /disconnected/);
    assert.match(await runCommand(page, `qemu-img check ${img}`, /No errors/), /No errors were found on the image\./);
    await screenshot(page, 'qemu-nbd-partitioned.png');
  });
});
