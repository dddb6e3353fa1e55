// Trunk post_build hook: minifies wasm-bindgen's JavaScript glue in release
// builds with terser, and updates the subresource-integrity hashes that
// index.html holds for it. Trunk's own JS minifier rejects the glue's
// `export default` and leaves it as it is (40 KiB, 7.5 KiB gzipped).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

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
for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.js'))) {
  const file = path.join(dir, name);
  const before = fs.readFileSync(file, 'utf8');
  const out = await minify(before, { module: true, compress: true, mangle: true });
  fs.writeFileSync(file, out.code);
  index = index.split(sri(before)).join(sri(out.code));
}
fs.writeFileSync(indexFile, index);
