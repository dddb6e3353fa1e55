// Shared helpers for the end-to-end tests: a static server that mounts dist/
// under a deep sub-path, Debian's Chromium through playwright-core, and small
// waits on the UI contract (body[data-ready], #console-input, #figure, ...).
// Nothing here sleeps a fixed time: every wait is on a condition.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.resolve(process.env.E2E_DIST || path.join(ROOT, 'dist'));
export const OUT = path.join(ROOT, 'tests/e2e/out');
// A deep sub-path proves that every URL in dist/ is relative.
export const MOUNT = '/courses/os3/week4/lab/';
export const STORAGE_KEY = 'storage-lab.session';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.xz': 'application/x-xz',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Serves DIST at http://127.0.0.1:<free port>/courses/os3/week4/lab/. */
export async function startServer() {
  assert.ok(
    fs.existsSync(path.join(DIST, 'index.html')),
    `${DIST}/index.html is missing: build it first with "trunk build --release" (./x test does)`,
  );
  const outside = []; // requests for paths outside the mount: a non-relative URL
  const notFound = [];
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    if (!pathname.startsWith(MOUNT)) {
      outside.push(req.url);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('outside the mount point');
      return;
    }
    let rel = pathname.slice(MOUNT.length);
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(DIST, rel);
    if (!file.startsWith(DIST + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        notFound.push(req.url);
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    base: origin + MOUNT,
    outside,
    notFound,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Debian's Chromium, headless. Playwright gives every launch a fresh temporary
 * user-data-dir (it refuses a --user-data-dir argument with launch()), and every
 * newContext() is a fresh profile with empty storage.
 */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * Opens a fresh context and page that record console errors, page errors,
 * failed responses and every request to another origin (those are also blocked).
 */
export async function openApp(browser, server, options = {}) {
  const context = await browser.newContext({
    viewport: options.viewport || { width: 1280, height: 720 },
    reducedMotion: options.reducedMotion || 'no-preference',
    colorScheme: options.colorScheme || 'light',
  });
  const app = { context, server, errors: [], foreign: [], requests: [], outsideFrom: server.outside.length };
  context.on('request', (req) => {
    const url = req.url();
    app.requests.push(url);
    if (/^(https?|wss?):/.test(url) && new URL(url).origin !== server.origin) app.foreign.push(url);
  });
  await context.route(
    (url) => /^(https?|wss?):$/.test(url.protocol) && url.origin !== server.origin,
    (route) => route.abort('blockedbyclient'),
  );
  if (options.initScript) await context.addInitScript(options.initScript.fn, options.initScript.arg);
  app.page = await context.newPage();
  watch(app, app.page);
  app.page.setDefaultTimeout(15_000);
  app.page.setDefaultNavigationTimeout(30_000);
  return app;
}

function watch(app, page) {
  page.on('pageerror', (err) => app.errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') app.errors.push(`console.error: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) app.errors.push(`HTTP ${res.status()} for ${res.url()}`);
  });
}

/** Asserts what must hold for every page of every test, then closes the context. */
export async function closeApp(app) {
  const problems = [
    ...app.errors,
    ...app.foreign.map((u) => `request to another origin: ${u}`),
    ...app.server.outside.slice(app.outsideFrom).map((u) => `request outside ${MOUNT} (a non-relative URL): ${u}`),
  ];
  try {
    assert.deepEqual(problems, [], 'console errors, page errors, failed responses or stray requests');
  } finally {
    await app.context.close();
  }
}

/** Runs fn(app) on a fresh context; always closes it, and checks it stayed clean. */
export async function withApp(browser, server, options, fn) {
  const app = await openApp(browser, server, options);
  let failed = true;
  try {
    await fn(app);
    failed = false;
  } finally {
    if (failed) await app.context.close().catch(() => {});
  }
  await closeApp(app);
}

export async function waitReady(page) {
  await page.waitForSelector('body[data-ready]', { state: 'attached' });
}

/** Loads the app at base + suffix (e.g. '?embed=blocks' or '#s=...') and waits for it. */
export async function gotoApp(app, suffix = '') {
  await app.page.goto(app.server.base + suffix);
  await waitReady(app.page);
}

export async function consoleText(page) {
  return page.$eval('#console-output', (el) => el.textContent);
}

/** Waits until the console output, past what it held before, matches re. */
export async function waitConsoleAfter(page, before, re, what) {
  try {
    await page.waitForFunction(
      ([prev, source, flags]) => {
        const now = document.querySelector('#console-output')?.textContent ?? '';
        const added = now.startsWith(prev) ? now.slice(prev.length) : now;
        return now !== prev && new RegExp(source, flags).test(added);
      },
      [before, re.source, re.flags],
    );
  } catch (err) {
    const now = await consoleText(page).catch(() => '<no #console-output>');
    throw new Error(`${what}: console output never matched ${re}; it ends with:\n${now.slice(-600)}`, { cause: err });
  }
}

/**
 * Types a command into the console and presses Enter. Waits for the last
 * `.entry` to change and echo the command (and, if given, for its output to
 * match `expect`), then returns that entry's `pre.out` text.
 */
export async function runCommand(page, command, expect = null) {
  const lastEntry = () =>
    page.evaluate(() => {
      const all = document.querySelectorAll('#console-output .entry');
      return { count: all.length, text: all.length ? all[all.length - 1].textContent : '' };
    });
  const before = await lastEntry();
  await page.fill('#console-input', command);
  await page.press('#console-input', 'Enter');
  try {
    const handle = await page.waitForFunction(
      ([prev, cmd, source, flags]) => {
        const all = document.querySelectorAll('#console-output .entry');
        const last = all[all.length - 1];
        if (!last || (all.length === prev.count && last.textContent === prev.text)) return false;
        const out = last.querySelector('pre.out')?.textContent ?? '';
        const echo = [...last.childNodes].filter((n) => !(n.matches && n.matches('pre.out'))).map((n) => n.textContent).join('');
        if (!echo.includes(cmd)) return false;
        if (source && !new RegExp(source, flags).test(out)) return false;
        return { out };
      },
      [before, command, expect?.source ?? null, expect?.flags ?? ''],
    );
    return (await handle.jsonValue()).out;
  } catch (err) {
    const now = await consoleText(page).catch(() => '<no #console-output>');
    throw new Error(
      `running "${command}": no new .entry echoing it${expect ? ` with output matching ${expect}` : ''}; the console ends with:\n${now.slice(-600)}`,
      { cause: err },
    );
  }
}

/** Picks `name` (sdb) in select#target-disk, whether options read sdb or /dev/sdb. */
export async function chooseDisk(page, name) {
  const value = await page.$eval(
    'select#target-disk',
    (select, want) => {
      const option = [...select.options].find(
        (o) =>
          o.value === want ||
          o.value === `/dev/${want}` ||
          o.textContent.trim().split(/\s+/)[0].replace('/dev/', '') === want,
      );
      return option ? option.value : null;
    },
    name,
  );
  assert.notEqual(value, null, `select#target-disk has no option for ${name}`);
  await page.selectOption('select#target-disk', value);
}

export const dev = (name) => `#figure [data-dev="${name}"]`;

/**
 * Clicks New partition on `name` (sdb), checks the console shows the command
 * (and, for fdisk, that the partition is drawn as pending), then Write
 * table, and waits for the first partition to be drawn as written.
 */
export async function partitionDisk(page, name) {
  const first = /\d$/.test(name) ? `${name}p1` : `${name}1`;
  await chooseDisk(page, name);
  let before = await consoleText(page);
  await page.click('button[data-action="new-partition"]');
  await waitConsoleAfter(page, before, new RegExp(`s?fdisk\\b[^\\n]*${name}`), 'New partition');
  const added = (await consoleText(page)).slice(before.length);
  const usedFdisk = new RegExp(`(^|[^s])fdisk\\b[^\\n]*${name}`).test(added) && !new RegExp(`sfdisk\\b[^\\n]*${name}`).test(added);
  if (usedFdisk) {
    // fdisk keeps the new table in memory until w: the figure shows it pending.
    await page.waitForSelector(`${dev(first)}[data-pending]`, { state: 'attached' });
  }
  const write = page.locator('button[data-action="write-table"]');
  if (usedFdisk || (await write.isEnabled())) {
    before = await consoleText(page);
    await write.click();
    await waitConsoleAfter(page, before, /\S/, 'Write table');
  }
  await page.waitForSelector(`${dev(first)}:not([data-pending])`, { state: 'attached' });
  assert.equal(await page.locator(`${dev(first)}[data-pending]`).count(), 0, `${first} is still pending after Write table`);
}

export const partitionSdb = (page) => partitionDisk(page, 'sdb');

/** The whole-SVG markup, to wait for the figure to change. */
export async function figureMarkup(page) {
  return page.$eval('#figure', (el) => el.innerHTML);
}

/** Shows the LVM figure through the navigation and waits until it is drawn. */
export async function showLvm(page) {
  const before = await figureMarkup(page);
  await page.click('nav [data-figure="lvm"]');
  await page.waitForFunction((prev) => document.querySelector('#figure')?.innerHTML !== prev, before);
}

const AXE_SOURCE = () => fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on the current page, summarised for an assertion message. */
export async function axeViolations(page) {
  await settle(page);
  await page.addScriptTag({ content: AXE_SOURCE() });
  return page.evaluate(async () => {
    const result = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
    }));
  });
}

