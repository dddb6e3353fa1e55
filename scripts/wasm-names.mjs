// Short names for what the wasm module and wasm-bindgen's glue share: the
// import module and field names (`__wbg_setAttribute_2b1e4a0e6b5b0b2e`,
// each with a 16-digit hash), and the long export names of closures. Both
// files carry each name, and the hashes do not compress: measured 2.6 KiB
// gzipped off dist/ (2026-12-03). Used by minify-js.mjs on release builds.

const leb = (bytes, at) => {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
};

const encodeLeb = (value) => {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
};

const encodeName = (name) => {
  const bytes = [...Buffer.from(name, 'utf8')];
  return [...encodeLeb(bytes.length), ...bytes];
};

// The end of an import's description (a function's type, a table, a
// memory, a global or a tag), from its kind byte.
const skipImportDesc = (bytes, at) => {
  const kind = bytes[at++];
  const limits = (p) => {
    const [flags, q] = leb(bytes, p);
    let [, r] = leb(bytes, q);
    if (flags & 1) [, r] = leb(bytes, r);
    return r;
  };
  if (kind === 0) return leb(bytes, at)[1];
  if (kind === 1) return limits(at + 1);
  if (kind === 2) return limits(at);
  if (kind === 3) return at + 2;
  if (kind === 4) return leb(bytes, at + 1)[1];
  throw new Error(`wasm-names: unknown import kind ${kind}`);
};

const readName = (bytes, at) => {
  const [length, start] = leb(bytes, at);
  return [Buffer.from(bytes.subarray(start, start + length)).toString('utf8'), start + length];
};

// Rewrites the import (2) and export (7) sections; every other section is
// copied as it is. Returns the new bytes and the old -> new names.
export function shortenNames(wasm, keepExports) {
  const renames = new Map();
  const shortName = (old, prefix) => {
    if (!renames.has(old)) renames.set(old, `${prefix}${renames.size.toString(36)}`);
    return renames.get(old);
  };
  const out = [wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = leb(wasm, at + 1);
    const end = start + size;
    if (id !== 2 && id !== 7) {
      out.push(wasm.subarray(at, end));
      at = end;
      continue;
    }
    let [count, p] = leb(wasm, start);
    const body = encodeLeb(count);
    for (let i = 0; i < count; i++) {
      if (id === 2) {
        const [module, q] = readName(wasm, p);
        const [field, r] = readName(wasm, q);
        const descEnd = skipImportDesc(wasm, r);
        body.push(...encodeName(shortName(module, 'm')), ...encodeName(shortName(field, 'w')), ...wasm.subarray(r, descEnd));
        p = descEnd;
      } else {
        const [name, q] = readName(wasm, p);
        const descEnd = leb(wasm, q + 1)[1];
        body.push(...encodeName(keepExports(name) ? name : shortName(name, 'x')), ...wasm.subarray(q, descEnd));
        p = descEnd;
      }
    }
    out.push(Uint8Array.from([id, ...encodeLeb(body.length), ...body]));
    at = end;
  }
  return { wasm: Buffer.concat(out), renames };
}

// The glue with every renamed name replaced where it stands as a whole
// identifier or string.
export function renameInGlue(js, renames) {
  for (const [old, name] of renames) {
    const escaped = old.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    js = js.replace(new RegExp(`(?<![A-Za-z0-9_$])${escaped}(?![A-Za-z0-9_$])`, 'g'), name);
  }
  return js;
}
