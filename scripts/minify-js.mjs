// Trunk post_build hook: minifies wasm-bindgen's JavaScript glue in release
// builds with terser, and updates the subresource-integrity hashes that
// index.html holds for it. Trunk's own JS minifier rejects the glue's
// `export default` and leaves it as it is (40 KiB, 7.5 KiB gzipped). First
// the names the glue shares with the wasm module get short (wasm-names.mjs).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { renameInGlue, shortenNames } from './wasm-names.mjs';

const dir = process.env.TRUNK_STAGING_DIR;
if (process.env.TRUNK_PROFILE !== 'release' || !dir) process.exit(0);

let minify;
try {
  ({ minify } = await import('terser'));
} catch {
  console.error('minify-js: terser is not installed; run ./x setup');
  process.exit(1);
}
const sri = (text) => `sha384-${crypto.createHash('sha384').update(text).digest('base64')}`;
const indexFile = path.join(dir, 'index.html');
let index = fs.readFileSync(indexFile, 'utf8');
// The exports a page or the bench calls by name keep them.
const keepExports = (name) => ['main', 'bench_replay', 'bench_undo'].includes(name);
for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.js'))) {
  const file = path.join(dir, name);
  const before = fs.readFileSync(file, 'utf8');
  let glue = before;
  const wasmFile = path.join(dir, name.replace(/\.js$/, '_bg.wasm'));
  if (fs.existsSync(wasmFile)) {
    const { wasm, renames } = shortenNames(fs.readFileSync(wasmFile), keepExports);
    fs.writeFileSync(wasmFile, wasm);
    glue = renameInGlue(glue, renames);
  }
  const out = await minify(glue, { module: true, compress: true, mangle: true });
  fs.writeFileSync(file, out.code);
  index = index.split(sri(before)).join(sri(out.code));
}
// wasm-bindgen's inline snippets (`inline_js`), which the glue imports by
// their exported names: 442 -> 366 bytes gzipped for the download helper
// (measured 2026-12-05).
const snippets = path.join(dir, 'snippets');
const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
for (const file of fs.existsSync(snippets) ? walk(snippets).filter((f) => f.endsWith('.js')) : []) {
  const before = fs.readFileSync(file, 'utf8');
  const out = await minify(before, { module: true, compress: true, mangle: true });
  fs.writeFileSync(file, out.code);
  index = index.split(sri(before)).join(sri(out.code));
}
fs.writeFileSync(indexFile, index);