/**
 * Waits until the figure's animation queue is done (the Skip animation button,
 * when there is one, is disabled) and no finite CSS animation or transition runs.
 */
export async function settle(page) {
  await page.waitForFunction(() => {
    const skip = document.querySelector('#skip');
    const running = document
      .getAnimations()
      .filter((a) => a.playState === 'running' && a.effect?.getComputedTiming().iterations !== Infinity);
    return (!skip || skip.disabled) && running.length === 0;
  });
}

export async function screenshot(page, name, options = {}) {
  await settle(page);
  fs.mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: path.join(OUT, name), ...options });
}

/** Presses Tab until document.activeElement matches selector; fails on a keyboard trap. */
export async function tabTo(page, selector, maxPresses = 100) {
  let last = null;
  let same = 0;
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab');
    const state = await page.evaluate((sel) => {
      const el = document.activeElement;
      if (!el || el === document.body) return { hit: false, key: 'body', name: 'body' };
      // An expando number per element tells elements apart (SVG groups have no id).
      if (el.__e2eKey === undefined) el.__e2eKey = window.__e2eNextKey = (window.__e2eNextKey ?? 0) + 1;
      const name = `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.dataset?.action ? `[data-action=${el.dataset.action}]` : ''}${el.dataset?.dev ? `[data-dev=${el.dataset.dev}]` : ''}`;
      return { hit: el.matches(sel), key: el.__e2eKey, name };
    }, selector);
    if (state.hit) return;
    same = state.key === last && state.key !== 'body' ? same + 1 : 0;
    assert.ok(same < 3, `keyboard trap: Tab stays on ${state.name}`);
    last = state.key;
  }
  assert.fail(`Tab never reached ${selector} in ${maxPresses} presses`);
}

/** What makes the focused element's focus visible, checked through computed style. */
export async function focusIndicator(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const cs = getComputedStyle(el);
    const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
    const shadow = cs.boxShadow && cs.boxShadow !== 'none';
    return {
      focusVisible: el.matches(':focus-visible'),
      visible: outline || shadow,
      style: `outline: ${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}; box-shadow: ${cs.boxShadow}`,
    };
  });
}

/**
 * One server and one browser for a test file: started before its first test,
 * closed after its last. Read `.server` and `.browser` inside the tests.
 */
export function sharedBrowser() {
  const shared = {};
  before(async () => {
    shared.server = await startServer();
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await shared.browser?.close();
    await shared.server?.close();
  });
  return shared;
}
