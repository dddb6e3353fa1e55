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
  echo
  echo '/// GPT partition types: (type GUID, name), in fdisk'"'"'s numbered order.'
  echo 'pub const GPT_TYPES: &[(&str, &str)] = &['
  sfdisk --label gpt -T | tail -n +3 | sed -E 's/^([0-9A-Fa-f-]{36})  (.*)$/    ("\1", "\2"),/'
  echo '];'
  echo
  echo '/// MBR partition types: (type byte, name).'
  echo 'pub const DOS_TYPES: &[(u8, &str)] = &['
  sfdisk --label dos -T | tail -n +3 | sed -E 's/^ *([0-9a-f]+)  (.*)$/    (0x\1, "\2"),/'
  echo '];'
} > src/core/parttypes.rs
