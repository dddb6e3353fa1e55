#!/usr/bin/env bash
# Regenerates src/core/parttypes.rs from the installed util-linux sfdisk.
# Run by hand after upgrading the util-linux the fixtures are captured from.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo '//! Partition type tables, as util-linux 2.38 lists them (`sfdisk --label gpt -T`,'
  echo '//! `sfdisk --label dos -T`). The order is fdisk'"'"'s numbering for GPT types.'
  echo '//!'
  echo '//! Generated from the real tool by `scripts/gen-parttypes.sh`; edit that, not this.'
  echo '//! The tables are plain text (one type per line) because a table of string'
  echo '//! pairs costs the WebAssembly bundle a pointer pair per entry.'
  echo
  echo '/// GPT types: type GUID, a tab, the name; one per line, in fdisk'"'"'s order.'
  printf 'const GPT_TEXT: &str = "'
  sfdisk --label gpt -T | tail -n +3 | sed -E 's/^([0-9A-Fa-f-]{36})  (.*)$/\1\\t\2\\n/' | tr -d '\n' | sed 's/"/\\"/g'
  echo '";'
  echo
  echo '/// MBR types: the type byte in hex, a tab, the name; one per line.'
  printf 'const DOS_TEXT: &str = "'
  sfdisk --label dos -T | tail -n +3 | sed -E 's/^ *([0-9a-f]+)  (.*)$/\1\\t\2\\n/' | tr -d '\n' | sed 's/"/\\"/g'
  echo '";'
  cat <<'RS'

/// GPT partition types: (type GUID, name), in fdisk's numbered order.
pub fn gpt_types() -> impl Iterator<Item = (&'static str, &'static str)> {
    GPT_TEXT.lines().filter_map(|l| l.split_once('\t'))
}

/// MBR partition types: (type byte, name), in the order fdisk lists them.
pub fn dos_types() -> impl Iterator<Item = (u8, &'static str)> {
    DOS_TEXT.lines().filter_map(|l| {
        let (code, name) = l.split_once('\t')?;
        Some((u8::from_str_radix(code, 16).ok()?, name))
    })
}
RS
} > src/core/parttypes.rs
