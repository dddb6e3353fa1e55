// Trunk post_build hook, last step of release builds: ships the wasm module
// xz-compressed, and the page decompresses it while it downloads.
//
// Why: the wasm is 97 % of the app's bytes. gzip -9 takes the 0.9 MB module to
// 396 KB, xz -9e to 325 KB (measured 2026-12-05), and a server that sends
// .wasm uncompressed would send all 0.9 MB. The decoder (npm's xz-decompress: xz-embedded compiled to wasm) costs 9.4 KB
// gzipped, so the app's download shrinks by 62 KB.
//
// A worker decompresses, so the page's main thread stays free for the first
// screen (Lighthouse's Total Blocking Time doubled with decompression on it),
// and hands the bytes over to WebAssembly.instantiate.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const dir = process.env.TRUNK_STAGING_DIR;
if (process.env.TRUNK_PROFILE !== 'release' || !dir) process.exit(0);

const require = createRequire(import.meta.url);
let decoder;
try {
  decoder = require.resolve('xz-decompress/dist/package/xz-decompress.min.js');
} catch {
  console.error('xz-wasm: xz-decompress is not installed; run ./x setup');
  process.exit(1);
}
const version = JSON.parse(fs.readFileSync(path.join(path.dirname(decoder), '../../package.json'), 'utf8')).version;
const workerName = `xz-decompress-${version}.js`;
// The decoder's own wasm (12.6 KB) ships as a file beside the worker, not as
// the base64 data URL the package inlines: gzip takes the base64 to 7,587
// bytes and the binary to 5,529 (measured 2026-12-07). The worker fetches
// it relative to its own URL, so dist/ still works under any sub-path.
const decoderWasmName = `xz-decompress-${version}.wasm`;
const inlined = /"data:application\/wasm;base64,([A-Za-z0-9+/=]+)"/;
const fromBase64 = 'const I=A.replace("data:application/wasm;base64,",""),g=Uint8Array.from(atob(I),(A=>A.charCodeAt(0))).buffer';
let decoderSource = fs.readFileSync(decoder, 'utf8');
const base64 = decoderSource.match(inlined);
if (!base64 || !decoderSource.includes(fromBase64)) {
  console.error(`xz-wasm: xz-decompress ${version} no longer inlines its wasm as this script expects; check scripts/xz-wasm.mjs`);
  process.exit(1);
}
fs.writeFileSync(path.join(dir, decoderWasmName), Buffer.from(base64[1], 'base64'));
decoderSource = decoderSource
  .replace(inlined, JSON.stringify(`./${decoderWasmName}`))
  .replace(fromBase64, 'const g=await(await fetch(A)).arrayBuffer()');
// The decoder (a UMD script that sets self['xz-decompress']) and the worker's
// one job: fetch the URL it is sent, post back the decompressed bytes or the
// error's text.
const worker = `onmessage = async (e) => {
  try {
    const r = await fetch(e.data);
    if (!r.ok) throw new Error(r.url + ': ' + r.status);
    const bytes = await new Response(new self['xz-decompress'].XzReadableStream(r.body)).arrayBuffer();
    postMessage(bytes, [bytes]);
  } catch (err) {
    postMessage(String(err));
  }
};
`;
fs.writeFileSync(path.join(dir, workerName), `${decoderSource}\n${worker}`);

const indexFile = path.join(dir, 'index.html');
let index = fs.readFileSync(indexFile, 'utf8');
const load = /module_or_path:\s*'\.\/([^']+_bg\.wasm)'/;
const found = index.match(load);
if (!found) {
  console.error("xz-wasm: index.html has no loader line `module_or_path: './…_bg.wasm'`");
  process.exit(1);
}
const wasmName = found[1];
const wasmFile = path.join(dir, wasmName);
// LZMA2 tuned for wasm, whose bytes are not aligned to wider words: no
// position bits (pb=0, lp=0) and the most literal context (lc=4). On the
// 1.08 MB module of 2026-12-06 this took 389,112 bytes (-9e) to 387,544;
// xz-embedded decodes any lc+lp <= 4.
//
// Which match finder and match length ("nice") pack a given module best
// varies from build to build by a hundred bytes or two, with no setting
// best for all, so every build tries a few and keeps the smallest (half a
// second each). On the module of 2026-12-07: 389,292 bytes with the preset's
// own bt4 and nice=273, 389,088 with the best of these.
const settings = [];
for (const mf of ['bt3', 'bt4']) {
  for (const nice of [48, 64, 96, 112, 128, 160, 192, 273]) settings.push(`mf=${mf},nice=${nice}`);
}
let packed = null;
for (const setting of settings) {
  const lzma2 = `--lzma2=preset=9e,lc=4,lp=0,pb=0,${setting}`;
  const candidate = execFileSync('xz', [lzma2, '--stdout', wasmFile], { maxBuffer: 1 << 28 });
  if (!packed || candidate.length < packed.length) packed = candidate;
}
// The page's own decoder must give the module back byte for byte.
const xz = require(decoder);
const stream = new ReadableStream({ start(c) { c.enqueue(new Uint8Array(packed)); c.close(); } });
const unpacked = Buffer.from(await new Response(new xz.XzReadableStream(stream)).arrayBuffer());
if (!unpacked.equals(fs.readFileSync(wasmFile))) {
  console.error('xz-wasm: xz-decompress does not give the module back; keep the wasm uncompressed');
  process.exit(1);
}
fs.writeFileSync(`${wasmFile}.xz`, packed);
fs.unlinkSync(wasmFile);

const decompressed =
  `new Promise((ok, fail) => { const w = new Worker('./${workerName}'); ` +
  `w.onmessage = (e) => { w.terminate(); typeof e.data == 'string' ? fail(new Error(e.data)) : ok(e.data); }; ` +
  `w.onerror = fail; w.postMessage('./${wasmName}.xz'); })`;
index = index.replace(load, `module_or_path: ${decompressed}`);
fs.writeFileSync(indexFile, index);
